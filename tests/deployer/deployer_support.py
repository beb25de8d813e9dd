"""Helpers of the deployer tests: the moto account and realistic events."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from lambdas.deployer.handler import Deployer

REGION = "us-east-1"
GROUP = "deployer-group"
FUNCTION = "satisfaction-api"
PARAMETER = "/satisfaction/serving-model"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.2-0"
# Variables the API function has before any deployment; the deployer keeps them.
BASE_ENVIRONMENT = {"SATISFACTION_REGISTRY_BACKEND": "sagemaker", "POWERTOOLS_LOG": "x"}


@dataclass
class Account:
    """Clients of the moto account and the deployer under test."""

    sagemaker: Any
    lambda_client: Any
    ssm: Any
    deployer: Deployer
    sleeps: list[float]
    counts: dict[str, int] = field(default_factory=dict)

    def add_version(self, group: str = GROUP) -> int:
        """Create a PendingManualApproval version, as the pipeline's ModelStep does."""
        expected = self.counts.get(group, 0) + 1
        arn = self.sagemaker.create_model_package(
            ModelPackageGroupName=group,
            InferenceSpecification={
                "Containers": [
                    {"Image": IMAGE, "ModelDataUrl": model_url(expected, group)}
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelApprovalStatus="PendingManualApproval",
        )["ModelPackageArn"]
        description = self.sagemaker.describe_model_package(ModelPackageName=arn)
        assert description["ModelPackageVersion"] == expected
        self.counts[group] = expected
        return expected

    def set_status(self, version: int, status: str, group: str = GROUP) -> None:
        """Change a version's status directly, as the console or the CLI would."""
        summaries = self.sagemaker.list_model_packages(ModelPackageGroupName=group)
        arn = next(
            summary["ModelPackageArn"]
            for summary in summaries["ModelPackageSummaryList"]
            if summary["ModelPackageVersion"] == version
        )
        self.sagemaker.update_model_package(
            ModelPackageArn=arn, ModelApprovalStatus=status
        )

    def environment(self) -> dict[str, str]:
        configuration = self.lambda_client.get_function_configuration(
            FunctionName=FUNCTION
        )
        return configuration.get("Environment", {}).get("Variables", {})

    def parameter(self) -> dict:
        value = self.ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"]
        return json.loads(value)


def model_url(version: int, group: str = GROUP) -> str:
    return f"s3://models/{group}/v{version}/model.tar.gz"


def lambda_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def state_change_event(
    version: int,
    status: str,
    group: str = GROUP,
    detail_type: str = "SageMaker Model Package State Change",
) -> dict:
    """Return an EventBridge event in the shape SageMaker sends."""
    arn = f"arn:aws:sagemaker:{REGION}:123456789012:model-package/{group}/{version}"
    return {
        "version": "0",
        "id": f"event-{group}-{version}-{status}",
        "detail-type": detail_type,
        "source": "aws.sagemaker",
        "account": "123456789012",
        "time": "2026-12-04T16:00:00Z",
        "region": REGION,
        "resources": [arn],
        "detail": {
            "ModelPackageGroupName": group,
            "ModelPackageVersion": version,
            "ModelPackageArn": arn,
            "ModelPackageName": group,
            "CreationTime": 1764864000000,
            "InferenceSpecification": {
                "Containers": [
                    {"Image": IMAGE, "ModelDataUrl": model_url(version, group)}
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            "ModelPackageStatus": "Completed",
            "ModelPackageStatusDetails": {
                "ValidationStatuses": [],
                "ImageScanStatuses": [],
            },
            "CertifyForMarketplace": False,
            "ModelApprovalStatus": status,
        },
    }
