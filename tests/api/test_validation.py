"""Every bad request gets a 4xx whose message names the field and the problem."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lambdas.api.limits import (
    MAX_BATCH_SIZE,
    MAX_EXPLAINED_BATCH_SIZE,
    MAX_REQUEST_BYTES,
)

JSON = {"content-type": "application/json"}


def with_changes(passenger: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return passenger | changes


def without(passenger: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in passenger.items() if key != name}


# (case id, change to a valid passenger, status, texts the message must contain)
FIELD_CASES: list[tuple[str, Any, int, list[str]]] = [
    ("missing field", lambda p: without(p, "age"), 422, ["age", "missing"]),
    (
        "unknown field",
        lambda p: p | {"seat_color": "red"},
        422,
        ["seat_color", "unknown field"],
    ),
    ("age as text", lambda p: with_changes(p, age="old"), 422, ["age", "integer"]),
    ("age fraction", lambda p: with_changes(p, age=30.5), 422, ["age", "fractional"]),
    ("age boolean", lambda p: with_changes(p, age=True), 422, ["age", "boolean"]),
    (
        "age too high",
        lambda p: with_changes(p, age=500),
        422,
        ["age", "less than or equal to 120"],
    ),
    (
        "age zero",
        lambda p: with_changes(p, age=0),
        422,
        ["age", "greater than or equal to 1"],
    ),
    ("age null", lambda p: with_changes(p, age=None), 422, ["age", "integer"]),
    (
        "rating above 5",
        lambda p: with_changes(p, seat_comfort=6),
        422,
        ["seat_comfort", "5"],
    ),
    (
        "rating negative",
        lambda p: with_changes(p, seat_comfort=-1),
        422,
        ["seat_comfort", "0"],
    ),
    (
        "unknown category",
        lambda p: with_changes(p, travel_class="First"),
        422,
        ["travel_class", "'First'", "Eco Plus", "Economy"],
    ),
    (
        "category as number",
        lambda p: with_changes(p, gender=1),
        422,
        ["gender", "string"],
    ),
    (
        "negative delay",
        lambda p: with_changes(p, departure_delay_in_minutes=-5),
        422,
        ["departure_delay_in_minutes", "greater than or equal to 0"],
    ),
    (
        "absurd distance",
        lambda p: with_changes(p, flight_distance=10**9),
        422,
        ["flight_distance", "20000"],
    ),
    (
        "huge number",
        lambda p: with_changes(p, flight_distance=1e300),
        422,
        ["flight_distance", "too large"],
    ),
    (
        "absurd arrival delay",
        lambda p: with_changes(p, arrival_delay_in_minutes=1e12),
        422,
        ["arrival_delay_in_minutes", "4320"],
    ),
    (
        "infinity as text",
        lambda p: with_changes(p, arrival_delay_in_minutes="Infinity"),
        422,
        ["arrival_delay_in_minutes", "finite"],
    ),
    (
        "duplicate via header",
        lambda p: p | {"Age": "30"},
        422,
        ["'Age'", "'age'", "only one"],
    ),
    ("not an object", lambda p: [p], 422, ["body", "JSON object"]),
    (
        "passenger id too long",
        lambda p: p | {"id": "x" * 65},
        422,
        ["passenger_id", "64"],
    ),
]


@pytest.mark.parametrize(
    ("change", "status", "texts"),
    [case[1:] for case in FIELD_CASES],
    ids=[case[0] for case in FIELD_CASES],
)
def test_predict_rejects_bad_field(
    client: TestClient,
    passenger: dict[str, Any],
    change: Any,
    status: int,
    texts: list[str],
) -> None:
    response = client.post("/predict", json=change(passenger))

    assert response.status_code == status
    messages = " | ".join(item["msg"] for item in response.json()["detail"])
    for text in texts:
        assert text in messages


# NaN and Infinity are not JSON, but Python's json module, used by FastAPI, reads them.
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("field", ["age", "arrival_delay_in_minutes", "seat_comfort"])
def test_predict_rejects_non_finite(
    client: TestClient, passenger: dict[str, Any], field: str, literal: str
) -> None:
    text = json.dumps(passenger | {field: "PLACEHOLDER"}).replace(
        '"PLACEHOLDER"', literal
    )

    response = client.post("/predict", content=text, headers=JSON)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert field in response.json()["detail"][0]["msg"]


BODY_CASES: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("empty body", b"", JSON, 400, "empty"),
    ("malformed JSON", b'{"age": 3', JSON, 400, "not valid JSON"),
    ("trailing garbage", b"{} x", JSON, 400, "not valid JSON"),
    ("no content type", b"{}", {}, 415, "application/json"),
    (
        "form content type",
        b"age=3",
        {"content-type": "application/x-www-form-urlencoded"},
        415,
        "application/json",
    ),
    ("text content type", b"{}", {"content-type": "text/plain"}, 415, "text/plain"),
]


@pytest.mark.parametrize(
    ("body", "headers", "status", "text"),
    [case[1:] for case in BODY_CASES],
    ids=[case[0] for case in BODY_CASES],
)
@pytest.mark.parametrize("route", ["/predict", "/predict/batch"])
def test_post_rejects_bad_body(
    client: TestClient,
    route: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    text: str,
) -> None:
    response = client.post(route, content=body, headers=headers)

    assert response.status_code == status
    assert text in response.json()["detail"][0]["msg"]


def test_json_with_charset_accepted(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    headers = {"content-type": "application/json; charset=utf-8"}

    response = client.post("/predict", content=json.dumps(passenger), headers=headers)

    assert response.status_code == 200


def test_batch_error_names_index(client: TestClient, passenger: dict[str, Any]) -> None:
    passengers = [passenger, passenger, passenger | {"cleanliness": 9}]

    response = client.post("/predict/batch", json={"passengers": passengers})

    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["loc"] == ["body", "passengers", 2, "cleanliness"]
    assert item["msg"].startswith("passengers[2].cleanliness:")


def test_batch_empty_rejected(client: TestClient) -> None:
    response = client.post("/predict/batch", json={"passengers": []})

    assert response.status_code == 422
    assert "empty" in response.json()["detail"][0]["msg"]


def test_batch_without_list_rejected(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    response = client.post("/predict/batch", json=passenger)

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].startswith(
        "passengers: required field is missing"
    )


def test_batch_over_maximum_is_413(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    passengers = [passenger] * (MAX_BATCH_SIZE + 1)

    response = client.post("/predict/batch", json={"passengers": passengers})

    assert response.status_code == 413
    assert str(MAX_BATCH_SIZE) in response.json()["detail"][0]["msg"]


def test_batch_at_maximum_accepted(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    passengers = [passenger] * MAX_BATCH_SIZE

    response = client.post("/predict/batch", json={"passengers": passengers})

    assert response.status_code == 200
    assert response.json()["count"] == MAX_BATCH_SIZE


def test_explained_batch_over_maximum_is_413(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    passengers = [passenger] * (MAX_EXPLAINED_BATCH_SIZE + 1)

    response = client.post(
        "/predict/batch", params={"explain": "true"}, json={"passengers": passengers}
    )

    assert response.status_code == 413
    assert str(MAX_EXPLAINED_BATCH_SIZE) in response.json()["detail"][0]["msg"]


def test_body_over_payload_limit_is_413(client: TestClient) -> None:
    body = b'{"passengers": ["' + b"x" * MAX_REQUEST_BYTES + b'"]}'

    response = client.post("/predict/batch", content=body, headers=JSON)

    assert response.status_code == 413
    assert str(MAX_REQUEST_BYTES) in response.json()["detail"][0]["msg"]


def test_many_errors_are_capped(client: TestClient) -> None:
    response = client.post("/predict/batch", json={"passengers": [{}] * 50})

    body = response.json()
    assert response.status_code == 422
    assert len(body["detail"]) == 20
    assert body["error_count"] == 50 * 21


def test_unknown_fields_listed_first(client: TestClient) -> None:
    response = client.post("/predict", json={"seat_color": "red"})

    assert response.json()["detail"][0]["loc"] == ["body", "seat_color"]


def test_errors_do_not_echo_input(
    client: TestClient, passenger: dict[str, Any]
) -> None:
    response = client.post("/predict", json=passenger | {"age": 987654})

    assert "987654" not in response.text
    assert "input" not in response.json()["detail"][0]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no-such-route", 404),
        ("GET", "/predict", 405),
        ("DELETE", "/model", 405),
    ],
)
def test_routing_errors_use_error_body(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path)

    assert response.status_code == status
    assert response.json()["detail"][0]["type"] == "http_error"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"null", 422),
        (b'"text"', 422),
        (b"[" * 100_000, 400),
        (b"\xff\xfe", 400),
        (b'{"gender": "male\x00"}', 400),
    ],
    ids=["null", "string", "deep nesting", "not utf-8", "control character"],
)
def test_odd_bodies_rejected(client: TestClient, body: bytes, status: int) -> None:
    response = client.post("/predict", content=body, headers=JSON)

    assert response.status_code == status
    assert response.json()["detail"][0]["msg"].startswith("body:")
