"""Resolution of the model that predictions use: a folder, S3 or the registry.

The order is: ``SATISFACTION_MODEL_URI`` if set (a local folder, or an
``s3://`` URI of a ``model.tar.gz``), else the latest Approved version in the
configured registry. boto3 is imported only for ``s3://`` URIs; the Lambda
runtime provides it.
"""

from __future__ import annotations

import logging
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from satisfaction.artifact import ArtifactError, LoadedModel, load_model
from satisfaction.config import Settings, get_settings

logger = logging.getLogger(__name__)


class NoApprovedModelError(Exception):
    """The registry has no Approved model version yet."""


@dataclass(frozen=True)
class ServingModel:
    """A loaded model with the registry facts the API reports."""

    model: LoadedModel
    version: str
    approval_status: str
    source: str


def download_s3_artifact(
    uri: str, destination: Path, region: str | None = None
) -> Path:
    """Download and unpack ``s3://bucket/key/model.tar.gz`` into ``destination``."""
    import boto3

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not bucket or not key:
        raise ArtifactError(
            f"invalid S3 model URI {uri!r}, expected s3://bucket/key/model.tar.gz"
        )
    destination.mkdir(parents=True, exist_ok=True)
    archive = destination / "model.tar.gz"
    boto3.client("s3", region_name=region).download_file(bucket, key, str(archive))
    extract_archive(archive, destination)
    return destination


def extract_archive(archive: Path, destination: Path) -> None:
    """Unpack a model archive, rejecting members that resolve outside it."""
    try:
        with tarfile.open(archive) as bundle:
            bundle.extractall(destination, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise ArtifactError(
            f"model archive {archive} cannot be unpacked: {error}"
        ) from None


def _artifact_directory(uri: str, region: str | None) -> Path:
    if uri.startswith("s3://"):
        return download_s3_artifact(
            uri, Path(tempfile.mkdtemp(prefix="model-")), region
        )
    return Path(uri)


def resolve_model(settings: Settings | None = None) -> ServingModel:
    """Load the model that the settings select and verify its checksum.

    Raises NoApprovedModelError when the registry has no Approved version and
    ArtifactError when the artifact is missing, corrupt or mismatched.
    """
    settings = settings or get_settings()
    uri = settings.model_uri
    if uri:
        model = load_model(_artifact_directory(uri, settings.aws_region))
        version = settings.model_version or "unversioned"
        # NOTE: the deployer sets model_uri only for Approved versions, so the
        # status is reported as Approved without a registry call. A folder set
        # by hand gets the same status unchecked.
        logger.info("loaded model version %s from %s", version, uri)
        return ServingModel(model, version, "Approved", uri)

    from satisfaction.registry import open_registry

    registry = open_registry(settings)
    package = registry.latest_approved()
    if package is None:
        raise NoApprovedModelError(
            f"no Approved model version in model package group {registry.group!r}; "
            "run the pipeline and approve a version with "
            "'satisfaction registry approve VERSION'"
        )
    model = load_model(_artifact_directory(package.model_uri, settings.aws_region))
    logger.info("loaded model version %s from %s", package.version, package.model_uri)
    return ServingModel(
        model, str(package.version), package.approval_status.value, package.model_uri
    )
