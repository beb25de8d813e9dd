"""Metric computation on small cases whose figures are known by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluation.metrics import (
    METRIC_NAMES,
    QualityGate,
    compute_metrics,
    confusion_counts,
    evaluation_document,
)

# Two negatives and two positives; one of each is misclassified at 0.5.
LABELS = np.array([0, 0, 1, 1], dtype=np.float32)
PROBABILITIES = np.array([0.1, 0.6, 0.4, 0.9], dtype=np.float32)


def test_metrics_known_case() -> None:
    metrics = compute_metrics(LABELS, PROBABILITIES)
    assert metrics["accuracy"] == pytest.approx(0.5)
    assert metrics["precision"] == pytest.approx(0.5)
    assert metrics["recall"] == pytest.approx(0.5)
    assert metrics["f1"] == pytest.approx(0.5)
    # Pairs (positive, negative) ranked correctly: 0.4>0.1, 0.9>0.1, 0.9>0.6 of 4.
    assert metrics["roc_auc"] == pytest.approx(0.75)
    assert metrics["brier_score"] == pytest.approx((0.01 + 0.36 + 0.36 + 0.01) / 4)
    expected_log_loss = (
        -(math.log(0.9) + math.log(0.4) + math.log(0.4) + math.log(0.9)) / 4
    )
    assert metrics["log_loss"] == pytest.approx(expected_log_loss, rel=1e-5)
    # Average precision: precision 1 at recall 0.5, then 2/3 at recall 1.
    assert metrics["pr_auc"] == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


def test_metrics_perfect_separation() -> None:
    metrics = compute_metrics(LABELS, np.array([0.0, 0.2, 0.8, 1.0], dtype=np.float32))
    assert metrics["accuracy"] == 1.0
    assert metrics["roc_auc"] == 1.0
    assert metrics["pr_auc"] == 1.0


def test_metrics_threshold_moves_predictions() -> None:
    metrics = compute_metrics(LABELS, PROBABILITIES, threshold=0.3)
    assert metrics["recall"] == 1.0
    assert metrics["precision"] == pytest.approx(2 / 3)


def test_metrics_single_class_rejected() -> None:
    with pytest.raises(ValueError, match="both classes"):
        compute_metrics(np.ones(4, dtype=np.float32), PROBABILITIES)


def test_confusion_counts_actual_then_predicted() -> None:
    labels = np.array([0, 0, 0, 1, 1], dtype=np.float32)
    probabilities = np.array([0.1, 0.2, 0.7, 0.8, 0.9], dtype=np.float32)
    confusion = confusion_counts(labels, probabilities)
    assert confusion == {"0": {"0": 2, "1": 1}, "1": {"0": 0, "1": 2}}


@pytest.mark.parametrize(
    ("roc_auc", "accuracy", "passed"),
    [
        (0.995, 0.97, True),
        (0.989, 0.97, False),
        (0.995, 0.94, False),
        (0.99, 0.95, True),
    ],
)
def test_quality_gate(roc_auc: float, accuracy: float, passed: bool) -> None:
    gate = QualityGate(min_roc_auc=0.99, min_accuracy=0.95)
    assert gate.passed({"roc_auc": roc_auc, "accuracy": accuracy}) is passed


def test_evaluation_document_shape() -> None:
    metrics = compute_metrics(LABELS, PROBABILITIES)
    confusion = confusion_counts(LABELS, PROBABILITIES)
    gate = QualityGate(min_roc_auc=0.99, min_accuracy=0.95)
    document = evaluation_document(metrics, confusion, "abc", 4, gate, 0.5)

    binary = document["binary_classification_metrics"]
    for name in METRIC_NAMES:
        assert binary[name] == {"value": metrics[name], "standard_deviation": "NaN"}
    assert binary["confusion_matrix"] == confusion
    assert document["model_sha256"] == "abc"
    assert document["test_rows"] == 4
    assert document["quality_gate"] == {
        "min_roc_auc": 0.99,
        "min_accuracy": 0.95,
        "passed": False,
    }
