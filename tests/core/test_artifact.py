"""Saving, loading and verifying the model artifact."""

import io
import json
import tarfile
from datetime import UTC, datetime

import boto3
import numpy as np
import pytest
import xgboost
from moto import mock_aws

from satisfaction.artifact import (
    METADATA_FILE,
    MODEL_FILE,
    ArtifactError,
    ModelMetadata,
    load_model,
    save_model,
    schema_levels,
)
from satisfaction.config import Settings
from satisfaction.model_source import (
    NoApprovedModelError,
    extract_archive,
    resolve_model,
)
from satisfaction.schema import FEATURE_NAMES


@pytest.fixture
def model_dir(tmp_path):
    rng = np.random.default_rng(0)
    features = rng.integers(0, 5, size=(200, len(FEATURE_NAMES))).astype(np.float32)
    labels = (features[:, 6] > 2).astype(int)
    booster = xgboost.train(
        {"objective": "binary:logistic", "max_depth": 2, "seed": 0},
        xgboost.DMatrix(features, label=labels, feature_names=list(FEATURE_NAMES)),
        num_boost_round=5,
    )
    metadata = ModelMetadata(
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        model_sha256="",
        feature_names=list(FEATURE_NAMES),
        category_levels=schema_levels(),
        library_versions={"xgboost": xgboost.__version__},
        training_data_sha256="0" * 64,
    )
    directory = tmp_path / "model"
    save_model(booster, metadata, directory)
    return directory


def test_saved_checksum_matches_file(model_dir):
    model = load_model(model_dir)

    assert len(model.metadata.model_sha256) == 64
    assert model.metadata.feature_names == list(FEATURE_NAMES)


def test_predictions_and_contributions(model_dir):
    model = load_model(model_dir)
    matrix = np.zeros((3, len(FEATURE_NAMES)), dtype=np.float32)

    probabilities = model.predict_probability(matrix)
    contributions = model.contributions(matrix)

    assert probabilities.shape == (3,)
    assert np.all((probabilities > 0) & (probabilities < 1))
    assert contributions.shape == (3, len(FEATURE_NAMES) + 1)


def test_corrupt_model_rejected(model_dir):
    with (model_dir / MODEL_FILE).open("ab") as stream:
        stream.write(b"\x00")

    with pytest.raises(ArtifactError, match="corrupt or mixed up"):
        load_model(model_dir)


def test_missing_metadata_rejected(model_dir):
    (model_dir / METADATA_FILE).unlink()

    with pytest.raises(ArtifactError, match="metadata not found"):
        load_model(model_dir)


def test_invalid_metadata_rejected(model_dir):
    (model_dir / METADATA_FILE).write_text("{not json")

    with pytest.raises(ArtifactError, match="metadata is invalid"):
        load_model(model_dir)


def test_other_schema_rejected(model_dir):
    path = model_dir / METADATA_FILE
    document = json.loads(path.read_text())
    document["feature_names"] = document["feature_names"][::-1]
    path.write_text(json.dumps(document))

    with pytest.raises(ArtifactError, match="differ from the schema"):
        load_model(model_dir)


def test_archive_member_outside_rejected(tmp_path):
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        payload = b"x"
        member = tarfile.TarInfo("../escape.txt")
        member.size = len(payload)
        bundle.addfile(member, io.BytesIO(payload))

    with pytest.raises(ArtifactError, match="cannot be unpacked"):
        extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_resolve_folder_uri(model_dir):
    settings = Settings(model_uri=str(model_dir), model_version="7")

    serving = resolve_model(settings)

    assert serving.version == "7"
    assert serving.source == str(model_dir)


def test_resolve_s3_archive(model_dir, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        bundle.add(model_dir / MODEL_FILE, arcname=MODEL_FILE)
        bundle.add(model_dir / METADATA_FILE, arcname=METADATA_FILE)

    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(
            Bucket="models",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
        )
        s3.put_object(Bucket="models", Key="v3/model.tar.gz", Body=buffer.getvalue())
        settings = Settings(
            model_uri="s3://models/v3/model.tar.gz",
            model_version="3",
            aws_region="eu-west-1",
        )

        serving = resolve_model(settings)

    assert serving.version == "3"
    assert serving.model.metadata.feature_names == list(FEATURE_NAMES)


def test_invalid_s3_uri_rejected():
    with pytest.raises(ArtifactError, match="invalid S3 model URI"):
        resolve_model(Settings(model_uri="s3://bucket-only"))


def test_empty_registry_has_no_model(tmp_path):
    settings = Settings(registry_dir=tmp_path / "registry")

    with pytest.raises(NoApprovedModelError, match="no Approved model version"):
        resolve_model(settings)
