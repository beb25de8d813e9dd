"""Registry life cycle, run against the local and the SageMaker (moto) backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from satisfaction.registry.base import (
    ApprovalStatus,
    InvalidTransitionError,
    ModelRegistry,
    RegistryError,
    VersionNotFoundError,
)

METRICS = {"accuracy": 0.962, "roc_auc": 0.994, "f1": 0.955}

ModelFactory = Callable[[int], Path]


def register(registry: ModelRegistry, model_factory: ModelFactory, seed: int):
    return registry.register(str(model_factory(seed)), METRICS)


def test_register_creates_pending_version_one(registry, model_factory):
    package = register(registry, model_factory, 1)

    assert package.version == 1
    assert package.approval_status is ApprovalStatus.PENDING
    assert package.metrics == METRICS
    assert package.group == registry.group
    assert package.model_sha256 is not None
    assert registry.latest_approved() is None


def test_versions_count_up(registry, model_factory):
    versions = [register(registry, model_factory, seed).version for seed in (1, 2, 3)]

    assert versions == [1, 2, 3]
    assert [package.version for package in registry.list_versions()] == [1, 2, 3]


def test_reregistering_same_model_creates_new_version(registry, model_factory):
    model_dir = model_factory(1)

    first = registry.register(str(model_dir), METRICS)
    second = registry.register(str(model_dir), METRICS)

    assert (first.version, second.version) == (1, 2)
    assert first.model_sha256 == second.model_sha256


def test_find_by_sha256_returns_newest_match(registry, model_factory):
    model_dir = model_factory(1)
    registry.register(str(model_dir), METRICS)
    other = register(registry, model_factory, 2)
    newest = registry.register(str(model_dir), METRICS)

    found = registry.find_by_sha256(newest.model_sha256)

    assert found is not None
    assert found.version == 3
    assert registry.find_by_sha256(other.model_sha256).version == 2


def test_find_by_sha256_without_match(registry, model_factory):
    assert registry.find_by_sha256("0" * 64) is None

    register(registry, model_factory, 1)

    assert registry.find_by_sha256("0" * 64) is None


def test_latest_approved_is_newest_approved(registry, model_factory):
    for seed in (1, 2, 3):
        register(registry, model_factory, seed)

    registry.approve(1, "first release")
    assert registry.latest_approved().version == 1

    registry.approve(3)
    assert registry.latest_approved().version == 3

    # An older version approved later does not replace the newer one.
    registry.approve(2)
    assert registry.latest_approved().version == 3


def test_reject_serving_version_falls_back(registry, model_factory):
    register(registry, model_factory, 1)
    register(registry, model_factory, 2)
    registry.approve(1)
    registry.approve(2)

    rejected = registry.reject(2, "drift in production")

    assert rejected.approval_status is ApprovalStatus.REJECTED
    assert registry.latest_approved().version == 1


def test_reject_last_approved_leaves_none(registry, model_factory):
    register(registry, model_factory, 1)
    registry.approve(1)

    registry.reject(1)

    assert registry.latest_approved() is None


def test_rejected_version_can_be_approved_again(registry, model_factory):
    register(registry, model_factory, 1)
    registry.reject(1)

    package = registry.approve(1, "false alarm")

    assert package.approval_status is ApprovalStatus.APPROVED


def test_rollback_rejects_serving_version(registry, model_factory):
    register(registry, model_factory, 1)
    register(registry, model_factory, 2)
    registry.approve(1)
    registry.approve(2)

    serving = registry.rollback("bad release")

    assert serving.version == 1
    assert registry.get(2).approval_status is ApprovalStatus.REJECTED
    assert registry.latest_approved().version == 1


def test_rollback_without_earlier_approved_fails(registry, model_factory):
    register(registry, model_factory, 1)
    register(registry, model_factory, 2)
    registry.approve(2)

    with pytest.raises(RegistryError, match="only Approved version"):
        registry.rollback()
    assert registry.get(2).approval_status is ApprovalStatus.APPROVED


def test_rollback_without_approved_fails(registry, model_factory):
    register(registry, model_factory, 1)

    with pytest.raises(RegistryError, match="no Approved version"):
        registry.rollback()


def test_unknown_version_raises(registry, model_factory):
    register(registry, model_factory, 1)

    with pytest.raises(VersionNotFoundError, match="version 7 not found"):
        registry.get(7)
    with pytest.raises(VersionNotFoundError):
        registry.approve(7)


def test_back_to_pending_is_invalid(registry, model_factory):
    register(registry, model_factory, 1)
    registry.approve(1)

    with pytest.raises(InvalidTransitionError, match="cannot become"):
        registry.set_approval_status(1, ApprovalStatus.PENDING)
    assert registry.get(1).approval_status is ApprovalStatus.APPROVED


def test_same_status_is_noop(registry, model_factory):
    register(registry, model_factory, 1)
    first = registry.approve(1, "release")

    second = registry.approve(1, "again")

    assert second.approval_status is ApprovalStatus.APPROVED
    assert second.history == first.history


def test_metrics_survive_approval_changes(registry, model_factory):
    register(registry, model_factory, 1)

    registry.approve(1)
    registry.reject(1)

    assert registry.get(1).metrics == METRICS


def test_history_records_latest_change(registry, model_factory):
    register(registry, model_factory, 1)

    registry.approve(1, "passed review")

    latest = registry.get(1).history[-1]
    assert latest.status is ApprovalStatus.APPROVED
    assert latest.reason == "passed review"


def test_corrupt_model_is_rejected(registry, model_factory):
    model_dir = model_factory(1)
    model_file = model_dir / "model.ubj"
    model_file.write_bytes(model_file.read_bytes()[:-8] + b"corrupt!")

    with pytest.raises(RegistryError, match="failed verification"):
        registry.register(str(model_dir), METRICS)
    assert registry.list_versions() == []


def test_missing_model_is_rejected(registry, tmp_path):
    with pytest.raises(RegistryError, match="failed verification"):
        registry.register(str(tmp_path / "nowhere"), METRICS)


def test_unexpected_sha256_is_rejected(registry, model_factory):
    with pytest.raises(RegistryError, match="do not belong together"):
        registry.register(str(model_factory(1)), METRICS, expected_sha256="0" * 64)
    assert registry.list_versions() == []


def test_non_finite_metric_is_rejected(registry, model_factory):
    with pytest.raises(RegistryError, match="must be finite"):
        registry.register(str(model_factory(1)), {"roc_auc": float("nan")})


def test_register_as_approved_serves(registry, model_factory):
    package = registry.register(
        str(model_factory(1)), METRICS, approval_status=ApprovalStatus.APPROVED
    )

    assert registry.latest_approved().version == package.version
