"""The pipeline source archive: reproducible bytes and the expected members."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from infra.source_archive import STEP_FILES, STEP_PACKAGES, build_source_archive

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def make_source_tree(root: Path) -> Path:
    for package in STEP_PACKAGES:
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text(f'"""{package}"""\n')
        (root / package / "__pycache__").mkdir()
        (root / package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (root / "processing" / "step.py").write_text("print('step')\n")
    for source_name in STEP_FILES.values():
        (root / source_name).write_text("numpy\n")
    return root


def test_archive_is_byte_identical(tmp_path: Path) -> None:
    root = make_source_tree(tmp_path / "src")

    first = build_source_archive(root, tmp_path / "a").read_bytes()
    (root / "processing" / "step.py").touch()  # a new mtime must not matter
    second = build_source_archive(root, tmp_path / "b").read_bytes()

    assert first == second


def test_archive_changes_with_source(tmp_path: Path) -> None:
    root = make_source_tree(tmp_path / "src")
    before = build_source_archive(root, tmp_path / "a").read_bytes()

    (root / "processing" / "step.py").write_text("print('changed')\n")
    after = build_source_archive(root, tmp_path / "b").read_bytes()

    assert before != after


def test_archive_members_and_metadata(tmp_path: Path) -> None:
    root = make_source_tree(tmp_path / "src")

    with tarfile.open(build_source_archive(root, tmp_path / "out")) as archive:
        members = archive.getmembers()
    names = [member.name for member in members]

    assert "processing/step.py" in names
    assert "requirements.txt" in names
    assert not [
        name for name in names if "__pycache__" in name or name.endswith(".pyc")
    ]
    assert names == sorted(names)
    assert {member.mtime for member in members} == {0}
    assert {member.uid for member in members} == {0}


def test_requirements_are_pipeline_set(tmp_path: Path) -> None:
    root = make_source_tree(tmp_path / "src")
    (root / "requirements-pipeline.txt").write_text("pandas\n")

    with tarfile.open(build_source_archive(root, tmp_path / "out")) as archive:
        requirements = archive.extractfile("requirements.txt").read()

    assert requirements == b"pandas\n"


def test_repository_pipeline_requirements_lean() -> None:
    text = (REPOSITORY_ROOT / "requirements-pipeline.txt").read_text()
    names = {line.split(">")[0].split("=")[0].strip() for line in text.splitlines()}

    for heavy in ("xgboost", "xgboost-cpu", "sagemaker", "aws-cdk-lib", "dvc"):
        assert heavy not in names


def test_missing_package_raises(tmp_path: Path) -> None:
    root = make_source_tree(tmp_path / "src")
    (root / "training" / "__init__.py").unlink()

    with pytest.raises(FileNotFoundError, match="training"):
        build_source_archive(root, tmp_path / "out")


def test_repository_archive_has_step_modules(tmp_path: Path) -> None:
    with tarfile.open(build_source_archive(REPOSITORY_ROOT, tmp_path)) as archive:
        names = set(archive.getnames())

    for module in (
        "processing/__main__.py",
        "training/__main__.py",
        "evaluation/__main__.py",
    ):
        assert module in names
