"""Synthetic survey rows with the schema and layouts of the published data.

Used by the tests and by ``make demo`` when no real data is given. Labels come
from a fixed, steep logistic rule on the ratings, the travel type and the delays, so
that a model can learn them and behave in the direction real data shows.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from satisfaction.layouts import canonical_category, canonical_column
from satisfaction.schema import (
    FEATURES_BY_NAME,
    NEGATIVE_LABEL,
    POSITIVE_LABEL,
    RATING_NAMES,
)

# Headers of the Kaggle training split, in its column order (the first is empty).
TRAIN_LAYOUT_HEADERS: tuple[str, ...] = (
    "",
    "id",
    "Gender",
    "Customer Type",
    "Age",
    "Type of Travel",
    "Class",
    "Flight Distance",
    "Inflight wifi service",
    "Departure/Arrival time convenient",
    "Ease of Online booking",
    "Gate location",
    "Food and drink",
    "Online boarding",
    "Seat comfort",
    "Inflight entertainment",
    "On-board service",
    "Leg room service",
    "Baggage handling",
    "Checkin service",
    "Inflight service",
    "Cleanliness",
    "Departure Delay in Minutes",
    "Arrival Delay in Minutes",
    "satisfaction",
)

# Headers of the single-file edition, in its own column order.
COMBINED_LAYOUT_HEADERS: tuple[str, ...] = (
    "ID",
    "Gender",
    "Age",
    "Customer Type",
    "Type of Travel",
    "Class",
    "Flight Distance",
    "Departure Delay",
    "Arrival Delay",
    "Departure and Arrival Time Convenience",
    "Ease of Online Booking",
    "Check-in Service",
    "Online Boarding",
    "Gate Location",
    "On-board Service",
    "Seat Comfort",
    "Leg Room Service",
    "Cleanliness",
    "Food and Drink",
    "In-flight Service",
    "In-flight Wifi Service",
    "In-flight Entertainment",
    "Baggage Handling",
    "Satisfaction",
)

_RATING_HEADERS_TRAIN = dict(zip(RATING_NAMES, TRAIN_LAYOUT_HEADERS[8:22], strict=True))
_RATING_HEADERS_COMBINED = {
    "inflight_wifi_service": "In-flight Wifi Service",
    "departure_arrival_time_convenient": "Departure and Arrival Time Convenience",
    "ease_of_online_booking": "Ease of Online Booking",
    "gate_location": "Gate Location",
    "food_and_drink": "Food and Drink",
    "online_boarding": "Online Boarding",
    "seat_comfort": "Seat Comfort",
    "inflight_entertainment": "In-flight Entertainment",
    "on_board_service": "On-board Service",
    "leg_room_service": "Leg Room Service",
    "baggage_handling": "Baggage Handling",
    "checkin_service": "Check-in Service",
    "inflight_service": "In-flight Service",
    "cleanliness": "Cleanliness",
}


def generate_rows(
    count: int, seed: int = 0, layout: str = "train"
) -> list[dict[str, str]]:
    """Return ``count`` survey rows as CSV strings keyed by the headers of ``layout``.

    ``layout`` is ``train`` (the Kaggle training split) or ``combined`` (the
    single-file edition). The same seed gives the same passengers in both.
    """
    if layout not in ("train", "combined"):
        raise ValueError(f"layout must be 'train' or 'combined', not {layout!r}")
    rng = np.random.default_rng(seed)

    business_trip = rng.random(count) < 0.69
    loyal = rng.random(count) < 0.82
    travel_class = np.where(
        business_trip,
        rng.choice(3, count, p=[0.15, 0.05, 0.80]),
        rng.choice(3, count, p=[0.75, 0.15, 0.10]),
    )
    age = np.clip(rng.normal(40, 15, count).round(), 7, 85).astype(int)
    distance = np.clip(rng.lognormal(6.8, 0.8, count).round(), 31, 4983).astype(int)
    ratings = {name: rng.integers(1, 6, count) for name in RATING_NAMES}
    for name in ("inflight_wifi_service", "departure_arrival_time_convenient"):
        not_applicable = rng.random(count) < 0.03
        ratings[name] = np.where(not_applicable, 0, ratings[name])
    departure_delay = np.where(
        rng.random(count) < 0.55, 0, rng.exponential(30, count).round()
    ).astype(int)
    arrival_delay = np.maximum(0, departure_delay + rng.normal(0, 5, count).round())
    arrival_missing = rng.random(count) < 0.003

    score = (
        1.1 * (ratings["online_boarding"] - 3)
        + 0.8 * (ratings["inflight_wifi_service"] - 3)
        + 0.5 * (ratings["inflight_entertainment"] - 3)
        + 0.4 * (ratings["seat_comfort"] - 3)
        + 0.3 * (ratings["leg_room_service"] - 3)
        + 0.3 * (ratings["cleanliness"] - 3)
        + 1.5 * business_trip
        + 0.8 * (travel_class == 2)
        + 0.6 * loyal
        - 0.01 * departure_delay
        - 1.2
    )
    # A steep logistic keeps some label noise but lets a model pass the default
    # quality gate (ROC-AUC >= 0.99, accuracy >= 0.95), as real data does.
    satisfied = rng.random(count) < 1 / (1 + np.exp(-8 * score))

    rows = []
    for i in range(count):
        canonical = {
            "row_number": str(i),
            "id": str(100_000 + i),
            "gender": "Female" if rng.random() < 0.51 else "Male",
            "customer_type": bool(loyal[i]),
            "age": str(age[i]),
            "type_of_travel": bool(business_trip[i]),
            "travel_class": int(travel_class[i]),
            "flight_distance": str(distance[i]),
            "departure_delay": str(departure_delay[i]),
            "arrival_delay": "" if arrival_missing[i] else f"{arrival_delay[i]:.1f}",
            "satisfied": bool(satisfied[i]),
            "ratings": {name: str(ratings[name][i]) for name in RATING_NAMES},
        }
        rows.append(_to_layout(canonical, layout))
    return rows


def _to_layout(values: dict, layout: str) -> dict[str, str]:
    if layout == "train":
        row = {
            "": values["row_number"],
            "id": values["id"],
            "Gender": values["gender"],
            "Customer Type": "Loyal Customer"
            if values["customer_type"]
            else "disloyal Customer",
            "Age": values["age"],
            "Type of Travel": "Business travel"
            if values["type_of_travel"]
            else "Personal Travel",
            "Class": ("Eco", "Eco Plus", "Business")[values["travel_class"]],
            "Flight Distance": values["flight_distance"],
            "Departure Delay in Minutes": values["departure_delay"],
            "Arrival Delay in Minutes": values["arrival_delay"],
            "satisfaction": POSITIVE_LABEL if values["satisfied"] else NEGATIVE_LABEL,
        }
        headers = _RATING_HEADERS_TRAIN
    else:
        row = {
            "ID": values["id"],
            "Gender": values["gender"],
            "Age": values["age"],
            "Customer Type": "Returning" if values["customer_type"] else "First-time",
            "Type of Travel": "Business" if values["type_of_travel"] else "Personal",
            "Class": ("Economy", "Economy Plus", "Business")[values["travel_class"]],
            "Flight Distance": values["flight_distance"],
            "Departure Delay": values["departure_delay"],
            "Arrival Delay": values["arrival_delay"].removesuffix(".0"),
            "Satisfaction": "Satisfied"
            if values["satisfied"]
            else "Neutral or Dissatisfied",
        }
        headers = _RATING_HEADERS_COMBINED
    for name, header in headers.items():
        row[header] = values["ratings"][name]
    return row


def canonical_features(row: dict[str, str]) -> dict[str, Any]:
    """Convert a generated row of either layout into typed canonical feature values.

    Identifier and label columns are left out, so the result is one passenger
    as the model and the API take it.
    """
    passenger: dict[str, Any] = {}
    for header, value in row.items():
        name = canonical_column(header)
        if name not in FEATURES_BY_NAME:
            continue
        feature = FEATURES_BY_NAME[name]
        if feature.levels:
            passenger[name] = canonical_category(name, value)
        elif feature.nullable:
            passenger[name] = float(value) if value else None
        else:
            passenger[name] = int(value)
    return passenger


def write_csv(path: Path, count: int, seed: int = 0, layout: str = "train") -> Path:
    """Write ``count`` synthetic rows as a CSV in ``layout`` and return the path."""
    headers = TRAIN_LAYOUT_HEADERS if layout == "train" else COMBINED_LAYOUT_HEADERS
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=headers)
        writer.writeheader()
        writer.writerows(generate_rows(count, seed, layout))
    return path
