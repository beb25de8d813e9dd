"""Seeded random search of the hyperparameters on the validation split.

Every trial trains with early stopping on the validation split and is ranked
by validation log loss, the metric early stopping uses and a steadier one than
accuracy. Each trial is an MLflow run nested under one parent run. The test
split is never read, so the chosen defaults stay honest for the evaluation.

    python -m training.tune --train-dir artifacts/data/train \\
        --validation-dir artifacts/data/validation --trials 40

Prints one line per trial and the best hyperparameters as CLI arguments.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from satisfaction.config import get_settings
from satisfaction.logs import configure_logging
from training.data import read_split
from training.hyperparameters import Hyperparameters
from training.step import train_booster, validation_metrics
from training.tracking import DisabledRun, TrackedRun, TrackingError, start_run

logger = logging.getLogger(__name__)


def sample_hyperparameters(rng: np.random.Generator, nthread: int) -> Hyperparameters:
    """Draw one candidate from the search space."""
    return Hyperparameters(
        nthread=nthread,
        learning_rate=float(np.exp(rng.uniform(np.log(0.02), np.log(0.3)))),
        max_depth=int(rng.integers(4, 11)),
        min_child_weight=float(rng.choice([0.5, 1, 2, 4, 8])),
        subsample=float(rng.uniform(0.6, 1.0)),
        colsample_bytree=float(rng.uniform(0.4, 1.0)),
        reg_lambda=float(np.exp(rng.uniform(np.log(0.1), np.log(20)))),
        gamma=float(rng.choice([0, 0.05, 0.2, 0.5])),
        num_boost_round=2000,
    )


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    data = settings.artifacts_dir / "data"
    parser = argparse.ArgumentParser(
        prog="python -m training.tune",
        description="Random search of XGBoost hyperparameters on the validation split.",
    )
    parser.add_argument("--train-dir", type=Path, default=data / "train")
    parser.add_argument("--validation-dir", type=Path, default=data / "validation")
    parser.add_argument("--trials", type=int, default=40, help="Number of candidates.")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the search.")
    parser.add_argument(
        "--nthread",
        type=int,
        default=Hyperparameters().nthread,
        help="Threads per trial. Use fewer on a shared machine. Default: CPU count.",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=settings.artifacts_dir / "tuning" / "trials.json",
        help="JSON file for every trial's hyperparameters and validation metrics.",
    )
    parser.add_argument("--tracking-uri", default=settings.mlflow_tracking_uri)
    parser.add_argument("--experiment", default=f"{settings.mlflow_experiment}-tuning")
    parser.add_argument(
        "--no-tracking", action="store_true", help="Do not log to MLflow."
    )
    return parser


def _run_trials(
    arguments: argparse.Namespace, parent: TrackedRun
) -> list[dict[str, Any]]:
    train = read_split(arguments.train_dir, "train")
    validation = read_split(arguments.validation_dir, "validation")
    rng = np.random.default_rng(arguments.seed)
    trials: list[dict[str, Any]] = []

    for number in range(arguments.trials):
        hyperparameters = sample_hyperparameters(rng, arguments.nthread)
        started = time.perf_counter()
        booster, _, best_iteration = train_booster(train, validation, hyperparameters)
        seconds = time.perf_counter() - started
        metrics = validation_metrics(booster, validation)
        trial = {
            "trial": number,
            "hyperparameters": hyperparameters.model_dump(),
            "best_iteration": best_iteration,
            "trees": best_iteration + 1,
            "training_seconds": round(seconds, 2),
            **metrics,
        }
        trials.append(trial)
        print(
            f"trial {number:3d}: log_loss {metrics['validation_log_loss']:.5f} "
            f"accuracy {metrics['validation_accuracy']:.5f} "
            f"roc_auc {metrics['validation_roc_auc']:.5f} "
            f"trees {best_iteration + 1:4d} depth {hyperparameters.max_depth:2d} "
            f"eta {hyperparameters.learning_rate:.3f} "
            f"({seconds:.1f} s)",
            flush=True,
        )

        if parent.run_id is not None:
            child = start_run(
                arguments.tracking_uri,
                arguments.experiment,
                f"trial-{number}",
                tags={"mlflow.parentRunId": parent.run_id},
            )
            child.log_params(hyperparameters.model_dump())
            child.log_metrics({**metrics, "trees": best_iteration + 1})
            child.finish(succeeded=True)
    return trials


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    configure_logging("INFO")
    # One line per trial is enough; silence the per-round progress of the training step.
    logging.getLogger("training.step").setLevel(logging.WARNING)

    try:
        parent: TrackedRun = DisabledRun()
        if not arguments.no_tracking:
            parent = start_run(
                arguments.tracking_uri,
                arguments.experiment,
                f"tune-{datetime.now(UTC):%Y%m%d-%H%M%S}",
            )
        trials = _run_trials(arguments, parent)
        best = min(trials, key=lambda trial: trial["validation_log_loss"])
        parent.log_params({"trials": arguments.trials, "seed": arguments.seed})
        parent.log_metrics(
            {key: best[key] for key in best if key.startswith("validation_")}
        )
        parent.set_tags({"best_trial": str(best["trial"])})
        parent.finish(succeeded=True)
    except TrackingError as error:
        logger.error("%s", error)
        return 1

    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(trials, indent=2) + "\n")
    options = " ".join(
        f"--{name.replace('_', '-')} {value:.4g}"
        if isinstance(value, float)
        else f"--{name.replace('_', '-')} {value}"
        for name, value in best["hyperparameters"].items()
    )
    print(f"best trial {best['trial']}: {options}")
    print(f"all trials written to {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
