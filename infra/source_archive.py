"""A byte-for-byte reproducible tar.gz of the pipeline step code.

The SageMaker processing and training jobs read the step packages from S3.
CDK uploads the archive as a file asset whose key is the SHA-256 of its bytes,
so the key changes exactly when a source file changes. Entries are sorted and
carry fixed timestamps, owners and modes, so two builds of the same sources
give the same bytes and the same asset hash.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

# Packages the pipeline steps import. Pandas, xgboost and the rest come from the
# job images and their requirements, not from this archive.
STEP_PACKAGES = ("satisfaction", "processing", "training", "evaluation")
# Files next to the packages that the jobs read: name in the archive -> source.
# The jobs install requirements.txt, so it gets the lean pipeline set.
STEP_FILES = {"requirements.txt": "requirements-pipeline.txt"}
ARCHIVE_NAME = "sourcedir.tar.gz"

_EXCLUDED_DIRECTORIES = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache"})
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


def iter_source_files(
    root: Path, packages: Iterable[str] = STEP_PACKAGES
) -> Iterator[tuple[str, Path]]:
    """Yield each file's name in the archive and its path relative to ``root``.

    Names come in sorted order.

    Raises FileNotFoundError when a package or file is missing, because a job
    would fail much later on the missing import.
    """
    entries: list[tuple[str, Path]] = []
    for package in packages:
        package_dir = root / package
        if not (package_dir / "__init__.py").is_file():
            raise FileNotFoundError(
                f"pipeline package {package_dir} not found "
                f"(expected {package}/__init__.py)"
            )
        for directory, subdirectories, files in os.walk(package_dir):
            subdirectories[:] = [
                d for d in subdirectories if d not in _EXCLUDED_DIRECTORIES
            ]
            for file_name in files:
                if not file_name.endswith(_EXCLUDED_SUFFIXES):
                    relative = Path(directory, file_name).relative_to(root)
                    entries.append((relative.as_posix(), relative))
    for archive_name, source_name in STEP_FILES.items():
        if not (root / source_name).is_file():
            raise FileNotFoundError(
                f"pipeline source file {root / source_name} not found"
            )
        entries.append((archive_name, Path(source_name)))
    yield from sorted(entries)


def build_source_archive(root: Path, destination_dir: Path) -> Path:
    """Write ``sourcedir.tar.gz`` of the step packages under ``destination_dir``.

    The file is replaced atomically, so concurrent builds of the same sources
    (parallel test sessions) never read a half-written archive.
    """
    buffer = io.BytesIO()
    # mtime=0 in the gzip header and in every tar entry keeps the bytes stable.
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as compressed,
        tarfile.open(
            fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT
        ) as archive,
    ):
        for archive_name, relative in iter_source_files(root):
            data = (root / relative).read_bytes()
            info = tarfile.TarInfo(archive_name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(data))

    destination_dir.mkdir(parents=True, exist_ok=True)
    target = destination_dir / ARCHIVE_NAME
    partial = destination_dir / f".{ARCHIVE_NAME}.{os.getpid()}.tmp"
    partial.write_bytes(buffer.getvalue())
    partial.replace(target)
    logger.debug("wrote %s (%d bytes)", target, len(buffer.getvalue()))
    return target
