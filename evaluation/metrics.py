"""Binary-classification metrics and the evaluation.json document.

The document follows the shape of SageMaker Model Monitor's model-quality
report (``binary_classification_metrics.<name>.value``), so that a pipeline
ConditionStep can read it with ``JsonGet`` paths such as
``binary_classification_metrics.roc_auc.value``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

# Metric names in evaluation.json, in the order they are printed.
METRIC_NAMES: tuple[str, ...] = (
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "pr_auc",
    "log_loss",
    "brier_score",
)


class QualityGate(BaseModel):
    """Minimum test figures a model needs before it may be registered."""

    min_roc_auc: float
    min_accuracy: float

    def passed(self, metrics: dict[str, float]) -> bool:
        return (
            metrics["roc_auc"] >= self.min_roc_auc
            and metrics["accuracy"] >= self.min_accuracy
        )


def compute_metrics(
    labels: np.ndarray, probabilities: np.ndarray, threshold: float = 0.5
) -> dict[str, float]:
    """Compute the metrics in ``METRIC_NAMES`` from 0/1 labels and probabilities.

    A row is predicted positive when its probability >= ``threshold``. Raises
    ValueError unless ``labels`` contain both classes, which ROC-AUC needs.
    """
    if len(np.unique(labels)) < 2:
        raise ValueError("the test split must contain both classes to compute ROC-AUC")
    predictions = (probabilities >= threshold).astype(int)
    return {
        "accuracy": float(accuracy_score(labels, predictions)),
        "precision": float(precision_score(labels, predictions, zero_division=0)),
        "recall": float(recall_score(labels, predictions, zero_division=0)),
        "f1": float(f1_score(labels, predictions, zero_division=0)),
        "roc_auc": float(roc_auc_score(labels, probabilities)),
        "pr_auc": float(average_precision_score(labels, probabilities)),
        "log_loss": float(log_loss(labels, probabilities, labels=[0, 1])),
        "brier_score": float(brier_score_loss(labels, probabilities)),
    }


def confusion_counts(
    labels: np.ndarray, probabilities: np.ndarray, threshold: float = 0.5
) -> dict[str, dict[str, int]]:
    """Count rows by actual class (outer key) and predicted class (inner key).

    Classes are the strings "0" and "1", as in SageMaker's model-quality report.
    """
    predictions = (probabilities >= threshold).astype(int)
    matrix = confusion_matrix(labels.astype(int), predictions, labels=[0, 1])
    return {
        str(actual): {
            str(predicted): int(matrix[actual, predicted]) for predicted in (0, 1)
        }
        for actual in (0, 1)
    }


def evaluation_document(
    metrics: dict[str, float],
    confusion: dict[str, dict[str, int]],
    model_sha256: str,
    test_rows: int,
    gate: QualityGate,
    threshold: float,
) -> dict[str, Any]:
    """Build the evaluation.json document.

    ``standard_deviation`` is the string "NaN", as in SageMaker's report when
    no spread is computed.
    """
    binary = {
        name: {"value": metrics[name], "standard_deviation": "NaN"}
        for name in METRIC_NAMES
    }
    binary["confusion_matrix"] = confusion
    return {
        "binary_classification_metrics": binary,
        "model_sha256": model_sha256,
        "test_rows": test_rows,
        "decision_threshold": threshold,
        "quality_gate": {
            "min_roc_auc": gate.min_roc_auc,
            "min_accuracy": gate.min_accuracy,
            "passed": gate.passed(metrics),
        },
    }
