"""Fixture of the deployer tests: registry, API function and parameter in moto."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from deployer_support import (
    BASE_ENVIRONMENT,
    FUNCTION,
    GROUP,
    PARAMETER,
    REGION,
    Account,
    lambda_zip,
)
from moto import mock_aws

from lambdas.deployer.handler import Deployer, DeployerConfig
from satisfaction.registry.sagemaker import SageMakerModelRegistry


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)

    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(
            RoleName="api-role",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        lambda_client = boto3.client("lambda", region_name=REGION)
        lambda_client.create_function(
            FunctionName=FUNCTION,
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": lambda_zip()},
            Environment={"Variables": dict(BASE_ENVIRONMENT)},
        )
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
        ssm = boto3.client("ssm", region_name=REGION)
        sleeps: list[float] = []
        deployer = Deployer(
            config=DeployerConfig(
                api_function_name=FUNCTION,
                serving_parameter_name=PARAMETER,
                model_package_group=GROUP,
            ),
            registry=SageMakerModelRegistry(GROUP, client=sagemaker),
            lambda_client=lambda_client,
            ssm_client=ssm,
            sleep=sleeps.append,
        )
        yield Account(sagemaker, lambda_client, ssm, deployer, sleeps)
