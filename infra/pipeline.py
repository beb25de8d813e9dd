"""The SageMaker pipeline, its execution role, model package group and triggers.

The pipeline definition JSON comes from ``infra.pipeline_definition`` and is
embedded in an ``AWS::SageMaker::Pipeline``. The step code reaches S3 as a
reproducible ``sourcedir.tar.gz`` file asset whose key is its SHA-256.

Triggers: a new object under the raw-data prefix starts an execution
(EventBridge rule on the bucket's "Object Created" events), and a failed
execution publishes to the alarm topic.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from aws_cdk import ArnFormat, RemovalPolicy, Stack, Stage
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.config import InfraSettings
from infra.nag import acknowledge, resource_finding
from infra.pipeline_definition import INPUT_DATA_URI, build_pipeline_definition
from infra.policies import model_package_arns, model_package_group_arn, s3_prefix_access
from infra.source_archive import build_source_archive
from infra.storage import MLFLOW_PREFIX, Storage

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent

# Image URIs, e.g. 141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.2-0
ECR_IMAGE_PATTERN = re.compile(
    r"(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([a-z0-9._/-]+)[:@]"
)
# Suffixes of the survey files that start the pipeline (processing reads both).
RAW_DATA_SUFFIXES = (".csv", ".csv.gz")
PIPELINE_EXECUTION_STATUS_CHANGE = (
    "SageMaker Model Building Pipeline Execution Status Change"
)


class TrainingPipeline(Construct):
    """Model package group, pipeline, execution role and the two EventBridge rules."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: InfraSettings,
        storage: Storage,
        alarm_topic: sns.ITopic,
        mlflow_tracking_server_arn: str | None,
    ):
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.pipeline_name = settings.pipeline_name

        self.model_package_group = sagemaker.CfnModelPackageGroup(
            self,
            "ModelPackageGroup",
            model_package_group_name=settings.model_package_group,
            model_package_group_description=(
                "Airline passenger satisfaction classifier (XGBoost), "
                "registered by the training pipeline."
            ),
        )
        # Versions and their approval history outlive the stack. CloudFormation
        # could not delete a group that still has versions anyway.
        self.model_package_group.apply_removal_policy(RemovalPolicy.RETAIN)
        self.model_package_group_arn = model_package_group_arn(
            self, settings.model_package_group
        )
        self.pipeline_arn = stack.format_arn(
            service="sagemaker", resource="pipeline", resource_name=self.pipeline_name
        )

        # Written into the app's output folder, so concurrent synths never share it.
        staging_dir = Path(Stage.of(self).outdir) / "staging" / "pipeline-source"
        archive = build_source_archive(REPOSITORY_ROOT, staging_dir)
        self.source_asset = s3_assets.Asset(self, "StepSource", path=str(archive))

        self.role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="Runs the training pipeline and its jobs.",
        )
        self._grant_execution_permissions(settings, storage, mlflow_tracking_server_arn)

        definition = _build_definition(
            settings=settings,
            storage=storage,
            role_arn=self.role.role_arn,
            code_s3_uri=self.source_asset.s3_object_url,
            mlflow_tracking_server_arn=mlflow_tracking_server_arn,
        )
        self._grant_image_pull(definition)
        self.pipeline = sagemaker.CfnPipeline(
            self,
            "Pipeline",
            pipeline_name=self.pipeline_name,
            pipeline_display_name=self.pipeline_name,
            pipeline_description="Process, train, evaluate and register the model.",
            role_arn=self.role.role_arn,
            pipeline_definition={"PipelineDefinitionBody": definition},
        )
        self.pipeline.node.add_dependency(self.role)
        self.pipeline.node.add_dependency(self.model_package_group)

        self._add_raw_data_trigger(settings, storage)
        self._add_failure_alert(alarm_topic)

    def _grant_execution_permissions(
        self,
        settings: InfraSettings,
        storage: Storage,
        mlflow_tracking_server_arn: str | None,
    ) -> None:
        stack = Stack.of(self)
        job_arns = [
            stack.format_arn(service="sagemaker", resource=kind, resource_name="*")
            for kind in ("processing-job", "training-job")
        ]
        log_group_arns = [
            stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name=f"/aws/sagemaker/{kind}:*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for kind in ("ProcessingJobs", "TrainingJobs")
        ]
        statements = [
            iam.PolicyStatement(
                sid="RunPipelineJobs",
                actions=[
                    "sagemaker:CreateProcessingJob",
                    "sagemaker:DescribeProcessingJob",
                    "sagemaker:StopProcessingJob",
                    "sagemaker:CreateTrainingJob",
                    "sagemaker:DescribeTrainingJob",
                    "sagemaker:StopTrainingJob",
                    "sagemaker:AddTags",
                ],
                resources=job_arns,
            ),
            iam.PolicyStatement(
                sid="RegisterModelVersions",
                actions=[
                    "sagemaker:CreateModelPackage",
                    "sagemaker:DescribeModelPackage",
                    "sagemaker:DescribeModelPackageGroup",
                    "sagemaker:AddTags",
                ],
                resources=[
                    self.model_package_group_arn,
                    model_package_arns(self, settings.model_package_group),
                ],
            ),
            iam.PolicyStatement(
                sid="PassOwnRoleToJobs",
                actions=["iam:PassRole"],
                resources=[self.role.role_arn],
                conditions={
                    "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
                },
            ),
            iam.PolicyStatement(
                sid="WriteJobLogs",
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                resources=log_group_arns,
            ),
            # PutMetricData has no resource-level permissions, so the namespace
            # condition keeps it to the job metrics SageMaker publishes.
            iam.PolicyStatement(
                sid="PublishJobMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
            ),
        ]
        for statement in statements:
            self.role.add_to_policy(statement)

        grants = [
            *s3_prefix_access(storage.raw_data_bucket, settings.raw_data_prefix),
            *s3_prefix_access(
                storage.artifacts_bucket, f"{self.pipeline_name}/", write=True
            ),
            *self._source_archive_access(),
        ]
        if mlflow_tracking_server_arn:
            grants += s3_prefix_access(
                storage.artifacts_bucket, MLFLOW_PREFIX, write=True
            )
            grants.append(
                iam.PolicyStatement(
                    sid="LogTrainingRunsToMlflow",
                    actions=["sagemaker-mlflow:*"],
                    resources=[mlflow_tracking_server_arn],
                )
            )
        for statement in grants:
            self.role.add_to_policy(statement)

        wildcard_resources = [
            *job_arns,
            model_package_arns(self, settings.model_package_group),
            *log_group_arns,
            "*",
            storage.raw_data_bucket.arn_for_objects(f"{settings.raw_data_prefix}*"),
            storage.artifacts_bucket.arn_for_objects(f"{self.pipeline_name}/*"),
        ]
        findings = [resource_finding(self, arn) for arn in wildcard_resources]
        if mlflow_tracking_server_arn:
            findings.append(
                resource_finding(
                    self, storage.artifacts_bucket.arn_for_objects(f"{MLFLOW_PREFIX}*")
                )
            )
            findings.append("Action::sagemaker-mlflow:*")
        acknowledge(
            self.role,
            "AwsSolutions-IAM5",
            "SageMaker names pipeline jobs and model package versions at run time, "
            "so their ARNs end in '*' within this account and region. Object grants "
            "are limited to the pipeline's key prefixes and log grants to the "
            "SageMaker job log groups. PutMetricData supports no resource-level "
            "permissions and is limited by a namespace condition, and "
            "ecr:GetAuthorizationToken supports none either. MLflow tracking "
            "needs the sagemaker-mlflow actions on the one tracking server, because "
            "the MLflow client calls many of them.",
            applies_to=findings,
        )

    def _grant_image_pull(self, definition: str) -> None:
        """Allow pulling the ECR repositories of the job images in ``definition``."""
        partition = Stack.of(self).partition
        repositories = sorted(
            {
                f"arn:{partition}:ecr:{region}:{account}:repository/{name}"
                for account, region, name in ECR_IMAGE_PATTERN.findall(definition)
            }
        )
        if not repositories:
            return
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="PullJobImages",
                actions=[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                resources=repositories,
            )
        )
        # GetAuthorizationToken supports no resource-level permissions.
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="AuthenticateToEcr",
                actions=["ecr:GetAuthorizationToken"],
                resources=["*"],
            )
        )

    def _source_archive_access(self) -> list[iam.PolicyStatement]:
        """Return read access to the source archive object in the CDK assets bucket."""
        assets_bucket = s3.Bucket.from_bucket_name(
            self, "AssetsBucket", self.source_asset.s3_bucket_name
        )
        key = self.source_asset.s3_object_key
        return [
            iam.PolicyStatement(
                sid="ReadStepSource",
                actions=["s3:GetObject"],
                resources=[assets_bucket.arn_for_objects(key)],
            ),
            iam.PolicyStatement(
                sid="ListStepSource",
                actions=["s3:ListBucket"],
                resources=[assets_bucket.bucket_arn],
                conditions={"StringEquals": {"s3:prefix": [key]}},
            ),
        ]

    def _add_raw_data_trigger(self, settings: InfraSettings, storage: Storage) -> None:
        """Start an execution when an object lands under the raw-data prefix."""
        trigger_role = iam.Role(
            self,
            "TriggerRole",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description="Lets EventBridge start the training pipeline.",
        )
        trigger_role.add_to_policy(
            iam.PolicyStatement(
                actions=["sagemaker:StartPipelineExecution"],
                resources=[self.pipeline_arn],
            )
        )
        # aws-cdk-lib has no L2 EventBridge target for SageMaker pipelines, so
        # the rule is a CfnRule with SageMakerPipelineParameters.
        self.raw_data_rule = events.CfnRule(
            self,
            "RawDataRule",
            description=(
                f"Start {self.pipeline_name} when a file lands under "
                f"{settings.raw_data_prefix} in the raw data bucket."
            ),
            event_pattern={
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {
                    "bucket": {"name": [storage.raw_data_bucket.bucket_name]},
                    "object": {
                        "key": [
                            {"wildcard": f"{settings.raw_data_prefix}*{suffix}"}
                            for suffix in RAW_DATA_SUFFIXES
                        ]
                    },
                },
            },
            state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(
                    id="StartPipeline",
                    arn=self.pipeline_arn,
                    role_arn=trigger_role.role_arn,
                    sage_maker_pipeline_parameters=events.CfnRule.SageMakerPipelineParametersProperty(
                        pipeline_parameter_list=[
                            events.CfnRule.SageMakerPipelineParameterProperty(
                                name=INPUT_DATA_URI,
                                value=raw_data_uri(settings, storage),
                            )
                        ]
                    ),
                    retry_policy=events.CfnRule.RetryPolicyProperty(
                        maximum_event_age_in_seconds=3600, maximum_retry_attempts=3
                    ),
                )
            ],
        )
        self.raw_data_rule.node.add_dependency(self.pipeline)

    def _add_failure_alert(self, alarm_topic: sns.ITopic) -> None:
        execution_arn = events.EventField.from_path("$.detail.pipelineExecutionArn")
        self.failure_rule = events.Rule(
            self,
            "FailedExecutionRule",
            description=f"Alert when an execution of {self.pipeline_name} fails.",
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=[PIPELINE_EXECUTION_STATUS_CHANGE],
                detail={
                    "pipelineArn": [self.pipeline_arn],
                    "currentPipelineExecutionStatus": ["Failed"],
                },
            ),
            targets=[
                targets.SnsTopic(
                    alarm_topic,
                    message=events.RuleTargetInput.from_text(
                        f"Pipeline {self.pipeline_name} execution {execution_arn} "
                        "failed. List its steps and their failure reasons with: "
                        "aws sagemaker list-pipeline-execution-steps "
                        "--pipeline-execution-arn followed by that ARN."
                    ),
                )
            ],
        )


def raw_data_uri(settings: InfraSettings, storage: Storage) -> str:
    """Return the S3 prefix the pipeline reads. It must contain exactly one CSV file."""
    return f"s3://{storage.raw_data_bucket.bucket_name}/{settings.raw_data_prefix}"


def _build_definition(
    settings: InfraSettings,
    storage: Storage,
    role_arn: str,
    code_s3_uri: str,
    mlflow_tracking_server_arn: str | None,
) -> str:
    """Return the pipeline definition JSON, reading its input from the raw bucket.

    ``build_pipeline_definition`` defaults the input parameter to a key in the
    artifacts bucket. Here its default becomes the raw-data prefix, so an
    execution without parameters reads the uploaded file, whether the upload
    trigger, the console or the CLI started it.
    """
    definition = json.loads(
        build_pipeline_definition(
            role_arn=role_arn,
            region=settings.region,
            artifacts_bucket=storage.artifacts_bucket.bucket_name,
            code_uri=code_s3_uri,
            model_package_group=settings.model_package_group,
            mlflow_tracking_arn=mlflow_tracking_server_arn,
            pipeline_name=settings.pipeline_name,
        )
    )
    parameters = {item["Name"]: item for item in definition.get("Parameters", [])}
    if INPUT_DATA_URI not in parameters:
        raise KeyError(
            f"pipeline definition has no {INPUT_DATA_URI!r} parameter, "
            f"found {sorted(parameters)}"
        )
    parameters[INPUT_DATA_URI]["DefaultValue"] = raw_data_uri(settings, storage)
    return json.dumps(definition, sort_keys=True, separators=(",", ":"))
