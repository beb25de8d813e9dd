"""Fixtures of the API tests: a small trained model, a client and API Gateway events."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost
from fastapi.testclient import TestClient

from lambdas.api.app import create_app
from lambdas.api.model_provider import ModelProvider
from satisfaction.artifact import ModelMetadata, save_model, schema_levels
from satisfaction.config import Settings
from satisfaction.encoding import encode_records
from satisfaction.layouts import canonical_label
from satisfaction.model_source import resolve_model
from satisfaction.schema import FEATURE_NAMES, POSITIVE_LABEL
from satisfaction.synthetic import canonical_features, generate_rows


def train_model(directory: Path, rows: int = 600, trees: int = 20) -> Path:
    """Train a small XGBoost model on synthetic rows and save it as an artifact."""
    data = generate_rows(rows, seed=3, layout="train")
    records = [canonical_features(row) for row in data]
    labels = [canonical_label(row["satisfaction"]) == POSITIVE_LABEL for row in data]
    matrix = encode_records(records)
    dtrain = xgboost.DMatrix(
        matrix,
        label=np.asarray(labels, dtype=np.float32),
        feature_names=list(FEATURE_NAMES),
    )
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "nthread": 1}
    booster = xgboost.train(params, dtrain, num_boost_round=trees)
    metadata = ModelMetadata(
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        model_sha256="",
        feature_names=list(FEATURE_NAMES),
        category_levels=schema_levels(),
        library_versions={"xgboost": xgboost.__version__},
        training_data_sha256="0" * 64,
        hyperparameters=params,
        metrics={"roc_auc": 0.95, "accuracy": 0.9},
    )
    save_model(booster, metadata, directory)
    return directory


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_model(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="session")
def serving_settings(model_dir: Path) -> Settings:
    return Settings(model_uri=str(model_dir), model_version="7", _env_file=None)


@pytest.fixture
def provider(serving_settings: Settings) -> ModelProvider:
    return ModelProvider(lambda: resolve_model(serving_settings))


@pytest.fixture
def client(provider: ModelProvider) -> Iterator[TestClient]:
    with TestClient(create_app(provider, emit_metrics=False)) as test_client:
        yield test_client


@pytest.fixture
def passenger() -> dict[str, Any]:
    """One valid passenger with canonical field names."""
    return canonical_features(generate_rows(1, seed=11, layout="train")[0]) | {
        "arrival_delay_in_minutes": 3.0
    }


class LambdaContext:
    """The attributes of the Lambda context object that the API reads."""

    function_name = "satisfaction-api"
    memory_limit_in_mb = 1024
    invoked_function_arn = (
        "arn:aws:lambda:eu-west-1:123456789012:function:satisfaction-api"
    )

    def __init__(
        self, request_id: str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    ) -> None:
        self.aws_request_id = request_id

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def http_api_event(
    method: str,
    path: str,
    body: Any = None,
    stage: str = "prod",
    query: str = "",
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """Build an HTTP API (payload format 2.0) event as API Gateway sends it."""
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    all_headers = {
        "accept": "*/*",
        "content-length": str(len(text or "")),
        "host": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": "Root=1-6750a1b2-0123456789abcdef01234567",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if text is not None:
        all_headers["content-type"] = "application/json"
    all_headers.update(headers or {})
    if base64_body and text is not None:
        text = base64.b64encode(text.encode()).decode()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abcdef1234",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "CYj5rgjJoAMEV8A=",
            "routeKey": "$default",
            "stage": stage,
            "time": "04/Dec/2026:16:10:00 +0000",
            "timeEpoch": 1796400600000,
        },
        "isBase64Encoded": base64_body,
    }
    if query:
        event["queryStringParameters"] = dict(
            part.split("=", 1) for part in query.split("&")
        )
    if text is not None:
        event["body"] = text
    return event


def rest_api_event(
    method: str,
    path: str,
    body: Any = None,
    stage: str = "prod",
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Build a REST API (payload format 1.0) proxy event as API Gateway sends it."""
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    all_headers = {
        "Accept": "*/*",
        "Host": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
        "User-Agent": "curl/8.5.0",
        "X-Amzn-Trace-Id": "Root=1-6750a1b2-0123456789abcdef01234567",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if text is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {key: [value] for key, value in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {
            key: [value] for key, value in query.items()
        }
        if query
        else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"},
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": "04/Dec/2026:16:10:00 +0000",
            "requestTimeEpoch": 1796400600000,
            "resourceId": "abc123",
            "resourcePath": "/{proxy+}",
            "stage": stage,
        },
        "body": text,
        "isBase64Encoded": False,
    }
