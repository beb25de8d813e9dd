"""Canonical feature schema of the airline passenger satisfaction survey.

Every layout of the survey is mapped onto these snake_case names (see
``layouts``). The order of ``FEATURES`` is the column order of the model matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FeatureKind(StrEnum):
    CATEGORY = "category"
    RATING = "rating"
    INTEGER = "integer"
    NUMBER = "number"


@dataclass(frozen=True)
class Feature:
    """One model input with its valid range or levels."""

    name: str
    kind: FeatureKind
    description: str
    levels: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False


# A rating of 0 means "not applicable". It is a value of its own, never "worst".
RATING_MINIMUM = 0
RATING_MAXIMUM = 5
RATING_NOT_APPLICABLE = 0

# Plausibility bounds. The published data has ages 7 to 85, distances of 31 to
# 4,983 miles and delays up to 1,592 minutes. The bounds are wider, so real
# passengers outside that sample pass while typing errors are rejected.
AGE_RANGE = (1, 120)
FLIGHT_DISTANCE_RANGE = (1, 20_000)
DELAY_RANGE = (0, 4_320)  # three days, in minutes

CATEGORY_FEATURES: tuple[Feature, ...] = (
    Feature("gender", FeatureKind.CATEGORY, "Gender", ("Female", "Male")),
    Feature(
        "customer_type",
        FeatureKind.CATEGORY,
        "Loyal (returning) or disloyal (first-time) customer",
        ("Loyal Customer", "disloyal Customer"),
    ),
    Feature(
        "type_of_travel",
        FeatureKind.CATEGORY,
        "Purpose of the flight",
        ("Business travel", "Personal Travel"),
    ),
    Feature(
        "travel_class",
        FeatureKind.CATEGORY,
        "Travel class",
        ("Eco", "Eco Plus", "Business"),
    ),
)

RATING_NAMES: tuple[str, ...] = (
    "inflight_wifi_service",
    "departure_arrival_time_convenient",
    "ease_of_online_booking",
    "gate_location",
    "food_and_drink",
    "online_boarding",
    "seat_comfort",
    "inflight_entertainment",
    "on_board_service",
    "leg_room_service",
    "baggage_handling",
    "checkin_service",
    "inflight_service",
    "cleanliness",
)

RATING_FEATURES: tuple[Feature, ...] = tuple(
    Feature(
        name,
        FeatureKind.RATING,
        f"Rating of {name.replace('_', ' ')}, 1 to 5, or 0 for not applicable",
        minimum=RATING_MINIMUM,
        maximum=RATING_MAXIMUM,
    )
    for name in RATING_NAMES
)

NUMERIC_FEATURES: tuple[Feature, ...] = (
    Feature(
        "age",
        FeatureKind.INTEGER,
        "Age in years",
        minimum=AGE_RANGE[0],
        maximum=AGE_RANGE[1],
    ),
    Feature(
        "flight_distance",
        FeatureKind.INTEGER,
        "Flight distance in miles",
        minimum=FLIGHT_DISTANCE_RANGE[0],
        maximum=FLIGHT_DISTANCE_RANGE[1],
    ),
    Feature(
        "departure_delay_in_minutes",
        FeatureKind.INTEGER,
        "Departure delay in minutes",
        minimum=DELAY_RANGE[0],
        maximum=DELAY_RANGE[1],
    ),
    Feature(
        "arrival_delay_in_minutes",
        FeatureKind.NUMBER,
        "Arrival delay in minutes, or null when unknown",
        minimum=DELAY_RANGE[0],
        maximum=DELAY_RANGE[1],
        nullable=True,
    ),
)

# Column order of the model matrix: the survey's own order.
FEATURES: tuple[Feature, ...] = (
    CATEGORY_FEATURES[0],
    CATEGORY_FEATURES[1],
    NUMERIC_FEATURES[0],
    CATEGORY_FEATURES[2],
    CATEGORY_FEATURES[3],
    NUMERIC_FEATURES[1],
    *RATING_FEATURES,
    NUMERIC_FEATURES[2],
    NUMERIC_FEATURES[3],
)
FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
FEATURES_BY_NAME: dict[str, Feature] = {feature.name: feature for feature in FEATURES}

TARGET = "satisfaction"
POSITIVE_LABEL = "satisfied"
NEGATIVE_LABEL = "neutral or dissatisfied"
LABELS: tuple[str, str] = (NEGATIVE_LABEL, POSITIVE_LABEL)

# Columns that identify a row and must never become features.
PASSENGER_ID = "id"
ROW_NUMBER = "row_number"
