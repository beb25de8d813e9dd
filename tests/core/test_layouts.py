"""Mapping of both published layouts onto the canonical schema."""

import pytest

from satisfaction.layouts import (
    accepted_category_values,
    canonical_category,
    canonical_column,
    canonical_columns,
    canonical_label,
)
from satisfaction.schema import FEATURE_NAMES, PASSENGER_ID, ROW_NUMBER, TARGET
from satisfaction.synthetic import COMBINED_LAYOUT_HEADERS, TRAIN_LAYOUT_HEADERS


@pytest.mark.parametrize("headers", [TRAIN_LAYOUT_HEADERS, COMBINED_LAYOUT_HEADERS])
def test_layout_headers_cover_schema(headers):
    mapped = set(canonical_columns(headers).values())

    assert set(FEATURE_NAMES) <= mapped
    assert TARGET in mapped
    assert PASSENGER_ID in mapped


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", ROW_NUMBER),
        ("Unnamed: 0", ROW_NUMBER),
        ("Class", "travel_class"),
        ("Departure/Arrival time convenient", "departure_arrival_time_convenient"),
        ("Departure and Arrival Time Convenience", "departure_arrival_time_convenient"),
        ("In-flight Wifi Service", "inflight_wifi_service"),
        ("Check-in Service", "checkin_service"),
        ("Arrival Delay", "arrival_delay_in_minutes"),
        ("  arrival delay in minutes ", "arrival_delay_in_minutes"),
        ("ID", PASSENGER_ID),
        ("Satisfaction", TARGET),
        ("gender", "gender"),
    ],
)
def test_canonical_column(header, expected):
    assert canonical_column(header) == expected


def test_unknown_column_is_none():
    assert canonical_column("Meal preference") is None


def test_two_headers_for_one_column_rejected():
    with pytest.raises(ValueError, match="both map to 'travel_class'"):
        canonical_columns(["Class", "travel_class"])


@pytest.mark.parametrize(
    ("feature", "value", "expected"),
    [
        ("customer_type", "Loyal Customer", "Loyal Customer"),
        ("customer_type", "Returning", "Loyal Customer"),
        ("customer_type", "first-time", "disloyal Customer"),
        ("customer_type", "DISLOYAL CUSTOMER", "disloyal Customer"),
        ("type_of_travel", "Business", "Business travel"),
        ("type_of_travel", "personal travel", "Personal Travel"),
        ("travel_class", "Economy Plus", "Eco Plus"),
        ("travel_class", "eco", "Eco"),
        ("travel_class", " Business ", "Business"),
        ("gender", "female", "Female"),
        ("gender", "Other", None),
        ("travel_class", "First", None),
    ],
)
def test_canonical_category(feature, value, expected):
    assert canonical_category(feature, value) == expected


def test_accepted_values_list_both_layouts():
    values = accepted_category_values("travel_class")

    assert values[:3] == ["Eco", "Eco Plus", "Business"]
    assert "Economy" in values
    assert "Economy Plus" in values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("satisfied", "satisfied"),
        ("Satisfied", "satisfied"),
        ("Neutral or Dissatisfied", "neutral or dissatisfied"),
        ("neutral or dissatisfied", "neutral or dissatisfied"),
        ("unhappy", None),
    ],
)
def test_canonical_label(value, expected):
    assert canonical_label(value) == expected
