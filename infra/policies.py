"""IAM statements that more than one role needs."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import IConstruct


def model_package_group_arn(scope: IConstruct, group_name: str) -> str:
    """Return the ARN of a model package group (SageMaker lowercases names in ARNs)."""
    return Stack.of(scope).format_arn(
        service="sagemaker",
        resource="model-package-group",
        resource_name=group_name.lower(),
    )


def model_package_arns(scope: IConstruct, group_name: str) -> str:
    """Return the ARN pattern of every version in a model package group."""
    return Stack.of(scope).format_arn(
        service="sagemaker",
        resource="model-package",
        resource_name=f"{group_name.lower()}/*",
    )


def read_model_packages(
    scope: IConstruct, group_name: str
) -> list[iam.PolicyStatement]:
    """Return statements to find and describe the versions of one model package group.

    ``sagemaker:ListModelPackages`` supports no resource-level permissions, so
    it is granted on ``*``. It returns only version summaries (ARN, status).
    The Describe calls, which return the artifact location, stay on the one group.
    """
    return [
        iam.PolicyStatement(
            sid="ListModelPackages",
            actions=["sagemaker:ListModelPackages"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="DescribeModelPackages",
            actions=[
                "sagemaker:DescribeModelPackage",
                "sagemaker:DescribeModelPackageGroup",
            ],
            resources=[
                model_package_group_arn(scope, group_name),
                model_package_arns(scope, group_name),
            ],
        ),
    ]


def s3_prefix_access(
    bucket: s3.IBucket, prefix: str, write: bool = False, delete: bool = False
) -> list[iam.PolicyStatement]:
    """Return statements to read objects under ``prefix``, and to write or delete them.

    Listing is limited to the prefix by the ``s3:prefix`` condition. Explicit
    actions replace CDK's ``grant_read_write``, which adds ``s3:List*``,
    ``s3:GetBucket*`` and ``s3:DeleteObject*`` wildcards.
    """
    object_actions = ["s3:GetObject"]
    if write:
        object_actions += ["s3:PutObject", "s3:AbortMultipartUpload"]
    if delete:
        object_actions.append("s3:DeleteObject")
    return [
        iam.PolicyStatement(
            actions=object_actions,
            resources=[bucket.arn_for_objects(f"{prefix}*")],
        ),
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        ),
        iam.PolicyStatement(
            actions=["s3:GetBucketLocation"],
            resources=[bucket.bucket_arn],
        ),
    ]
