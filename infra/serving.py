"""The prediction API: a Python 3.12 arm64 Lambda behind an API Gateway REST API.

REST (payload 1.0) rather than HTTP API because the stage needs X-Ray tracing,
and API keys and usage plans stay available. Requests are IAM-authorized, so
callers sign them with SigV4. API Gateway accepts bodies up to 10 MB, but
Lambda rejects synchronous payloads above 6 MB, and the app enforces the same
6 MB limit (``lambdas.api.limits.MAX_REQUEST_BYTES``).
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import InfraSettings, log_retention
from infra.nag import acknowledge, resource_finding
from infra.policies import model_package_arns, read_model_packages, s3_prefix_access
from infra.storage import Storage

API_HANDLER = "lambdas.api.handler.handler"
LAMBDA_RUNTIME_REASON = (
    "Python 3.12 is the version the API bundle's wheels and .pyc files are built "
    "for (lambdas/api/bundle.py); move both together to a newer runtime."
)


class PredictionApi(Construct):
    """API Lambda, its role and log group, and the REST API with one stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: InfraSettings,
        storage: Storage,
        code: lambda_.Code,
        model_package_group_name: str,
    ):
        super().__init__(scope, construct_id)
        self.timeout = Duration.seconds(settings.api_timeout_seconds)

        self.log_group = logs.LogGroup(
            self,
            "FunctionLogGroup",
            retention=log_retention(settings.log_retention_days),
        )
        self.role = iam.Role(
            self,
            "FunctionRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Runs the prediction API: reads approved model versions.",
        )
        self.log_group.grant_write(self.role)

        self.function = lambda_.Function(
            self,
            "Function",
            description="Airline passenger satisfaction API (FastAPI, Mangum).",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=API_HANDLER,
            code=code,
            memory_size=settings.api_memory_mb,
            timeout=self.timeout,
            role=self.role,
            log_group=self.log_group,
            # JSON system logs put the cold start's initDurationMs into a field
            # that a metric filter can read (see monitoring.py).
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            reserved_concurrent_executions=settings.api_reserved_concurrency,
            environment={
                "SATISFACTION_REGISTRY_BACKEND": "sagemaker",
                "SATISFACTION_MODEL_PACKAGE_GROUP": model_package_group_name,
                "SATISFACTION_API_STAGE": settings.stage_name,
                "SATISFACTION_LOG_FORMAT": "json",
            },
        )
        self._grant_model_access(storage, settings, model_package_group_name)

        self.access_log_group = logs.LogGroup(
            self, "AccessLogGroup", retention=log_retention(settings.log_retention_days)
        )
        execution_logging = _ApiGatewayLoggingRole(self, "ExecutionLogging")
        self.api = apigateway.LambdaRestApi(
            self,
            "RestApi",
            rest_api_name=f"{settings.resource_prefix}-api",
            description="Predicts airline passenger satisfaction from survey answers.",
            handler=self.function,
            proxy=True,
            cloud_watch_role=False,
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            default_method_options=apigateway.MethodOptions(
                authorization_type=apigateway.AuthorizationType.IAM
            ),
            deploy_options=apigateway.StageOptions(
                stage_name=settings.stage_name,
                throttling_rate_limit=settings.api_throttle_rate_limit,
                throttling_burst_limit=settings.api_throttle_burst_limit,
                access_log_destination=apigateway.LogGroupLogDestination(
                    self.access_log_group
                ),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
            ),
        )
        self.api.deployment_stage.node.add_dependency(execution_logging.account)
        self.stage = self.api.deployment_stage

        self._acknowledge_findings(settings)

    def _grant_model_access(
        self,
        storage: Storage,
        settings: InfraSettings,
        group_name: str,
    ) -> None:
        # The training step writes model.tar.gz under <pipeline name>/models/.
        models_prefix = f"{settings.pipeline_name}/models/"
        statements = [
            *s3_prefix_access(storage.artifacts_bucket, models_prefix),
            *read_model_packages(self, group_name),
        ]
        for statement in statements:
            self.role.add_to_policy(statement)
        self._wildcard_findings = [
            resource_finding(
                self, storage.artifacts_bucket.arn_for_objects(f"{models_prefix}*")
            ),
            resource_finding(self, model_package_arns(self, group_name)),
            "Resource::*",
        ]

    def _acknowledge_findings(self, settings: InfraSettings) -> None:
        acknowledge(
            self.role,
            "AwsSolutions-IAM5",
            "Read-only grants: model artifacts under the <pipeline>/models/ prefix "
            "of the artifacts bucket and the versions of one model package group, "
            "whose names are created at run time; ListModelPackages supports no "
            "resource-level permissions; X-Ray trace writes support no "
            "resource-level permissions.",
            applies_to=self._wildcard_findings,
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            LAMBDA_RUNTIME_REASON,
        )
        acknowledge(
            self.api,
            "AwsSolutions-APIG2",
            "The app validates every request body with pydantic and answers 422 "
            "with the field errors; an API Gateway model would duplicate the "
            "schema and drift from it.",
        )
        acknowledge(
            self.api,
            "AwsSolutions-APIG3",
            "Callers are IAM principals that sign with SigV4 and the stage is "
            "throttled; add a WAF web ACL if the API is ever opened to anonymous "
            "callers.",
        )
        acknowledge(
            self.api,
            "AwsSolutions-COG4",
            "The API uses IAM authorization (SigV4) instead of a Cognito user "
            "pool: its callers are services and engineers with AWS credentials.",
        )


class _ApiGatewayLoggingRole(Construct):
    """Account-level role that lets API Gateway write stage execution logs.

    API Gateway needs this once per account and region before a stage can log
    errors. It is defined here with an inline policy instead of CDK's default
    role, which attaches the AWS managed AmazonAPIGatewayPushToCloudWatchLogs
    policy.
    """

    def __init__(self, scope: Construct, construct_id: str):
        super().__init__(scope, construct_id)
        log_groups = Stack.of(self).format_arn(
            service="logs",
            resource="log-group",
            resource_name="API-Gateway-Execution-Logs_*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="Lets API Gateway write execution logs of REST API stages.",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogGroups",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                    "logs:GetLogEvents",
                    "logs:FilterLogEvents",
                ],
                resources=[log_groups],
            )
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5",
            "API Gateway names its execution log groups "
            "API-Gateway-Execution-Logs_<api id>/<stage> at run time; the grant is "
            "limited to that name prefix.",
            applies_to=[resource_finding(self, log_groups)],
        )
        self.account = apigateway.CfnAccount(
            self, "Account", cloud_watch_role_arn=self.role.role_arn
        )
        self.account.node.add_dependency(self.role)
