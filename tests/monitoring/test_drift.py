"""Population stability index against the training baselines."""

import math

import numpy as np
import pytest

from monitoring.drift import (
    DriftLevel,
    compute_drift,
    drift_level,
    population_stability_index,
)
from satisfaction.baseline import BaselineStatistics, FeatureBaseline
from satisfaction.schema import FEATURES, FeatureKind


def uniform_baseline() -> BaselineStatistics:
    features = {}
    for feature in FEATURES:
        if feature.kind is FeatureKind.CATEGORY:
            shares = {level: 1 / len(feature.levels) for level in feature.levels}
            features[feature.name] = FeatureBaseline(
                name=feature.name,
                kind=feature.kind.value,
                count=100,
                value_shares=shares,
            )
        elif feature.kind is FeatureKind.RATING:
            shares = {str(value): 1 / 6 for value in range(6)}
            features[feature.name] = FeatureBaseline(
                name=feature.name,
                kind=feature.kind.value,
                count=100,
                value_shares=shares,
            )
        else:
            features[feature.name] = FeatureBaseline(
                name=feature.name,
                kind=feature.kind.value,
                count=100,
                bin_edges=[0.0, 25.0, 50.0, 75.0, 100.0],
                bin_shares=[0.25, 0.25, 0.25, 0.25],
            )
    return BaselineStatistics(row_count=100, positive_share=0.4, features=features)


def uniform_columns(row_count: int = 600) -> dict[str, list]:
    columns: dict[str, list] = {}
    for feature in FEATURES:
        if feature.kind is FeatureKind.CATEGORY:
            columns[feature.name] = [
                feature.levels[i % len(feature.levels)] for i in range(row_count)
            ]
        elif feature.kind is FeatureKind.RATING:
            columns[feature.name] = [i % 6 for i in range(row_count)]
        else:
            columns[feature.name] = list(np.linspace(0.5, 99.5, row_count))
    return columns


def test_identical_shares_have_zero_psi():
    assert population_stability_index([0.5, 0.5], [0.5, 0.5]) == 0


def test_empty_bucket_gives_finite_psi():
    psi = population_stability_index([0.5, 0.5], [1.0, 0.0])

    assert math.isfinite(psi)
    assert psi > 0.2


@pytest.mark.parametrize(
    ("psi", "level"),
    [
        (0.0, DriftLevel.STABLE),
        (0.099, DriftLevel.STABLE),
        (0.1, DriftLevel.MODERATE),
        (0.2, DriftLevel.SIGNIFICANT),
        (3.0, DriftLevel.SIGNIFICANT),
    ],
)
def test_drift_level_thresholds(psi, level):
    assert drift_level(psi) is level


def test_matching_batch_is_stable():
    report = compute_drift(uniform_baseline(), uniform_columns())

    assert report.row_count == 600
    assert report.drifted_features == []
    assert report.max_psi < 0.01


def test_shifted_category_is_flagged():
    columns = uniform_columns()
    columns["travel_class"] = ["Business"] * 600

    report = compute_drift(uniform_baseline(), columns)

    assert report.drifted_features == ["travel_class"]
    assert report.features["travel_class"].level is DriftLevel.SIGNIFICANT


def test_values_beyond_range_land_in_outer_bin():
    columns = uniform_columns()
    columns["age"] = [150.0] * 600

    report = compute_drift(uniform_baseline(), columns)

    age = report.features["age"]
    assert age.actual_shares[3] == 1.0
    assert "age" in report.drifted_features


def test_missing_values_form_own_bucket():
    columns = uniform_columns()
    columns["arrival_delay_in_minutes"] = [math.nan] * 300 + [10.0] * 300

    report = compute_drift(uniform_baseline(), columns)

    arrival = report.features["arrival_delay_in_minutes"]
    assert arrival.buckets[-1] == "missing"
    assert arrival.actual_shares[-1] == 0.5
    assert arrival.level is DriftLevel.SIGNIFICANT


def test_missing_column_rejected():
    columns = uniform_columns()
    del columns["age"]

    with pytest.raises(ValueError, match="missing feature columns: \\['age'\\]"):
        compute_drift(uniform_baseline(), columns)


def test_empty_batch_rejected():
    columns = {name: [] for name in uniform_columns()}

    with pytest.raises(ValueError, match="no rows"):
        compute_drift(uniform_baseline(), columns)
