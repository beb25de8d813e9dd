"""Build the Lambda deployment folder of the API: arm64, Python 3.12, no Docker.

``python -m lambdas.api.bundle [--output build/lambda/api]`` installs
requirements-lambda.txt as manylinux aarch64 wheels for CPython 3.12, copies
the serving code, removes test suites and caches, compiles ``.pyc`` files with
a Python 3.12 interpreter when one is available, and prints the unzipped and
zipped sizes. The CDK stack deploys the folder with ``Code.from_asset``.

``BUNDLE_INFO.json`` in the folder records the SHA-256 of the requirements and
of the copied source, so the asset hash changes whenever either changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPOSITORY_ROOT / "build" / "lambda" / "api"
REQUIREMENTS = REPOSITORY_ROOT / "requirements-lambda.txt"

LAMBDA_PYTHON_VERSION = "3.12"
# Both tags, because with manylinux2014 alone pip picks older wheels (numpy
# 2.2.6 in place of 2.4.6, checked with pip 2026-12-04).
PLATFORMS = ("manylinux_2_28_aarch64", "manylinux2014_aarch64")

# Serving code copied into the bundle, relative to the repository root. The
# CLI, synthetic data, local server and this builder stay out.
SOURCE_FILES = (
    "satisfaction/__init__.py",
    "satisfaction/artifact.py",
    "satisfaction/baseline.py",
    "satisfaction/config.py",
    "satisfaction/encoding.py",
    "satisfaction/layouts.py",
    "satisfaction/logs.py",
    "satisfaction/model_source.py",
    "satisfaction/schema.py",
    "lambdas/__init__.py",
    "lambdas/api/__init__.py",
    "lambdas/api/app.py",
    "lambdas/api/config.py",
    "lambdas/api/docs.py",
    "lambdas/api/errors.py",
    "lambdas/api/handler.py",
    "lambdas/api/limits.py",
    "lambdas/api/metrics.py",
    "lambdas/api/middleware.py",
    "lambdas/api/model_provider.py",
    "lambdas/api/prediction.py",
    "lambdas/api/schemas.py",
)

# Registry backends are copied by pattern, because each backend is imported
# only when the settings select it. The registry CLI stays out.
SOURCE_PATTERNS = ("satisfaction/registry/*.py",)
EXCLUDED_SOURCES = frozenset({"satisfaction/registry/cli.py"})

# Directory names removed anywhere under site-packages: test suites and caches.
REMOVED_DIRECTORIES = frozenset({"tests", "__pycache__"})
INFO_FILE = "BUNDLE_INFO.json"
# Distributions that must never reach the serving bundle.
EXCLUDED_DISTRIBUTIONS = frozenset(
    {"pandas", "scikit-learn", "sagemaker", "sagemaker-core", "mlflow", "mlflow-skinny"}
)


class BundleError(Exception):
    """The bundle would contain a distribution that serving must not ship."""


@dataclass(frozen=True)
class BundleReport:
    """Location and size of a built bundle."""

    path: Path
    unzipped_bytes: int
    zipped_bytes: int
    compiled: bool

    def describe(self) -> str:
        compiled = "with" if self.compiled else "without"
        return (
            f"{self.path}: {self.unzipped_bytes / 1e6:.1f} MB unzipped, "
            f"{self.zipped_bytes / 1e6:.1f} MB zipped, {compiled} .pyc files"
        )


def build_bundle(
    output_dir: Path = DEFAULT_OUTPUT,
    requirements: Path = REQUIREMENTS,
    python312: str | None = None,
) -> Path:
    """Build the deployment folder in ``output_dir`` (replacing it) and return its path.

    ``python312`` is a Python 3.12 interpreter used to compile ``.pyc`` files:
    None looks for one and "" skips compiling. Without one the bundle ships
    sources only, and Lambda compiles them in
    memory at every cold start. Raises subprocess.CalledProcessError when pip
    fails and FileNotFoundError when a source file is missing.
    """
    return build_bundle_with_report(output_dir, requirements, python312).path


def build_bundle_with_report(
    output_dir: Path = DEFAULT_OUTPUT,
    requirements: Path = REQUIREMENTS,
    python312: str | None = None,
) -> BundleReport:
    """Build the bundle like ``build_bundle`` and measure it."""
    output_dir = output_dir.resolve()
    if output_dir.exists():
        shutil.rmtree(output_dir)
    output_dir.mkdir(parents=True)

    install_requirements(requirements, output_dir)
    check_lean(output_dir)
    source_digest = copy_sources(output_dir)
    remove_unneeded_files(output_dir)
    # None looks for an interpreter; an empty string skips the compile step.
    interpreter = find_python312() if python312 is None else python312
    compiled = False
    if interpreter:
        compile_bytecode(interpreter, output_dir)
        compiled = True
    else:
        # NOTE: without a 3.12 interpreter the bundle has no .pyc files, which
        # adds about 0.8 s to every cold start (Lambda cannot write them).
        logger.warning(
            "no Python 3.12 interpreter found, so the bundle has no .pyc files"
        )

    write_info(output_dir, requirements, source_digest, compiled)
    return BundleReport(
        output_dir, folder_size(output_dir), zipped_size(output_dir), compiled
    )


def install_requirements(requirements: Path, target: Path) -> None:
    """Install the requirements as aarch64 CPython 3.12 wheels into ``target``."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        LAMBDA_PYTHON_VERSION,
        *(argument for platform in PLATFORMS for argument in ("--platform", platform)),
        "--target",
        str(target),
        "--requirement",
        str(requirements),
    ]
    logger.info(
        "installing %s for aarch64, Python %s", requirements.name, LAMBDA_PYTHON_VERSION
    )
    subprocess.run(command, check=True)


def check_lean(target: Path) -> None:
    """Raise BundleError when a package that must stay out of the bundle was installed.

    Each one costs package size and cold-start time, and xgboost imports
    scikit-learn whenever it is installed.
    """
    installed = {
        path.name.split("-")[0].lower().replace("_", "-")
        for path in target.glob("*.dist-info")
    }
    unwanted = sorted(installed & EXCLUDED_DISTRIBUTIONS)
    if unwanted:
        raise BundleError(
            f"the Lambda bundle must not contain {unwanted}; remove what pulls them "
            f"into {REQUIREMENTS.name}"
        )


def copy_sources(target: Path) -> str:
    """Copy the serving code into ``target`` and return the SHA-256 of its contents."""
    digest = hashlib.sha256()
    matched = (
        path.relative_to(REPOSITORY_ROOT).as_posix()
        for pattern in SOURCE_PATTERNS
        for path in sorted(REPOSITORY_ROOT.glob(pattern))
    )
    files = [*SOURCE_FILES, *(name for name in matched if name not in EXCLUDED_SOURCES)]
    for relative in files:
        source = REPOSITORY_ROOT / relative
        content = source.read_bytes()
        digest.update(relative.encode() + b"\0" + content)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
    return digest.hexdigest()


def remove_unneeded_files(root: Path) -> None:
    """Delete test suites, caches and console scripts that the function never runs."""
    for directory in sorted(root.rglob("*"), reverse=True):
        if directory.is_dir() and directory.name in REMOVED_DIRECTORIES:
            shutil.rmtree(directory)
    scripts = root / "bin"
    if scripts.is_dir():
        shutil.rmtree(scripts)


def find_python312() -> str | None:
    """Return a working Python 3.12 from ``SATISFACTION_BUNDLE_PYTHON`` or PATH."""
    # pyenv's shim fails unless a 3.12 version is selected, so its installs are
    # tried by path too.
    pyenv_installs = sorted(Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))
    candidates = [
        os.environ.get("SATISFACTION_BUNDLE_PYTHON"),
        shutil.which("python3.12"),
        *(str(path) for path in pyenv_installs),
    ]
    for candidate in candidates:
        if not candidate:
            continue
        result = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip() == "(3, 12)":
            return candidate
    return None


def compile_bytecode(interpreter: str, root: Path) -> None:
    """Compile every module with Python 3.12 into ``__pycache__``.

    Unchecked-hash ``.pyc`` files are used without comparing source
    timestamps, which a zip file stores only to two seconds.
    """
    subprocess.run(
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(root),
        ],
        check=True,
    )


def write_info(
    root: Path, requirements: Path, source_digest: str, compiled: bool
) -> None:
    packages = sorted(
        path.name.removesuffix(".dist-info") for path in root.glob("*.dist-info")
    )
    info = {
        "python_version": LAMBDA_PYTHON_VERSION,
        "platforms": list(PLATFORMS),
        "requirements_sha256": hashlib.sha256(requirements.read_bytes()).hexdigest(),
        "source_sha256": source_digest,
        "packages": packages,
        "compiled": compiled,
    }
    (root / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")


def folder_size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def zipped_size(root: Path) -> int:
    """Return the size of the folder as a deflated zip, as CDK uploads it."""
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "bundle.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    bundle.write(path, path.relative_to(root))
        return archive.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lambdas.api.bundle",
        description="Build the API's Lambda deployment folder (arm64, Python 3.12).",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="Folder to replace with the bundle (default build/lambda/api).",
    )
    parser.add_argument(
        "--python312",
        help="Python 3.12 interpreter that compiles the .pyc files (default: "
        "SATISFACTION_BUNDLE_PYTHON, then python3.12 on PATH, then pyenv's 3.12).",
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        report = build_bundle_with_report(
            arguments.output, python312=arguments.python312
        )
    except BundleError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
