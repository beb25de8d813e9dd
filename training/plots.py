"""Learning-curve plot of a training run."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on build machines and SageMaker
import matplotlib.pyplot as plt

LEARNING_CURVE_FILE = "learning_curve.png"


def plot_learning_curve(
    history: dict[str, dict[str, list[float]]], best_iteration: int, directory: Path
) -> Path:
    """Plot log loss and ROC-AUC per round for every evaluated split into a PNG.

    ``history`` is XGBoost's ``evals_result``: split name -> metric -> values.
    """
    directory.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    for axis, metric, title in (
        (axes[0], "logloss", "Log loss"),
        (axes[1], "auc", "ROC-AUC"),
    ):
        for split, metrics in history.items():
            axis.plot(metrics[metric], label=split)
        axis.axvline(
            best_iteration, color="grey", linestyle="--", label="best iteration"
        )
        axis.set_xlabel("boosting round")
        axis.set_title(title)
        axis.legend()
    figure.tight_layout()
    path = directory / LEARNING_CURVE_FILE
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
