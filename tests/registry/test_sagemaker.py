"""Behaviour specific to the SageMaker backend, against moto."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import boto3
import pytest
from registry_support import BUCKET, GROUP, IMAGE_URI, REGION, sagemaker_registry

from satisfaction.registry.base import ApprovalStatus, RegistryError
from satisfaction.registry.sagemaker import SageMakerModelRegistry, upload_model_archive

METRICS = {"accuracy": 0.96, "roc_auc": 0.99}

pytestmark = pytest.mark.usefixtures("mocked_aws")


def describe(version: int) -> dict:
    client = boto3.client("sagemaker", region_name=REGION)
    summaries = client.list_model_packages(ModelPackageGroupName=GROUP)
    arn = next(
        summary["ModelPackageArn"]
        for summary in summaries["ModelPackageSummaryList"]
        if summary["ModelPackageVersion"] == version
    )
    return client.describe_model_package(ModelPackageName=arn)


def test_register_creates_missing_group(model_factory):
    registry = sagemaker_registry()

    registry.register(str(model_factory(1)), METRICS)

    client = boto3.client("sagemaker", region_name=REGION)
    group = client.describe_model_package_group(ModelPackageGroupName=GROUP)
    assert group["ModelPackageGroupName"] == GROUP


def test_register_uploads_archive_with_model_at_root(model_factory, tmp_path):
    registry = sagemaker_registry()

    package = registry.register(str(model_factory(1)), METRICS)

    assert package.model_uri == (
        f"s3://{BUCKET}/models/{GROUP}/{package.model_sha256}/model.tar.gz"
    )
    archive = tmp_path / "downloaded.tar.gz"
    key = package.model_uri.removeprefix(f"s3://{BUCKET}/")
    boto3.client("s3", region_name=REGION).download_file(BUCKET, key, str(archive))
    with tarfile.open(archive) as bundle:
        assert sorted(bundle.getnames()) == ["metadata.json", "model.ubj"]


def test_inference_specification_and_metrics(model_factory):
    registry = sagemaker_registry()
    evaluation = f"s3://{BUCKET}/evaluation/evaluation.json"

    package = registry.register(
        str(model_factory(1)), METRICS, evaluation_uri=evaluation
    )

    description = describe(package.version)
    container = description["InferenceSpecification"]["Containers"][0]
    assert container["Image"] == IMAGE_URI
    assert container["ModelDataUrl"] == package.model_uri
    statistics = description["ModelMetrics"]["ModelQuality"]["Statistics"]
    assert statistics["S3Uri"] == evaluation
    assert statistics["ContentType"] == "application/json"
    properties = description["CustomerMetadataProperties"]
    assert float(properties["metrics.roc_auc"]) == METRICS["roc_auc"]
    assert properties["model_sha256"] == package.model_sha256


def test_approval_description_is_the_reason(model_factory):
    registry = sagemaker_registry()
    registry.register(str(model_factory(1)), METRICS)

    registry.approve(1, "reviewed by the on-call engineer")

    description = describe(1)
    assert description["ModelApprovalStatus"] == "Approved"
    assert description["ApprovalDescription"] == "reviewed by the on-call engineer"


def test_register_from_s3_archive(model_factory):
    registry = sagemaker_registry()
    model_dir = model_factory(1)
    url = f"s3://{BUCKET}/external/model.tar.gz"
    upload_model_archive(model_dir, url, boto3.client("s3", region_name=REGION))

    package = registry.register(url, METRICS)

    assert package.model_uri == url
    assert package.approval_status is ApprovalStatus.PENDING


def test_corrupt_s3_archive_is_rejected(model_factory):
    registry = sagemaker_registry()
    model_dir = model_factory(1)
    (model_dir / "model.ubj").write_bytes(b"not a model")
    url = f"s3://{BUCKET}/external/model.tar.gz"
    upload_model_archive(model_dir, url, boto3.client("s3", region_name=REGION))

    with pytest.raises(RegistryError, match="failed verification"):
        registry.register(url, METRICS)


def test_missing_s3_archive_is_rejected():
    registry = sagemaker_registry()

    with pytest.raises(RegistryError, match=r"download of .* failed"):
        registry.register(f"s3://{BUCKET}/missing/model.tar.gz", METRICS)


def test_local_folder_needs_artifact_prefix(model_factory):
    registry = SageMakerModelRegistry(GROUP, region=REGION, image_uri=IMAGE_URI)

    with pytest.raises(RegistryError, match="artifact prefix"):
        registry.register(str(model_factory(1)), METRICS)


def test_local_evaluation_path_is_rejected(model_factory):
    registry = sagemaker_registry()

    with pytest.raises(RegistryError, match="not an s3:// URI"):
        registry.register(str(model_factory(1)), METRICS, evaluation_uri="eval.json")


def test_listing_follows_pagination(model_factory):
    registry = sagemaker_registry(page_size=2)
    model_dir = model_factory(1)
    for _ in range(5):
        registry.register(str(model_dir), METRICS)
    registry.approve(2)
    registry.approve(5)

    assert [package.version for package in registry.list_versions()] == [1, 2, 3, 4, 5]
    assert registry.latest_approved().version == 5
    assert registry.get(4).version == 4


def test_empty_group_lists_nothing():
    registry = SageMakerModelRegistry("never-created", region=REGION)

    assert registry.list_versions() == []
    assert registry.latest_approved() is None


def test_import_does_not_load_heavy_packages():
    script = (
        "import sys\n"
        "import satisfaction.registry.sagemaker\n"
        "import lambdas.deployer.handler\n"
        "heavy = {'pandas', 'sagemaker', 'xgboost', 'sklearn', 'boto3'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout

    assert output.strip() == "[]"
