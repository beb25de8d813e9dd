"""Evaluation step on a model trained on synthetic data."""

from __future__ import annotations

import csv
import json
import tarfile
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from processed_splits import training_arguments

from evaluation.metrics import METRIC_NAMES
from evaluation.step import main
from satisfaction.artifact import read_metadata
from training.step import main as train

PLOTS = (
    "roc.png",
    "precision_recall.png",
    "calibration.png",
    "confusion_matrix.png",
    "feature_importance.png",
)


def evaluation_arguments(
    model_dir: Path, data_dir: Path, output_dir: Path
) -> list[str]:
    return [
        "--model-dir",
        str(model_dir),
        "--test-dir",
        str(data_dir / "test"),
        "--output-dir",
        str(output_dir),
        "--no-tracking",
    ]


@pytest.fixture(scope="module")
def evaluation_dir(
    model_dir: Path, data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    output_dir = tmp_path_factory.mktemp("evaluation")
    assert main(evaluation_arguments(model_dir, data_dir, output_dir)) == 0
    return output_dir


def test_evaluation_json_shape(evaluation_dir: Path, model_dir: Path) -> None:
    document = json.loads((evaluation_dir / "evaluation.json").read_text())
    binary = document["binary_classification_metrics"]
    for name in METRIC_NAMES:
        assert isinstance(binary[name]["value"], float), name
        assert binary[name]["standard_deviation"] == "NaN", name
    assert document["model_sha256"] == read_metadata(model_dir).model_sha256
    assert document["test_rows"] == 300


def test_evaluation_json_getter_path(evaluation_dir: Path) -> None:
    # The pipeline's JsonGet reads binary_classification_metrics.roc_auc.value.
    document = json.loads((evaluation_dir / "evaluation.json").read_text())
    value = document
    for key in ["binary_classification_metrics", "roc_auc", "value"]:
        value = value[key]
    assert 0.9 < value <= 1.0


def test_evaluation_confusion_counts_rows(evaluation_dir: Path) -> None:
    document = json.loads((evaluation_dir / "evaluation.json").read_text())
    confusion = document["binary_classification_metrics"]["confusion_matrix"]
    assert set(confusion) == {"0", "1"}
    total = sum(count for row in confusion.values() for count in row.values())
    assert total == document["test_rows"]


def test_evaluation_quality_gate_figures(evaluation_dir: Path) -> None:
    gate = json.loads((evaluation_dir / "evaluation.json").read_text())["quality_gate"]
    assert gate["min_roc_auc"] == 0.99
    assert gate["min_accuracy"] == 0.95
    assert isinstance(gate["passed"], bool)


def test_evaluation_flat_metrics(evaluation_dir: Path) -> None:
    flat = json.loads((evaluation_dir / "metrics.json").read_text())
    document = json.loads((evaluation_dir / "evaluation.json").read_text())
    assert set(flat) == set(METRIC_NAMES)
    for name in METRIC_NAMES:
        assert flat[name] == document["binary_classification_metrics"][name]["value"]


@pytest.mark.parametrize("name", PLOTS)
def test_evaluation_plot_written(evaluation_dir: Path, name: str) -> None:
    assert (evaluation_dir / name).read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("name", "header"),
    [("roc.csv", ["fpr", "tpr"]), ("prc.csv", ["precision", "recall"])],
)
def test_evaluation_dvc_plot_table(
    evaluation_dir: Path, name: str, header: list[str]
) -> None:
    with (evaluation_dir / name).open() as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == header
    assert len(rows) > 2
    values = [float(value) for row in rows[1:] for value in row]
    assert min(values) >= 0.0
    assert max(values) <= 1.0


def test_evaluation_failed_gate_exits_0(
    model_dir: Path, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = [
        *evaluation_arguments(model_dir, data_dir, tmp_path),
        "--min-roc-auc",
        "1.0",
    ]
    assert main(arguments) == 0
    gate = json.loads((tmp_path / "evaluation.json").read_text())["quality_gate"]
    assert gate["passed"] is False
    assert "quality gate FAILED" in capsys.readouterr().out


def test_evaluation_model_archive(
    model_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    # SageMaker mounts the training output as a folder holding model.tar.gz.
    archive_dir = tmp_path / "model"
    archive_dir.mkdir()
    with tarfile.open(archive_dir / "model.tar.gz", "w:gz") as bundle:
        for path in model_dir.iterdir():
            bundle.add(path, arcname=path.name)
    output_dir = tmp_path / "evaluation"

    assert main(evaluation_arguments(archive_dir, data_dir, output_dir)) == 0
    document = json.loads((output_dir / "evaluation.json").read_text())
    assert document["model_sha256"] == read_metadata(model_dir).model_sha256


def test_evaluation_missing_model_exits_1(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert main(evaluation_arguments(tmp_path, data_dir, tmp_path / "out")) == 1
    assert "model.tar.gz" in caplog.text


def test_evaluation_corrupt_model_exits_1(
    model_dir: Path, data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corrupt = tmp_path / "model"
    corrupt.mkdir()
    (corrupt / "metadata.json").write_bytes((model_dir / "metadata.json").read_bytes())
    model_bytes = bytearray((model_dir / "model.ubj").read_bytes())
    model_bytes[-10] ^= 0xFF
    (corrupt / "model.ubj").write_bytes(bytes(model_bytes))

    assert main(evaluation_arguments(corrupt, data_dir, tmp_path / "out")) == 1
    assert "SHA-256" in caplog.text


def test_evaluation_logs_to_training_run(data_dir: Path, tmp_path: Path) -> None:
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tracking = ("--tracking-uri", tracking_uri, "--experiment", "tests")
    training = training_arguments(
        data_dir, tmp_path, *tracking, "--num-boost-round", "30"
    )
    assert train(training) == 0
    model_dir = tmp_path / "model"
    arguments = evaluation_arguments(model_dir, data_dir, tmp_path / "evaluation")
    arguments.remove("--no-tracking")

    assert main([*arguments, *tracking]) == 0
    run_id = read_metadata(model_dir).mlflow_run_id
    client = MlflowClient(tracking_uri=tracking_uri)
    metrics = client.get_run(run_id).data.metrics
    for name in METRIC_NAMES:
        assert f"test_{name}" in metrics, name
    logged = {item.path for item in client.list_artifacts(run_id, "evaluation")}
    assert "evaluation/evaluation.json" in logged


def test_evaluation_new_run_without_training_run(
    model_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    arguments = evaluation_arguments(model_dir, data_dir, tmp_path / "evaluation")
    arguments.remove("--no-tracking")

    assert (
        main([*arguments, "--tracking-uri", tracking_uri, "--experiment", "tests"]) == 0
    )
    client = MlflowClient(tracking_uri=tracking_uri)
    experiment = client.get_experiment_by_name("tests")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    assert runs[0].data.tags["model_sha256"] == read_metadata(model_dir).model_sha256
    assert "test_roc_auc" in runs[0].data.metrics
