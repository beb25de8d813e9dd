"""A model trained once per session on synthetic data, for the behaviour tests."""

from __future__ import annotations

import pytest
from processed_splits import training_arguments, write_processed_splits

from satisfaction.artifact import LoadedModel, load_model
from training.step import main as train


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    """A model trained on 4,000 synthetic passengers."""
    root = tmp_path_factory.mktemp("behaviour")
    data_dir = write_processed_splits(root / "data", row_count=4000, seed=11)
    exit_code = train(training_arguments(data_dir, root, "--no-tracking"))
    assert exit_code == 0
    return load_model(root / "model")
