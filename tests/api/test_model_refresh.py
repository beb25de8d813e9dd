"""A running API follows approvals, rejections and rollbacks in the local registry."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lambdas.api.app import create_app
from lambdas.api.model_provider import (
    ModelProvider,
    ModelUnavailable,
    registry_version_reader,
)
from satisfaction.config import Settings
from satisfaction.model_source import ServingModel, resolve_model
from satisfaction.registry.local import LocalModelRegistry

from .conftest import train_model

GROUP = "refresh-test"
METRICS = {"roc_auc": 0.995, "accuracy": 0.96}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        registry_dir=tmp_path / "registry",
        model_package_group=GROUP,
        model_uri=None,
        _env_file=None,
    )


@pytest.fixture
def registry(settings: Settings, tmp_path: Path) -> LocalModelRegistry:
    """A local registry with version 1 approved and version 2 pending."""
    registry = LocalModelRegistry(settings.registry_dir, GROUP, user="test")
    for trees in (5, 6):
        model = train_model(tmp_path / f"model-{trees}", rows=200, trees=trees)
        registry.register(str(model), METRICS)
    registry.approve(1)
    return registry


def build_provider(
    settings: Settings, clock: FakeClock, refresh_seconds: float = 30.0
) -> ModelProvider:
    return ModelProvider(
        lambda: resolve_model(settings),
        clock=clock,
        refresh_seconds=refresh_seconds,
        latest_version=registry_version_reader(settings),
    )


def test_approval_serves_after_interval(
    settings: Settings, registry: LocalModelRegistry
) -> None:
    clock = FakeClock()
    provider = build_provider(settings, clock)
    assert provider.get().version == "1"

    registry.approve(2)
    clock.now += 29
    assert provider.get().version == "1"
    clock.now += 1
    assert provider.get().version == "2"


def test_rollback_serves_previous_version(
    settings: Settings, registry: LocalModelRegistry
) -> None:
    registry.approve(2)
    clock = FakeClock()
    provider = build_provider(settings, clock)
    assert provider.get().version == "2"

    registry.rollback()
    clock.now += 30
    assert provider.get().version == "1"


def test_rejecting_last_approved_returns_503(
    settings: Settings, registry: LocalModelRegistry
) -> None:
    clock = FakeClock()
    provider = build_provider(settings, clock)
    client = TestClient(create_app(provider, emit_metrics=False))
    assert client.get("/health").status_code == 200

    registry.reject(1)
    clock.now += 30
    state = provider.status()
    assert isinstance(state, ModelUnavailable)
    assert state.status == "no_model"
    response = client.get("/health")
    assert response.status_code == 503

    registry.approve(2)
    clock.now += 60  # the retry interval of a failed load
    assert provider.get().version == "2"


def test_failed_check_keeps_model(
    settings: Settings,
    registry: LocalModelRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_registry() -> str | None:
        raise OSError("registry folder unreadable")

    clock = FakeClock()
    provider = ModelProvider(
        lambda: resolve_model(settings),
        clock=clock,
        refresh_seconds=30,
        latest_version=broken_registry,
    )
    assert provider.get().version == "1"
    clock.now += 30
    with caplog.at_level(logging.WARNING, logger="lambdas.api.model_provider"):
        assert provider.get().version == "1"
    assert "registry check failed" in caplog.text


def test_failed_load_of_new_version_keeps_model(
    settings: Settings,
    registry: LocalModelRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    loads: list[int] = []

    def loader() -> ServingModel:
        loads.append(1)
        if len(loads) > 1:
            raise OSError("artifact unreadable")
        return resolve_model(settings)

    clock = FakeClock()
    provider = ModelProvider(
        loader,
        clock=clock,
        refresh_seconds=30,
        latest_version=registry_version_reader(settings),
    )
    assert provider.get().version == "1"
    registry.approve(2)
    clock.now += 30
    with caplog.at_level(logging.WARNING, logger="lambdas.api.model_provider"):
        assert provider.get().version == "1"
    assert "keeps serving" in caplog.text


def test_zero_interval_disables_checks(
    settings: Settings, registry: LocalModelRegistry
) -> None:
    clock = FakeClock()
    provider = build_provider(settings, clock, refresh_seconds=0)
    assert provider.get().version == "1"
    registry.approve(2)
    clock.now += 3600
    assert provider.get().version == "1"


def test_model_uri_has_no_reader(model_dir: Path) -> None:
    settings = Settings(model_uri=str(model_dir), _env_file=None)
    assert registry_version_reader(settings) is None


def test_refresh_setting_default() -> None:
    assert Settings(_env_file=None).model_refresh_seconds == 30.0
