"""Row validation of survey records, shared by the processing step and batch scoring.

Every rule runs column-wise with pandas and numpy. A row collects one reason
per failed rule, and the reasons name the canonical column, so that the counts
in the processing report are the same for both layouts. The rules:

- ``id`` is required and an integer from 0 to 2**53, because both published
  layouts use integer ids.
- Integers (age, distance, departure delay) and ratings must be numbers with an
  integral value: ``37`` and ``37.0`` pass, ``37.5`` does not.
- Ratings lie in 0..5, where 0 means "not applicable" and stays 0.
- The arrival delay is a number or empty. Empty means unknown and is valid.
- Age, distance and delays lie within the plausibility bounds of
  ``satisfaction.schema``.
- Categories and labels accept either layout's values, in any case.
- Duplicate ids (processing only): when every row with an id has the same
  values, the first is kept and later copies are invalid ("exact duplicate").
  When the rows differ, all of them are invalid ("conflicting values"),
  because the file does not show which one is right.
- A record with the wrong number of fields, or with only empty fields, gets
  that single reason and no other.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from processing.reading import RawTable
from satisfaction.layouts import (
    canonical_category,
    canonical_column,
    canonical_columns,
    canonical_label,
)
from satisfaction.schema import (
    FEATURE_NAMES,
    FEATURES,
    PASSENGER_ID,
    ROW_NUMBER,
    TARGET,
    Feature,
    FeatureKind,
)
from satisfaction.synthetic import COMBINED_LAYOUT_HEADERS, TRAIN_LAYOUT_HEADERS

logger = logging.getLogger(__name__)


class Layout(StrEnum):
    """Published header layout of a survey file."""

    TRAIN = "train"  # Kaggle train.csv / test.csv
    COMBINED = "combined"  # the single-file edition of the same survey
    CANONICAL = "canonical"  # this project's snake_case names


LAYOUT_HEADERS: dict[Layout, tuple[str, ...]] = {
    Layout.TRAIN: TRAIN_LAYOUT_HEADERS,
    Layout.COMBINED: COMBINED_LAYOUT_HEADERS,
    Layout.CANONICAL: (PASSENGER_ID, *FEATURE_NAMES, TARGET),
}

EMPTY_ROW = "empty row"

# Ids are parsed as float64, which represents every integer up to 2**53 exactly.
PASSENGER_ID_FEATURE = Feature(
    PASSENGER_ID, FeatureKind.INTEGER, "Passenger id", minimum=0, maximum=2**53
)


class SchemaError(Exception):
    """An input header lacks required columns or maps two headers to one column."""


@dataclass
class ValidationResult:
    """Outcome of validating every row of a table.

    ``frame`` has one row per input record, in input order, with canonical
    values. Cells that failed a rule are missing, so use ``valid_frame()`` for
    data to train or score on.
    """

    layout: Layout
    column_positions: dict[str, int]
    ignored_columns: list[str]
    frame: pd.DataFrame
    valid: np.ndarray
    reasons: np.ndarray
    reason_counts: dict[str, int]

    @property
    def row_count(self) -> int:
        return len(self.valid)

    @property
    def invalid_count(self) -> int:
        return int((~self.valid).sum())

    def reject(self, reason: str, mask: np.ndarray) -> None:
        """Mark the rows in ``mask`` invalid for a reason that the caller checks."""
        for index in np.flatnonzero(mask):
            existing = self.reasons[index]
            self.reasons[index] = f"{existing}; {reason}" if existing else reason
        self.valid &= ~mask
        count = int(mask.sum())
        if count:
            counts = {**self.reason_counts}
            counts[reason] = counts.get(reason, 0) + count
            self.reason_counts = dict(sorted(counts.items()))

    def valid_frame(self) -> pd.DataFrame:
        """Return the valid rows with the dtypes of the processed data contract."""
        frame = self.frame.loc[self.valid].reset_index(drop=True)
        dtypes: dict[str, str] = {PASSENGER_ID: "int64"}
        for feature in FEATURES:
            if feature.kind in (FeatureKind.INTEGER, FeatureKind.RATING):
                dtypes[feature.name] = "int64"
        return frame.astype(dtypes)


def detect_layout(headers: list[str]) -> Layout:
    """Return the layout whose headers match the most of ``headers``, ignoring case."""
    normalised_headers = {header.strip().lower() for header in headers}
    scores = {
        layout: len(normalised_headers & {header.lower() for header in layout_headers})
        for layout, layout_headers in LAYOUT_HEADERS.items()
    }
    return max(scores, key=lambda layout: scores[layout])


def layout_header(layout: Layout, name: str) -> str:
    """Return the header that ``layout`` uses for the canonical column ``name``."""
    for header in LAYOUT_HEADERS[layout]:
        if canonical_column(header) == name:
            return header
    return name


def map_columns(
    table: RawTable, layout: Layout, required: list[str]
) -> tuple[dict[str, int], list[str]]:
    """Map canonical names to header positions and list the headers that are ignored.

    Raises SchemaError naming each missing column as ``layout`` spells it.
    """
    try:
        # canonical_columns rejects two headers that map to the same column.
        canonical_columns(table.headers)
    except ValueError as error:
        raise SchemaError(f"{table.source}: {error}") from None

    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, header in enumerate(table.headers):
        name = canonical_column(header)
        if name is None:
            ignored.append(header)
        else:
            positions[name] = position

    missing = [name for name in required if name not in positions]
    if missing:
        listed = ", ".join(f"{layout_header(layout, name)!r}" for name in missing)
        raise SchemaError(
            f"{table.source} ({layout} layout) is missing required columns: {listed}. "
            f"Expected the headers of the {layout} layout: "
            f"{[h for h in LAYOUT_HEADERS[layout] if h]}"
        )
    return positions, ignored


class _Reasons:
    """Per-row reasons, collected rule by rule as boolean masks."""

    def __init__(self, row_count: int) -> None:
        self.row_count = row_count
        self.rules: list[tuple[str, np.ndarray]] = []

    def add(self, reason: str, mask: np.ndarray | pd.Series) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.rules.append((reason, mask))

    def collect(
        self, override: dict[int, str]
    ) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        per_row: dict[int, list[str]] = {}
        for reason, mask in self.rules:
            for index in np.flatnonzero(mask):
                per_row.setdefault(int(index), []).append(reason)
        for index, reason in override.items():
            per_row[index] = [reason]

        valid = np.ones(self.row_count, dtype=bool)
        reasons = np.full(self.row_count, "", dtype=object)
        counts: Counter[str] = Counter()
        for index, row_reasons in per_row.items():
            valid[index] = False
            reasons[index] = "; ".join(row_reasons)
            counts.update(row_reasons)
        return valid, reasons, dict(sorted(counts.items()))


def _blank(values: pd.Series, candidates: np.ndarray) -> np.ndarray:
    """Flag empty or whitespace-only cells, checking only the ``candidates`` mask.

    Every blank cell fails conversion, so callers pass the cells that failed,
    which are few, and the text of valid cells is never scanned again.
    """
    blank = np.zeros(len(values), dtype=bool)
    positions = np.flatnonzero(candidates)
    if len(positions):
        texts = values.to_numpy()[positions]
        blank[positions] = [not str(text).strip() for text in texts]
    return blank


def _format_bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _check_number(
    name: str, values: pd.Series, feature: Feature, reasons: _Reasons
) -> np.ndarray:
    """Convert a numeric column, add its failed rules and return float64 values.

    Failed cells become NaN, and so do the empty cells of a nullable feature.
    """
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    finite = np.isfinite(numbers)
    missing = _blank(values, ~finite)

    if not feature.nullable:
        reasons.add(f"{name}: missing value", missing)
    reasons.add(f"{name}: not a number", ~missing & ~finite)
    bad = ~finite
    if feature.kind in (FeatureKind.INTEGER, FeatureKind.RATING):
        not_integer = finite & (numbers != np.round(numbers))
        reasons.add(f"{name}: not an integer", not_integer)
        bad |= not_integer
    if feature.minimum is not None and feature.maximum is not None:
        minimum, maximum = feature.minimum, feature.maximum
        outside = ~bad & ((numbers < minimum) | (numbers > maximum))
        reasons.add(
            f"{name}: outside {_format_bound(minimum)} to {_format_bound(maximum)}",
            outside,
        )
        bad |= outside
    return np.where(bad, np.nan, numbers)


def _canonical_values(values: pd.Series, convert) -> pd.Series:
    """Map each distinct value through ``convert`` once; unknown values become None."""
    lookup = {value: convert(str(value)) for value in pd.unique(values)}
    return values.map(lookup)


def _check_category(name: str, values: pd.Series, reasons: _Reasons) -> pd.Series:
    canonical = _canonical_values(values, lambda value: canonical_category(name, value))
    unknown = canonical.isna().to_numpy()
    missing = _blank(values, unknown)
    reasons.add(f"{name}: missing value", missing)
    reasons.add(f"{name}: unknown value", unknown & ~missing)
    return canonical


def _check_label(values: pd.Series, reasons: _Reasons | None) -> pd.Series:
    canonical = _canonical_values(values, canonical_label)
    if reasons is not None:
        unknown = canonical.isna().to_numpy()
        missing = _blank(values, unknown)
        reasons.add(f"{TARGET}: missing value", missing)
        reasons.add(f"{TARGET}: unknown label", unknown & ~missing)
    return canonical


def _check_duplicates(
    raw: dict[str, pd.Series],
    ids: np.ndarray,
    malformed: np.ndarray,
    reasons: _Reasons,
) -> None:
    """Add the duplicate-id rules, comparing rows by their trimmed, lower-cased text.

    Malformed records take no part, because their "id" field may be any field.
    """
    candidate_ids = np.where(malformed, np.nan, ids)
    has_id = ~np.isnan(candidate_ids)
    duplicated = has_id & pd.Series(candidate_ids).duplicated(keep=False).to_numpy()
    if not duplicated.any():
        return

    subset = pd.DataFrame(
        {
            name: values[duplicated].astype(str).str.strip().str.lower()
            for name, values in raw.items()
        }
    )
    row_hash = pd.util.hash_pandas_object(subset, index=False)
    groups = pd.DataFrame({"id": ids[duplicated], "hash": row_hash.to_numpy()})
    distinct = groups.groupby("id")["hash"].transform("nunique").to_numpy()

    exact = np.zeros(len(ids), dtype=bool)
    conflicting = np.zeros(len(ids), dtype=bool)
    positions = np.flatnonzero(duplicated)
    later_copy = groups.duplicated(subset=["id"], keep="first").to_numpy()
    exact[positions[(distinct == 1) & later_copy]] = True
    conflicting[positions[distinct > 1]] = True
    reasons.add(f"{PASSENGER_ID}: exact duplicate of an earlier row", exact)
    reasons.add(f"{PASSENGER_ID}: duplicate id with conflicting values", conflicting)


def validate(
    table: RawTable,
    *,
    label_required: bool,
    check_duplicates: bool,
) -> ValidationResult:
    """Validate every record of ``table`` and convert it to canonical values.

    ``label_required`` makes the label column and a valid label per row
    mandatory (processing). Without it a label column is optional, and an
    invalid label only leaves the canonical label missing (scoring).
    Raises SchemaError when required columns are missing.
    """
    layout = detect_layout(table.headers)
    required = [PASSENGER_ID, *FEATURE_NAMES] + ([TARGET] if label_required else [])
    positions, ignored = map_columns(table, layout, required)
    if ignored:
        logger.warning("%s: ignoring unknown columns %s", table.source, ignored)

    columns = table.columns()
    raw = {
        name: pd.Series(columns[position], dtype=object)
        for name, position in positions.items()
        if name != ROW_NUMBER
    }
    row_count = len(table.rows)
    reasons = _Reasons(row_count)
    frame: dict[str, object] = {}

    ids = _check_number(PASSENGER_ID, raw[PASSENGER_ID], PASSENGER_ID_FEATURE, reasons)
    frame[PASSENGER_ID] = ids
    for feature in FEATURES:
        if feature.kind is FeatureKind.CATEGORY:
            frame[feature.name] = _check_category(
                feature.name, raw[feature.name], reasons
            )
        else:
            frame[feature.name] = _check_number(
                feature.name, raw[feature.name], feature, reasons
            )
    if TARGET in raw:
        frame[TARGET] = _check_label(raw[TARGET], reasons if label_required else None)
    malformed = np.zeros(row_count, dtype=bool)
    malformed[table.malformed] = True
    if check_duplicates:
        _check_duplicates(raw, ids, malformed, reasons)

    # A malformed or empty record gets this one reason, because the other rules
    # would only report its shifted or padded fields.
    override = {
        index: f"wrong number of fields (expected {len(table.headers)})"
        for index in table.malformed
    }
    # Only a row without an id can be empty.
    empty = np.isnan(ids)
    for values in raw.values():
        empty = _blank(values, empty)
    for index in np.flatnonzero(empty):
        override.setdefault(int(index), EMPTY_ROW)

    valid, row_reasons, counts = reasons.collect(override)
    return ValidationResult(
        layout=layout,
        column_positions=positions,
        ignored_columns=ignored,
        frame=pd.DataFrame(frame),
        valid=valid,
        reasons=row_reasons,
        reason_counts=counts,
    )
