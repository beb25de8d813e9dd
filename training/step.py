"""Training step: fit XGBoost on the train split with early stopping on validation.

Reads the processing step's output, writes ``model.ubj`` and ``metadata.json``
(``satisfaction.artifact``) into the model folder and a learning curve into
the output-data folder, and tracks the run in MLflow. Locally the folders
default to ``artifacts/...``. In a SageMaker training job they default to the
``SM_CHANNEL_*``, ``SM_MODEL_DIR`` and ``SM_OUTPUT_DATA_DIR`` variables.

    python -m training --train-dir artifacts/data/train --max-depth 8

The same data, hyperparameters and ``--nthread`` give a model file with the
same bytes.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import xgboost
from pydantic import ValidationError
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss, roc_auc_score

from satisfaction.artifact import ModelMetadata, save_model, schema_levels
from satisfaction.baseline import BaselineStatistics
from satisfaction.config import get_settings
from satisfaction.logs import configure_logging
from satisfaction.schema import FEATURE_NAMES
from training.data import Split, SplitError, read_split, sha256_of_files
from training.hyperparameters import (
    Hyperparameters,
    add_hyperparameter_arguments,
    hyperparameters_from_arguments,
)
from training.plots import plot_learning_curve
from training.tracking import DisabledRun, TrackedRun, TrackingError, start_run

logger = logging.getLogger(__name__)

BASELINE_FILE = "baseline.json"
VALIDATION_NAME = "validation"
# Rounds between two progress lines on the console.
PROGRESS_INTERVAL = 25


class ProgressCallback(xgboost.callback.TrainingCallback):
    """Log the validation metrics every ``interval`` rounds."""

    def __init__(self, interval: int) -> None:
        super().__init__()
        self.interval = interval

    def after_iteration(
        self, model: xgboost.Booster, epoch: int, evals_log: dict
    ) -> bool:
        if epoch % self.interval == 0:
            metrics = evals_log.get(VALIDATION_NAME, {})
            text = ", ".join(
                f"{name} {values[-1]:.5f}" for name, values in metrics.items()
            )
            logger.info("round %d: validation %s", epoch, text)
        return False


def _channel(variable: str, local_default: Path) -> Path:
    return Path(os.environ.get(variable, local_default))


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    artifacts = settings.artifacts_dir
    parser = argparse.ArgumentParser(
        prog="satisfaction train",
        description="Train the XGBoost satisfaction model on the processed splits, "
        "with early stopping on the validation split and MLflow tracking.",
    )
    parser.add_argument(
        "--train-dir",
        type=Path,
        default=_channel("SM_CHANNEL_TRAIN", artifacts / "data" / "train"),
        help="Folder with the train split (train.parquet). "
        "Default: $SM_CHANNEL_TRAIN or artifacts/data/train.",
    )
    parser.add_argument(
        "--validation-dir",
        type=Path,
        default=_channel("SM_CHANNEL_VALIDATION", artifacts / "data" / "validation"),
        help="Folder with the validation split (validation.parquet), used for early "
        "stopping. Default: $SM_CHANNEL_VALIDATION or artifacts/data/validation.",
    )
    parser.add_argument(
        "--baseline-dir",
        type=Path,
        default=_channel("SM_CHANNEL_BASELINE", artifacts / "data" / "baseline"),
        help="Folder with baseline.json, the drift reference stored in the model "
        "metadata. Default: $SM_CHANNEL_BASELINE or artifacts/data/baseline.",
    )
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=_channel("SM_MODEL_DIR", artifacts / "model"),
        help="Output folder for model.ubj and metadata.json. "
        "Default: $SM_MODEL_DIR or artifacts/model.",
    )
    parser.add_argument(
        "--output-data-dir",
        type=Path,
        default=_channel("SM_OUTPUT_DATA_DIR", artifacts / "training"),
        help="Output folder for the learning curve. "
        "Default: $SM_OUTPUT_DATA_DIR or artifacts/training.",
    )
    parser.add_argument(
        "--tracking-uri",
        default=settings.mlflow_tracking_uri,
        help="MLflow tracking URI: sqlite:///file.db, http(s)://server or the ARN of a "
        "SageMaker MLflow tracking server. Default: $SATISFACTION_MLFLOW_TRACKING_URI "
        f"or {settings.mlflow_tracking_uri}.",
    )
    parser.add_argument(
        "--experiment",
        default=settings.mlflow_experiment,
        help=f"MLflow experiment name. Default: {settings.mlflow_experiment}.",
    )
    parser.add_argument(
        "--run-name", default=None, help="MLflow run name. Default: train-<UTC time>."
    )
    parser.add_argument(
        "--no-tracking",
        action="store_true",
        help="Do not log to MLflow, for environments without a tracking server.",
    )
    parser.add_argument("--log-level", default=settings.log_level, help="Log level.")
    add_hyperparameter_arguments(parser)
    return parser


def train_booster(
    train: Split, validation: Split, hyperparameters: Hyperparameters
) -> tuple[xgboost.Booster, dict[str, dict[str, list[float]]], int]:
    """Train with early stopping on ``validation``.

    Returns the booster trimmed to its best iteration, the per-round metrics
    (split -> metric -> values) and the best iteration (0-based).
    """
    feature_names = list(FEATURE_NAMES)
    train_matrix = xgboost.QuantileDMatrix(
        train.matrix,
        label=train.labels,
        feature_names=feature_names,
        missing=np.nan,
        max_bin=hyperparameters.max_bin,
        nthread=hyperparameters.nthread,
    )
    validation_matrix = xgboost.QuantileDMatrix(
        validation.matrix,
        label=validation.labels,
        feature_names=feature_names,
        missing=np.nan,
        ref=train_matrix,
        nthread=hyperparameters.nthread,
    )

    # The last metric in eval_metric (logloss) on the last split in evals
    # (validation) decides early stopping.
    history: dict[str, dict[str, list[float]]] = {}
    booster = xgboost.train(
        hyperparameters.booster_params(),
        train_matrix,
        num_boost_round=hyperparameters.num_boost_round,
        evals=[(train_matrix, "train"), (validation_matrix, VALIDATION_NAME)],
        early_stopping_rounds=hyperparameters.early_stopping_rounds,
        evals_result=history,
        verbose_eval=False,
        callbacks=[ProgressCallback(PROGRESS_INTERVAL)],
    )
    best_iteration = booster.best_iteration

    # Keep only the trees up to the best iteration, so that serving needs no
    # iteration_range. The early-stopping attributes describe the untrimmed
    # model, so they are dropped.
    trimmed = booster[: best_iteration + 1]
    trimmed.set_attr(best_iteration=None, best_score=None)
    return trimmed, history, best_iteration


def validation_metrics(booster: xgboost.Booster, validation: Split) -> dict[str, float]:
    """Compute accuracy (threshold 0.5), ROC-AUC, log loss and Brier score."""
    probabilities = booster.inplace_predict(validation.matrix, validate_features=False)
    predictions = (probabilities >= 0.5).astype(np.float32)
    return {
        "validation_accuracy": float(accuracy_score(validation.labels, predictions)),
        "validation_roc_auc": float(roc_auc_score(validation.labels, probabilities)),
        "validation_log_loss": float(log_loss(validation.labels, probabilities)),
        "validation_brier_score": float(
            brier_score_loss(validation.labels, probabilities)
        ),
    }


def read_baseline(directory: Path) -> BaselineStatistics:
    """Read ``baseline.json`` written by the processing step.

    Raises SplitError when it is missing or invalid.
    """
    path = directory / BASELINE_FILE
    try:
        return BaselineStatistics.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise SplitError(
            f"baseline not found: {path}. Run the processing step first."
        ) from None
    except ValueError as error:
        raise SplitError(f"baseline is invalid: {path}: {error}") from None


def library_versions() -> dict[str, str]:
    return {
        "xgboost": xgboost.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def build_metadata(
    hyperparameters: Hyperparameters,
    best_iteration: int,
    metrics: dict[str, float],
    baseline: BaselineStatistics | None,
    training_data_sha256: str,
    mlflow_run_id: str | None,
) -> ModelMetadata:
    """Collect the metadata. ``save_model`` fills in ``model_sha256``."""
    return ModelMetadata(
        created_at=datetime.now(UTC),
        model_sha256="",
        feature_names=list(FEATURE_NAMES),
        category_levels=schema_levels(),
        library_versions=library_versions(),
        training_data_sha256=training_data_sha256,
        hyperparameters=hyperparameters.model_dump(),
        best_iteration=best_iteration,
        metrics=metrics,
        baselines=baseline,
        mlflow_run_id=mlflow_run_id,
    )


def open_run(arguments: argparse.Namespace) -> TrackedRun:
    """Start the MLflow run, or return a disabled run for ``--no-tracking``."""
    if arguments.no_tracking:
        logger.info("MLflow tracking is off (--no-tracking)")
        return DisabledRun()
    run_name = arguments.run_name or f"train-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    return start_run(arguments.tracking_uri, arguments.experiment, run_name)


def run_training(
    arguments: argparse.Namespace, hyperparameters: Hyperparameters, run: TrackedRun
) -> ModelMetadata:
    """Read the splits, train, save the model and log everything to ``run``."""
    train = read_split(arguments.train_dir, "train")
    validation = read_split(arguments.validation_dir, VALIDATION_NAME)
    baseline = read_baseline(arguments.baseline_dir)
    logger.info(
        "training on %d rows, validating on %d rows",
        train.row_count,
        validation.row_count,
    )
    run.log_params(hyperparameters.model_dump())

    started = time.perf_counter()
    booster, history, best_iteration = train_booster(train, validation, hyperparameters)
    training_seconds = time.perf_counter() - started
    metrics = validation_metrics(booster, validation)
    logger.info(
        "best iteration %d after %.1f s: %s",
        best_iteration,
        training_seconds,
        ", ".join(f"{name} {value:.5f}" for name, value in metrics.items()),
    )

    metadata = build_metadata(
        hyperparameters,
        best_iteration,
        metrics,
        baseline,
        sha256_of_files([train.path, validation.path]),
        run.run_id,
    )
    metadata = save_model(booster, metadata, arguments.model_dir)
    curve = plot_learning_curve(history, best_iteration, arguments.output_data_dir)
    logger.info(
        "model %s written to %s", metadata.model_sha256[:12], arguments.model_dir
    )

    for split, split_metrics in history.items():
        for metric, values in split_metrics.items():
            run.log_metric_history(f"{split}_{metric}", values)
    run.log_metrics(
        {
            **metrics,
            "best_iteration": best_iteration,
            "training_seconds": training_seconds,
        }
    )
    run.set_tags(
        {
            "model_sha256": metadata.model_sha256,
            "training_data_sha256": metadata.training_data_sha256,
        }
    )
    run.log_artifacts(arguments.model_dir, "model")
    # Only the plot file: in a SageMaker job without a tracking server, the SQLite
    # store and its artifact folder live in the same output folder as the plot.
    run.log_artifact(curve, "plots")
    return metadata


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    configure_logging(arguments.log_level)
    try:
        hyperparameters = hyperparameters_from_arguments(arguments)
    except ValidationError as error:
        print(f"invalid hyperparameters: {error}", file=sys.stderr)
        return 2

    try:
        run = open_run(arguments)
    except TrackingError as error:
        logger.error("%s", error)
        return 1

    try:
        metadata = run_training(arguments, hyperparameters, run)
    except TrackingError as error:
        # The tracking server failed, so marking the run as failed would fail too.
        logger.error("%s", error)
        return 1
    except SplitError as error:
        logger.error("training failed: %s", error)
        run.finish(succeeded=False)
        return 1
    except BaseException:
        run.finish(succeeded=False)
        raise
    run.finish(succeeded=True)

    figures = ", ".join(
        f"{name}={value:.4f}" for name, value in metadata.metrics.items()
    )
    print(
        f"model written to {arguments.model_dir}: "
        f"best_iteration={metadata.best_iteration}, {figures}"
    )
    if run.run_id:
        print(f"MLflow run {run.run_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
