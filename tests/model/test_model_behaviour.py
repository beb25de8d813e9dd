"""Behaviour of a model trained on synthetic data: direction, invariance, accuracy.

The synthetic labels follow a logistic rule in which ratings (online boarding,
wifi, entertainment, ...) and business travel raise satisfaction, departure
delay lowers it, and gender plays no part. A model that learned the data
must show the same directions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xgboost
from processed_splits import canonical_frame

from satisfaction.artifact import LoadedModel
from satisfaction.encoding import encode_records
from satisfaction.schema import FEATURE_NAMES, POSITIVE_LABEL, RATING_NAMES, TARGET

BASE_PASSENGER: dict[str, Any] = {
    "gender": "Female",
    "customer_type": "Loyal Customer",
    "age": 40,
    "type_of_travel": "Business travel",
    "travel_class": "Eco Plus",
    "flight_distance": 1200,
    **dict.fromkeys(RATING_NAMES, 3),
    "departure_delay_in_minutes": 0,
    "arrival_delay_in_minutes": 0.0,
}


def probability(model: LoadedModel, **changes: Any) -> float:
    """Predict the probability for BASE_PASSENGER with ``changes`` applied."""
    return float(
        model.predict_probability(encode_records([{**BASE_PASSENGER, **changes}]))[0]
    )


def all_ratings(value: int) -> dict[str, int]:
    return dict.fromkeys(RATING_NAMES, value)


def test_top_ratings_beat_bottom_ratings(trained_model: LoadedModel) -> None:
    best = probability(trained_model, **all_ratings(5))
    worst = probability(trained_model, **all_ratings(1))
    assert best > 0.8
    assert worst < 0.2


@pytest.fixture(scope="module")
def passengers() -> list[dict[str, Any]]:
    """1,000 synthetic passengers the model was not trained on, as canonical records."""
    frame = canonical_frame(1000, seed=99)[list(FEATURE_NAMES)]
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict("records")


def test_gender_invariance(
    trained_model: LoadedModel, passengers: list[dict[str, Any]]
) -> None:
    # Single passengers near the decision boundary may move a few points, so
    # the check is on the population: small shifts and almost no flipped decisions.
    female = trained_model.predict_probability(
        encode_records([{**passenger, "gender": "Female"} for passenger in passengers])
    )
    male = trained_model.predict_probability(
        encode_records([{**passenger, "gender": "Male"} for passenger in passengers])
    )
    assert np.abs(female - male).mean() < 0.02
    assert ((female >= 0.5) != (male >= 0.5)).mean() < 0.02


def test_online_boarding_direction(trained_model: LoadedModel) -> None:
    low = probability(trained_model, online_boarding=1)
    high = probability(trained_model, online_boarding=5)
    assert high > low + 0.2


def test_departure_delay_not_helpful(trained_model: LoadedModel) -> None:
    on_time = probability(trained_model, **all_ratings(4))
    delayed = probability(
        trained_model,
        **all_ratings(4),
        departure_delay_in_minutes=240,
        arrival_delay_in_minutes=235.0,
    )
    assert delayed <= on_time + 0.02


def test_business_travel_direction(trained_model: LoadedModel) -> None:
    business = probability(trained_model, type_of_travel="Business travel")
    personal = probability(trained_model, type_of_travel="Personal Travel")
    assert business > personal


def test_not_applicable_rating_predicts(trained_model: LoadedModel) -> None:
    # 0 means "not applicable" and is encoded as missing, which the trees route
    # to a learned branch.
    value = probability(trained_model, inflight_wifi_service=0)
    assert 0.0 <= value <= 1.0


def test_missing_arrival_delay_predicts(trained_model: LoadedModel) -> None:
    value = probability(trained_model, arrival_delay_in_minutes=None)
    assert np.isfinite(value)
    assert abs(value - probability(trained_model)) < 0.1


def test_contributions_sum_to_margin(trained_model: LoadedModel) -> None:
    matrix = encode_records([BASE_PASSENGER])
    contributions = trained_model.contributions(matrix)
    dmatrix = xgboost.DMatrix(
        matrix, feature_names=trained_model.metadata.feature_names
    )
    margin = trained_model.booster.predict(dmatrix, output_margin=True)[0]
    assert contributions.sum() == pytest.approx(float(margin), abs=1e-3)


def test_minimum_accuracy(
    trained_model: LoadedModel, passengers: list[dict[str, Any]]
) -> None:
    labels = canonical_frame(1000, seed=99)[TARGET] == POSITIVE_LABEL
    predictions = trained_model.predict_probability(encode_records(passengers)) >= 0.5
    assert (predictions == labels.to_numpy()).mean() > 0.9


def test_online_boarding_ranked_above_gender(trained_model: LoadedModel) -> None:
    rows = [
        {**BASE_PASSENGER, "online_boarding": rating, "gender": gender}
        for rating in range(1, 6)
        for gender in ("Female", "Male")
    ]
    contributions = np.abs(trained_model.contributions(encode_records(rows))).mean(
        axis=0
    )
    names = trained_model.metadata.feature_names
    assert (
        contributions[names.index("online_boarding")]
        > contributions[names.index("gender")]
    )
