"""Batch scoring: both layouts, labels, invalid rows, S3 and the CLI."""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
import sys
import tarfile
from pathlib import Path

import boto3
import pytest

from satisfaction.cli import main as satisfaction_main
from satisfaction.config import get_settings
from satisfaction.schema import LABELS
from satisfaction.synthetic import generate_rows, write_csv
from scoring.batch import ADDED_COLUMNS, main


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as stream:
        reader = csv.DictReader(stream)
        return list(reader.fieldnames or []), list(reader)


def write_survey(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def score(input_path: Path, output_path: Path, model_dir: Path) -> int:
    return main(
        [
            *("--input", str(input_path)),
            *("--output", str(output_path)),
            *("--model-uri", str(model_dir)),
        ]
    )


@pytest.mark.parametrize("layout", ["train", "combined"])
def test_output_keeps_input_columns(
    tmp_path: Path, model_dir: Path, layout: str
) -> None:
    source = write_csv(tmp_path / "in.csv", 300, seed=5, layout=layout)
    output = tmp_path / "out.csv"

    assert score(source, output, model_dir) == 0

    input_headers, input_rows = read_rows(source)
    output_headers, output_rows = read_rows(output)
    assert output_headers == [*input_headers, *ADDED_COLUMNS]
    assert len(output_rows) == 300
    for original, scored in zip(input_rows, output_rows, strict=True):
        assert {header: scored[header] for header in input_headers} == original


@pytest.mark.parametrize("layout", ["train", "combined"])
def test_every_valid_row_is_scored(
    tmp_path: Path, model_dir: Path, layout: str
) -> None:
    source = write_csv(tmp_path / "in.csv", 300, seed=5, layout=layout)
    output = tmp_path / "out.csv"

    score(source, output, model_dir)

    _, rows = read_rows(output)
    for row in rows:
        assert 0.0 <= float(row["probability_satisfied"]) <= 1.0
        assert row["predicted_satisfaction"] in LABELS
        assert row["error"] == ""


def test_both_layouts_score_alike(tmp_path: Path, model_dir: Path) -> None:
    train = write_csv(tmp_path / "train.csv", 200, seed=5, layout="train")
    combined = write_csv(tmp_path / "combined.csv", 200, seed=5, layout="combined")

    score(train, tmp_path / "train_out.csv", model_dir)
    score(combined, tmp_path / "combined_out.csv", model_dir)

    _, train_rows = read_rows(tmp_path / "train_out.csv")
    _, combined_rows = read_rows(tmp_path / "combined_out.csv")
    assert [row["probability_satisfied"] for row in train_rows] == [
        row["probability_satisfied"] for row in combined_rows
    ]


def test_label_metrics_printed(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "in.csv", 500, seed=6)

    score(source, tmp_path / "out.csv", model_dir)
    text = capsys.readouterr().out

    assert "labelled rows: 500, accuracy 0." in text
    assert "ROC-AUC 0." in text


def test_without_label_no_metrics(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = generate_rows(50, seed=6)
    for row in rows:
        del row["satisfaction"]
    source = write_survey(tmp_path / "in.csv", rows)
    output = tmp_path / "out.csv"

    exit_code = score(source, output, model_dir)
    headers, scored = read_rows(output)

    assert exit_code == 0
    assert "satisfaction" not in headers
    assert all(row["predicted_satisfaction"] for row in scored)
    assert "labelled rows" not in capsys.readouterr().out


def test_invalid_rows_get_error_others_scored(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = generate_rows(20, seed=6)
    rows[3]["Age"] = "old"
    rows[7]["Class"] = "First"
    rows[7]["Cleanliness"] = "7"
    source = write_survey(tmp_path / "in.csv", rows)
    output = tmp_path / "out.csv"

    exit_code = score(source, output, model_dir)
    _, scored = read_rows(output)

    assert exit_code == 0
    assert scored[3]["error"] == "age: not a number"
    assert scored[3]["probability_satisfied"] == ""
    assert scored[3]["predicted_satisfaction"] == ""
    assert scored[7]["error"] == (
        "travel_class: unknown value; cleanliness: outside 0 to 5"
    )
    assert scored[3]["Age"] == "old"
    assert sum(1 for row in scored if row["probability_satisfied"]) == 18
    assert "20 rows read, 18 scored, 2 invalid" in capsys.readouterr().out


def test_invalid_label_still_scored(tmp_path: Path, model_dir: Path) -> None:
    rows = generate_rows(20, seed=6)
    rows[4]["satisfaction"] = "unknown"
    source = write_survey(tmp_path / "in.csv", rows)
    output = tmp_path / "out.csv"

    score(source, output, model_dir)
    _, scored = read_rows(output)

    assert scored[4]["error"] == ""
    assert scored[4]["probability_satisfied"] != ""


def test_duplicate_ids_are_scored(tmp_path: Path, model_dir: Path) -> None:
    rows = generate_rows(10, seed=6)
    rows.append(dict(rows[0]))
    source = write_survey(tmp_path / "in.csv", rows)
    output = tmp_path / "out.csv"

    score(source, output, model_dir)
    _, scored = read_rows(output)

    assert scored[10]["error"] == ""
    assert scored[10]["probability_satisfied"] == scored[0]["probability_satisfied"]


def test_malformed_record_keeps_columns_aligned(
    tmp_path: Path, model_dir: Path
) -> None:
    source = write_csv(tmp_path / "in.csv", 5, seed=6)
    with source.open("a") as stream:
        stream.write("1,2,3\n")
    output = tmp_path / "out.csv"

    score(source, output, model_dir)
    _, scored = read_rows(output)

    assert len(scored) == 6
    assert scored[5]["error"] == "wrong number of fields (expected 25)"
    assert scored[5]["id"] == "2"
    assert scored[4]["error"] == ""


def test_gzip_output(tmp_path: Path, model_dir: Path) -> None:
    source = write_csv(tmp_path / "in.csv", 30, seed=6)
    output = tmp_path / "out.csv.gz"

    score(source, output, model_dir)
    text = gzip.decompress(output.read_bytes()).decode()

    assert text.startswith(",id,Gender")
    assert len(text.splitlines()) == 31


def test_output_columns_clash_exit_1(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "in.csv", 10, seed=6)
    first = tmp_path / "first.csv"
    score(source, first, model_dir)

    exit_code = score(first, tmp_path / "second.csv", model_dir)

    assert exit_code == 1
    assert "already has the columns" in capsys.readouterr().err


def test_missing_feature_column_exit_1(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = generate_rows(5, seed=6)
    for row in rows:
        del row["Gender"]
    source = write_survey(tmp_path / "in.csv", rows)

    exit_code = score(source, tmp_path / "out.csv", model_dir)

    assert exit_code == 1
    assert "missing required columns: 'Gender'" in capsys.readouterr().err


def test_no_approved_model_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SATISFACTION_REGISTRY_DIR", str(tmp_path / "registry"))
    monkeypatch.delenv("SATISFACTION_MODEL_URI", raising=False)
    get_settings.cache_clear()
    source = write_csv(tmp_path / "in.csv", 5, seed=6)
    try:
        exit_code = main(["--input", str(source), "--output", str(tmp_path / "o.csv")])
    finally:
        get_settings.cache_clear()

    assert exit_code == 1
    assert "no Approved model version" in capsys.readouterr().err


def test_corrupt_model_exit_1(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = tmp_path / "model"
    corrupt.mkdir()
    (corrupt / "metadata.json").write_bytes((model_dir / "metadata.json").read_bytes())
    (corrupt / "model.ubj").write_bytes(b"not a model")
    source = write_csv(tmp_path / "in.csv", 5, seed=6)

    exit_code = score(source, tmp_path / "out.csv", corrupt)

    assert exit_code == 1
    assert "SHA-256" in capsys.readouterr().err


def test_s3_input_output_and_model(aws: None, tmp_path: Path, model_dir: Path) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="scoring")
    source = write_csv(tmp_path / "in.csv", 40, seed=6, layout="combined")
    s3.upload_file(str(source), "scoring", "in/batch.csv")
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as bundle:
        for name in ("model.ubj", "metadata.json"):
            bundle.add(model_dir / name, arcname=name)
    s3.put_object(Bucket="scoring", Key="models/model.tar.gz", Body=archive.getvalue())

    exit_code = main(
        [
            *("--input", "s3://scoring/in/batch.csv"),
            *("--output", "s3://scoring/out/batch.csv"),
            *("--model-uri", "s3://scoring/models/model.tar.gz"),
        ]
    )
    body = s3.get_object(Bucket="scoring", Key="out/batch.csv")["Body"].read()
    rows = list(csv.DictReader(io.StringIO(body.decode())))

    assert exit_code == 0
    assert len(rows) == 40
    assert all(row["predicted_satisfaction"] in LABELS for row in rows)


def test_satisfaction_predict_command(tmp_path: Path, model_dir: Path) -> None:
    source = write_csv(tmp_path / "in.csv", 10, seed=6)
    output = tmp_path / "out.csv"

    exit_code = satisfaction_main(
        [
            "predict",
            *("--input", str(source)),
            *("--output", str(output)),
            *("--model-uri", str(model_dir)),
        ]
    )

    assert exit_code == 0
    assert output.is_file()


def test_help_describes_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    text = capsys.readouterr().out

    assert exit_info.value.code == 0
    assert "--model-uri" in text
    assert "latest Approved" in text


def test_runs_as_python_module() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "scoring", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0
    assert "--output" in completed.stdout


def test_output_folder_rejected_before_scoring(tmp_path, capsys):
    survey = write_csv(tmp_path / "in.csv", 20, seed=5)

    status = main(["--input", str(survey), "--output", str(tmp_path)])

    assert status == 1
    assert "is a folder" in capsys.readouterr().err


def test_output_same_as_input_rejected(tmp_path, capsys):
    survey = write_csv(tmp_path / "in.csv", 20, seed=5)
    before = survey.read_bytes()

    status = main(["--input", str(survey), "--output", str(survey)])

    assert status == 1
    assert "is the input file" in capsys.readouterr().err
    assert survey.read_bytes() == before
