"""Interface and value types shared by the registry backends."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ApprovalStatus(StrEnum):
    """Approval status values of the SageMaker Model Registry."""

    PENDING = "PendingManualApproval"
    APPROVED = "Approved"
    REJECTED = "Rejected"


class RegistryError(Exception):
    """A registry operation failed: unknown version, invalid transition, backend."""


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


class ModelRegistry(ABC):
    """Operations the pipeline, the CLI and the deployer need from a registry."""

    group: str

    @abstractmethod
    def register(
        self,
        model_uri: str,
        metrics: dict[str, float],
        approval_status: ApprovalStatus = ApprovalStatus.PENDING,
        description: str = "",
    ) -> ModelPackage:
        """Add a new version of the model in ``model_uri`` and return it."""

    @abstractmethod
    def list_versions(self) -> list[ModelPackage]:
        """Return every version of the group, oldest first."""

    @abstractmethod
    def get(self, version: int) -> ModelPackage:
        """Return one version; raise RegistryError if it does not exist."""

    @abstractmethod
    def set_approval_status(
        self, version: int, status: ApprovalStatus, reason: str = ""
    ) -> ModelPackage:
        """Change a version's approval status and return the updated version."""

    def approve(self, version: int, reason: str = "") -> ModelPackage:
        return self.set_approval_status(version, ApprovalStatus.APPROVED, reason)

    def reject(self, version: int, reason: str = "") -> ModelPackage:
        return self.set_approval_status(version, ApprovalStatus.REJECTED, reason)

    def latest_approved(self) -> ModelPackage | None:
        """Return the newest Approved version, or None when no version is approved."""
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
