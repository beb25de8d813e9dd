"""Fixtures of the batch scoring tests: a small model trained on synthetic surveys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xgboost

from processing.reading import read_table
from processing.validation import validate
from satisfaction.artifact import ModelMetadata, save_model, schema_levels
from satisfaction.encoding import encode_columns
from satisfaction.schema import FEATURE_NAMES, POSITIVE_LABEL, TARGET
from satisfaction.synthetic import write_csv


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A verified artifact of a 30-tree booster trained on 2,000 synthetic rows."""
    directory = tmp_path_factory.mktemp("scoring-model")
    source = write_csv(directory / "train.csv", 2000, seed=11)
    table = read_table(str(source))
    frame = validate(table, label_required=True, check_duplicates=True).valid_frame()
    matrix = encode_columns({name: frame[name].to_numpy() for name in FEATURE_NAMES})
    labels = (frame[TARGET] == POSITIVE_LABEL).to_numpy(dtype="float32")
    booster = xgboost.train(
        {"max_depth": 3, "objective": "binary:logistic", "seed": 0},
        xgboost.DMatrix(matrix, label=labels, feature_names=list(FEATURE_NAMES)),
        num_boost_round=30,
    )
    metadata = ModelMetadata(
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        model_sha256="",
        feature_names=list(FEATURE_NAMES),
        category_levels=schema_levels(),
        library_versions={"xgboost": xgboost.__version__},
        training_data_sha256=table.sha256,
    )
    save_model(booster, metadata, directory / "model")
    return directory / "model"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and an in-process moto S3, so no request leaves the process."""
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield
