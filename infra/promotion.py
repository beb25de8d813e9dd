"""Promotion: an approval in the model registry rolls the model out to the API.

An EventBridge rule on "SageMaker Model Package State Change" events of the
model package group, with approval status Approved or Rejected, invokes the
deployer Lambda (``lambdas/deployer/handler.py``). The deployer records the
serving model in an SSM parameter and updates the API function's
configuration, so new containers load the new version.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra.config import InfraSettings, log_retention
from infra.nag import acknowledge, resource_finding
from infra.policies import model_package_arns, read_model_packages
from infra.serving import LAMBDA_RUNTIME_REASON

DEPLOYER_HANDLER = "lambdas.deployer.handler.handler"

MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"
PROMOTED_STATUSES = ("Approved", "Rejected")


class Promotion(Construct):
    """The serving-model parameter, the deployer Lambda and its EventBridge rule."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: InfraSettings,
        code: lambda_.Code,
        api_function: lambda_.IFunction,
        model_package_group_name: str,
    ):
        super().__init__(scope, construct_id)

        self.serving_parameter = ssm.StringParameter(
            self,
            "ServingModelParameter",
            parameter_name=f"/{settings.project_name}/{settings.stage_name}/serving-model",
            description=(
                "Model package the API serves, written by the deployer Lambda. "
                "'none' until the first approval."
            ),
            string_value="none",
        )

        log_group = logs.LogGroup(
            self,
            "DeployerLogGroup",
            retention=log_retention(settings.log_retention_days),
        )
        role = iam.Role(
            self,
            "DeployerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Reads approved model packages; updates the API function.",
        )
        log_group.grant_write(role)

        self.function = lambda_.Function(
            self,
            "DeployerFunction",
            description="Rolls an approved model version out to the prediction API.",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=DEPLOYER_HANDLER,
            code=code,
            memory_size=256,
            timeout=Duration.seconds(60),
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
            # One rollout at a time: two approvals in a row must not race on the
            # API function's configuration.
            reserved_concurrent_executions=1,
            environment={
                "API_FUNCTION_NAME": api_function.function_name,
                "SERVING_PARAMETER_NAME": self.serving_parameter.parameter_name,
                "MODEL_PACKAGE_GROUP": model_package_group_name,
                "SATISFACTION_LOG_FORMAT": "json",
            },
        )

        for statement in read_model_packages(self, model_package_group_name):
            role.add_to_policy(statement)
        role.add_to_policy(
            iam.PolicyStatement(
                sid="UpdateApiFunction",
                actions=[
                    "lambda:GetFunctionConfiguration",
                    "lambda:UpdateFunctionConfiguration",
                ],
                resources=[api_function.function_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="RecordServingModel",
                actions=["ssm:GetParameter", "ssm:PutParameter"],
                resources=[self.serving_parameter.parameter_arn],
            )
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5",
            "ListModelPackages supports no resource-level permissions; model "
            "package versions get their ARN suffix at registration, so the "
            "read-only Describe grant ends in '/*' inside the one model package "
            "group; X-Ray PutTraceSegments and PutTelemetryRecords support "
            "no resource-level permissions.",
            applies_to=[
                resource_finding(
                    self, model_package_arns(self, model_package_group_name)
                ),
                "Resource::*",
            ],
        )
        acknowledge(self.function, "AwsSolutions-L1", LAMBDA_RUNTIME_REASON)

        self.rule = events.Rule(
            self,
            "ApprovalRule",
            description=(
                f"Invoke the deployer when a version in {model_package_group_name} "
                "is approved or rejected."
            ),
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=[MODEL_PACKAGE_STATE_CHANGE],
                detail={
                    "ModelPackageGroupName": [model_package_group_name],
                    "ModelApprovalStatus": list(PROMOTED_STATUSES),
                },
            ),
            targets=[
                targets.LambdaFunction(
                    self.function, retry_attempts=2, max_event_age=Duration.hours(1)
                )
            ],
        )
