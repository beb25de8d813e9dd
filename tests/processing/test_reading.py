"""Reading inputs: plain and gzip files, directories, S3 and malformed records."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import boto3
import pytest

from processing.reading import InputError, read_table


def test_plain_csv_keeps_text_and_line_numbers(train_layout_csv: Path) -> None:
    table = read_table(str(train_layout_csv))

    assert table.headers[:3] == ["", "id", "Gender"]
    assert len(table.rows) == 400
    assert table.line_numbers[:3] == [2, 3, 4]
    assert table.sha256 == hashlib.sha256(train_layout_csv.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["survey.csv.gz", "survey.csv", "survey.data"])
def test_gzip_detected_by_content(train_layout_csv: Path, name: str) -> None:
    packed = train_layout_csv.parent / "packed" / name
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(train_layout_csv.read_bytes()))

    table = read_table(str(packed))

    assert len(table.rows) == 400
    assert table.rows == read_table(str(train_layout_csv)).rows


def test_directory_with_one_csv(train_layout_csv: Path) -> None:
    table = read_table(str(train_layout_csv.parent))

    assert table.source == str(train_layout_csv)


def test_directory_without_csv_names_it(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no survey here")

    with pytest.raises(InputError, match=r"no \.csv or \.csv\.gz file found in"):
        read_table(str(tmp_path))


def test_directory_with_two_csvs_names_both(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id\n1\n")
    (tmp_path / "b.csv.gz").write_bytes(gzip.compress(b"id\n1\n"))

    with pytest.raises(InputError, match="several CSV files") as error:
        read_table(str(tmp_path))

    assert "a.csv" in str(error.value)
    assert "b.csv.gz" in str(error.value)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="input file not found"):
        read_table(str(tmp_path / "absent.csv"))


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")

    with pytest.raises(InputError, match="is empty"):
        read_table(str(tmp_path / "empty.csv"))


def test_non_utf8_file_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "latin1.csv").write_bytes("id,Gender\n1,F\xe9male\n".encode("latin-1"))

    with pytest.raises(InputError, match="not UTF-8"):
        read_table(str(tmp_path / "latin1.csv"))


def test_malformed_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text('a,b\n1,2\n\n3,4,5\n"six\nlines",7\n8\n')

    table = read_table(str(path))

    assert table.blank_lines == 1
    assert table.rows == [["1", "2"], ["3", "4", "5"], ["six\nlines", "7"], ["8"]]
    # The quoted value spans lines 5 and 6; a record's number is its last line.
    assert table.line_numbers == [2, 4, 6, 7]
    assert table.malformed == [1, 3]


def test_s3_object_and_prefix(aws: None, train_layout_csv: Path) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="surveys")
    s3.put_object(
        Bucket="surveys", Key="raw/2026/train.csv", Body=train_layout_csv.read_bytes()
    )

    by_key = read_table("s3://surveys/raw/2026/train.csv")
    by_prefix = read_table("s3://surveys/raw/2026/")

    assert len(by_key.rows) == 400
    assert by_prefix.source == "s3://surveys/raw/2026/train.csv"


def test_s3_missing_object_is_reported(aws: None) -> None:
    boto3.client("s3").create_bucket(Bucket="surveys")

    with pytest.raises(InputError, match=r"cannot read s3://surveys/absent\.csv"):
        read_table("s3://surveys/absent.csv")


def test_s3_uri_without_key_is_rejected() -> None:
    with pytest.raises(InputError, match="invalid S3 URI"):
        read_table("s3://surveys")
