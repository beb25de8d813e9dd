"""Stratified splitting."""

from __future__ import annotations

import pandas as pd
import pytest

from processing.splitting import SplitError, split_frame
from satisfaction.schema import NEGATIVE_LABEL, POSITIVE_LABEL, TARGET


def labelled_frame(count: int, positive_share: float) -> pd.DataFrame:
    positives = round(count * positive_share)
    labels = [POSITIVE_LABEL] * positives + [NEGATIVE_LABEL] * (count - positives)
    return pd.DataFrame({"id": range(count), TARGET: labels})


def positive_share(frame: pd.DataFrame) -> float:
    return float((frame[TARGET] == POSITIVE_LABEL).mean())


def test_split_keeps_label_shares() -> None:
    splits = split_frame(
        labelled_frame(2000, 0.3), validation_fraction=0.15, test_fraction=0.15, seed=1
    )

    assert len(splits.train) == 1400
    assert len(splits.validation) == 300
    assert len(splits.test) == 300
    for frame in (splits.train, splits.validation, splits.test):
        assert positive_share(frame) == pytest.approx(0.3, abs=0.005)


def test_split_without_test() -> None:
    splits = split_frame(
        labelled_frame(1000, 0.5), validation_fraction=0.15, test_fraction=0.0, seed=1
    )

    assert splits.test is None
    assert len(splits.train) == 850
    assert len(splits.validation) == 150


def test_split_is_reproducible() -> None:
    frame = labelled_frame(500, 0.4)

    first = split_frame(frame, validation_fraction=0.2, test_fraction=0.2, seed=5)
    second = split_frame(frame, validation_fraction=0.2, test_fraction=0.2, seed=5)

    pd.testing.assert_frame_equal(first.train, second.train)
    pd.testing.assert_frame_equal(first.test, second.test)


@pytest.mark.parametrize(
    ("validation", "test"), [(0.0, 0.1), (1.0, 0.0), (0.5, 0.5), (0.1, -0.1)]
)
def test_invalid_fractions_rejected(validation: float, test: float) -> None:
    with pytest.raises(SplitError):
        split_frame(
            labelled_frame(100, 0.5),
            validation_fraction=validation,
            test_fraction=test,
            seed=1,
        )
