"""The one stack of a deployment, and the app that contains it.

One stack per stage keeps every reference inside CloudFormation (no exports
between stacks). The data buckets have a RETAIN removal policy, so deleting
the stack keeps the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import App, CfnOutput, Environment, Stack, Stage, Tags
from constructs import Construct

from infra.config import InfraSettings, load_settings
from infra.experiments import ExperimentTracking
from infra.lambda_code import REPOSITORY_ROOT, lambda_code
from infra.monitoring import AlarmTopic, Monitoring
from infra.nag import add_nag_checks
from infra.pipeline import TrainingPipeline
from infra.promotion import Promotion
from infra.serving import PredictionApi
from infra.storage import Storage


class SatisfactionStack(Stack):
    """Storage, pipeline, experiments, promotion, serving, monitoring of one stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: InfraSettings,
        **kwargs: Any,
    ):
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings

        self.storage = Storage(self, "Storage", settings)
        self.alarm_topic = AlarmTopic(self, "AlarmTopic", settings)

        self.experiments = None
        if settings.mlflow_tracking_server:
            self.experiments = ExperimentTracking(
                self, "Experiments", settings, self.storage
            )
        self.pipeline = TrainingPipeline(
            self,
            "TrainingPipeline",
            settings,
            self.storage,
            self.alarm_topic.topic,
            mlflow_tracking_server_arn=(
                self.experiments.tracking_server_arn if self.experiments else None
            ),
        )
        # One code asset for both Python functions (see infra/lambda_code.py).
        code = lambda_code(
            resolve_path(settings.api_bundle_dir),
            Path(Stage.of(self).outdir) / "staging" / "lambda",
        )
        self.serving = PredictionApi(
            self,
            "PredictionApi",
            settings,
            self.storage,
            code=code,
            model_package_group_name=settings.model_package_group,
        )
        self.promotion = Promotion(
            self,
            "Promotion",
            settings,
            code=code,
            api_function=self.serving.function,
            model_package_group_name=settings.model_package_group,
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            settings,
            api=self.serving.api,
            api_function=self.serving.function,
            api_log_group=self.serving.log_group,
            api_timeout=self.serving.timeout,
            deployer_function=self.promotion.function,
            topic=self.alarm_topic.topic,
        )
        self._add_outputs()

    def _add_outputs(self) -> None:
        outputs = {
            "ApiUrl": (self.serving.api.url, "Invoke URL of the API stage."),
            "RawDataBucketName": (
                self.storage.raw_data_bucket.bucket_name,
                f"Upload survey CSVs under {self.settings.raw_data_prefix} "
                "to start the pipeline; also the DVC remote.",
            ),
            "ArtifactsBucketName": (
                self.storage.artifacts_bucket.bucket_name,
                "Pipeline outputs, models and MLflow artifacts.",
            ),
            "CaptureBucketName": (
                self.storage.capture_bucket.bucket_name,
                "Captured predictions.",
            ),
            "PipelineName": (self.pipeline.pipeline_name, "SageMaker pipeline name."),
            "ModelPackageGroupName": (
                self.settings.model_package_group,
                "Model package group of the registered versions.",
            ),
            "ApiFunctionName": (
                self.serving.function.function_name,
                "Name of the API Lambda function.",
            ),
            "ServingModelParameterName": (
                self.promotion.serving_parameter.parameter_name,
                "SSM parameter with the model package the API serves.",
            ),
            "AlarmTopicArn": (self.alarm_topic.topic.topic_arn, "SNS topic of alarms."),
            "DashboardName": (
                self.monitoring.dashboard.dashboard_name,
                "CloudWatch dashboard of the service.",
            ),
        }
        if self.experiments:
            outputs["MlflowTrackingServerArn"] = (
                self.experiments.tracking_server_arn,
                "SageMaker MLflow tracking server ARN (the MLflow tracking URI).",
            )
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)


def resolve_path(path: str) -> Path:
    """Return ``path`` as is when absolute, else relative to the repository root."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else REPOSITORY_ROOT / candidate


def stack_name(settings: InfraSettings) -> str:
    """Return the stack name of a stage, such as ``AirlineSatisfaction-prod``."""
    return f"AirlineSatisfaction-{settings.stage_name}"


def build_app(app: App | None = None) -> tuple[App, SatisfactionStack]:
    """Create the configured stage's stack in ``app`` and add the cdk-nag checks."""
    app = app or App()
    settings = load_settings(app.node)
    stack = SatisfactionStack(
        app,
        stack_name(settings),
        settings,
        env=Environment(account=settings.account, region=settings.region),
        description="Airline passenger satisfaction: data, pipeline, registry, API.",
    )
    Tags.of(stack).add("project", settings.project_name)
    Tags.of(stack).add("stage", settings.stage_name)
    add_nag_checks(app)
    return app, stack
