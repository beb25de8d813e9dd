"""The shared Lambda code asset: bundle freshness checks and the asset hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.lambda_code import (
    ApiBundleError,
    check_bundle,
    folder_hash,
    stage_lambda_code,
)
from lambdas.api import bundle as api_bundle


def test_fresh_stub_bundle_passes(stub_bundle: Path) -> None:
    check_bundle(stub_bundle)


def test_missing_bundle_raises(tmp_path: Path) -> None:
    with pytest.raises(ApiBundleError, match=r"lambdas\.api\.bundle"):
        check_bundle(tmp_path / "nowhere")


def test_other_requirements_raise(stub_bundle: Path, tmp_path: Path) -> None:
    stale = tmp_path / "stale"
    stale.mkdir()
    info = json.loads((stub_bundle / api_bundle.INFO_FILE).read_text())
    info["requirements_sha256"] = "0" * 64
    (stale / api_bundle.INFO_FILE).write_text(json.dumps(info))

    with pytest.raises(ApiBundleError, match=r"requirements-lambda\.txt"):
        check_bundle(stale)


def test_outdated_source_raises(stub_bundle: Path, tmp_path: Path) -> None:
    stale = tmp_path / "stale"
    stale.mkdir()
    info = json.loads((stub_bundle / api_bundle.INFO_FILE).read_text())
    info["source_sha256"] = "0" * 64
    (stale / api_bundle.INFO_FILE).write_text(json.dumps(info))

    with pytest.raises(ApiBundleError, match="outdated serving code"):
        check_bundle(stale)


def test_staged_code_adds_deployer(stub_bundle: Path, tmp_path: Path) -> None:
    staged = stage_lambda_code(stub_bundle, tmp_path / "staged")

    assert (staged / "lambdas" / "api" / "handler.py").is_file()
    assert (staged / "lambdas" / "deployer" / "handler.py").is_file()
    assert (staged / api_bundle.INFO_FILE).is_file()


def test_folder_hash_covers_content_and_requirements(tmp_path: Path) -> None:
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "module.py").write_text("x = 1\n")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy==2.1\n")
    original = folder_hash(folder, requirements)

    assert folder_hash(folder, requirements) == original

    requirements.write_text("numpy==2.2\n")
    assert folder_hash(folder, requirements) != original

    requirements.write_text("numpy==2.1\n")
    (folder / "module.py").write_text("x = 2\n")
    assert folder_hash(folder, requirements) != original
