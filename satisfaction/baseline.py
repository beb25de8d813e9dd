"""Baseline statistics of the training data, the reference for drift checks."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FeatureBaseline(BaseModel):
    """Distribution of one feature in the training data.

    Numeric features carry histogram bin edges and the share of rows per bin.
    Categories and ratings carry the share of rows per value.
    """

    name: str
    kind: str
    count: int
    missing_share: float = 0.0
    mean: float | None = None
    std: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    bin_edges: list[float] = Field(default_factory=list)
    bin_shares: list[float] = Field(default_factory=list)
    value_shares: dict[str, float] = Field(default_factory=dict)


class BaselineStatistics(BaseModel):
    """Baselines of every feature plus the label share of the training split."""

    row_count: int
    positive_share: float
    features: dict[str, FeatureBaseline]
