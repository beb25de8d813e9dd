"""The model artifact: an XGBoost model file plus a JSON metadata file.

No pickle: the model is stored in XGBoost's own UBJSON format, and
``metadata.json`` carries the feature schema, library versions, checksums,
metrics and training baselines. Loading checks the model file's SHA-256
against the metadata and rejects a corrupt or mismatched artifact.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import xgboost
from pydantic import BaseModel, Field

from satisfaction.baseline import BaselineStatistics
from satisfaction.schema import FEATURE_NAMES, FEATURES, POSITIVE_LABEL

MODEL_FILE = "model.ubj"
METADATA_FILE = "metadata.json"
METADATA_SCHEMA_VERSION = 1


class ArtifactError(Exception):
    """A model artifact is missing, corrupt or does not match this code's schema."""


class ModelMetadata(BaseModel):
    """Contents of ``metadata.json`` next to the model file."""

    schema_version: int = METADATA_SCHEMA_VERSION
    model_name: str = "airline-passenger-satisfaction"
    created_at: datetime
    model_file: str = MODEL_FILE
    model_sha256: str
    feature_names: list[str]
    category_levels: dict[str, list[str]]
    positive_label: str = POSITIVE_LABEL
    decision_threshold: float = 0.5
    library_versions: dict[str, str]
    training_data_sha256: str
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    best_iteration: int | None = None
    metrics: dict[str, float] = Field(default_factory=dict)
    baselines: BaselineStatistics | None = None
    # Training run in MLflow, so that evaluation can log test metrics to the same run.
    mlflow_run_id: str | None = None


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def schema_levels() -> dict[str, list[str]]:
    """Return the category levels of the current schema, as stored in metadata."""
    return {
        feature.name: list(feature.levels) for feature in FEATURES if feature.levels
    }


def save_model(
    booster: xgboost.Booster, metadata: ModelMetadata, directory: Path
) -> ModelMetadata:
    """Write the model and its metadata into ``directory`` and return the metadata.

    The model's SHA-256 is computed from the written file, so the caller's
    ``model_sha256`` is replaced.
    """
    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / MODEL_FILE
    booster.save_model(model_path)
    final = metadata.model_copy(update={"model_sha256": sha256_of_file(model_path)})
    (directory / METADATA_FILE).write_text(final.model_dump_json(indent=2) + "\n")
    return final


def read_metadata(directory: Path) -> ModelMetadata:
    path = directory / METADATA_FILE
    try:
        return ModelMetadata.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"model metadata not found: {path}") from None
    except ValueError as error:
        raise ArtifactError(f"model metadata is invalid: {path}: {error}") from None


class LoadedModel:
    """A verified booster with its metadata, ready to predict."""

    def __init__(self, booster: xgboost.Booster, metadata: ModelMetadata) -> None:
        self.booster = booster
        self.metadata = metadata

    def predict_probability(self, matrix: np.ndarray) -> np.ndarray:
        """Return the probability of ``satisfied`` for each row of the model matrix."""
        return self.booster.inplace_predict(matrix, validate_features=False)

    def contributions(
        self, matrix: np.ndarray, nthread: int | None = None
    ) -> np.ndarray:
        """Return TreeSHAP contributions in log-odds, per feature and then the bias.

        ``nthread`` limits the threads that build the DMatrix (default: all
        cores). For one row, building it with every core of a busy machine
        cost more than the TreeSHAP itself.
        """
        dmatrix = xgboost.DMatrix(
            matrix, feature_names=list(FEATURE_NAMES), missing=np.nan, nthread=nthread
        )
        return self.booster.predict(dmatrix, pred_contribs=True)


def load_model(directory: Path) -> LoadedModel:
    """Load and verify the artifact in ``directory``.

    Raises ArtifactError when a file is missing, the model's SHA-256 differs
    from the metadata, or the features differ from this code's schema.
    """
    metadata = read_metadata(directory)
    model_path = directory / metadata.model_file
    if not model_path.is_file():
        raise ArtifactError(f"model file not found: {model_path}")

    actual = sha256_of_file(model_path)
    if actual != metadata.model_sha256:
        raise ArtifactError(
            f"model file {model_path} has SHA-256 {actual}, but the metadata expects "
            f"{metadata.model_sha256}; the artifact is corrupt or mixed up"
        )
    if metadata.feature_names != list(FEATURE_NAMES):
        raise ArtifactError(
            f"model features {metadata.feature_names} differ from the schema "
            f"{list(FEATURE_NAMES)}; retrain the model"
        )
    if metadata.category_levels != schema_levels():
        raise ArtifactError(
            "model category levels differ from the schema; retrain the model"
        )

    booster = xgboost.Booster()
    try:
        booster.load_model(model_path)
    except xgboost.core.XGBoostError as error:
        raise ArtifactError(
            f"model file {model_path} cannot be loaded: {error}"
        ) from None
    return LoadedModel(booster, metadata)
