"""Interface and value types shared by the registry backends."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ApprovalStatus(StrEnum):
    """Approval status values of the SageMaker Model Registry."""

    PENDING = "PendingManualApproval"
    APPROVED = "Approved"
    REJECTED = "Rejected"


class RegistryError(Exception):
    """A registry operation failed: unknown version, invalid change or backend error."""


class VersionNotFoundError(RegistryError):
    """The model package group has no version with the requested number."""


class InvalidTransitionError(RegistryError):
    """The requested approval status change is not allowed from the current status."""


# Status changes the SageMaker Model Registry accepts. No version returns to
# PendingManualApproval once it has been approved or rejected.
ALLOWED_TRANSITIONS: dict[ApprovalStatus, frozenset[ApprovalStatus]] = {
    ApprovalStatus.PENDING: frozenset(
        {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}
    ),
    ApprovalStatus.APPROVED: frozenset({ApprovalStatus.REJECTED}),
    ApprovalStatus.REJECTED: frozenset({ApprovalStatus.APPROVED}),
}


def status_change_needed(
    version: int, current: ApprovalStatus, target: ApprovalStatus
) -> bool:
    """Return whether ``current`` must change to reach ``target``.

    The same status is a no-op, so repeated approvals are idempotent. Raises
    InvalidTransitionError for a change the SageMaker Model Registry rejects.
    """
    if current is target:
        return False
    if target not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransitionError(
            f"version {version} is {current.value} and cannot become {target.value}; "
            f"allowed from {current.value}: "
            + ", ".join(sorted(status.value for status in ALLOWED_TRANSITIONS[current]))
        )
    return True


def check_sha256(model_uri: str, actual: str, expected: str | None) -> None:
    """Raise RegistryError when a model is not the one the caller evaluated."""
    if expected is not None and actual != expected:
        raise RegistryError(
            f"model in {model_uri} has SHA-256 {actual}, expected {expected}; "
            "the model and its evaluation do not belong together"
        )


def validate_metrics(metrics: Mapping[str, float]) -> dict[str, float]:
    """Return the metrics as finite floats; raise RegistryError for NaN or infinity."""
    validated: dict[str, float] = {}
    for name, value in metrics.items():
        number = float(value)
        if not math.isfinite(number):
            raise RegistryError(
                f"metric {name!r} is {value}; a registered metric must be finite"
            )
        validated[name] = number
    return validated


@dataclass(frozen=True)
class ApprovalChange:
    """One approval status change: the new status, its time, the user and the reason."""

    status: ApprovalStatus
    changed_at: datetime
    changed_by: str
    reason: str = ""


@dataclass(frozen=True)
class ModelPackage:
    """One immutable model version in a model package group."""

    group: str
    version: int
    approval_status: ApprovalStatus
    model_uri: (
        str  # local folder with model.ubj and metadata.json, or s3://.../model.tar.gz
    )
    created_at: datetime
    metrics: dict[str, float] = field(default_factory=dict)
    description: str = ""
    arn: str | None = None
    model_sha256: str | None = None
    # Oldest first. The SageMaker backend returns only the latest change, because
    # the service keeps one approval description per version.
    history: tuple[ApprovalChange, ...] = ()


class ModelRegistry(ABC):
    """Operations the pipeline, the CLI and the deployer need from a registry."""

    group: str

    @abstractmethod
    def register(
        self,
        model_uri: str,
        metrics: Mapping[str, float],
        approval_status: ApprovalStatus = ApprovalStatus.PENDING,
        description: str = "",
        evaluation_uri: str | None = None,
        expected_sha256: str | None = None,
    ) -> ModelPackage:
        """Verify the model in ``model_uri``, add it as a new version and return it.

        ``evaluation_uri`` is the evaluation report (evaluation.json) to keep
        with the version. Raises RegistryError when the model fails verification
        or its SHA-256 differs from ``expected_sha256``.
        """

    @abstractmethod
    def list_versions(self) -> list[ModelPackage]:
        """Return every version of the group, oldest first."""

    @abstractmethod
    def get(self, version: int) -> ModelPackage:
        """Return one version; raise VersionNotFoundError if it does not exist."""

    @abstractmethod
    def set_approval_status(
        self, version: int, status: ApprovalStatus, reason: str = ""
    ) -> ModelPackage:
        """Change a version's approval status and return the updated version.

        Setting the current status again changes nothing. Raises
        InvalidTransitionError for a change that ALLOWED_TRANSITIONS forbids.
        """

    def find_by_sha256(self, sha256: str) -> ModelPackage | None:
        """Return the newest version whose model file has ``sha256``, or None.

        Versions registered without a recorded SHA-256 never match.
        """
        for package in reversed(self.list_versions()):
            if package.model_sha256 == sha256:
                return package
        return None

    def approve(self, version: int, reason: str = "") -> ModelPackage:
        return self.set_approval_status(version, ApprovalStatus.APPROVED, reason)

    def reject(self, version: int, reason: str = "") -> ModelPackage:
        return self.set_approval_status(version, ApprovalStatus.REJECTED, reason)

    def latest_approved(self) -> ModelPackage | None:
        """Return the newest Approved version, or None when no version is approved.

        This is the version the API serves: approving an older version while a
        newer one is approved does not change it.
        """
        approved = [
            package
            for package in self.list_versions()
            if package.approval_status is ApprovalStatus.APPROVED
        ]
        return approved[-1] if approved else None

    def rollback(self, reason: str = "rolled back") -> ModelPackage:
        """Reject the serving version so the previous Approved version serves again.

        Returns the version that serves after the rollback. Raises RegistryError
        when there is no earlier Approved version to roll back to.
        """
        current = self.latest_approved()
        if current is None:
            raise RegistryError(
                f"no Approved version in {self.group!r} to roll back from"
            )
        earlier = [
            package
            for package in self.list_versions()
            if package.approval_status is ApprovalStatus.APPROVED
            and package.version < current.version
        ]
        if not earlier:
            raise RegistryError(
                f"version {current.version} is the only Approved version in "
                f"{self.group!r}; approve an earlier version first"
            )
        self.reject(current.version, reason)
        return earlier[-1]
