"""Measure validation quality against the cost of explaining one row.

The time of TreeSHAP (``pred_contribs``) grows with the number of trees, their
leaves and their depth, and the API explains every prediction. For each tree
depth and learning rate in the grid, this script trains with early stopping
and all other hyperparameters at their defaults. It then reports the number of trees,
validation accuracy and ROC-AUC, the model file size and the time of one
single-row ``LoadedModel.contributions`` call. The time includes building
the DMatrix and uses one thread, as on a small Lambda.

    python -m training.tradeoff --data-dir artifacts/data

Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from satisfaction.artifact import load_model, save_model
from satisfaction.logs import configure_logging
from training.data import read_split
from training.hyperparameters import Hyperparameters
from training.step import build_metadata, train_booster, validation_metrics

DEPTHS = (4, 6, 8, 10)
LEARNING_RATES = (0.05, 0.1, 0.2)
# Single-row calls timed per model.
TIMING_REPEATS = 300


def time_one_row_contributions(model_dir: Path, row: np.ndarray) -> tuple[float, float]:
    """Time a one-row contributions call: median thread CPU ms and minimum wall ms.

    The thread's CPU time leaves out the time it waits for a core, so it stays
    comparable on a machine that other processes share. Process CPU time would
    also count OpenMP worker threads that spin while they wait for work.
    """
    model = load_model(model_dir)
    model.booster.set_param({"nthread": 1})
    for _ in range(20):  # warm-up
        model.contributions(row)
    cpu_durations = []
    wall_durations = []
    for _ in range(TIMING_REPEATS):
        cpu_started = time.thread_time()
        wall_started = time.perf_counter()
        model.contributions(row)
        wall_durations.append(time.perf_counter() - wall_started)
        cpu_durations.append(time.thread_time() - cpu_started)
    return statistics.median(cpu_durations) * 1000, min(wall_durations) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.tradeoff",
        description="Validation accuracy against one-row TreeSHAP time, by depth and "
        "learning rate.",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("artifacts/data"),
        help="Processing output folder with train/ and validation/.",
    )
    arguments = parser.parse_args(argv)
    configure_logging("WARNING")
    logging.getLogger("training.step").setLevel(logging.WARNING)

    train = read_split(arguments.data_dir / "train", "train")
    validation = read_split(arguments.data_dir / "validation", "validation")
    row = validation.matrix[:1]
    defaults = Hyperparameters()

    print(
        f"{train.row_count} train rows, {validation.row_count} validation rows; "
        f"{platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}"
    )
    print()
    print(
        "| max_depth | learning_rate | trees | val. accuracy | val. ROC-AUC "
        "| model KiB | one-row SHAP, CPU ms (median) | wall ms (min) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for depth, learning_rate in itertools.product(DEPTHS, LEARNING_RATES):
        hyperparameters = defaults.model_copy(
            update={
                "max_depth": depth,
                "learning_rate": learning_rate,
                "num_boost_round": 3000,
            }
        )
        booster, _, best_iteration = train_booster(train, validation, hyperparameters)
        metrics = validation_metrics(booster, validation)
        with tempfile.TemporaryDirectory() as scratch:
            directory = Path(scratch)
            metadata = build_metadata(
                hyperparameters, best_iteration, metrics, None, "", None
            )
            save_model(booster, metadata, directory)
            size_kib = (directory / metadata.model_file).stat().st_size / 1024
            cpu_ms, wall_ms = time_one_row_contributions(directory, row)
        print(
            f"| {depth} | {learning_rate} | {best_iteration + 1} "
            f"| {metrics['validation_accuracy']:.4f} "
            f"| {metrics['validation_roc_auc']:.4f} "
            f"| {size_kib:,.0f} | {cpu_ms:.1f} | {wall_ms:.1f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
