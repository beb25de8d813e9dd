"""Baseline statistics of the train split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from processing.baseline import compute_baseline
from processing.reading import read_table
from processing.validation import validate
from satisfaction.schema import FEATURES, POSITIVE_LABEL, RATING_NAMES, TARGET


@pytest.fixture
def train_frame(train_layout_csv: Path) -> pd.DataFrame:
    table = read_table(str(train_layout_csv))
    return validate(table, label_required=True, check_duplicates=True).valid_frame()


def test_every_feature_has_a_baseline(train_frame: pd.DataFrame) -> None:
    baseline = compute_baseline(train_frame)

    assert list(baseline.features) == [feature.name for feature in FEATURES]
    assert baseline.row_count == 400
    assert baseline.positive_share == pytest.approx(
        (train_frame[TARGET] == POSITIVE_LABEL).mean()
    )


def test_value_shares_cover_every_level(train_frame: pd.DataFrame) -> None:
    baseline = compute_baseline(train_frame)

    for name in RATING_NAMES:
        shares = baseline.features[name].value_shares
        assert list(shares) == ["0", "1", "2", "3", "4", "5"], name
        assert sum(shares.values()) == pytest.approx(1.0), name
    assert list(baseline.features["travel_class"].value_shares) == [
        "Eco",
        "Eco Plus",
        "Business",
    ]


def test_numeric_bins_match_the_data(train_frame: pd.DataFrame) -> None:
    baseline = compute_baseline(train_frame)
    age = baseline.features["age"]

    assert age.mean == pytest.approx(train_frame["age"].mean())
    assert age.std == pytest.approx(train_frame["age"].std())
    assert age.minimum == train_frame["age"].min()
    assert age.maximum == train_frame["age"].max()
    assert len(age.bin_edges) == 11
    assert np.all(np.diff(age.bin_edges) > 0)
    assert sum(age.bin_shares) == pytest.approx(1.0)


def test_missing_share_excluded_from_bins(train_frame: pd.DataFrame) -> None:
    frame = train_frame.copy()
    frame.loc[:39, "arrival_delay_in_minutes"] = np.nan
    missing = int(frame["arrival_delay_in_minutes"].isna().sum())

    arrival = compute_baseline(frame).features["arrival_delay_in_minutes"]

    assert missing >= 40
    assert arrival.missing_share == pytest.approx(missing / 400)
    assert arrival.count == 400 - missing
    assert sum(arrival.bin_shares) == pytest.approx(1.0)


def test_tied_quantiles_merge_bins(train_frame: pd.DataFrame) -> None:
    frame = train_frame.copy()
    frame["departure_delay_in_minutes"] = 0
    frame.loc[:99, "departure_delay_in_minutes"] = range(1, 101)

    delay = compute_baseline(frame).features["departure_delay_in_minutes"]

    # 300 zeros and the delays 1 to 100: the deciles up to the 70th percentile are
    # all 0, then 20.2 (80th), 60.1 (90th) and the maximum 100.
    assert delay.bin_edges == pytest.approx([0.0, 20.2, 60.1, 100.0])
    assert delay.bin_shares == pytest.approx([320 / 400, 40 / 400, 40 / 400])


def test_constant_feature_has_one_bin(train_frame: pd.DataFrame) -> None:
    frame = train_frame.copy()
    frame["age"] = 40

    age = compute_baseline(frame).features["age"]

    assert age.bin_edges == [40.0, 40.0]
    assert age.bin_shares == [1.0]
