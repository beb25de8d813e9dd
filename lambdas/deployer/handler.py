"""Point the API Lambda at the newest Approved model version.

EventBridge invokes ``handler`` with "SageMaker Model Package State Change"
events. The event is only a trigger: the deployer reads the newest Approved
version from the registry (``SageMakerModelRegistry.latest_approved``, the rule
the local registry and the API use too) and makes the API function serve it:

- its environment gets ``SATISFACTION_MODEL_URI`` (the version's ModelDataUrl)
  and ``SATISFACTION_MODEL_VERSION``; every other variable is kept;
- with no Approved version both variables are removed, so the API responds with 503;
- the SSM parameter ``SERVING_PARAMETER_NAME`` stores the serving state as JSON
  (version, model package ARN, model data URL, updated_at), version null when
  nothing is approved.

Approving an older version while a newer one is approved changes nothing;
rejecting the serving version rolls back to the previous Approved one. An
unchanged target makes no update call, so a repeated event (SageMaker may send
several per change) is a no-op. Events for other groups, other detail types
and other statuses (PendingManualApproval on creation) are ignored.

Environment: ``API_FUNCTION_NAME``, ``SERVING_PARAMETER_NAME``,
``MODEL_PACKAGE_GROUP``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from satisfaction.registry.base import ApprovalStatus, ModelPackage, RegistryError
from satisfaction.registry.sagemaker import SageMakerModelRegistry

logger = logging.getLogger(__name__)

EVENT_SOURCE = "aws.sagemaker"
EVENT_DETAIL_TYPE = "SageMaker Model Package State Change"
HANDLED_STATUSES = frozenset({ApprovalStatus.APPROVED, ApprovalStatus.REJECTED})
MODEL_URI_VARIABLE = "SATISFACTION_MODEL_URI"
MODEL_VERSION_VARIABLE = "SATISFACTION_MODEL_VERSION"
# Placeholder value that the CDK stack gives the SSM parameter before the first
# deployment; it means "no state recorded yet", not an invalid value.
INITIAL_PARAMETER_VALUE = "none"
# Lambda error codes while another update of the function is in progress, or when
# the function changed between our read and our write (RevisionId mismatch).
RETRYABLE_LAMBDA_ERRORS = frozenset(
    {"ResourceConflictException", "PreconditionFailedException"}
)


class DeploymentError(Exception):
    """The API function could not be updated within the retry budget."""


class DeployerConfig(BaseModel):
    """Settings of the deployer, from the Lambda environment."""

    api_function_name: str = Field(min_length=1)
    serving_parameter_name: str = Field(min_length=1)
    model_package_group: str = Field(min_length=1)

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> DeployerConfig:
        return cls(
            api_function_name=environment.get("API_FUNCTION_NAME", ""),
            serving_parameter_name=environment.get("SERVING_PARAMETER_NAME", ""),
            model_package_group=environment.get("MODEL_PACKAGE_GROUP", ""),
        )


class PackageStateDetail(BaseModel):
    """Fields of the event's ``detail`` (a model package description) that are used."""

    model_config = ConfigDict(extra="ignore")

    ModelPackageGroupName: str
    ModelPackageVersion: int | None = None
    ModelApprovalStatus: str | None = None
    ModelPackageArn: str | None = None


class PackageStateEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = ""
    source: str
    detail_type: str = Field(alias="detail-type")
    detail: PackageStateDetail


class ServingState(BaseModel):
    """Value of the SSM parameter: which version the API serves."""

    version: int | None
    model_package_arn: str | None
    model_data_url: str | None
    updated_at: datetime | None = None

    @classmethod
    def from_package(cls, package: ModelPackage | None) -> ServingState:
        if package is None:
            return cls(version=None, model_package_arn=None, model_data_url=None)
        return cls(
            version=package.version,
            model_package_arn=package.arn,
            model_data_url=package.model_uri,
        )

    def same_target(self, other: ServingState) -> bool:
        """Return whether both states serve the same model, ignoring updated_at."""
        return (self.version, self.model_package_arn, self.model_data_url) == (
            other.version,
            other.model_package_arn,
            other.model_data_url,
        )


def desired_environment(
    current: Mapping[str, str], state: ServingState
) -> dict[str, str]:
    """Return the API's environment with the model variables set for ``state``."""
    environment = dict(current)
    if state.version is None or not state.model_data_url:
        environment.pop(MODEL_URI_VARIABLE, None)
        environment.pop(MODEL_VERSION_VARIABLE, None)
    else:
        environment[MODEL_URI_VARIABLE] = state.model_data_url
        environment[MODEL_VERSION_VARIABLE] = str(state.version)
    return environment


@dataclass
class Deployer:
    """Reconciles the API function and the SSM parameter with the registry."""

    config: DeployerConfig
    registry: SageMakerModelRegistry
    lambda_client: Any
    ssm_client: Any
    sleep: Callable[[float], None] = time.sleep
    # Backoff doubles from base_delay_seconds up to max_delay_seconds. The sleeps add
    # up to 39 s for the function update (8 attempts) and 7 s for the registry wait
    # (4 attempts), so the function timeout should be at least 60 s.
    max_attempts: int = 8
    registry_attempts: int = 4
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 8.0

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Apply one event; return a summary that the Lambda logs and returns."""
        parsed, reason = self.parse(event)
        if parsed is None:
            logger.info(
                "event ignored: %s", reason, extra={"event_id": event.get("id")}
            )
            return {"action": "ignored", "reason": reason}

        detail = parsed.detail
        log_fields = {
            "event_id": parsed.id,
            "model_package_group": detail.ModelPackageGroupName,
            "event_version": detail.ModelPackageVersion,
            "event_status": detail.ModelApprovalStatus,
        }
        logger.info("handling model package state change", extra=log_fields)
        self.wait_for_registry(detail)

        state = ServingState.from_package(self.registry.latest_approved())
        function_updated = self.update_function(state)
        parameter_updated = self.write_parameter(state)
        action = "updated" if function_updated or parameter_updated else "unchanged"
        logger.info(
            "serving version %s (%s)",
            state.version,
            action,
            extra={
                **log_fields,
                "serving_version": state.version,
                "function_updated": function_updated,
                "parameter_updated": parameter_updated,
            },
        )
        return {
            "action": action,
            "serving_version": state.version,
            "model_data_url": state.model_data_url,
            "function_updated": function_updated,
            "parameter_updated": parameter_updated,
        }

    def parse(
        self, event: Mapping[str, Any]
    ) -> tuple[PackageStateEvent | None, str | None]:
        """Return the event if this deployer acts on it, else None and the reason."""
        try:
            parsed = PackageStateEvent.model_validate(event)
        except ValidationError as error:
            return (
                None,
                "not a model package state change event "
                f"({error.error_count()} invalid fields)",
            )
        if parsed.source != EVENT_SOURCE or parsed.detail_type != EVENT_DETAIL_TYPE:
            return None, f"event {parsed.source}/{parsed.detail_type} is not handled"
        group = parsed.detail.ModelPackageGroupName
        if group != self.config.model_package_group:
            return (
                None,
                f"model package group {group} is not {self.config.model_package_group}",
            )
        status = parsed.detail.ModelApprovalStatus
        if status not in HANDLED_STATUSES:
            return None, f"approval status {status} does not change serving"
        return parsed, None

    def wait_for_registry(self, detail: PackageStateDetail) -> None:
        """Wait briefly until the registry shows the event's status for its version.

        The event can arrive before a read of the registry reflects it. If the
        registry still differs after the retries, the event is stale (a later
        change replaced it) and the registry's current state is used.
        """
        if detail.ModelPackageVersion is None:
            return
        expected = ApprovalStatus(detail.ModelApprovalStatus)
        for attempt in range(1, self.registry_attempts + 1):
            try:
                current = self.registry.get(detail.ModelPackageVersion).approval_status
            except RegistryError as error:
                logger.warning(
                    "version %s not readable in the registry: %s",
                    detail.ModelPackageVersion,
                    error,
                )
                return
            if current is expected:
                return
            if attempt < self.registry_attempts:
                self.sleep(self.delay(attempt))
        logger.warning(
            "registry shows version %s as %s, the event as %s; using the registry",
            detail.ModelPackageVersion,
            current.value,
            expected.value,
        )

    def update_function(self, state: ServingState) -> bool:
        """Merge the model variables into the API's environment.

        Returns whether the environment changed. Retries with backoff while
        another update of the function is in progress.
        """
        from botocore.exceptions import ClientError

        name = self.config.api_function_name
        for attempt in range(1, self.max_attempts + 1):
            configuration = self.lambda_client.get_function_configuration(
                FunctionName=name
            )
            if configuration.get("LastUpdateStatus") == "InProgress":
                logger.info("function %s has an update in progress; waiting", name)
                self.pause_before_retry(attempt)
                continue

            current = (configuration.get("Environment") or {}).get("Variables") or {}
            environment = desired_environment(current, state)
            if environment == current:
                return False

            request: dict[str, Any] = {
                "FunctionName": name,
                "Environment": {"Variables": environment},
            }
            if configuration.get("RevisionId"):
                request["RevisionId"] = configuration["RevisionId"]
            try:
                self.lambda_client.update_function_configuration(**request)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code not in RETRYABLE_LAMBDA_ERRORS:
                    raise
                logger.warning(
                    "update of function %s failed with %s (attempt %s of %s); retrying",
                    name,
                    code,
                    attempt,
                    self.max_attempts,
                )
                self.pause_before_retry(attempt)
                continue
            logger.info("function %s now serves version %s", name, state.version)
            return True

        raise DeploymentError(
            f"function {name} was still being updated after {self.max_attempts} "
            "attempts; Lambda retries the asynchronous invocation"
        )

    def write_parameter(self, state: ServingState) -> bool:
        """Store the serving state in SSM unless it already names the same model."""
        name = self.config.serving_parameter_name
        current: ServingState | None = None
        try:
            value = self.ssm_client.get_parameter(Name=name)["Parameter"]["Value"]
            if value != INITIAL_PARAMETER_VALUE:
                current = ServingState.model_validate_json(value)
        except self.ssm_client.exceptions.ParameterNotFound:
            logger.info("parameter %s does not exist yet; creating it", name)
        except ValidationError:
            logger.warning("parameter %s has an invalid value; replacing it", name)

        if current is not None and current.same_target(state):
            return False
        stamped = state.model_copy(update={"updated_at": datetime.now(UTC)})
        self.ssm_client.put_parameter(
            Name=name, Value=stamped.model_dump_json(), Type="String", Overwrite=True
        )
        return True

    def delay(self, attempt: int) -> float:
        return min(self.base_delay_seconds * 2 ** (attempt - 1), self.max_delay_seconds)

    def pause_before_retry(self, attempt: int) -> None:
        """Sleep before the next function update attempt; not after the last one."""
        if attempt < self.max_attempts:
            self.sleep(self.delay(attempt))


@lru_cache(maxsize=1)
def build_deployer() -> Deployer:
    """Create the deployer once per Lambda container, from the environment."""
    import boto3

    config = DeployerConfig.from_environment(os.environ)
    registry = SageMakerModelRegistry(
        config.model_package_group, client=boto3.client("sagemaker")
    )
    return Deployer(
        config=config,
        registry=registry,
        lambda_client=boto3.client("lambda"),
        ssm_client=boto3.client("ssm"),
    )


@lru_cache(maxsize=1)
def _configure_logging() -> None:
    from satisfaction.logs import configure_logging

    configure_logging(
        os.environ.get("SATISFACTION_LOG_LEVEL", "INFO"), json_format=True
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point for EventBridge model package state change events."""
    _configure_logging()
    request_id = getattr(context, "aws_request_id", None)
    logger.info("deployer invoked", extra={"request_id": request_id})
    return build_deployer().handle(event)
