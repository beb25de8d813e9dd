"""Evaluation step: test metrics, plots and quality-gate figures of a trained model.

Reads a model folder (``model.ubj`` + ``metadata.json``, or a folder holding
SageMaker's ``model.tar.gz``) and the test split, and writes into the output
folder:

- ``evaluation.json``: metrics in SageMaker's model-quality shape, the model's
  SHA-256, the test row count and the quality-gate figures;
- ``metrics.json``: the same metrics as a flat ``{name: value}`` for
  ``dvc metrics show``;
- ``roc.csv`` and ``prc.csv`` for ``dvc plots``, and five PNG plots.

The step reports the quality gate but never fails on it: the register step
(locally) or the pipeline's ConditionStep (SageMaker) decides.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np

from evaluation.metrics import (
    METRIC_NAMES,
    QualityGate,
    compute_metrics,
    confusion_counts,
    evaluation_document,
)
from evaluation.plots import (
    plot_calibration,
    plot_confusion,
    plot_importance,
    plot_precision_recall,
    plot_roc,
)
from satisfaction.artifact import MODEL_FILE, ArtifactError, LoadedModel, load_model
from satisfaction.config import get_settings
from satisfaction.logs import configure_logging
from satisfaction.model_source import extract_archive
from satisfaction.schema import FEATURE_NAMES, LABELS
from training.data import Split, SplitError, read_split
from training.tracking import (
    DisabledRun,
    TrackedRun,
    TrackingError,
    resume_run,
    start_run,
)

logger = logging.getLogger(__name__)

ARCHIVE_FILE = "model.tar.gz"
EVALUATION_FILE = "evaluation.json"
FLAT_METRICS_FILE = "metrics.json"
# TreeSHAP on every test row costs seconds per thousand rows for large models;
# the importance ranking is stable long before this many rows.
IMPORTANCE_SAMPLE_ROWS = 5000


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    artifacts = settings.artifacts_dir
    parser = argparse.ArgumentParser(
        prog="satisfaction evaluate",
        description="Compute test metrics, plots and the quality-gate figures of a "
        "model. Never fails on the gate: the register step decides.",
    )
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=artifacts / "model",
        help="Folder with model.ubj and metadata.json, or with model.tar.gz "
        "(SageMaker: /opt/ml/processing/model). Default: artifacts/model.",
    )
    parser.add_argument(
        "--test-dir",
        type=Path,
        default=artifacts / "data" / "test",
        help="Folder with the test split (test.parquet). Default: artifacts/data/test.",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=artifacts / "evaluation",
        help="Output folder (SageMaker: /opt/ml/processing/evaluation). "
        "Default: artifacts/evaluation.",
    )
    parser.add_argument(
        "--min-roc-auc",
        type=float,
        default=settings.min_roc_auc,
        help=f"Quality gate: minimum test ROC-AUC. Default: {settings.min_roc_auc}.",
    )
    parser.add_argument(
        "--min-accuracy",
        type=float,
        default=settings.min_accuracy,
        help=f"Quality gate: minimum test accuracy. Default: {settings.min_accuracy}.",
    )
    parser.add_argument(
        "--tracking-uri",
        default=settings.mlflow_tracking_uri,
        help="MLflow tracking URI; test metrics go to the model's training run when "
        f"it exists there. Default: {settings.mlflow_tracking_uri}.",
    )
    parser.add_argument(
        "--experiment",
        default=settings.mlflow_experiment,
        help="MLflow experiment for a new run when the training run is unknown.",
    )
    parser.add_argument(
        "--no-tracking", action="store_true", help="Do not log to MLflow."
    )
    parser.add_argument("--log-level", default=settings.log_level, help="Log level.")
    return parser


def load_model_folder(directory: Path, scratch: Path) -> LoadedModel:
    """Load the model in ``directory``, unpacking a ``model.tar.gz`` into ``scratch``.

    Raises ArtifactError when neither the model files nor the archive exist.
    """
    if (directory / MODEL_FILE).is_file():
        return load_model(directory)
    archive = directory / ARCHIVE_FILE
    if archive.is_file():
        extract_archive(archive, scratch)
        return load_model(scratch)
    raise ArtifactError(f"neither {MODEL_FILE} nor {ARCHIVE_FILE} found in {directory}")


def mean_absolute_contributions(
    model: LoadedModel, matrix: np.ndarray
) -> dict[str, float]:
    """Average |TreeSHAP value| per feature over at most IMPORTANCE_SAMPLE_ROWS rows."""
    if matrix.shape[0] > IMPORTANCE_SAMPLE_ROWS:
        rows = np.random.default_rng(0).choice(
            matrix.shape[0], IMPORTANCE_SAMPLE_ROWS, replace=False
        )
        matrix = matrix[np.sort(rows)]
    contributions = model.contributions(matrix)[:, :-1]  # the last column is the bias
    means = np.abs(contributions).mean(axis=0)
    return {
        name: float(value) for name, value in zip(FEATURE_NAMES, means, strict=True)
    }


def write_outputs(
    model: LoadedModel, test: Split, gate: QualityGate, output_dir: Path
) -> dict:
    """Compute the metrics, write every output file and return the document."""
    output_dir.mkdir(parents=True, exist_ok=True)
    threshold = model.metadata.decision_threshold
    probabilities = model.predict_probability(test.matrix)
    metrics = compute_metrics(test.labels, probabilities, threshold)
    confusion = confusion_counts(test.labels, probabilities, threshold)
    document = evaluation_document(
        metrics, confusion, model.metadata.model_sha256, test.row_count, gate, threshold
    )
    (output_dir / EVALUATION_FILE).write_text(json.dumps(document, indent=2) + "\n")
    (output_dir / FLAT_METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")

    plot_roc(test.labels, probabilities, output_dir, metrics["roc_auc"])
    plot_precision_recall(test.labels, probabilities, output_dir, metrics["pr_auc"])
    plot_calibration(test.labels, probabilities, output_dir)
    plot_confusion(confusion, LABELS, output_dir)
    plot_importance(mean_absolute_contributions(model, test.matrix), output_dir)
    return document


def open_run(arguments: argparse.Namespace, model: LoadedModel) -> TrackedRun:
    """Return the model's training run, else a new run, or a disabled run."""
    if arguments.no_tracking:
        return DisabledRun()
    run_id = model.metadata.mlflow_run_id
    if run_id is not None:
        try:
            return resume_run(arguments.tracking_uri, run_id)
        except TrackingError as error:
            logger.warning(
                "training run %s not found, logging to a new run instead: %s",
                run_id,
                error,
            )
    name = f"evaluate-{model.metadata.model_sha256[:12]}"
    run = start_run(arguments.tracking_uri, arguments.experiment, name)
    run.set_tags({"model_sha256": model.metadata.model_sha256})
    return run


def print_figures(document: dict) -> None:
    metrics = document["binary_classification_metrics"]
    for name in METRIC_NAMES:
        print(f"{name:>12}: {metrics[name]['value']:.5f}")
    gate = document["quality_gate"]
    verdict = "passed" if gate["passed"] else "FAILED"
    print(
        f"quality gate {verdict}: roc_auc >= {gate['min_roc_auc']}, "
        f"accuracy >= {gate['min_accuracy']} on {document['test_rows']} test rows"
    )


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    configure_logging(arguments.log_level)
    gate = QualityGate(
        min_roc_auc=arguments.min_roc_auc, min_accuracy=arguments.min_accuracy
    )

    with tempfile.TemporaryDirectory(prefix="model-") as scratch:
        try:
            model = load_model_folder(arguments.model_dir, Path(scratch))
            test = read_split(arguments.test_dir, "test")
            document = write_outputs(model, test, gate, arguments.output_dir)
        except (ArtifactError, SplitError, ValueError) as error:
            logger.error("evaluation failed: %s", error)
            return 1
    logger.info("evaluation written to %s", arguments.output_dir)
    print_figures(document)

    try:
        run = open_run(arguments, model)
        metrics = document["binary_classification_metrics"]
        run.log_metrics(
            {f"test_{name}": metrics[name]["value"] for name in METRIC_NAMES}
        )
        run.log_artifacts(arguments.output_dir, "evaluation")
    except TrackingError as error:
        logger.error("%s", error)
        return 1
    if run.run_id:
        print(f"MLflow run {run.run_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
