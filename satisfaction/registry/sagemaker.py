"""The SageMaker Model Registry behind the ``ModelRegistry`` interface, with boto3.

Importing this module imports only the standard library: boto3 is imported
when the first client is created, and xgboost (to verify a model) and the
SageMaker SDK (to look up the default image) only inside ``register``. The
serving and deployer Lambdas call ``latest_approved`` and never load either.

Metrics are stored as CustomerMetadataProperties with the prefix ``metrics.``.
SageMaker keeps them across approval updates, but moto 5.2 erases them, so every
update sends them again; on SageMaker that rewrites the same values.
"""

from __future__ import annotations

import logging
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from satisfaction.registry.base import (
    ApprovalChange,
    ApprovalStatus,
    ModelPackage,
    ModelRegistry,
    RegistryError,
    VersionNotFoundError,
    check_sha256,
    status_change_needed,
    validate_metrics,
)

logger = logging.getLogger(__name__)

METRIC_PREFIX = "metrics."
SHA256_PROPERTY = "model_sha256"
ARCHIVE_NAME = "model.tar.gz"
# Built-in XGBoost image recorded in the InferenceSpecification. The API Lambda
# scores with its own xgboost; the image is what a SageMaker endpoint would use.
DEFAULT_XGBOOST_IMAGE_VERSION = "3.2-0"
MAX_DESCRIPTION_LENGTH = 1024
MISSING_GROUP_ERRORS = frozenset({"ValidationException", "ResourceNotFound"})


class SageMakerModelRegistry(ModelRegistry):
    """Model package group ``group`` in the SageMaker Model Registry.

    ``artifact_prefix`` (``s3://bucket/prefix``) is where ``register`` uploads
    a local model folder as ``model.tar.gz``. Without it, ``register`` accepts
    only an ``s3://`` URI of an existing archive.
    """

    def __init__(
        self,
        group: str,
        region: str | None = None,
        client: Any | None = None,
        *,
        image_uri: str | None = None,
        artifact_prefix: str | None = None,
        s3_client: Any | None = None,
        page_size: int = 100,
    ) -> None:
        self.group = group
        self.region = region
        self.image_uri = image_uri
        self.artifact_prefix = artifact_prefix
        self.page_size = page_size  # list_model_packages MaxResults, at most 100
        self._client = client
        self._s3_client = s3_client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("sagemaker", region_name=self.region)
        return self._client

    @property
    def s3_client(self) -> Any:
        if self._s3_client is None:
            import boto3

            self._s3_client = boto3.client("s3", region_name=self.region)
        return self._s3_client

    # Registration

    def register(
        self,
        model_uri: str,
        metrics: Mapping[str, float],
        approval_status: ApprovalStatus = ApprovalStatus.PENDING,
        description: str = "",
        evaluation_uri: str | None = None,
        expected_sha256: str | None = None,
    ) -> ModelPackage:
        metrics = validate_metrics(metrics)
        if evaluation_uri is not None and not evaluation_uri.startswith("s3://"):
            raise RegistryError(
                f"evaluation report {evaluation_uri!r} is not an s3:// URI; "
                "SageMaker needs the report in S3"
            )
        model_data_url, model_sha256 = self._verified_model_data_url(
            model_uri, expected_sha256
        )
        self._ensure_group()

        properties = {
            f"{METRIC_PREFIX}{name}": repr(value) for name, value in metrics.items()
        }
        properties[SHA256_PROPERTY] = model_sha256
        request: dict[str, Any] = {
            "ModelPackageGroupName": self.group,
            "ModelPackageDescription": description[:MAX_DESCRIPTION_LENGTH],
            "InferenceSpecification": {
                "Containers": [
                    {"Image": self._image_uri(), "ModelDataUrl": model_data_url}
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            "ModelApprovalStatus": approval_status.value,
            "CustomerMetadataProperties": properties,
        }
        if evaluation_uri is not None:
            request["ModelMetrics"] = {
                "ModelQuality": {
                    "Statistics": {
                        "ContentType": "application/json",
                        "S3Uri": evaluation_uri,
                    }
                }
            }
        arn = self._call("create_model_package", **request)["ModelPackageArn"]
        package = self._describe(arn)
        logger.info(
            "registered version %s of %s from %s as %s",
            package.version,
            self.group,
            model_data_url,
            approval_status.value,
        )
        return package

    def _verified_model_data_url(
        self, model_uri: str, expected_sha256: str | None
    ) -> tuple[str, str]:
        """Verify the model and return its archive's S3 URI and the model's SHA-256.

        A local folder is verified, packed and uploaded under ``artifact_prefix``.
        An ``s3://`` archive is downloaded and verified.
        """
        from satisfaction.artifact import ArtifactError, load_model
        from satisfaction.model_source import download_s3_artifact

        if model_uri.startswith("s3://"):
            with tempfile.TemporaryDirectory(prefix="register-") as scratch:
                try:
                    directory = download_s3_artifact(
                        model_uri, Path(scratch), self.region
                    )
                    loaded = load_model(directory)
                except ArtifactError as error:
                    raise RegistryError(
                        f"model in {model_uri} failed verification: {error}"
                    ) from None
                except _aws_errors() as error:
                    raise RegistryError(
                        f"download of {model_uri} failed: {error}"
                    ) from None
            check_sha256(model_uri, loaded.metadata.model_sha256, expected_sha256)
            return model_uri, loaded.metadata.model_sha256

        source = Path(model_uri)
        try:
            loaded = load_model(source)
        except ArtifactError as error:
            raise RegistryError(
                f"model in {source} failed verification: {error}"
            ) from None
        check_sha256(model_uri, loaded.metadata.model_sha256, expected_sha256)
        if not self.artifact_prefix:
            raise RegistryError(
                f"{source} is a local folder; give an s3:// URI of model.tar.gz, "
                "or set an artifact prefix (s3://bucket/prefix) to upload the folder"
            )
        sha256 = loaded.metadata.model_sha256
        url = f"{self.artifact_prefix.rstrip('/')}/{self.group}/{sha256}/{ARCHIVE_NAME}"
        upload_model_archive(source, url, self.s3_client)
        return url, sha256

    def _image_uri(self) -> str:
        if self.image_uri is None:
            from sagemaker.core import image_uris

            region = self.region or self.client.meta.region_name
            self.image_uri = image_uris.retrieve(
                "xgboost", region=region, version=DEFAULT_XGBOOST_IMAGE_VERSION
            )
        return self.image_uri

    def _ensure_group(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.describe_model_package_group(ModelPackageGroupName=self.group)
            return
        except ClientError as error:
            # SageMaker reports a missing group as a ValidationException.
            if error.response["Error"]["Code"] not in MISSING_GROUP_ERRORS:
                raise RegistryError(
                    f"describe_model_package_group failed: {error}"
                ) from None
        self._call(
            "create_model_package_group",
            ModelPackageGroupName=self.group,
            ModelPackageGroupDescription="Airline passenger satisfaction classifier",
        )
        logger.info("created model package group %s", self.group)

    # Queries

    def _summaries(
        self, approval_status: ApprovalStatus | None = None
    ) -> Iterator[dict]:
        request: dict[str, Any] = {"ModelPackageGroupName": self.group}
        if approval_status is not None:
            request["ModelApprovalStatus"] = approval_status.value
        from botocore.exceptions import BotoCoreError, ClientError

        paginator = self.client.get_paginator("list_model_packages")
        try:
            pages = paginator.paginate(
                **request, PaginationConfig={"PageSize": self.page_size}
            )
            for page in pages:
                yield from page["ModelPackageSummaryList"]
        except (BotoCoreError, ClientError) as error:
            if _is_missing_group(error):
                return
            raise RegistryError(
                f"list_model_packages for {self.group!r} failed: {error}"
            ) from None

    def list_versions(self) -> list[ModelPackage]:
        summaries = sorted(
            self._summaries(), key=lambda summary: summary["ModelPackageVersion"]
        )
        return [self._describe(summary["ModelPackageArn"]) for summary in summaries]

    def get(self, version: int) -> ModelPackage:
        return self._describe(self._arn_of(version))

    def _arn_of(self, version: int) -> str:
        for summary in self._summaries():
            if summary["ModelPackageVersion"] == version:
                return summary["ModelPackageArn"]
        raise VersionNotFoundError(
            f"version {version} not found in model package group {self.group!r}; "
            "run 'satisfaction registry list' to see the versions"
        )

    def latest_approved(self) -> ModelPackage | None:
        """Return the newest Approved version with one describe call."""
        approved = list(self._summaries(ApprovalStatus.APPROVED))
        if not approved:
            return None
        newest = max(approved, key=lambda summary: summary["ModelPackageVersion"])
        return self._describe(newest["ModelPackageArn"])

    def find_by_sha256(self, sha256: str) -> ModelPackage | None:
        """Describe versions newest first and stop at the first SHA-256 match.

        list_model_packages does not return CustomerMetadataProperties, so each
        candidate costs one describe_model_package call.
        """
        summaries = sorted(
            self._summaries(),
            key=lambda summary: summary["ModelPackageVersion"],
            reverse=True,
        )
        for summary in summaries:
            package = self._describe(summary["ModelPackageArn"])
            if package.model_sha256 == sha256:
                return package
        return None

    def _describe(self, arn: str) -> ModelPackage:
        return package_from_description(
            self._call("describe_model_package", ModelPackageName=arn)
        )

    # Approval

    def set_approval_status(
        self, version: int, status: ApprovalStatus, reason: str = ""
    ) -> ModelPackage:
        arn = self._arn_of(version)
        description = self._call("describe_model_package", ModelPackageName=arn)
        package = package_from_description(description)
        if not status_change_needed(version, package.approval_status, status):
            logger.info(
                "version %s of %s is already %s", version, self.group, status.value
            )
            return package

        request: dict[str, Any] = {
            "ModelPackageArn": arn,
            "ModelApprovalStatus": status.value,
            "ApprovalDescription": (reason or f"set to {status.value}")[
                :MAX_DESCRIPTION_LENGTH
            ],
        }
        properties = description.get("CustomerMetadataProperties")
        if properties:
            request["CustomerMetadataProperties"] = properties
        self._call("update_model_package", **request)
        logger.info(
            "version %s of %s changed from %s to %s",
            version,
            self.group,
            package.approval_status.value,
            status.value,
        )
        return self._describe(arn)

    def _call(self, operation: str, **request: Any) -> dict:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**request)
        except (BotoCoreError, ClientError) as error:
            raise RegistryError(f"SageMaker {operation} failed: {error}") from None


def _aws_errors() -> tuple[type[Exception], ...]:
    """Return the exception types boto3 raises for a failed call or transfer."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (Boto3Error, BotoCoreError, ClientError)


def _is_missing_group(error: Exception) -> bool:
    """Return whether ``error`` reports that the model package group does not exist."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    message = response.get("Error", {}).get("Message", "")
    return "does not exist" in message or "not found" in message.lower()


def package_from_description(description: Mapping[str, Any]) -> ModelPackage:
    """Build a ModelPackage from a ``describe_model_package`` response."""
    properties: dict[str, str] = dict(
        description.get("CustomerMetadataProperties") or {}
    )
    metrics = {
        name.removeprefix(METRIC_PREFIX): float(value)
        for name, value in properties.items()
        if name.startswith(METRIC_PREFIX)
    }
    containers = description.get("InferenceSpecification", {}).get("Containers", [])
    status = ApprovalStatus(
        description.get("ModelApprovalStatus", ApprovalStatus.PENDING.value)
    )
    created_at = _utc(description["CreationTime"])
    changed_at = _utc(
        description.get("LastModifiedTime") or description["CreationTime"]
    )
    change = ApprovalChange(
        status=status,
        changed_at=changed_at,
        changed_by=_user_name(
            description.get("LastModifiedBy") or description.get("CreatedBy")
        ),
        reason=description.get("ApprovalDescription", ""),
    )
    return ModelPackage(
        group=description["ModelPackageGroupName"],
        version=int(description["ModelPackageVersion"]),
        approval_status=status,
        model_uri=containers[0]["ModelDataUrl"] if containers else "",
        created_at=created_at,
        metrics=metrics,
        description=description.get("ModelPackageDescription", ""),
        arn=description["ModelPackageArn"],
        model_sha256=properties.get(SHA256_PROPERTY),
        history=(change,),
    )


def _utc(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _user_name(context: Mapping[str, Any] | None) -> str:
    """Return the user or IAM identity from a SageMaker UserContext."""
    if not context:
        return "unknown"
    identity = context.get("IamIdentity") or {}
    return context.get("UserProfileName") or identity.get("Arn") or "unknown"


def upload_model_archive(model_dir: Path, url: str, s3_client: Any) -> str:
    """Pack ``model_dir`` into ``model.tar.gz``, files at its root, and upload it.

    SageMaker and ``satisfaction.model_source`` unpack the archive into one folder,
    so model.ubj and metadata.json sit at the top level.
    """
    bucket, _, key = url.removeprefix("s3://").partition("/")
    if not url.startswith("s3://") or not bucket or not key:
        raise RegistryError(f"invalid S3 URI {url!r}, expected s3://bucket/key")
    with tempfile.TemporaryDirectory(prefix="archive-") as scratch:
        archive = Path(scratch) / ARCHIVE_NAME
        with tarfile.open(archive, "w:gz") as bundle:
            for path in sorted(model_dir.iterdir()):
                if path.is_file():
                    bundle.add(path, arcname=path.name)
        try:
            s3_client.upload_file(str(archive), bucket, key)
        except _aws_errors() as error:
            raise RegistryError(
                f"upload of {model_dir} to {url} failed: {error}"
            ) from None
    logger.info("uploaded %s to %s", model_dir, url)
    return url
