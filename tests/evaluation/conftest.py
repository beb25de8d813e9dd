"""Synthetic processed splits and a model trained on them, for the evaluation tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from processed_splits import training_arguments, write_processed_splits

from training.step import main as train


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_processed_splits(
        tmp_path_factory.mktemp("data"), row_count=2000, seed=5
    )


@pytest.fixture(scope="session")
def model_dir(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder with model.ubj and metadata.json trained without MLflow tracking."""
    root = tmp_path_factory.mktemp("trained")
    assert train(training_arguments(data_dir, root, "--no-tracking")) == 0
    return root / "model"


@pytest.fixture(autouse=True)
def keep_pytest_log_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the steps' ``main`` from replacing pytest's log handlers (caplog)."""
    monkeypatch.setattr("training.step.configure_logging", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        "evaluation.step.configure_logging", lambda *args, **kwargs: None
    )
