"""Mapping of both published survey layouts onto the canonical schema.

The Kaggle training split (``train.csv``) uses headers such as ``Inflight wifi
service`` and values such as ``Loyal Customer``. The single-file edition of the
same survey uses ``In-flight Wifi Service``, ``Returning`` and ``Economy``.
Headers are matched after normalisation (case, spaces and punctuation), and
category values and labels case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from satisfaction.schema import (
    FEATURE_NAMES,
    FEATURES_BY_NAME,
    NEGATIVE_LABEL,
    PASSENGER_ID,
    POSITIVE_LABEL,
    ROW_NUMBER,
    TARGET,
)

# Normalised header of either layout -> canonical name. Headers whose
# normalised form already is the canonical name need no entry.
_COLUMN_ALIASES: dict[str, str] = {
    "class": "travel_class",
    "departure_delay": "departure_delay_in_minutes",
    "arrival_delay": "arrival_delay_in_minutes",
    "departure_and_arrival_time_convenience": "departure_arrival_time_convenient",
    "check_in_service": "checkin_service",
    "in_flight_service": "inflight_service",
    "in_flight_wifi_service": "inflight_wifi_service",
    "in_flight_entertainment": "inflight_entertainment",
    "onboard_service": "on_board_service",
    # The unnamed first column of train.csv is a row number written by pandas.
    "": ROW_NUMBER,
    "unnamed_0": ROW_NUMBER,
}

_KNOWN_COLUMNS = frozenset((*FEATURE_NAMES, TARGET, PASSENGER_ID, ROW_NUMBER))

# Category value of the single-file edition -> value of the training split.
_VALUE_ALIASES: dict[str, dict[str, str]] = {
    "customer_type": {"Returning": "Loyal Customer", "First-time": "disloyal Customer"},
    "type_of_travel": {"Business": "Business travel", "Personal": "Personal Travel"},
    "travel_class": {"Economy": "Eco", "Economy Plus": "Eco Plus"},
}

_LABEL_VALUES: dict[str, str] = {
    POSITIVE_LABEL.lower(): POSITIVE_LABEL,
    NEGATIVE_LABEL.lower(): NEGATIVE_LABEL,
}


def _normalise_header(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def canonical_column(header: str) -> str | None:
    """Return the canonical name for a header of either layout, or None if unknown."""
    normalised = _normalise_header(header)
    name = _COLUMN_ALIASES.get(normalised, normalised)
    return name if name in _KNOWN_COLUMNS else None


def canonical_columns(headers: Iterable[str]) -> dict[str, str]:
    """Map each known header to its canonical name.

    Raises ValueError when two headers map to the same canonical name, because
    one of them would silently overwrite the other.
    """
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for header in headers:
        name = canonical_column(header)
        if name is None:
            continue
        if name in seen:
            raise ValueError(
                f"columns {seen[name]!r} and {header!r} both map to {name!r}; "
                "remove one of them"
            )
        seen[name] = header
        mapping[header] = name
    return mapping


def _category_lookup(feature: str) -> dict[str, str]:
    lookup = {level.lower(): level for level in FEATURES_BY_NAME[feature].levels}
    for alias, level in _VALUE_ALIASES.get(feature, {}).items():
        lookup[alias.lower()] = level
    return lookup


_CATEGORY_LOOKUPS: dict[str, dict[str, str]] = {
    name: _category_lookup(name)
    for name, feature in FEATURES_BY_NAME.items()
    if feature.levels
}


def canonical_category(feature: str, value: str) -> str | None:
    """Return the canonical level for a category value of either layout, or None."""
    return _CATEGORY_LOOKUPS[feature].get(value.strip().lower())


def accepted_category_values(feature: str) -> list[str]:
    """List the values accepted for a category, canonical levels first.

    Matching ignores case, so this lists one spelling of each value.
    """
    return [*FEATURES_BY_NAME[feature].levels, *_VALUE_ALIASES.get(feature, {})]


def canonical_label(value: str) -> str | None:
    """Return the canonical label for a label of either layout, or None."""
    return _LABEL_VALUES.get(value.strip().lower())
