"""Synthetic processed splits for the training, evaluation and model tests.

Builds the processing step's output layout (``train/train.parquet``,
``validation/...``, ``test/...``, ``baseline/baseline.json``) straight from
``satisfaction.synthetic``, so these tests do not depend on the processing
step's implementation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from satisfaction.baseline import BaselineStatistics, FeatureBaseline
from satisfaction.layouts import canonical_category, canonical_columns, canonical_label
from satisfaction.schema import (
    FEATURES,
    PASSENGER_ID,
    POSITIVE_LABEL,
    TARGET,
    FeatureKind,
)
from satisfaction.synthetic import generate_rows

SPLIT_SHARES = {"train": 0.7, "validation": 0.15, "test": 0.15}


def canonical_frame(row_count: int, seed: int) -> pd.DataFrame:
    """Return synthetic passengers with canonical columns and values."""
    raw = pd.DataFrame(generate_rows(row_count, seed, "train"))
    raw = raw.rename(columns=canonical_columns(raw.columns))
    frame = pd.DataFrame({PASSENGER_ID: raw[PASSENGER_ID].astype(int)})
    for feature in FEATURES:
        values = raw[feature.name]
        if feature.kind is FeatureKind.CATEGORY:
            frame[feature.name] = [
                canonical_category(feature.name, value) for value in values
            ]
        elif feature.nullable:
            frame[feature.name] = pd.to_numeric(values.replace("", np.nan)).astype(
                float
            )
        else:
            frame[feature.name] = values.astype(int)
    frame[TARGET] = [canonical_label(value) for value in raw[TARGET]]
    return frame


def minimal_baseline(frame: pd.DataFrame) -> BaselineStatistics:
    features = {
        feature.name: FeatureBaseline(
            name=feature.name, kind=feature.kind.value, count=len(frame)
        )
        for feature in FEATURES
    }
    return BaselineStatistics(
        row_count=len(frame),
        positive_share=float((frame[TARGET] == POSITIVE_LABEL).mean()),
        features=features,
    )


def write_processed_splits(
    directory: Path, row_count: int = 2000, seed: int = 3
) -> Path:
    """Write train/validation/test Parquet splits and a baseline into ``directory``."""
    frame = canonical_frame(row_count, seed)
    start = 0
    for name, share in SPLIT_SHARES.items():
        stop = start + round(share * row_count)
        part = frame.iloc[start:stop].reset_index(drop=True)
        (directory / name).mkdir(parents=True, exist_ok=True)
        part.to_parquet(directory / name / f"{name}.parquet", index=False)
        if name == "train":
            baseline = minimal_baseline(part)
        start = stop
    (directory / "baseline").mkdir(parents=True, exist_ok=True)
    (directory / "baseline" / "baseline.json").write_text(baseline.model_dump_json())
    return directory


def training_arguments(data_dir: Path, output_dir: Path, *extra: str) -> list[str]:
    """Return training-step arguments for the splits in ``data_dir``."""
    return [
        "--train-dir",
        str(data_dir / "train"),
        "--validation-dir",
        str(data_dir / "validation"),
        "--baseline-dir",
        str(data_dir / "baseline"),
        "--model-dir",
        str(output_dir / "model"),
        "--output-data-dir",
        str(output_dir / "training"),
        # One thread: other test processes may share the CPU, and OpenMP threads
        # that outnumber free cores slow XGBoost down many times over.
        "--nthread",
        "1",
        *extra,
    ]
