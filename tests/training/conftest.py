"""Processed synthetic splits for the training tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from processed_splits import write_processed_splits


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Splits of 2,000 synthetic passengers, plus a baseline."""
    return write_processed_splits(
        tmp_path_factory.mktemp("data"), row_count=2000, seed=3
    )


@pytest.fixture(autouse=True)
def keep_pytest_log_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the training step from replacing pytest's log handlers (caplog)."""
    monkeypatch.setattr("training.step.configure_logging", lambda *args, **kwargs: None)
