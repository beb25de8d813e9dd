"""Data tests on the outputs of the processing step, run on a synthetic survey.

They check the contract that training, evaluation and monitoring rely on:
the parquet schema, value ranges, labels, class balance and disjoint splits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from processing.step import OUTPUT_COLUMNS, main
from satisfaction.baseline import BaselineStatistics
from satisfaction.schema import (
    AGE_RANGE,
    DELAY_RANGE,
    FEATURES,
    FLIGHT_DISTANCE_RANGE,
    LABELS,
    PASSENGER_ID,
    POSITIVE_LABEL,
    RATING_NAMES,
    TARGET,
    FeatureKind,
)
from satisfaction.synthetic import write_csv

SPLITS = ("train", "validation", "test")


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Process a 3,000-row synthetic survey once for every test in this module."""
    root = tmp_path_factory.mktemp("processed")
    source = write_csv(root / "survey.csv", 3000, seed=21)
    assert main(["--input", str(source), "--output-dir", str(root / "out")]) == 0
    return root / "out"


@pytest.fixture(scope="module")
def splits(processed: Path) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_parquet(processed / name / f"{name}.parquet") for name in SPLITS
    }


@pytest.mark.parametrize("split", SPLITS)
def test_columns_follow_the_contract(
    splits: dict[str, pd.DataFrame], split: str
) -> None:
    frame = splits[split]

    assert list(frame.columns) == OUTPUT_COLUMNS
    assert frame[PASSENGER_ID].dtype == "int64"
    assert frame["arrival_delay_in_minutes"].dtype == "float64"
    for feature in FEATURES:
        if feature.kind in (FeatureKind.INTEGER, FeatureKind.RATING):
            assert frame[feature.name].dtype == "int64", feature.name


@pytest.mark.parametrize("split", SPLITS)
def test_no_nulls_except_arrival_delay(
    splits: dict[str, pd.DataFrame], split: str
) -> None:
    nulls = splits[split].isna().sum()

    assert nulls.drop("arrival_delay_in_minutes").sum() == 0


def test_arrival_delay_may_be_missing(splits: dict[str, pd.DataFrame]) -> None:
    missing = sum(
        int(frame["arrival_delay_in_minutes"].isna().sum()) for frame in splits.values()
    )

    assert missing > 0


@pytest.mark.parametrize("split", SPLITS)
def test_values_within_schema(splits: dict[str, pd.DataFrame], split: str) -> None:
    frame = splits[split]

    for name in RATING_NAMES:
        assert frame[name].between(0, 5).all(), name
    for feature in FEATURES:
        if feature.levels:
            assert set(frame[feature.name]) <= set(feature.levels), feature.name
    assert frame["age"].between(*AGE_RANGE).all()
    assert frame["flight_distance"].between(*FLIGHT_DISTANCE_RANGE).all()
    assert frame["departure_delay_in_minutes"].between(*DELAY_RANGE).all()
    assert frame["arrival_delay_in_minutes"].dropna().between(*DELAY_RANGE).all()


@pytest.mark.parametrize("split", SPLITS)
def test_labels_are_canonical(splits: dict[str, pd.DataFrame], split: str) -> None:
    assert set(splits[split][TARGET]) == set(LABELS)


def test_class_balance_kept(splits: dict[str, pd.DataFrame]) -> None:
    overall = pd.concat(splits.values())[TARGET].eq(POSITIVE_LABEL).mean()

    for name, frame in splits.items():
        share = frame[TARGET].eq(POSITIVE_LABEL).mean()
        assert share == pytest.approx(overall, abs=0.01), name


def test_ids_unique_across_splits(splits: dict[str, pd.DataFrame]) -> None:
    ids = pd.concat(splits.values())[PASSENGER_ID]

    assert ids.is_unique
    assert len(ids) == 3000


def test_baseline_matches_train_split(
    processed: Path, splits: dict[str, pd.DataFrame]
) -> None:
    baseline = BaselineStatistics.model_validate_json(
        (processed / "baseline" / "baseline.json").read_text()
    )
    train = splits["train"]

    assert baseline.row_count == len(train)
    assert baseline.positive_share == pytest.approx(
        train[TARGET].eq(POSITIVE_LABEL).mean()
    )
    assert baseline.features["age"].mean == pytest.approx(train["age"].mean())


def test_report_accounts_for_every_row(processed: Path) -> None:
    report = json.loads((processed / "report" / "report.json").read_text())
    summary = report["inputs"]["input"]
    split_rows = sum(split["rows"] for split in report["splits"].values())

    assert summary["rows_valid"] + summary["rows_invalid"] == summary["rows_read"]
    assert split_rows == summary["rows_valid"]
