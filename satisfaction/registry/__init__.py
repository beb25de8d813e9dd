"""Model registry with the SageMaker Model Registry's semantics.

A model package group contains immutable versions 1, 2, ...; each has an
approval status and metrics. The local backend stores them in a folder; the
SageMaker backend calls the SageMaker API. Both implement ``ModelRegistry``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from satisfaction.registry.base import (
    ApprovalChange,
    ApprovalStatus,
    InvalidTransitionError,
    ModelPackage,
    ModelRegistry,
    RegistryError,
    VersionNotFoundError,
)

if TYPE_CHECKING:
    from satisfaction.config import Settings

__all__ = [
    "ApprovalChange",
    "ApprovalStatus",
    "InvalidTransitionError",
    "ModelPackage",
    "ModelRegistry",
    "RegistryError",
    "VersionNotFoundError",
    "open_registry",
]


def open_registry(settings: Settings | None = None) -> ModelRegistry:
    """Return the registry backend that the settings select."""
    from satisfaction.config import RegistryBackend, get_settings

    settings = settings or get_settings()
    if settings.registry_backend is RegistryBackend.SAGEMAKER:
        from satisfaction.registry.sagemaker import SageMakerModelRegistry

        return SageMakerModelRegistry(
            settings.model_package_group, region=settings.aws_region
        )

    from satisfaction.registry.local import LocalModelRegistry

    return LocalModelRegistry(settings.registry_dir, settings.model_package_group)
