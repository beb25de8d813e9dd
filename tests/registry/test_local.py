"""Behaviour of the folder-backed registry: layout, immutability, concurrency."""

from __future__ import annotations

import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from satisfaction.artifact import load_model, sha256_of_file
from satisfaction.registry.base import ApprovalStatus, RegistryError
from satisfaction.registry.local import LocalModelRegistry

METRICS = {"accuracy": 0.96, "roc_auc": 0.99}


@pytest.fixture
def local_registry(tmp_path: Path) -> LocalModelRegistry:
    return LocalModelRegistry(tmp_path / "registry", "group-a", user="tester")


def test_version_folder_layout(local_registry, model_factory):
    package = local_registry.register(str(model_factory(1)), METRICS)

    version_dir = local_registry.root / "group-a" / "1"
    assert Path(package.model_uri) == version_dir
    assert sorted(path.name for path in version_dir.iterdir()) == [
        "metadata.json",
        "model.ubj",
        "package.json",
    ]
    assert load_model(version_dir).metadata.model_sha256 == package.model_sha256


def test_package_json_records_history(local_registry, model_factory):
    local_registry.register(str(model_factory(1)), METRICS)
    local_registry.approve(1, "reviewed")

    record = json.loads((local_registry.group_dir / "1" / "package.json").read_text())

    assert record["approval_status"] == "Approved"
    assert [change["status"] for change in record["history"]] == [
        "PendingManualApproval",
        "Approved",
    ]
    assert record["history"][-1]["changed_by"] == "tester"
    assert record["history"][-1]["reason"] == "reviewed"
    assert record["metrics"] == METRICS


def test_evaluation_report_is_copied(local_registry, model_factory, tmp_path):
    report = tmp_path / "evaluation.json"
    report.write_text('{"test_rows": 10}')

    package = local_registry.register(
        str(model_factory(1)), METRICS, evaluation_uri=str(report)
    )

    assert (
        Path(package.model_uri) / "evaluation.json"
    ).read_text() == report.read_text()


def test_model_files_are_read_only(local_registry, model_factory):
    package = local_registry.register(str(model_factory(1)), METRICS)

    for name in ("model.ubj", "metadata.json"):
        mode = (Path(package.model_uri) / name).stat().st_mode
        assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), name


def test_model_files_never_change(local_registry, model_factory):
    model_dir = model_factory(1)
    first = local_registry.register(str(model_dir), METRICS)
    model_file = Path(first.model_uri) / "model.ubj"
    before = sha256_of_file(model_file)

    local_registry.approve(1)
    local_registry.reject(1)
    # Changing the source folder after registration must not reach the version.
    (model_dir / "model.ubj").write_bytes(b"overwritten")

    assert sha256_of_file(model_file) == before
    assert sha256_of_file(model_file) == first.model_sha256


def test_status_update_leaves_no_temporary_files(local_registry, model_factory):
    local_registry.register(str(model_factory(1)), METRICS)

    local_registry.approve(1)

    names = {path.name for path in (local_registry.group_dir / "1").iterdir()}
    assert names == {"metadata.json", "model.ubj", "package.json"}


def test_concurrent_registrations_get_distinct_versions(local_registry, model_factory):
    model_dirs = [model_factory(seed) for seed in range(8)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        packages = list(
            pool.map(
                lambda path: local_registry.register(str(path), METRICS), model_dirs
            )
        )

    assert sorted(package.version for package in packages) == list(range(1, 9))
    # Each version contains the model that its registration copied.
    for package in packages:
        assert load_model(Path(package.model_uri)).metadata.model_sha256 == (
            package.model_sha256
        )


def test_concurrent_approvals_keep_every_history_entry(local_registry, model_factory):
    for seed in range(4):
        local_registry.register(str(model_factory(seed)), METRICS)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda version: local_registry.approve(version), range(1, 5)))

    for version in range(1, 5):
        package = local_registry.get(version)
        assert package.approval_status is ApprovalStatus.APPROVED
        assert len(package.history) == 2


def test_incomplete_version_folder_is_skipped(local_registry, model_factory):
    local_registry.register(str(model_factory(1)), METRICS)
    # A registration that crashed before writing package.json.
    (local_registry.group_dir / "2").mkdir()

    assert [package.version for package in local_registry.list_versions()] == [1]
    assert local_registry.register(str(model_factory(2)), METRICS).version == 3


def test_failed_registration_removes_its_folder(
    local_registry, model_factory, tmp_path
):
    with pytest.raises(RegistryError, match="evaluation report not found"):
        local_registry.register(
            str(model_factory(1)),
            METRICS,
            evaluation_uri=str(tmp_path / "missing.json"),
        )

    assert not (local_registry.group_dir / "1").exists()


def test_invalid_package_record_raises(local_registry, model_factory):
    package = local_registry.register(str(model_factory(1)), METRICS)
    record = Path(package.model_uri) / "package.json"
    os.chmod(record, 0o644)
    record.write_text("{not json")

    with pytest.raises(RegistryError, match=r"package record .* is invalid"):
        local_registry.get(1)


@pytest.mark.parametrize("group", ["", "a/b", ".."])
def test_invalid_group_name_raises(tmp_path, group):
    with pytest.raises(RegistryError, match="invalid model package group"):
        LocalModelRegistry(tmp_path, group)
