"""Encoding of canonical, validated feature values into the model matrix.

One function serves training (columns of a DataFrame) and serving (columns
built from JSON records), so that both encode a passenger the same way.

- A category becomes the index of its level in ``Feature.levels``.
- A rating of 0 ("not applicable") becomes NaN, so that XGBoost treats it as
  missing and learns where it belongs instead of reading it as the worst score.
- A missing arrival delay stays NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from satisfaction.schema import (
    FEATURES,
    RATING_NOT_APPLICABLE,
    FeatureKind,
)


def _encode_category(
    values: Sequence[Any], levels: tuple[str, ...], name: str
) -> np.ndarray:
    codes = {level: float(index) for index, level in enumerate(levels)}
    try:
        return np.fromiter(
            (codes[value] for value in values), dtype=np.float32, count=len(values)
        )
    except KeyError as error:
        raise ValueError(
            f"{name}: unknown level {error.args[0]!r}, expected one of {list(levels)}"
        ) from None


def encode_columns(columns: Mapping[str, Sequence[Any]]) -> np.ndarray:
    """Encode canonical feature columns into a float32 matrix in ``FEATURES`` order.

    Values must already be validated and canonical (see ``layouts`` and the
    processing step). Raises ValueError on a missing column or an unknown level.
    """
    lengths = {
        len(columns[feature.name]) for feature in FEATURES if feature.name in columns
    }
    missing = [feature.name for feature in FEATURES if feature.name not in columns]
    if missing:
        raise ValueError(f"missing feature columns: {missing}")
    if len(lengths) != 1:
        raise ValueError(f"feature columns differ in length: {sorted(lengths)}")
    row_count = lengths.pop()

    matrix = np.empty((row_count, len(FEATURES)), dtype=np.float32)
    for index, feature in enumerate(FEATURES):
        values = columns[feature.name]
        if feature.kind is FeatureKind.CATEGORY:
            matrix[:, index] = _encode_category(values, feature.levels, feature.name)
            continue
        # None becomes NaN in a float array, so a missing arrival delay stays missing.
        column = np.asarray(values, dtype=np.float64)
        if feature.kind is FeatureKind.RATING:
            column = np.where(column == RATING_NOT_APPLICABLE, np.nan, column)
        matrix[:, index] = column
    return matrix


def encode_records(records: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Encode canonical records (one mapping per passenger) into the model matrix."""
    columns = {
        feature.name: [record[feature.name] for record in records]
        for feature in FEATURES
    }
    return encode_columns(columns)
