"""The satisfaction drift command on synthetic survey files."""

import csv
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from monitoring.drift import (
    FEATURE_DIMENSION,
    FEATURE_DRIFT_METRIC,
    MAX_FEATURE_DRIFT_METRIC,
)
from monitoring.step import EXIT_DRIFT, main
from processing.step import main as process
from satisfaction.synthetic import write_csv


@pytest.fixture
def baseline_path(tmp_path):
    survey = write_csv(tmp_path / "survey.csv", 2000, seed=3)
    assert (
        process(["--input", str(survey), "--output-dir", str(tmp_path / "data")]) == 0
    )
    return tmp_path / "data" / "baseline" / "baseline.json"


def shifted_copy(source, target):
    """Copy a survey file with every passenger moved to Business class."""
    with source.open() as reader_stream, target.open("w", newline="") as writer_stream:
        reader = csv.DictReader(reader_stream)
        writer = csv.DictWriter(writer_stream, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            writer.writerow({**row, "Class": "Business"})
    return target


def test_same_population_is_stable(tmp_path, baseline_path, capsys):
    batch = write_csv(tmp_path / "batch.csv", 1500, seed=4, layout="combined")
    report_path = tmp_path / "drift.json"

    status = main(
        [
            "--input",
            str(batch),
            "--baseline",
            str(baseline_path),
            "--output",
            str(report_path),
        ]
    )

    report = json.loads(report_path.read_text())
    assert status == 0
    assert report["drifted_features"] == []
    assert report["row_count"] == 1500
    assert "no feature drifted" in capsys.readouterr().out


def test_shifted_class_fails_on_drift(tmp_path, baseline_path, capsys):
    batch = shifted_copy(
        write_csv(tmp_path / "batch.csv", 1500, seed=4), tmp_path / "shifted.csv"
    )

    status = main(
        ["--input", str(batch), "--baseline", str(baseline_path), "--fail-on-drift"]
    )

    assert status == EXIT_DRIFT
    assert "significant drift (PSI >= 0.2): travel_class" in capsys.readouterr().out


def test_missing_baseline_is_error(tmp_path, capsys):
    batch = write_csv(tmp_path / "batch.csv", 10, seed=4)

    status = main(["--input", str(batch), "--baseline", str(tmp_path / "none.json")])

    assert status == 2
    assert "baseline file not found" in capsys.readouterr().err


def test_no_model_and_no_baseline_is_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    batch = write_csv(tmp_path / "batch.csv", 10, seed=4)

    status = main(["--input", str(batch)])

    assert status == 2
    assert "pass --baseline" in capsys.readouterr().err


def test_publish_sends_psi_per_feature(tmp_path, baseline_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("SATISFACTION_AWS_REGION", "eu-west-1")
    from satisfaction.config import get_settings

    get_settings.cache_clear()
    batch = write_csv(tmp_path / "batch.csv", 500, seed=4)

    with mock_aws():
        status = main(
            [
                "--input",
                str(batch),
                "--baseline",
                str(baseline_path),
                "--publish",
                "--namespace",
                "Test",
            ]
        )
        cloudwatch = boto3.client("cloudwatch", region_name="eu-west-1")
        now = datetime.now(UTC)
        result = cloudwatch.get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "age",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "Test",
                            "MetricName": FEATURE_DRIFT_METRIC,
                            "Dimensions": [{"Name": FEATURE_DIMENSION, "Value": "age"}],
                        },
                        "Period": 60,
                        "Stat": "Maximum",
                    },
                },
                {
                    "Id": "maximum",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "Test",
                            "MetricName": MAX_FEATURE_DRIFT_METRIC,
                        },
                        "Period": 60,
                        "Stat": "Maximum",
                    },
                },
            ],
            StartTime=now - timedelta(minutes=5),
            EndTime=now + timedelta(minutes=5),
        )
    get_settings.cache_clear()

    values = {item["Id"]: item["Values"] for item in result["MetricDataResults"]}
    assert status == 0
    assert len(values["age"]) == 1
    assert len(values["maximum"]) == 1
    assert values["maximum"][0] >= values["age"][0]
