"""SageMaker managed MLflow tracking server for the training runs.

On by default; context ``mlflowTrackingServer=false`` leaves it out (a tracking
server is billed per hour while it runs). Its ARN is passed to the training
step, so the MLflow client in the job logs runs that SageMaker Studio shows.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from infra.config import InfraSettings
from infra.nag import acknowledge, resource_finding
from infra.policies import s3_prefix_access
from infra.storage import MLFLOW_PREFIX, Storage


class ExperimentTracking(Construct):
    """The MLflow tracking server and the role it uses for its artifact store."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: InfraSettings,
        storage: Storage,
    ):
        super().__init__(scope, construct_id)
        self.tracking_server_name = f"{settings.resource_prefix}-mlflow"

        self.role = iam.Role(
            self,
            "TrackingServerRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="Lets the MLflow tracking server use its S3 artifact store.",
        )
        for statement in s3_prefix_access(
            storage.artifacts_bucket, MLFLOW_PREFIX, write=True, delete=True
        ):
            self.role.add_to_policy(statement)
        acknowledge(
            self.role,
            "AwsSolutions-IAM5",
            "The tracking server reads, writes and deletes objects under the MLflow "
            "prefix of the artifacts bucket only; MLflow names them at run time.",
            applies_to=[
                resource_finding(
                    self, storage.artifacts_bucket.arn_for_objects(f"{MLFLOW_PREFIX}*")
                )
            ],
        )

        self.tracking_server = sagemaker.CfnMlflowTrackingServer(
            self,
            "TrackingServer",
            tracking_server_name=self.tracking_server_name,
            artifact_store_uri=(
                f"s3://{storage.artifacts_bucket.bucket_name}/{MLFLOW_PREFIX.rstrip('/')}"
            ),
            role_arn=self.role.role_arn,
            tracking_server_size=settings.mlflow_tracking_server_size,
            # The pipeline's Register step registers versions, not MLflow.
            automatic_model_registration=False,
        )
        self.tracking_server.node.add_dependency(self.role)
        self.tracking_server_arn = self.tracking_server.attr_tracking_server_arn
