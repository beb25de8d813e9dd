"""Training step on synthetic splits: artifact, reproducibility, tracking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from processed_splits import training_arguments

from satisfaction.artifact import load_model, read_metadata, sha256_of_file
from satisfaction.schema import FEATURE_NAMES
from training.data import sha256_of_files
from training.step import main

FEW_ROUNDS = ("--num-boost-round", "40", "--early-stopping-rounds", "10")


def test_train_writes_verified_artifact(data_dir: Path, tmp_path: Path) -> None:
    assert (
        main(training_arguments(data_dir, tmp_path, "--no-tracking", *FEW_ROUNDS)) == 0
    )

    model = load_model(tmp_path / "model")  # verifies the SHA-256 and the schema
    metadata = model.metadata
    assert metadata.model_sha256 == sha256_of_file(tmp_path / "model" / "model.ubj")
    assert metadata.feature_names == list(FEATURE_NAMES)
    assert metadata.category_levels["travel_class"] == ["Eco", "Eco Plus", "Business"]
    assert set(metadata.library_versions) == {"xgboost", "numpy", "python"}
    assert metadata.hyperparameters["num_boost_round"] == 40
    assert metadata.baselines is not None
    assert metadata.baselines.row_count == 1400
    assert metadata.mlflow_run_id is None


def test_train_metadata_data_checksum(data_dir: Path, tmp_path: Path) -> None:
    assert (
        main(training_arguments(data_dir, tmp_path, "--no-tracking", *FEW_ROUNDS)) == 0
    )
    expected = sha256_of_files(
        [
            data_dir / "train" / "train.parquet",
            data_dir / "validation" / "validation.parquet",
        ]
    )
    assert read_metadata(tmp_path / "model").training_data_sha256 == expected


def test_train_metadata_validation_metrics(data_dir: Path, tmp_path: Path) -> None:
    assert (
        main(training_arguments(data_dir, tmp_path, "--no-tracking", *FEW_ROUNDS)) == 0
    )
    metrics = read_metadata(tmp_path / "model").metrics
    assert set(metrics) == {
        "validation_accuracy",
        "validation_roc_auc",
        "validation_log_loss",
        "validation_brier_score",
    }
    assert metrics["validation_roc_auc"] > 0.9
    assert metrics["validation_accuracy"] > 0.8


def test_train_reproducible_model_bytes(data_dir: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(training_arguments(data_dir, first, "--no-tracking", *FEW_ROUNDS)) == 0
    assert main(training_arguments(data_dir, second, "--no-tracking", *FEW_ROUNDS)) == 0
    first_bytes = (first / "model" / "model.ubj").read_bytes()
    second_bytes = (second / "model" / "model.ubj").read_bytes()
    assert first_bytes == second_bytes


def test_train_thread_count_same_bytes(data_dir: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(training_arguments(data_dir, one, "--no-tracking", *FEW_ROUNDS)) == 0
    assert (
        main(
            training_arguments(
                data_dir, two, "--no-tracking", *FEW_ROUNDS, "--nthread", "2"
            )
        )
        == 0
    )
    one_bytes = (one / "model" / "model.ubj").read_bytes()
    two_bytes = (two / "model" / "model.ubj").read_bytes()
    assert one_bytes == two_bytes


def test_train_seed_changes_model(data_dir: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(training_arguments(data_dir, first, "--no-tracking", *FEW_ROUNDS)) == 0
    assert (
        main(
            training_arguments(
                data_dir, second, "--no-tracking", *FEW_ROUNDS, "--seed", "1"
            )
        )
        == 0
    )
    assert (first / "model" / "model.ubj").read_bytes() != (
        second / "model" / "model.ubj"
    ).read_bytes()


def test_early_stopping_trims_trees(data_dir: Path, tmp_path: Path) -> None:
    # A high learning rate overfits 1,400 rows quickly, so validation loss
    # stops improving long before 500 rounds.
    arguments = training_arguments(
        data_dir,
        tmp_path,
        "--no-tracking",
        "--learning-rate",
        "0.5",
        "--num-boost-round",
        "500",
        "--early-stopping-rounds",
        "5",
    )
    assert main(arguments) == 0

    model = load_model(tmp_path / "model")
    best_iteration = model.metadata.best_iteration
    assert best_iteration is not None
    assert best_iteration < 100
    assert model.booster.num_boosted_rounds() == best_iteration + 1
    assert model.booster.attr("best_iteration") is None


def test_train_writes_learning_curve(data_dir: Path, tmp_path: Path) -> None:
    assert (
        main(training_arguments(data_dir, tmp_path, "--no-tracking", *FEW_ROUNDS)) == 0
    )
    curve = tmp_path / "training" / "learning_curve.png"
    assert curve.read_bytes().startswith(b"\x89PNG")


def test_train_logs_progress(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="training.step")
    assert (
        main(training_arguments(data_dir, tmp_path, "--no-tracking", *FEW_ROUNDS)) == 0
    )
    progress = [
        record.getMessage()
        for record in caplog.records
        if "round " in record.getMessage()
    ]
    assert progress[0].startswith("round 0: validation auc")
    assert any(message.startswith("round 25:") for message in progress)


def test_train_missing_split_exits_1(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    arguments = training_arguments(data_dir, tmp_path, "--no-tracking")
    arguments[arguments.index("--train-dir") + 1] = str(tmp_path / "absent")
    assert main(arguments) == 1
    assert "absent" in caplog.text
    assert not (tmp_path / "model").exists()


def test_train_missing_baseline_exits_1(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    arguments = training_arguments(data_dir, tmp_path, "--no-tracking")
    arguments[arguments.index("--baseline-dir") + 1] = str(tmp_path)
    assert main(arguments) == 1
    assert "baseline not found" in caplog.text


def test_train_records_mlflow_run(data_dir: Path, tmp_path: Path) -> None:
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    arguments = training_arguments(
        data_dir,
        tmp_path,
        "--tracking-uri",
        tracking_uri,
        "--experiment",
        "tests",
        *FEW_ROUNDS,
    )
    assert main(arguments) == 0

    run_id = read_metadata(tmp_path / "model").mlflow_run_id
    assert run_id is not None
    client = MlflowClient(tracking_uri=tracking_uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["max_depth"] == "8"
    assert run.data.params["num_boost_round"] == "40"
    assert run.data.metrics["validation_roc_auc"] > 0.9
    assert (
        run.data.tags["model_sha256"] == read_metadata(tmp_path / "model").model_sha256
    )

    history = client.get_metric_history(run_id, "validation_logloss")
    assert len(history) > 10
    assert [metric.step for metric in history] == list(range(len(history)))

    artifacts = {item.path for item in client.list_artifacts(run_id, "model")}
    assert artifacts == {"model/model.ubj", "model/metadata.json"}
    plots = {item.path for item in client.list_artifacts(run_id, "plots")}
    assert "plots/learning_curve.png" in plots
    # A SQLite store keeps the artifacts in mlruns next to the database file.
    assert (tmp_path / "mlruns").is_dir()
    assert run.info.artifact_uri.startswith((tmp_path / "mlruns").as_uri())


def test_tracking_failure_exits_1(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The store's folder cannot be created because a regular file has its name.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    tracking_uri = f"sqlite:///{blocker / 'mlflow.db'}"
    arguments = training_arguments(data_dir, tmp_path, "--tracking-uri", tracking_uri)
    assert main(arguments) == 1
    assert "MLflow tracking failed" in caplog.text
    assert "--no-tracking" in caplog.text
    assert not (tmp_path / "model").exists()


def test_metadata_file_is_json(data_dir: Path, tmp_path: Path) -> None:
    assert (
        main(training_arguments(data_dir, tmp_path, "--no-tracking", *FEW_ROUNDS)) == 0
    )
    document = json.loads((tmp_path / "model" / "metadata.json").read_text())
    assert isinstance(document["best_iteration"], int)
    assert "baselines" in document
