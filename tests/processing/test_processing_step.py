"""The processing step end to end: outputs, report, quarantine, threshold and CLI."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import boto3
import pandas as pd
import pytest

from processing import step
from processing.step import OUTPUT_COLUMNS, main
from satisfaction.cli import main as satisfaction_main
from satisfaction.synthetic import generate_rows, write_csv

OUTPUTS = (
    "train/train.parquet",
    "validation/validation.parquet",
    "test/test.parquet",
    "baseline/baseline.json",
    "report/report.json",
    "report/quarantine.csv",
)


def read_report(output_dir: Path) -> dict:
    return json.loads((output_dir / "report" / "report.json").read_text())


def read_quarantine(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture
def survey_1000(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "survey.csv", 1000, seed=7)


def test_writes_every_output(tmp_path: Path, survey_1000: Path) -> None:
    output_dir = tmp_path / "out"

    assert main(["--input", str(survey_1000), "--output-dir", str(output_dir)]) == 0

    for relative in OUTPUTS:
        assert (output_dir / relative).is_file(), relative
    report = read_report(output_dir)
    assert report["status"] == "passed"
    assert report["inputs"]["input"]["rows_read"] == 1000
    assert report["inputs"]["input"]["layout"] == "train"
    assert (
        report["inputs"]["input"]["sha256"]
        == hashlib.sha256(survey_1000.read_bytes()).hexdigest()
    )


def test_split_sizes_and_columns(tmp_path: Path, survey_1000: Path) -> None:
    output_dir = tmp_path / "out"
    main(["--input", str(survey_1000), "--output-dir", str(output_dir)])

    splits = {
        name: pd.read_parquet(output_dir / name / f"{name}.parquet")
        for name in ("train", "validation", "test")
    }

    assert {name: len(frame) for name, frame in splits.items()} == {
        "train": 800,
        "validation": 100,
        "test": 100,
    }
    for frame in splits.values():
        assert list(frame.columns) == OUTPUT_COLUMNS
    ids = [set(frame["id"]) for frame in splits.values()]
    assert not ids[0] & ids[1]
    assert not ids[0] & ids[2]
    assert not ids[1] & ids[2]


def test_quarantine_and_report_contents(
    tmp_path: Path, survey_file: Callable[..., Path]
) -> None:
    rows = generate_rows(100, seed=2)
    rows[10]["Age"] = "abc"
    rows[20]["Gender"] = "X"
    rows[20]["Inflight wifi service"] = "9"
    rows[30]["Arrival Delay in Minutes"] = ""  # missing arrival delay is valid
    output_dir = tmp_path / "out"

    exit_code = main(
        ["--input", str(survey_file(rows)), "--output-dir", str(output_dir)]
    )
    quarantine = read_quarantine(output_dir / "report" / "quarantine.csv")
    report = read_report(output_dir)["inputs"]["input"]

    assert exit_code == 0
    assert [row["line_number"] for row in quarantine] == ["12", "22"]
    assert quarantine[0]["reason"] == "age: not a number"
    assert quarantine[0]["Age"] == "abc"
    assert quarantine[0]["id"] == rows[10]["id"]
    assert quarantine[1]["reason"] == (
        "gender: unknown value; inflight_wifi_service: outside 0 to 5"
    )
    assert report["rows_invalid"] == 2
    assert report["rows_valid"] == 98
    assert report["invalid_share"] == 0.02
    assert report["invalid_rows_by_reason"] == {
        "age: not a number": 1,
        "gender: unknown value": 1,
        "inflight_wifi_service: outside 0 to 5": 1,
    }


def test_too_many_invalid_rows_fail(
    tmp_path: Path,
    survey_file: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = generate_rows(100, seed=2)
    for row in rows[:10]:
        row["Age"] = "-1"
    output_dir = tmp_path / "out"

    exit_code = main(
        ["--input", str(survey_file(rows)), "--output-dir", str(output_dir)]
    )
    error = capsys.readouterr().err

    assert exit_code == 1
    assert "10 of 100 rows (10.00%) are invalid" in error
    assert "maximum of 5.00%" in error
    assert read_report(output_dir)["status"] == "failed"
    assert len(read_quarantine(output_dir / "report" / "quarantine.csv")) == 10
    assert not (output_dir / "train").exists()


def test_threshold_is_configurable(
    tmp_path: Path, survey_file: Callable[..., Path]
) -> None:
    rows = generate_rows(100, seed=2)
    for row in rows[:10]:
        row["Age"] = "-1"
    path = survey_file(rows)

    assert main(["--input", str(path), "--output-dir", str(tmp_path / "a")]) == 1
    assert (
        main(
            [
                "--input",
                str(path),
                "--output-dir",
                str(tmp_path / "b"),
                "--max-invalid-share",
                "0.1",
            ]
        )
        == 0
    )


def test_failed_run_removes_earlier_outputs(
    tmp_path: Path, survey_1000: Path, survey_file: Callable[..., Path]
) -> None:
    rows = generate_rows(100, seed=2)
    for row in rows[:10]:
        row["Age"] = "-1"
    output_dir = tmp_path / "out"
    main(["--input", str(survey_1000), "--output-dir", str(output_dir)])

    exit_code = main(
        ["--input", str(survey_file(rows)), "--output-dir", str(output_dir)]
    )

    assert exit_code == 1
    assert not (output_dir / "train" / "train.parquet").exists()
    assert not (output_dir / "baseline" / "baseline.json").exists()


def test_same_seed_gives_identical_bytes(tmp_path: Path, survey_1000: Path) -> None:
    for name in ("first", "second"):
        main(["--input", str(survey_1000), "--output-dir", str(tmp_path / name)])

    for relative in OUTPUTS[:4]:
        first = (tmp_path / "first" / relative).read_bytes()
        second = (tmp_path / "second" / relative).read_bytes()
        assert first == second, relative


def test_other_seed_gives_other_split(tmp_path: Path, survey_1000: Path) -> None:
    main(["--input", str(survey_1000), "--output-dir", str(tmp_path / "a")])
    main(
        [
            *("--input", str(survey_1000)),
            *("--output-dir", str(tmp_path / "b")),
            *("--seed", "7"),
        ]
    )

    first = pd.read_parquet(tmp_path / "a" / "test" / "test.parquet")
    second = pd.read_parquet(tmp_path / "b" / "test" / "test.parquet")
    assert set(first["id"]) != set(second["id"])


def test_separate_test_file(tmp_path: Path, survey_1000: Path) -> None:
    rows = generate_rows(200, seed=8)
    for index, row in enumerate(rows):
        row["id"] = str(900_000 + index)
    rows[0]["id"] = "100005"  # a passenger of the training input
    test_path = tmp_path / "official_test.csv"
    pd.DataFrame(rows).to_csv(test_path, index=False)
    output_dir = tmp_path / "out"

    exit_code = main(
        [
            *("--input", str(survey_1000)),
            *("--test-input", str(test_path)),
            *("--output-dir", str(output_dir)),
        ]
    )
    report = read_report(output_dir)
    test = pd.read_parquet(output_dir / "test" / "test.parquet")
    quarantine = read_quarantine(output_dir / "report" / "test_quarantine.csv")

    assert exit_code == 0
    assert report["splits"]["train"]["rows"] == 900
    assert report["splits"]["validation"]["rows"] == 100
    assert len(test) == 199
    assert 100005 not in set(test["id"])
    assert quarantine[0]["reason"] == "id: also in the training input"
    assert report["test_fraction"] == 0.0
    assert report["inputs"]["test_input"]["rows_invalid"] == 1

    main(["--input", str(survey_1000), "--output-dir", str(output_dir)])

    assert not (output_dir / "report" / "test_quarantine.csv").exists()


def test_combined_layout_gzip_input(tmp_path: Path) -> None:
    import gzip

    source = write_csv(tmp_path / "raw.csv", 300, seed=4, layout="combined")
    packed = tmp_path / "input" / "survey.csv.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(source.read_bytes()))
    output_dir = tmp_path / "out"

    exit_code = main(["--input", str(packed.parent), "--output-dir", str(output_dir)])

    assert exit_code == 0
    assert read_report(output_dir)["inputs"]["input"]["layout"] == "combined"
    assert read_report(output_dir)["inputs"]["input"]["rows_valid"] == 300


def test_s3_input(aws: None, tmp_path: Path, survey_1000: Path) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="raw-surveys")
    s3.upload_file(str(survey_1000), "raw-surveys", "2026/survey.csv")
    output_dir = tmp_path / "out"

    exit_code = main(
        ["--input", "s3://raw-surveys/2026/survey.csv", "--output-dir", str(output_dir)]
    )

    assert exit_code == 0
    assert read_report(output_dir)["inputs"]["input"]["source"] == (
        "s3://raw-surveys/2026/survey.csv"
    )


def test_missing_input_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code = main(
        [
            *("--input", str(tmp_path / "absent.csv")),
            *("--output-dir", str(tmp_path / "out")),
        ]
    )

    assert exit_code == 1
    assert "input file not found" in capsys.readouterr().err


@pytest.mark.parametrize("missing", ["--input", "--test-input"])
def test_missing_input_keeps_earlier_outputs(
    tmp_path: Path, survey_1000: Path, missing: str
) -> None:
    output_dir = tmp_path / "out"
    assert main(["--input", str(survey_1000), "--output-dir", str(output_dir)]) == 0
    before = {relative: (output_dir / relative).read_bytes() for relative in OUTPUTS}
    inputs = {"--input": str(survey_1000), "--test-input": str(survey_1000)}
    inputs[missing] = str(tmp_path / "absent.csv")

    exit_code = main(
        [
            *(part for pair in inputs.items() for part in pair),
            *("--output-dir", str(output_dir)),
        ]
    )

    assert exit_code == 1
    after = {relative: (output_dir / relative).read_bytes() for relative in OUTPUTS}
    assert after == before
    assert not (output_dir / "report" / "test_quarantine.csv").exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--max-invalid-share", "1.5"),
        ("--max-invalid-share", "-0.1"),
        ("--max-invalid-share", "nan"),
        ("--max-invalid-share", "many"),
        ("--validation-fraction", "0"),
        ("--validation-fraction", "1"),
        ("--validation-fraction", "nan"),
        ("--test-fraction", "-0.2"),
        ("--test-fraction", "inf"),
    ],
)
def test_out_of_range_numbers_exit_2(
    tmp_path: Path,
    survey_1000: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
) -> None:
    output_dir = tmp_path / "out"

    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                *("--input", str(survey_1000)),
                *("--output-dir", str(output_dir)),
                f"{option}={value}",
            ]
        )

    assert exit_info.value.code == 2
    assert option in capsys.readouterr().err
    assert not output_dir.exists()


@pytest.mark.parametrize("value", ["0", "1"])
def test_max_invalid_share_accepts_bounds(
    tmp_path: Path, survey_1000: Path, value: str
) -> None:
    arguments = ["--input", str(survey_1000), "--output-dir", str(tmp_path / "out")]

    assert main([*arguments, "--max-invalid-share", value]) == 0


def test_missing_columns_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "survey.csv"
    path.write_text("id,Gender\n1,Male\n")

    exit_code = main(["--input", str(path), "--output-dir", str(tmp_path / "out")])

    assert exit_code == 1
    assert "missing required columns" in capsys.readouterr().err


def test_too_few_rows_to_split_exit_1(
    tmp_path: Path,
    survey_file: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = generate_rows(3, seed=1)
    labels = ["satisfied", "neutral or dissatisfied", "neutral or dissatisfied"]
    for row, label in zip(rows, labels, strict=True):
        row["satisfaction"] = label

    exit_code = main(
        ["--input", str(survey_file(rows)), "--output-dir", str(tmp_path / "out")]
    )

    assert exit_code == 1
    assert "cannot split 3 valid rows" in capsys.readouterr().err


def test_fractions_without_train_rows_exit_1(
    tmp_path: Path, survey_1000: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code = main(
        [
            *("--input", str(survey_1000)),
            *("--output-dir", str(tmp_path / "out")),
            *("--validation-fraction", "0.5", "--test-fraction", "0.5"),
        ]
    )

    assert exit_code == 1
    assert "leave no rows for training" in capsys.readouterr().err


def test_help_lists_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    text = capsys.readouterr().out

    assert exit_info.value.code == 0
    assert "--max-invalid-share" in text
    assert "Default: 0.05" in text
    assert "artifacts/data" in text


def test_input_required_outside_sagemaker(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])

    assert exit_info.value.code == 2
    assert "--input" in capsys.readouterr().err


def test_sagemaker_container_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(step, "SAGEMAKER_PROCESSING_ROOT", tmp_path)

    args = step.build_parser().parse_args([])

    assert args.input == str(tmp_path / "input" / "data")
    assert args.output_dir == tmp_path


def test_satisfaction_process_command(tmp_path: Path, survey_1000: Path) -> None:
    output_dir = tmp_path / "out"

    exit_code = satisfaction_main(
        ["process", "--input", str(survey_1000), "--output-dir", str(output_dir)]
    )

    assert exit_code == 0
    assert (output_dir / "train" / "train.parquet").is_file()


def test_runs_as_python_module() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "processing", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0
    assert "--test-input" in completed.stdout
