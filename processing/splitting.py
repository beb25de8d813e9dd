"""Stratified train, validation and test split with a fixed seed."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sklearn.model_selection import train_test_split

from satisfaction.schema import TARGET


class SplitError(ValueError):
    """The fractions or the data do not allow a stratified split."""


@dataclass(frozen=True)
class Splits:
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame | None


def split_frame(
    frame: pd.DataFrame,
    *,
    validation_fraction: float,
    test_fraction: float,
    seed: int,
) -> Splits:
    """Split rows into train, validation and test, keeping the label shares in each.

    Fractions are shares of all rows, and train gets the rest. A
    ``test_fraction`` of 0 cuts no test split, for a test set from a separate file.
    Raises SplitError when the fractions leave no training rows or a split
    would be too small to hold both labels.
    """
    if not 0 < validation_fraction < 1 or not 0 <= test_fraction < 1:
        raise SplitError(
            f"fractions must lie in (0, 1): validation {validation_fraction}, "
            f"test {test_fraction}"
        )
    if validation_fraction + test_fraction >= 1:
        raise SplitError(
            f"validation ({validation_fraction}) and test ({test_fraction}) fractions "
            "leave no rows for training; their sum must be below 1"
        )

    rest, test = frame, None
    try:
        if test_fraction > 0:
            rest, test = train_test_split(
                frame,
                test_size=test_fraction,
                stratify=frame[TARGET],
                random_state=seed,
            )
        train, validation = train_test_split(
            rest,
            test_size=validation_fraction / (1 - test_fraction),
            stratify=rest[TARGET],
            random_state=seed,
        )
    except ValueError as error:
        # scikit-learn raises ValueError when a split cannot hold every label.
        raise SplitError(
            f"cannot split {len(frame)} valid rows into stratified splits: {error}"
        ) from None
    return Splits(
        train=train.reset_index(drop=True),
        validation=validation.reset_index(drop=True),
        test=None if test is None else test.reset_index(drop=True),
    )
