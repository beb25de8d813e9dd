"""S3 buckets: raw survey data, pipeline artifacts and models, captured predictions.

Every bucket is encrypted (SSE-S3), versioned, blocks public access and
rejects plain-HTTP requests. The data buckets write server access logs to a
separate log bucket.
The data buckets are retained when the stack is deleted.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import InfraSettings
from infra.nag import acknowledge

# Key prefixes inside the artifacts bucket. The pipeline writes under
# ``<pipeline name>/`` and its trained models under ``<pipeline name>/models/``
# (see ``InfraSettings.pipeline_name``). MLflow artifacts go under MLFLOW_PREFIX.
MLFLOW_PREFIX = "mlflow/"
# Key prefix of captured predictions in the capture bucket.
CAPTURE_PREFIX = "predictions/"


class Storage(Construct):
    """The buckets of one deployment and their lifecycle rules."""

    def __init__(self, scope: Construct, construct_id: str, settings: InfraSettings):
        super().__init__(scope, construct_id)

        self.access_logs_bucket = s3.Bucket(
            self,
            "AccessLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(365),
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
        )
        acknowledge(
            self.access_logs_bucket,
            "AwsSolutions-S1",
            "This bucket receives the server access logs of the other buckets; "
            "logging its own accesses into itself would loop.",
        )

        self.raw_data_bucket = self._data_bucket(
            "RawDataBucket",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="archive-old-raw-data",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=Duration.days(90),
                        )
                    ],
                    noncurrent_version_expiration=Duration.days(365),
                ),
                _abort_incomplete_uploads(),
            ],
        )
        # EventBridge notifications through the bucket's own CloudFormation
        # property, because Bucket(event_bridge_enabled=True) would add a
        # custom-resource Lambda with an AWS managed policy.
        raw_data_resource = self.raw_data_bucket.node.default_child
        raw_data_resource.add_property_override(
            "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled",
            True,
        )

        self.artifacts_bucket = self._data_bucket(
            "ArtifactsBucket",
            # Current objects never expire: registered model packages point at
            # the model artifacts and evaluation reports of every execution.
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-replaced-objects",
                    noncurrent_version_expiration=Duration.days(90),
                ),
                _abort_incomplete_uploads(),
            ],
        )
        # NOTE: nothing writes captured predictions yet, because the API reports
        # them only as EMF metrics. The bucket and its retention rules are ready for it.
        self.capture_bucket = self._data_bucket(
            "CaptureBucket",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-captured-predictions",
                    prefix=CAPTURE_PREFIX,
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=Duration.days(30),
                        )
                    ],
                    expiration=Duration.days(400),
                    noncurrent_version_expiration=Duration.days(30),
                ),
                _abort_incomplete_uploads(),
            ],
        )

    def _data_bucket(
        self,
        construct_id: str,
        lifecycle_rules: list[s3.LifecycleRule],
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix=f"{construct_id}/",
            lifecycle_rules=lifecycle_rules,
            removal_policy=RemovalPolicy.RETAIN,
        )


def _abort_incomplete_uploads() -> s3.LifecycleRule:
    return s3.LifecycleRule(
        id="abort-incomplete-uploads",
        abort_incomplete_multipart_upload_after=Duration.days(7),
    )
