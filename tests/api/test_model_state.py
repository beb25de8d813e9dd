"""Serving without a usable model: 503 with the reason, never a wrong prediction."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lambdas.api.app import create_app
from lambdas.api.model_provider import ModelProvider
from satisfaction.artifact import ArtifactError
from satisfaction.config import Settings
from satisfaction.model_source import NoApprovedModelError, resolve_model
from satisfaction.registry.local import LocalModelRegistry


def client_for(settings: Settings, retry_seconds: float = 60.0) -> TestClient:
    provider = ModelProvider(
        lambda: resolve_model(settings), retry_seconds=retry_seconds
    )
    return TestClient(create_app(provider, emit_metrics=False))


@pytest.fixture
def empty_registry_settings(tmp_path: Path) -> Settings:
    return Settings(registry_dir=tmp_path / "registry", model_uri=None, _env_file=None)


@pytest.fixture
def corrupt_model_dir(model_dir: Path, tmp_path: Path) -> Path:
    """A copy of the model whose model file no longer matches its SHA-256."""
    copy = tmp_path / "corrupt"
    shutil.copytree(model_dir, copy)
    with (copy / "model.ubj").open("ab") as stream:
        stream.write(b"\0")
    return copy


def test_no_approved_model_is_503(
    empty_registry_settings: Settings, passenger: dict[str, Any]
) -> None:
    client = client_for(empty_registry_settings)

    predict = client.post("/predict", json=passenger)
    health = client.get("/health")

    assert predict.status_code == 503
    assert "no Approved model version" in predict.json()["detail"][0]["msg"]
    assert health.status_code == 503
    assert health.json()["status"] == "no_model"


def test_pending_version_not_served(
    model_dir: Path, tmp_path: Path, passenger: dict[str, Any]
) -> None:
    registry = LocalModelRegistry(
        tmp_path / "registry", "airline-passenger-satisfaction"
    )
    registry.register(str(model_dir), {"roc_auc": 0.95})
    settings = Settings(
        registry_dir=tmp_path / "registry", model_uri=None, _env_file=None
    )

    response = client_for(settings).post("/predict", json=passenger)

    assert response.status_code == 503


def test_approved_registry_version_served(
    model_dir: Path, tmp_path: Path, passenger: dict[str, Any]
) -> None:
    registry = LocalModelRegistry(
        tmp_path / "registry", "airline-passenger-satisfaction"
    )
    package = registry.register(str(model_dir), {"roc_auc": 0.95})
    registry.approve(package.version)
    settings = Settings(
        registry_dir=tmp_path / "registry", model_uri=None, _env_file=None
    )

    response = client_for(settings).post("/predict", json=passenger)

    assert response.status_code == 200
    assert response.json()["model_version"] == str(package.version)


def test_corrupt_artifact_rejected(
    corrupt_model_dir: Path, passenger: dict[str, Any]
) -> None:
    settings = Settings(model_uri=str(corrupt_model_dir), _env_file=None)
    client = client_for(settings)

    predict = client.post("/predict", json=passenger)
    health = client.get("/health")

    assert predict.status_code == 503
    assert "SHA-256" in predict.json()["detail"][0]["msg"]
    assert health.status_code == 503
    assert health.json()["status"] == "model_error"
    assert "SHA-256" in health.json()["detail"]


def test_corrupt_artifact_logged(
    corrupt_model_dir: Path, passenger: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(model_uri=str(corrupt_model_dir), _env_file=None)

    client_for(settings).post("/predict", json=passenger)

    errors = [record for record in caplog.records if record.levelname == "ERROR"]
    assert len(errors) == 1
    assert "SHA-256" in errors[0].getMessage()


def test_missing_artifact_rejected(tmp_path: Path) -> None:
    settings = Settings(model_uri=str(tmp_path / "nothing-here"), _env_file=None)

    response = client_for(settings).get("/health")

    assert response.status_code == 503
    assert response.json()["status"] == "model_error"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_failed_load_retried_after_delay(serving_settings: Settings) -> None:
    clock = FakeClock()
    attempts: list[int] = []

    def flaky_loader():
        attempts.append(1)
        if len(attempts) == 1:
            raise NoApprovedModelError("nothing approved yet")
        return resolve_model(serving_settings)

    provider = ModelProvider(flaky_loader, retry_seconds=60, clock=clock)

    first = provider.status()
    clock.now = 30
    second = provider.status()
    clock.now = 61
    third = provider.status()

    assert first.status == "no_model"
    assert second.status == "no_model"
    assert len(attempts) == 2
    assert third.version == "7"


def test_loaded_model_kept(serving_settings: Settings) -> None:
    calls: list[int] = []

    def counting_loader():
        calls.append(1)
        return resolve_model(serving_settings)

    provider = ModelProvider(counting_loader)
    provider.get()
    provider.get()

    assert len(calls) == 1


def test_unexpected_load_error_is_503(passenger: dict[str, Any]) -> None:
    def broken_loader():
        raise PermissionError("access denied to s3://bucket/model.tar.gz")

    client = TestClient(create_app(ModelProvider(broken_loader), emit_metrics=False))

    response = client.post("/predict", json=passenger)

    assert response.status_code == 503
    assert "PermissionError" in response.json()["detail"][0]["msg"]


def test_artifact_error_type_is_model_error() -> None:
    def loader():
        raise ArtifactError("model features differ from the schema")

    state = ModelProvider(loader).status()

    assert state.status == "model_error"
    assert state.reason == "model features differ from the schema"


def test_503_has_retry_after(
    empty_registry_settings: Settings, passenger: dict[str, Any]
) -> None:
    client = client_for(empty_registry_settings, retry_seconds=60)

    response = client.post("/predict", json=passenger)

    assert response.status_code == 503
    assert 0 < int(response.headers["retry-after"]) <= 60
