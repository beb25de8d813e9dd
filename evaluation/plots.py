"""PNG plots and DVC plot tables of a model's test performance."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # no display on build machines and SageMaker
import matplotlib.pyplot as plt
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve, roc_curve

ROC_PLOT = "roc.png"
PRECISION_RECALL_PLOT = "precision_recall.png"
CALIBRATION_PLOT = "calibration.png"
CONFUSION_PLOT = "confusion_matrix.png"
IMPORTANCE_PLOT = "feature_importance.png"
ROC_TABLE = "roc.csv"
PRECISION_RECALL_TABLE = "prc.csv"


def _save(figure: plt.Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _write_table(
    path: Path, header: tuple[str, str], first: np.ndarray, second: np.ndarray
) -> None:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(
            zip(first.round(6).tolist(), second.round(6).tolist(), strict=True)
        )


def plot_roc(
    labels: np.ndarray, probabilities: np.ndarray, directory: Path, roc_auc: float
) -> Path:
    """Plot the ROC curve and write its points to roc.csv (fpr, tpr) for DVC."""
    false_positive_rate, true_positive_rate, _ = roc_curve(labels, probabilities)
    _write_table(
        directory / ROC_TABLE, ("fpr", "tpr"), false_positive_rate, true_positive_rate
    )

    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot(false_positive_rate, true_positive_rate, label=f"ROC-AUC {roc_auc:.4f}")
    axis.plot([0, 1], [0, 1], color="grey", linestyle="--", label="chance")
    axis.set_xlabel("false positive rate")
    axis.set_ylabel("true positive rate")
    axis.set_title("ROC curve (test split)")
    axis.legend(loc="lower right")
    return _save(figure, directory / ROC_PLOT)


def plot_precision_recall(
    labels: np.ndarray, probabilities: np.ndarray, directory: Path, pr_auc: float
) -> Path:
    """Plot the precision-recall curve and write prc.csv (precision, recall)."""
    precision, recall, _ = precision_recall_curve(labels, probabilities)
    _write_table(
        directory / PRECISION_RECALL_TABLE, ("precision", "recall"), precision, recall
    )

    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot(recall, precision, label=f"average precision {pr_auc:.4f}")
    axis.axhline(
        labels.mean(), color="grey", linestyle="--", label="share of satisfied"
    )
    axis.set_xlabel("recall")
    axis.set_ylabel("precision")
    axis.set_title("Precision-recall curve (test split)")
    axis.legend(loc="lower left")
    return _save(figure, directory / PRECISION_RECALL_PLOT)


def plot_calibration(
    labels: np.ndarray, probabilities: np.ndarray, directory: Path
) -> Path:
    """Plot the observed share satisfied per bin of predicted probability."""
    observed, predicted = calibration_curve(
        labels, probabilities, n_bins=10, strategy="quantile"
    )
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot(predicted, observed, marker="o", label="model")
    axis.plot(
        [0, 1], [0, 1], color="grey", linestyle="--", label="perfectly calibrated"
    )
    axis.set_xlabel("mean predicted probability")
    axis.set_ylabel("observed share satisfied")
    axis.set_title("Calibration (10 quantile bins)")
    axis.legend(loc="upper left")
    return _save(figure, directory / CALIBRATION_PLOT)


def plot_confusion(
    confusion: dict[str, dict[str, int]], class_names: tuple[str, str], directory: Path
) -> Path:
    """Draw the confusion matrix: actual classes as rows, predicted as columns."""
    counts = np.array([[confusion[a][p] for p in ("0", "1")] for a in ("0", "1")])
    figure, axis = plt.subplots(figsize=(5.5, 4.5))
    image = axis.imshow(counts, cmap="Blues")
    for (row, column), count in np.ndenumerate(counts):
        colour = "white" if count > counts.max() / 2 else "black"
        axis.text(column, row, f"{count:,}", ha="center", va="center", color=colour)
    axis.set_xticks([0, 1], labels=class_names)
    axis.set_yticks([0, 1], labels=class_names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("actual")
    axis.set_title("Confusion matrix (test split)")
    figure.colorbar(image, ax=axis)
    return _save(figure, directory / CONFUSION_PLOT)


def plot_importance(importance: dict[str, float], directory: Path) -> Path:
    """Draw features by mean absolute SHAP value (log-odds), largest at the top."""
    ordered = sorted(importance.items(), key=lambda item: item[1])
    names = [name for name, _ in ordered]
    values = [value for _, value in ordered]
    figure, axis = plt.subplots(figsize=(7, 7))
    axis.barh(names, values)
    axis.set_xlabel("mean |SHAP value| (log-odds)")
    axis.set_title("Feature importance (test split)")
    return _save(figure, directory / IMPORTANCE_PLOT)
