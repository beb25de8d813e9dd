"""Code asset of the two Python Lambdas: the API bundle plus the deployer package.

The API bundle (``python -m lambdas.api.bundle``) contains the serving code and
its arm64 wheels. The deployer needs pydantic and ``satisfaction.registry``
from the same bundle, so both functions share one asset: a staging folder with
the bundle and ``lambdas/deployer``. The asset hash covers every file of that
folder and requirements-lambda.txt, so it changes whenever the code or a pin
changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from aws_cdk import AssetHashType
from aws_cdk import aws_lambda as lambda_

from lambdas.api import bundle as api_bundle

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
LAMBDA_REQUIREMENTS = api_bundle.REQUIREMENTS
# Packages copied next to the API bundle, relative to the repository root.
EXTRA_PACKAGES = ("lambdas/deployer",)


class ApiBundleError(RuntimeError):
    """The API bundle folder is missing or was built from other sources."""


def check_bundle(bundle_dir: Path) -> None:
    """Raise ApiBundleError unless ``bundle_dir`` was built from the current sources.

    Compares the requirements and source digests that ``BUNDLE_INFO.json``
    records with the repository as it is now.
    """
    info_file = bundle_dir / api_bundle.INFO_FILE
    rebuild = "Rebuild it with: .venv/bin/python -m lambdas.api.bundle --output " + str(
        bundle_dir
    )
    if not info_file.is_file():
        raise ApiBundleError(f"API bundle not found: {info_file} is missing. {rebuild}")
    info = json.loads(info_file.read_text())

    requirements_sha256 = hashlib.sha256(LAMBDA_REQUIREMENTS.read_bytes()).hexdigest()
    if info.get("requirements_sha256") != requirements_sha256:
        raise ApiBundleError(
            f"API bundle {bundle_dir} was built from another requirements-lambda.txt. "
            + rebuild
        )
    with tempfile.TemporaryDirectory() as scratch:
        source_sha256 = api_bundle.copy_sources(Path(scratch))
    if info.get("source_sha256") != source_sha256:
        raise ApiBundleError(
            f"API bundle {bundle_dir} contains outdated serving code. {rebuild}"
        )


def stage_lambda_code(bundle_dir: Path, destination: Path) -> Path:
    """Recreate ``destination`` as the bundle plus EXTRA_PACKAGES and return it.

    Files are hard-linked where the file system allows, so staging copies no
    file content.
    """
    check_bundle(bundle_dir)
    if destination.exists():
        shutil.rmtree(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(bundle_dir, destination, copy_function=_link_or_copy)
    for package in EXTRA_PACKAGES:
        shutil.copytree(
            REPOSITORY_ROOT / package,
            destination / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    return destination


def folder_hash(folder: Path, requirements: Path = LAMBDA_REQUIREMENTS) -> str:
    """Return a SHA-256 over every file's relative path and content, and the pins."""
    digest = hashlib.sha256()
    digest.update(b"requirements\0" + requirements.read_bytes())
    for directory, subdirectories, files in os.walk(folder):
        subdirectories.sort()
        for file_name in sorted(files):
            path = Path(directory, file_name)
            digest.update(
                b"\0file\0" + path.relative_to(folder).as_posix().encode() + b"\0"
            )
            with path.open("rb") as stream:
                while chunk := stream.read(1 << 20):
                    digest.update(chunk)
    return digest.hexdigest()


def lambda_code(bundle_dir: Path, staging_dir: Path) -> lambda_.Code:
    """Stage the code of both functions in ``staging_dir`` and return it as one asset.

    ``staging_dir`` lies in the app's output folder, so concurrent synths (two
    test sessions, a test run next to ``cdk synth``) never share it.
    """
    staged = stage_lambda_code(bundle_dir, staging_dir)
    return lambda_.Code.from_asset(
        str(staged),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=folder_hash(staged),
    )


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
