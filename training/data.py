"""Reading the processed splits (Parquet) into the model matrix and labels."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from satisfaction.encoding import encode_columns
from satisfaction.schema import FEATURE_NAMES, LABELS, POSITIVE_LABEL, TARGET


class SplitError(Exception):
    """A processed split is missing or does not match the schema."""


@dataclass(frozen=True)
class Split:
    """One encoded split: the model matrix, 0/1 labels and the file they came from."""

    name: str
    path: Path
    matrix: np.ndarray
    labels: np.ndarray

    @property
    def row_count(self) -> int:
        return int(self.labels.shape[0])


def find_parquet(directory: Path, name: str) -> Path:
    """Return ``<directory>/<name>.parquet``, or the only Parquet file in ``directory``.

    SageMaker mounts each channel as a folder, so the file name may differ
    from the split name.
    """
    expected = directory / f"{name}.parquet"
    if expected.is_file():
        return expected
    if not directory.is_dir():
        raise SplitError(f"{name} split folder not found: {directory}")
    candidates = sorted(directory.glob("*.parquet"))
    if len(candidates) != 1:
        raise SplitError(
            f"expected {expected} or exactly one .parquet file in {directory}, "
            f"found {[path.name for path in candidates]}. "
            "Run the processing step first."
        )
    return candidates[0]


def read_split(directory: Path, name: str) -> Split:
    """Read and encode the split in ``directory``.

    Raises SplitError when the file is missing, a column is missing, a label
    is unknown or a category level is unknown.
    """
    path = find_parquet(directory, name)
    frame = pd.read_parquet(path)
    missing = [
        column for column in (*FEATURE_NAMES, TARGET) if column not in frame.columns
    ]
    if missing:
        raise SplitError(f"{path}: missing columns {missing}")
    if frame.empty:
        raise SplitError(f"{path}: the {name} split has no rows")

    unknown = sorted(set(frame[TARGET].unique()) - set(LABELS))
    if unknown:
        raise SplitError(f"{path}: unknown labels {unknown}, expected {list(LABELS)}")
    labels = (frame[TARGET] == POSITIVE_LABEL).to_numpy(dtype=np.float32)

    try:
        matrix = encode_columns(
            {name: frame[name].to_numpy() for name in FEATURE_NAMES}
        )
    except ValueError as error:
        raise SplitError(f"{path}: {error}") from None
    return Split(name=name, path=path, matrix=matrix, labels=labels)


def sha256_of_files(paths: list[Path]) -> str:
    """Return the SHA-256 of the files' bytes, concatenated in the given order."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
