"""A model registry in a local folder, with the SageMaker Model Registry's semantics.

Layout: ``<root>/<group>/<version>/{model.ubj, metadata.json, package.json}``,
plus ``evaluation.json`` when the evaluation report is registered with the
model. A version folder's model files are written once and made read-only.
Only ``package.json`` (approval status, history) is ever replaced, atomically
and under a lock on the group.

Version numbers come from an atomic ``mkdir``, so concurrent registrations get
distinct numbers. ``package.json`` is written last: a folder without it is a
registration in progress (or one that failed) and is not listed.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from satisfaction.registry.base import (
    ApprovalChange,
    ApprovalStatus,
    ModelPackage,
    ModelRegistry,
    RegistryError,
    VersionNotFoundError,
    check_sha256,
    status_change_needed,
    validate_metrics,
)

logger = logging.getLogger(__name__)

PACKAGE_FILE = "package.json"
EVALUATION_FILE = "evaluation.json"
LOCK_FILE = ".lock"
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


class ApprovalChangeRecord(BaseModel):
    status: ApprovalStatus
    changed_at: datetime
    changed_by: str
    reason: str = ""


class PackageRecord(BaseModel):
    """Contents of ``package.json`` in a version folder."""

    group: str
    version: int = Field(ge=1)
    approval_status: ApprovalStatus
    created_at: datetime
    model_sha256: str
    source_uri: str
    metrics: dict[str, float] = Field(default_factory=dict)
    description: str = ""
    history: list[ApprovalChangeRecord] = Field(default_factory=list)


def current_user() -> str:
    """Return the login name recorded in the approval history."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class LocalModelRegistry(ModelRegistry):
    """Model package group ``group`` stored under ``root``."""

    def __init__(self, root: Path, group: str, user: str | None = None) -> None:
        if not group or "/" in group or group in {".", ".."}:
            raise RegistryError(f"invalid model package group name {group!r}")
        self.root = Path(root)
        self.group = group
        self.group_dir = self.root / group
        self.user = user or current_user()

    # Registration

    def register(
        self,
        model_uri: str,
        metrics: Mapping[str, float],
        approval_status: ApprovalStatus = ApprovalStatus.PENDING,
        description: str = "",
        evaluation_uri: str | None = None,
        expected_sha256: str | None = None,
    ) -> ModelPackage:
        from satisfaction.artifact import METADATA_FILE, ArtifactError, load_model

        source = Path(model_uri)
        metrics = validate_metrics(metrics)
        try:
            loaded = load_model(source)
        except ArtifactError as error:
            raise RegistryError(
                f"model in {source} failed verification: {error}"
            ) from None
        check_sha256(model_uri, loaded.metadata.model_sha256, expected_sha256)
        evaluation = Path(evaluation_uri) if evaluation_uri else None
        if evaluation is not None and not evaluation.is_file():
            raise RegistryError(f"evaluation report not found: {evaluation}")

        version, version_dir = self._allocate_version()
        try:
            model_file = loaded.metadata.model_file
            shutil.copyfile(source / model_file, version_dir / model_file)
            shutil.copyfile(source / METADATA_FILE, version_dir / METADATA_FILE)
            if evaluation is not None:
                shutil.copyfile(evaluation, version_dir / EVALUATION_FILE)
            # The copy is verified too: the source could change while it is copied.
            copied = load_model(version_dir)
            if copied.metadata.model_sha256 != loaded.metadata.model_sha256:
                raise RegistryError(
                    f"model in {source} changed while it was registered"
                )
            for path in version_dir.iterdir():
                path.chmod(READ_ONLY)

            now = datetime.now(UTC)
            record = PackageRecord(
                group=self.group,
                version=version,
                approval_status=approval_status,
                created_at=now,
                model_sha256=copied.metadata.model_sha256,
                source_uri=str(source.resolve()),
                metrics=metrics,
                description=description,
                history=[
                    ApprovalChangeRecord(
                        status=approval_status,
                        changed_at=now,
                        changed_by=self.user,
                        reason="registered",
                    )
                ],
            )
            self._write_record(version_dir, record)
        except (ArtifactError, OSError) as error:
            shutil.rmtree(version_dir, ignore_errors=True)
            raise RegistryError(f"registration of {source} failed: {error}") from None
        except BaseException:
            shutil.rmtree(version_dir, ignore_errors=True)
            raise

        logger.info(
            "registered version %s of %s from %s as %s",
            version,
            self.group,
            source,
            approval_status.value,
        )
        return self._to_package(record)

    def _allocate_version(self) -> tuple[int, Path]:
        """Create the next free version folder.

        ``mkdir`` is atomic: when another process created the folder first, it
        raises FileExistsError and the next number is tried.
        """
        self.group_dir.mkdir(parents=True, exist_ok=True)
        while True:
            version = max(self._version_numbers(), default=0) + 1
            version_dir = self.group_dir / str(version)
            try:
                version_dir.mkdir()
            except FileExistsError:
                continue
            return version, version_dir

    def _version_numbers(self) -> list[int]:
        if not self.group_dir.is_dir():
            return []
        return [
            int(path.name) for path in self.group_dir.iterdir() if path.name.isdigit()
        ]

    # Queries

    def list_versions(self) -> list[ModelPackage]:
        packages = []
        for version in sorted(self._version_numbers()):
            record = self._read_record(version, missing_ok=True)
            if record is not None:
                packages.append(self._to_package(record))
        return packages

    def get(self, version: int) -> ModelPackage:
        record = self._read_record(version)
        assert record is not None  # _read_record raises unless missing_ok
        return self._to_package(record)

    # Approval

    def set_approval_status(
        self, version: int, status: ApprovalStatus, reason: str = ""
    ) -> ModelPackage:
        with self._group_lock():
            record = self._read_record(version)
            assert record is not None
            if not status_change_needed(version, record.approval_status, status):
                logger.info(
                    "version %s of %s is already %s", version, self.group, status.value
                )
                return self._to_package(record)

            change = ApprovalChangeRecord(
                status=status,
                changed_at=datetime.now(UTC),
                changed_by=self.user,
                reason=reason,
            )
            updated = record.model_copy(
                update={"approval_status": status, "history": [*record.history, change]}
            )
            self._write_record(self.group_dir / str(version), updated)

        logger.info(
            "version %s of %s changed from %s to %s by %s",
            version,
            self.group,
            record.approval_status.value,
            status.value,
            self.user,
        )
        return self._to_package(updated)

    @contextlib.contextmanager
    def _group_lock(self) -> Iterator[None]:
        """Serialise status updates, so that no history entry is lost."""
        # NOTE: fcntl exists on Linux and macOS only. On Windows the lock is skipped,
        # so two concurrent approvals of one version can lose a history entry.
        try:
            import fcntl
        except ImportError:
            yield
            return
        self.group_dir.mkdir(parents=True, exist_ok=True)
        with (self.group_dir / LOCK_FILE).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # Files

    def _read_record(
        self, version: int, missing_ok: bool = False
    ) -> PackageRecord | None:
        path = self.group_dir / str(version) / PACKAGE_FILE
        try:
            text = path.read_text()
        except FileNotFoundError:
            if missing_ok:
                return None
            raise VersionNotFoundError(
                f"version {version} not found in model package group {self.group!r} "
                f"({self.group_dir}); run 'satisfaction registry list' for the versions"
            ) from None
        try:
            return PackageRecord.model_validate_json(text)
        except ValidationError as error:
            raise RegistryError(f"package record {path} is invalid: {error}") from None

    @staticmethod
    def _write_record(version_dir: Path, record: PackageRecord) -> None:
        """Replace ``package.json`` atomically: readers see the old or the new file."""
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{PACKAGE_FILE}.", suffix=".tmp", dir=version_dir
        )
        try:
            with os.fdopen(descriptor, "w") as stream:
                stream.write(record.model_dump_json(indent=2) + "\n")
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, version_dir / PACKAGE_FILE)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def _to_package(self, record: PackageRecord) -> ModelPackage:
        return ModelPackage(
            group=record.group,
            version=record.version,
            approval_status=record.approval_status,
            model_uri=str(self.group_dir / str(record.version)),
            created_at=record.created_at,
            metrics=dict(record.metrics),
            description=record.description,
            model_sha256=record.model_sha256,
            history=tuple(
                ApprovalChange(
                    status=change.status,
                    changed_at=change.changed_at,
                    changed_by=change.changed_by,
                    reason=change.reason,
                )
                for change in record.history
            ),
        )
