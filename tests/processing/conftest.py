"""Fixtures of the processing tests: synthetic survey files with chosen defects."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from satisfaction.synthetic import COMBINED_LAYOUT_HEADERS, TRAIN_LAYOUT_HEADERS

REGION = "us-east-1"


def write_rows(path: Path, rows: list[dict[str, str]], layout: str = "train") -> Path:
    """Write rows keyed by the headers of ``layout`` as a CSV file."""
    headers = TRAIN_LAYOUT_HEADERS if layout == "train" else COMBINED_LAYOUT_HEADERS
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def survey_file(tmp_path: Path) -> Callable[..., Path]:
    """Return a function that writes rows as a CSV under ``tmp_path``."""

    def write(
        rows: list[dict[str, str]], name: str = "survey.csv", layout: str = "train"
    ) -> Path:
        return write_rows(tmp_path / name, rows, layout)

    return write


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and an in-process moto S3, so no request leaves the process."""
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield
