"""Fixtures of the registry tests: small verified models and both registry backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from registry_support import GROUP, REGION, make_model, sagemaker_registry

from satisfaction.registry.base import ModelRegistry
from satisfaction.registry.local import LocalModelRegistry


@pytest.fixture
def model_factory(tmp_path: Path) -> Callable[[int], Path]:
    """Return a function that writes a model for a seed into its own folder."""

    def build(seed: int = 0) -> Path:
        return make_model(tmp_path / "models" / f"seed-{seed}", seed)

    return build


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region, so that no call can reach a real account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def mocked_aws(aws_credentials: None) -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture(params=["local", "sagemaker"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> ModelRegistry:
    """The same registry interface, backed by a folder or by SageMaker (moto)."""
    if request.param == "local":
        return LocalModelRegistry(tmp_path / "registry", GROUP, user="tester")
    request.getfixturevalue("mocked_aws")
    return sagemaker_registry(page_size=2)
