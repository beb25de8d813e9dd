"""Random search on synthetic splits: trials file and nested MLflow runs."""

from __future__ import annotations

import json
from pathlib import Path

from mlflow.tracking import MlflowClient

from training.tune import main


def tune_arguments(data_dir: Path, output: Path) -> list[str]:
    return [
        "--train-dir",
        str(data_dir / "train"),
        "--validation-dir",
        str(data_dir / "validation"),
        "--trials",
        "2",
        "--nthread",
        "1",
        "--output",
        str(output),
    ]


def test_tune_writes_trials(data_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "trials.json"
    assert main([*tune_arguments(data_dir, output), "--no-tracking"]) == 0
    trials = json.loads(output.read_text())
    assert [trial["trial"] for trial in trials] == [0, 1]
    for trial in trials:
        assert trial["trees"] == trial["best_iteration"] + 1
        assert 0.5 < trial["validation_roc_auc"] <= 1.0
        assert "max_depth" in trial["hyperparameters"]


def test_tune_same_seed_same_trials(data_dir: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert main([*tune_arguments(data_dir, first), "--no-tracking"]) == 0
    assert main([*tune_arguments(data_dir, second), "--no-tracking"]) == 0
    first_trials = json.loads(first.read_text())
    second_trials = json.loads(second.read_text())
    for one, other in zip(first_trials, second_trials, strict=True):
        assert one["hyperparameters"] == other["hyperparameters"]
        assert one["validation_log_loss"] == other["validation_log_loss"]


def test_tune_nests_trial_runs(data_dir: Path, tmp_path: Path) -> None:
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    arguments = tune_arguments(data_dir, tmp_path / "trials.json")
    assert (
        main([*arguments, "--tracking-uri", tracking_uri, "--experiment", "tune"]) == 0
    )

    client = MlflowClient(tracking_uri=tracking_uri)
    experiment = client.get_experiment_by_name("tune")
    runs = client.search_runs([experiment.experiment_id])
    parents = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    children = [run for run in runs if "mlflow.parentRunId" in run.data.tags]
    assert len(parents) == 1
    assert len(children) == 2
    for child in children:
        assert child.data.tags["mlflow.parentRunId"] == parents[0].info.run_id
        assert "validation_log_loss" in child.data.metrics
    assert "best_trial" in parents[0].data.tags
