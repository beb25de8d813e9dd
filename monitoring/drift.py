"""Population stability index (PSI) of each feature against its training baseline.

The baseline comes from the processing step (``satisfaction.baseline``): decile
bins for numeric features and value shares for categories and ratings. Missing
values form a bucket of their own, so a rise in missing arrival delays shows as
drift. Values outside the training range fall into the outer bins.

PSI reads as usual: below 0.1 stable, 0.1 to 0.2 moderate shift, 0.2 and above
a significant shift that warrants a look and possibly retraining.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel

from satisfaction.baseline import BaselineStatistics, FeatureBaseline
from satisfaction.schema import FEATURES, FeatureKind

MODERATE_PSI = 0.1
SIGNIFICANT_PSI = 0.2

# CloudWatch names of the drift metrics that ``satisfaction drift --publish``
# sends, in the API's namespace. The CDK stack alarms on the maximum.
FEATURE_DRIFT_METRIC = "FeatureDrift"
MAX_FEATURE_DRIFT_METRIC = "MaxFeatureDrift"
FEATURE_DIMENSION = "Feature"
# Shares are floored at this value so that an empty bucket on one side gives a
# large but finite PSI instead of infinity.
SHARE_FLOOR = 1e-4


class DriftLevel(StrEnum):
    STABLE = "stable"
    MODERATE = "moderate"
    SIGNIFICANT = "significant"


class FeatureDrift(BaseModel):
    """PSI of one feature with the shares it was computed from."""

    name: str
    psi: float
    level: DriftLevel
    expected_shares: list[float]
    actual_shares: list[float]
    buckets: list[str]


class DriftReport(BaseModel):
    """Drift of every feature of a batch against the training baselines."""

    row_count: int
    max_psi: float
    drifted_features: list[str]
    features: dict[str, FeatureDrift]


def population_stability_index(
    expected: Sequence[float], actual: Sequence[float]
) -> float:
    """Return sum((actual - expected) * ln(actual / expected)) over the buckets."""
    expected_shares = np.maximum(np.asarray(expected, dtype=np.float64), SHARE_FLOOR)
    actual_shares = np.maximum(np.asarray(actual, dtype=np.float64), SHARE_FLOOR)
    return float(
        np.sum(
            (actual_shares - expected_shares) * np.log(actual_shares / expected_shares)
        )
    )


def drift_level(psi: float) -> DriftLevel:
    if psi >= SIGNIFICANT_PSI:
        return DriftLevel.SIGNIFICANT
    if psi >= MODERATE_PSI:
        return DriftLevel.MODERATE
    return DriftLevel.STABLE


def _numeric_shares(
    baseline: FeatureBaseline, values: np.ndarray
) -> tuple[list[str], list[float], list[float]]:
    edges = np.asarray(baseline.bin_edges, dtype=np.float64)
    missing = np.isnan(values)
    present = values[~missing]
    # np.histogram drops values outside the edges, so clip them into the outer bins.
    clipped = np.clip(present, edges[0], edges[-1])
    counts, _ = np.histogram(clipped, bins=edges)
    total = len(values)
    actual = [*(counts / total), missing.sum() / total] if total else []
    expected = [
        *(share * (1 - baseline.missing_share) for share in baseline.bin_shares),
        baseline.missing_share,
    ]
    buckets = [f"[{low:g}, {high:g})" for low, high in itertools.pairwise(edges)]
    return [*buckets, "missing"], expected, [float(share) for share in actual]


def _value_shares(
    baseline: FeatureBaseline, values: Sequence[Any], kind: FeatureKind
) -> tuple[list[str], list[float], list[float]]:
    if kind is FeatureKind.RATING:
        keys = [str(int(value)) for value in values]
    else:
        keys = [str(value) for value in values]
    buckets = list(baseline.value_shares)
    total = len(keys)
    counts = {bucket: 0 for bucket in buckets}
    for key in keys:
        if key in counts:
            counts[key] += 1
    actual = [counts[bucket] / total for bucket in buckets] if total else []
    expected = [baseline.value_shares[bucket] for bucket in buckets]
    return buckets, expected, actual


def compute_drift(
    baseline: BaselineStatistics, columns: Mapping[str, Sequence[Any]]
) -> DriftReport:
    """Compare canonical, validated feature columns with the training baselines.

    Raises ValueError when a feature column or its baseline is missing, or when
    the batch is empty.
    """
    row_counts = {
        len(columns[feature.name]) for feature in FEATURES if feature.name in columns
    }
    missing = [feature.name for feature in FEATURES if feature.name not in columns]
    if missing:
        raise ValueError(f"missing feature columns: {missing}")
    row_count = row_counts.pop() if len(row_counts) == 1 else 0
    if row_count == 0:
        raise ValueError("no rows to check for drift")

    results: dict[str, FeatureDrift] = {}
    for feature in FEATURES:
        feature_baseline = baseline.features.get(feature.name)
        if feature_baseline is None:
            raise ValueError(f"the baseline has no statistics for {feature.name!r}")
        values = columns[feature.name]
        if feature.kind in (FeatureKind.CATEGORY, FeatureKind.RATING):
            buckets, expected, actual = _value_shares(
                feature_baseline, values, feature.kind
            )
        else:
            numbers = np.asarray(values, dtype=np.float64)
            buckets, expected, actual = _numeric_shares(feature_baseline, numbers)
        psi = population_stability_index(expected, actual)
        results[feature.name] = FeatureDrift(
            name=feature.name,
            psi=psi,
            level=drift_level(psi),
            expected_shares=expected,
            actual_shares=actual,
            buckets=buckets,
        )

    drifted = [
        name
        for name, result in results.items()
        if result.level is DriftLevel.SIGNIFICANT
    ]
    return DriftReport(
        row_count=row_count,
        max_psi=max(result.psi for result in results.values()),
        drifted_features=drifted,
        features=results,
    )
