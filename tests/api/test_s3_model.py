"""Serving a model.tar.gz from S3, as on Lambda, against moto's in-process S3."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws

from lambdas.api.app import create_app
from lambdas.api.model_provider import ModelProvider
from satisfaction.config import Settings
from satisfaction.model_source import resolve_model

BUCKET = "satisfaction-models"
REGION = "eu-west-1"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client


def model_archive(model_dir: Path) -> bytes:
    """Pack the model folder as SageMaker does: files at the archive's root."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(model_dir.iterdir()):
            archive.add(path, arcname=path.name)
    return buffer.getvalue()


def client_for(uri: str) -> TestClient:
    settings = Settings(
        model_uri=uri, model_version="12", aws_region=REGION, _env_file=None
    )
    provider = ModelProvider(lambda: resolve_model(settings))
    return TestClient(create_app(provider, emit_metrics=False))


def test_model_served_from_s3(
    s3: Any, model_dir: Path, passenger: dict[str, Any]
) -> None:
    s3.put_object(Bucket=BUCKET, Key="v12/model.tar.gz", Body=model_archive(model_dir))

    client = client_for(f"s3://{BUCKET}/v12/model.tar.gz")
    response = client.post("/predict", json=passenger)

    assert response.status_code == 200
    assert response.json()["model_version"] == "12"


def test_missing_s3_object_is_503(s3: Any, passenger: dict[str, Any]) -> None:
    client = client_for(f"s3://{BUCKET}/nothing/model.tar.gz")

    response = client.post("/predict", json=passenger)
    health = client.get("/health")

    assert response.status_code == 503
    assert health.json()["status"] == "model_error"


def test_corrupt_s3_archive_is_503(s3: Any, passenger: dict[str, Any]) -> None:
    s3.put_object(Bucket=BUCKET, Key="bad/model.tar.gz", Body=b"not a tar file")

    health = client_for(f"s3://{BUCKET}/bad/model.tar.gz").get("/health")

    assert health.status_code == 503
    assert health.json()["status"] == "model_error"
    assert "cannot be unpacked" in health.json()["detail"]
