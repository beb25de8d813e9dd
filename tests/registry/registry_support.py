"""Helpers of the registry tests: small verified models and a moto-backed registry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import xgboost

from satisfaction.artifact import ModelMetadata, save_model, schema_levels
from satisfaction.registry.sagemaker import SageMakerModelRegistry
from satisfaction.schema import FEATURE_NAMES

GROUP = "test-satisfaction"
REGION = "us-east-1"
BUCKET = "test-models"
IMAGE_URI = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.2-0"


def make_model(directory: Path, seed: int = 0) -> Path:
    """Train a two-tree booster on random data and save it as a verified artifact.

    Different seeds give different model files, so different SHA-256 values.
    """
    generator = np.random.default_rng(seed)
    features = generator.random((64, len(FEATURE_NAMES)), dtype=np.float32)
    labels = (features[:, 0] > 0.5).astype(np.float32)
    booster = xgboost.train(
        {"max_depth": 2, "objective": "binary:logistic", "seed": seed, "nthread": 1},
        xgboost.DMatrix(features, label=labels, feature_names=list(FEATURE_NAMES)),
        num_boost_round=2,
    )
    metadata = ModelMetadata(
        created_at=datetime.now(UTC),
        model_sha256="",
        feature_names=list(FEATURE_NAMES),
        category_levels=schema_levels(),
        library_versions={"xgboost": xgboost.__version__},
        training_data_sha256=f"{seed:064x}",
    )
    save_model(booster, metadata, directory)
    return directory


def sagemaker_registry(page_size: int = 100) -> SageMakerModelRegistry:
    """A SageMaker registry against moto, uploading local models to a test bucket."""
    import boto3

    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    return SageMakerModelRegistry(
        GROUP,
        region=REGION,
        image_uri=IMAGE_URI,
        artifact_prefix=f"s3://{BUCKET}/models",
        page_size=page_size,
    )
