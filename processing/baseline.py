"""Baseline statistics of the training split, the reference for drift monitoring.

Numeric features get decile bin edges. Edges that coincide (a delay is 0 for
more than half of the passengers) are merged, so a feature may have fewer than
10 bins. Shares follow ``numpy.histogram``: every bin is half-open
``[edge_i, edge_i+1)`` except the last, which includes the maximum. The outer
edges are the training minimum and maximum, so a monitor must decide where
values outside them go. Missing values are excluded from the bins and counted
in ``missing_share``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satisfaction.baseline import BaselineStatistics, FeatureBaseline
from satisfaction.schema import (
    FEATURES,
    POSITIVE_LABEL,
    RATING_MAXIMUM,
    RATING_MINIMUM,
    TARGET,
    Feature,
    FeatureKind,
)

QUANTILE_BINS = 10


def _numeric_baseline(feature: Feature, values: pd.Series) -> FeatureBaseline:
    present = values.dropna().to_numpy(dtype=np.float64)
    missing_share = 1 - len(present) / len(values) if len(values) else 0.0
    if len(present) == 0:
        return FeatureBaseline(
            name=feature.name,
            kind=feature.kind.value,
            count=0,
            missing_share=missing_share,
        )

    edges = np.unique(np.quantile(present, np.linspace(0, 1, QUANTILE_BINS + 1)))
    if len(edges) == 1:
        # A constant feature: one bin of zero width contains every value.
        edges = np.array([edges[0], edges[0]])
    counts, _ = np.histogram(present, bins=edges)
    return FeatureBaseline(
        name=feature.name,
        kind=feature.kind.value,
        count=len(present),
        missing_share=missing_share,
        mean=float(present.mean()),
        std=float(present.std(ddof=1)) if len(present) > 1 else 0.0,
        minimum=float(present.min()),
        maximum=float(present.max()),
        bin_edges=[float(edge) for edge in edges],
        bin_shares=[float(share) for share in counts / len(present)],
    )


def _value_baseline(feature: Feature, values: pd.Series) -> FeatureBaseline:
    if feature.kind is FeatureKind.RATING:
        levels = [str(level) for level in range(RATING_MINIMUM, RATING_MAXIMUM + 1)]
        keys = values.astype("int64").astype(str)
    else:
        levels = list(feature.levels)
        keys = values.astype(str)
    shares = keys.value_counts(normalize=True)
    return FeatureBaseline(
        name=feature.name,
        kind=feature.kind.value,
        count=len(values),
        value_shares={level: float(shares.get(level, 0.0)) for level in levels},
    )


def compute_baseline(train: pd.DataFrame) -> BaselineStatistics:
    """Compute every feature's distribution and the positive-label share of ``train``.

    Categories and ratings list every level, including levels with a share of 0.
    """
    features: dict[str, FeatureBaseline] = {}
    for feature in FEATURES:
        if feature.kind in (FeatureKind.CATEGORY, FeatureKind.RATING):
            features[feature.name] = _value_baseline(feature, train[feature.name])
        else:
            features[feature.name] = _numeric_baseline(feature, train[feature.name])
    positive_share = (
        float((train[TARGET] == POSITIVE_LABEL).mean()) if len(train) else 0.0
    )
    return BaselineStatistics(
        row_count=len(train), positive_share=positive_share, features=features
    )
