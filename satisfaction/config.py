"""Settings from environment variables, with defaults for a local run.

Every variable has the prefix ``SATISFACTION_``, for example
``SATISFACTION_REGISTRY_BACKEND=sagemaker``. ``.env.example`` lists them all.
Reading settings never touches the network.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class RegistryBackend(StrEnum):
    LOCAL = "local"
    SAGEMAKER = "sagemaker"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class Settings(BaseSettings):
    """Configuration shared by the pipeline steps, the CLI and the API."""

    model_config = SettingsConfigDict(
        env_prefix="SATISFACTION_", env_file=".env", extra="ignore"
    )

    artifacts_dir: Path = Field(
        Path("artifacts"),
        description="Root folder of local outputs: data splits, models, plots.",
    )
    registry_backend: RegistryBackend = Field(
        RegistryBackend.LOCAL,
        description="Where model versions are registered: local or sagemaker.",
    )
    registry_dir: Path = Field(
        Path("artifacts/registry"), description="Folder of the local model registry."
    )
    model_package_group: str = Field(
        "airline-passenger-satisfaction", description="Model package group name."
    )
    mlflow_tracking_uri: str = Field(
        "sqlite:///artifacts/mlflow.db",
        description="MLflow tracking URI: a SQLite file, a server URL or the ARN "
        "of a SageMaker managed MLflow tracking server.",
    )
    mlflow_experiment: str = Field(
        "airline-passenger-satisfaction", description="MLflow experiment name."
    )
    min_roc_auc: float = Field(
        0.99, ge=0, le=1, description="Quality gate: minimum test ROC-AUC."
    )
    min_accuracy: float = Field(
        0.95, ge=0, le=1, description="Quality gate: minimum test accuracy."
    )
    max_invalid_share: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Processing fails when a larger share of rows is invalid.",
    )
    seed: int = Field(42, description="Seed for splits and training.")
    model_uri: str | None = Field(
        None,
        description="Model to serve: a local folder or an s3:// URI of model.tar.gz. "
        "Unset: the latest Approved version in the registry.",
    )
    model_version: str | None = Field(
        None, description="Version label reported by the API when model_uri is set."
    )
    model_refresh_seconds: float = Field(
        30.0,
        ge=0,
        description="Seconds between checks of the registry's latest Approved "
        "version by a running API that serves from the registry; 0 turns the "
        "checks off. Unused when model_uri is set.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="Log level of the root logger."
    )
    log_format: LogFormat | None = Field(
        None, description="text or json. Unset: json on Lambda, text elsewhere."
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    aws_region: str | None = Field(
        None, description="AWS region for the SageMaker registry and S3."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
