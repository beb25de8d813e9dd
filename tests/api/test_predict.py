"""Predictions: contract, layouts, key order, explanations and the model route."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lambdas.api.limits import TOP_FACTOR_COUNT
from satisfaction.schema import FEATURE_NAMES, RATING_NAMES
from satisfaction.synthetic import generate_rows


def test_predict_returns_contract(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    response = client.post("/predict", json=passenger)

    body = response.json()
    assert response.status_code == 200
    assert 0 <= body["probability"] <= 1
    assert body["satisfied"] is (body["probability"] >= 0.5)
    assert body["label"] == (
        "satisfied" if body["satisfied"] else "neutral or dissatisfied"
    )
    assert body["model_version"] == "7"
    assert body["passenger_id"] is None


def test_predict_explains_by_default(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    factors = client.post("/predict", json=passenger).json()["top_factors"]

    assert len(factors) == TOP_FACTOR_COUNT
    assert {factor["feature"] for factor in factors} <= set(FEATURE_NAMES)
    sizes = [abs(factor["contribution"]) for factor in factors]
    assert sizes == sorted(sizes, reverse=True)
    for factor in factors:
        assert factor["value"] == passenger[factor["feature"]]


def test_predict_explain_false_skips_factors(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    explained = client.post("/predict", json=passenger).json()
    plain = client.post("/predict", params={"explain": "false"}, json=passenger).json()

    assert plain["top_factors"] is None
    assert plain["probability"] == explained["probability"]


def test_batch_explains_only_on_request(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    body = {"passengers": [passenger, passenger]}

    plain = client.post("/predict/batch", json=body).json()
    explained = client.post(
        "/predict/batch", params={"explain": "true"}, json=body
    ).json()

    assert [item["top_factors"] for item in plain["predictions"]] == [None, None]
    assert all(
        len(item["top_factors"]) == TOP_FACTOR_COUNT
        for item in explained["predictions"]
    )


def test_batch_matches_single_predictions(client: TestClient) -> None:
    rows = generate_rows(30, seed=21, layout="train")

    batch = client.post("/predict/batch", json={"passengers": rows}).json()
    singles = [
        client.post("/predict", params={"explain": "false"}, json=row).json()
        for row in rows
    ]

    assert batch["count"] == 30
    assert batch["satisfied_count"] == sum(item["satisfied"] for item in singles)
    assert batch["predictions"] == singles


def test_predict_ignores_key_order(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    keys = list(passenger)
    answers = set()
    for seed in range(5):
        random.Random(seed).shuffle(keys)
        shuffled = {key: passenger[key] for key in keys}
        answers.add(client.post("/predict", json=shuffled).text)

    assert len(answers) == 1


@pytest.mark.parametrize("layout", ["train", "combined"])
def test_csv_rows_accepted_as_is(client: TestClient, layout: str) -> None:
    """Check that a CSV row of either layout, all strings, is accepted as it is."""
    rows = generate_rows(20, seed=4, layout=layout)

    response = client.post("/predict/batch", json={"passengers": rows})

    assert response.status_code == 200
    ids = [item["passenger_id"] for item in response.json()["predictions"]]
    assert ids == [str(100_000 + index) for index in range(20)]


def test_both_layouts_give_same_answer(client: TestClient) -> None:
    train_rows = generate_rows(20, seed=4, layout="train")
    combined_rows = generate_rows(20, seed=4, layout="combined")

    from_train = client.post("/predict/batch", json={"passengers": train_rows}).json()
    from_combined = client.post(
        "/predict/batch", json={"passengers": combined_rows}
    ).json()

    assert from_train == from_combined


def test_strings_and_numbers_agree(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    as_strings = {
        key: value if isinstance(value, str) else str(value)
        for key, value in passenger.items()
    }

    from_numbers = client.post("/predict", json=passenger).json()
    from_strings = client.post("/predict", json=as_strings).json()

    assert from_strings == from_numbers


def test_categories_ignore_case(client: TestClient, passenger: dict[str, Any]) -> None:
    shouted = passenger | {
        "gender": passenger["gender"].upper(),
        "travel_class": passenger["travel_class"].lower(),
    }

    assert (
        client.post("/predict", json=shouted).json()
        == client.post("/predict", json=passenger).json()
    )


@pytest.mark.parametrize("missing", [None, "", "omitted"])
def test_arrival_delay_may_be_unknown(
    client: TestClient, passenger: dict[str, Any], missing: str | None
) -> None:
    if missing == "omitted":
        body = {
            key: value
            for key, value in passenger.items()
            if key != "arrival_delay_in_minutes"
        }
    else:
        body = passenger | {"arrival_delay_in_minutes": missing}

    response = client.post("/predict", json=body)

    assert response.status_code == 200
    factors = {factor["feature"]: factor for factor in response.json()["top_factors"]}
    if "arrival_delay_in_minutes" in factors:
        assert factors["arrival_delay_in_minutes"]["value"] is None


def test_rating_zero_is_accepted(client: TestClient, passenger: dict[str, Any]) -> None:
    body = passenger | dict.fromkeys(RATING_NAMES, 0)

    response = client.post("/predict", json=body)

    assert response.status_code == 200


def test_label_and_row_number_ignored(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    labelled = passenger | {"satisfaction": "satisfied", "Unnamed: 0": "17"}
    other_label = passenger | {"satisfaction": "neutral or dissatisfied", "": "3"}

    first = client.post("/predict", json=labelled).json()
    second = client.post("/predict", json=other_label).json()

    assert first == second


def test_passenger_id_echoed(client: TestClient, passenger: dict[str, Any]) -> None:
    response = client.post("/predict", json=passenger | {"id": 70172})

    assert response.json()["passenger_id"] == 70172


def test_model_route_describes_model(client: TestClient) -> None:
    body = client.get("/model").json()

    assert body["model_version"] == "7"
    assert body["approval_status"] == "Approved"
    assert body["trained_at"] == "2026-12-01T00:00:00Z"
    assert body["metrics"]["roc_auc"] == 0.95
    assert [feature["name"] for feature in body["input_schema"]] == list(FEATURE_NAMES)
    travel_class = next(f for f in body["input_schema"] if f["name"] == "travel_class")
    assert "Economy" in travel_class["accepted_values"]


def test_health_reports_ok(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model_version": "7", "detail": None}


def test_openapi_documents_fields(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()

    passenger = schema["components"]["schemas"]["Passenger"]
    assert set(FEATURE_NAMES) <= set(passenger["properties"])
    assert passenger["properties"]["age"]["maximum"] == 120
    assert "Economy Plus" in passenger["properties"]["travel_class"]["enum"]
    assert passenger["properties"]["departure_delay_in_minutes"]["unit"] == "minutes"
    responses = schema["paths"]["/predict"]["post"]["responses"]
    assert {"200", "400", "413", "415", "422", "503"} <= set(responses)
    json.dumps(schema)  # the document must be plain JSON
