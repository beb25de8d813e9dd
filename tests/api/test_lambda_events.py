"""The Lambda handler with API Gateway events of both payload formats, under a stage."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from mangum import Mangum

from lambdas.api import metrics
from lambdas.api.config import ApiSettings
from lambdas.api.handler import build_adapter
from satisfaction.config import get_settings
from satisfaction.logs import JsonFormatter

from .conftest import LambdaContext, http_api_event, rest_api_event

EVENT_BUILDERS = {"http_api": http_api_event, "rest_api": rest_api_event}


@pytest.fixture
def serving_env(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SATISFACTION_MODEL_URI", str(model_dir))
    monkeypatch.setenv("SATISFACTION_MODEL_VERSION", "7")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def staged_adapter(serving_env: None) -> Mangum:
    return build_adapter(ApiSettings(api_stage="prod", _env_file=None))


def invoke(adapter: Mangum, event: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    response = adapter(event, LambdaContext())
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    headers = {
        key.lower(): value for key, value in (response.get("headers") or {}).items()
    }
    return response["statusCode"], headers, body


def build_event(
    kind: str, method: str, path: str, body: Any = None, **options: Any
) -> dict:
    if kind == "rest_api" and "query" in options:
        options["query"] = dict(
            part.split("=", 1) for part in options["query"].split("&")
        )
    return EVENT_BUILDERS[kind](method, path, body, **options)


@pytest.mark.parametrize("kind", EVENT_BUILDERS)
def test_predict_under_stage(
    staged_adapter: Mangum, passenger: dict[str, Any], kind: str
) -> None:
    event = build_event(kind, "POST", "/predict", passenger, query="explain=false")

    status, headers, body = invoke(staged_adapter, event)

    assert status == 200
    assert json.loads(body)["model_version"] == "7"
    assert json.loads(body)["top_factors"] is None
    assert headers["x-request-id"] == LambdaContext().aws_request_id


@pytest.mark.parametrize("kind", EVENT_BUILDERS)
def test_batch_under_stage(
    staged_adapter: Mangum, passenger: dict[str, Any], kind: str
) -> None:
    event = build_event(kind, "POST", "/predict/batch", {"passengers": [passenger] * 3})

    status, _, body = invoke(staged_adapter, event)

    assert status == 200
    assert json.loads(body)["count"] == 3


@pytest.mark.parametrize("kind", EVENT_BUILDERS)
@pytest.mark.parametrize("path", ["/health", "/model"])
def test_get_routes_under_stage(staged_adapter: Mangum, kind: str, path: str) -> None:
    status, _, _ = invoke(staged_adapter, build_event(kind, "GET", path))

    assert status == 200


@pytest.mark.parametrize("kind", EVENT_BUILDERS)
def test_docs_point_at_staged_openapi(staged_adapter: Mangum, kind: str) -> None:
    status, headers, body = invoke(staged_adapter, build_event(kind, "GET", "/docs"))

    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "'/prod/openapi.json'" in body


@pytest.mark.parametrize("kind", EVENT_BUILDERS)
def test_openapi_lists_stage_server(staged_adapter: Mangum, kind: str) -> None:
    status, _, body = invoke(staged_adapter, build_event(kind, "GET", "/openapi.json"))

    assert status == 200
    assert json.loads(body)["servers"] == [{"url": "/prod"}]
    assert "/predict" in json.loads(body)["paths"]


@pytest.mark.parametrize("kind", EVENT_BUILDERS)
def test_validation_error_through_gateway(
    staged_adapter: Mangum, passenger: dict[str, Any], kind: str
) -> None:
    event = build_event(kind, "POST", "/predict", passenger | {"age": -3})

    status, _, body = invoke(staged_adapter, event)

    assert status == 422
    assert json.loads(body)["detail"][0]["loc"] == ["body", "age"]


@pytest.mark.parametrize("kind", EVENT_BUILDERS)
def test_wrong_content_type_through_gateway(staged_adapter: Mangum, kind: str) -> None:
    headers = (
        {"content-type": "text/csv"}
        if kind == "http_api"
        else {"Content-Type": "text/csv"}
    )
    event = build_event(kind, "POST", "/predict", "a,b\n1,2", headers=headers)

    status, _, _ = invoke(staged_adapter, event)

    assert status == 415


def test_base64_body_decoded(staged_adapter: Mangum, passenger: dict[str, Any]) -> None:
    event = http_api_event("POST", "/predict", passenger, base64_body=True)

    status, _, _ = invoke(staged_adapter, event)

    assert status == 200


def test_default_stage_without_prefix(
    serving_env: None, passenger: dict[str, Any]
) -> None:
    adapter = build_adapter(ApiSettings(api_stage=None, _env_file=None))
    event = http_api_event("POST", "/predict", passenger, stage="$default")

    status, _, _ = invoke(adapter, event)
    docs_status, _, docs = invoke(
        adapter, http_api_event("GET", "/docs", stage="$default")
    )

    assert status == 200
    assert docs_status == 200
    assert "'/openapi.json'" in docs


def test_module_handler_answers(serving_env: None, passenger: dict[str, Any]) -> None:
    """Check ``lambdas.api.handler.handler``, the function Lambda calls."""
    from lambdas.api.handler import handler

    event = http_api_event("POST", "/predict", passenger, stage="$default")

    response = handler(event, LambdaContext())

    assert response["statusCode"] == 200


def test_emf_line_emitted(
    staged_adapter: Mangum,
    passenger: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "satisfaction-api")
    adapter = build_adapter(ApiSettings(api_stage="prod", _env_file=None))
    passengers = [passenger] * 4
    capsys.readouterr()

    invoke(
        adapter, http_api_event("POST", "/predict/batch", {"passengers": passengers})
    )

    lines = [
        line for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    assert len(lines) == 1
    document = json.loads(lines[0])
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == metrics.NAMESPACE
    assert directive["Dimensions"] == [["ServiceName"], ["ServiceName", "ModelVersion"]]
    names = {metric["Name"] for metric in directive["Metrics"]}
    assert names == {"PredictionCount", "SatisfiedCount", "Latency"}
    assert document["ServiceName"] == metrics.SERVICE_NAME
    assert document["ModelVersion"] == "7"
    assert document["PredictionCount"] == 4
    assert 0 <= document["SatisfiedCount"] <= 4
    assert document["RequestId"] == LambdaContext().aws_request_id


def test_emf_counts_unavailable_model(
    tmp_path: Path,
    passenger: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "satisfaction-api")
    monkeypatch.setenv("SATISFACTION_MODEL_URI", str(tmp_path / "missing"))
    get_settings.cache_clear()
    adapter = build_adapter(ApiSettings(_env_file=None))
    capsys.readouterr()

    status, _, _ = invoke(
        adapter, http_api_event("POST", "/predict", passenger, stage="$default")
    )

    get_settings.cache_clear()
    document = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 503
    assert document["ModelUnavailable"] == 1
    assert document["ModelVersion"] == "none"


def test_no_emf_off_lambda(
    staged_adapter: Mangum,
    passenger: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    capsys.readouterr()

    invoke(staged_adapter, http_api_event("POST", "/predict", passenger))

    assert "_aws" not in capsys.readouterr().out


def test_request_log_has_ids_not_payload(
    staged_adapter: Mangum, passenger: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    marker = "passenger-marker-4711"
    event = http_api_event(
        "POST", "/predict/batch", {"passengers": [passenger | {"id": marker}]}
    )
    caplog.set_level(logging.INFO)

    invoke(staged_adapter, event)

    request_logs = [
        record for record in caplog.records if hasattr(record, "latency_ms")
    ]
    assert len(request_logs) == 1
    record = request_logs[0]
    assert record.request_id == LambdaContext().aws_request_id
    assert record.apigw_request_id == "CYj5rgjJoAMEV8A="
    assert record.route == "/predict/batch"
    assert record.status == 200
    assert record.batch_size == 1
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == LambdaContext().aws_request_id
    for logged in caplog.records:
        assert marker not in JsonFormatter().format(logged)


def test_unhandled_error_is_500_with_body(
    staged_adapter: Mangum,
    passenger: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("lambdas.api.prediction.encode_records", fail)

    status, _, body = invoke(
        staged_adapter, http_api_event("POST", "/predict", passenger)
    )

    assert status == 500
    assert json.loads(body)["detail"][0]["type"] == "internal_error"
    assert LambdaContext().aws_request_id in json.loads(body)["detail"][0]["msg"]
    assert "boom" not in body
    assert any(record.exc_info for record in caplog.records)
