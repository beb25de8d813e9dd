"""Deployment settings of the CDK app, read from CDK context and the environment.

Each setting has a camelCase context key (set in ``cdk.json`` or with
``cdk synth -c key=value``). An environment variable
``SATISFACTION_INFRA_<SNAKE_CASE_NAME>`` overrides the context, so CI can set a
value such as the alarm e-mail without editing ``cdk.json``. Reading settings
never calls AWS.
"""

from __future__ import annotations

import os
import re
from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Node
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENVIRONMENT_PREFIX = "SATISFACTION_INFRA_"

# Synthesis without credentials needs a concrete account and region (the SageMaker
# image URIs depend on the region). The CDK CLI sets CDK_DEFAULT_ACCOUNT and
# CDK_DEFAULT_REGION from the caller's credentials, which take precedence.
SYNTH_ACCOUNT = "123456789012"
SYNTH_REGION = "eu-west-1"


class InfraConfigError(ValueError):
    """A context value or environment variable of the CDK app is invalid."""


class InfraSettings(BaseModel):
    """Settings of one deployment (one stage in one account and region)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)

    account: str = Field(SYNTH_ACCOUNT, pattern=r"^\d{12}$")
    region: str = Field(SYNTH_REGION, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    stage_name: str = Field(
        "prod",
        alias="stageName",
        pattern=r"^[A-Za-z0-9_]{1,64}$",
        description="API Gateway stage name, also part of resource names.",
    )
    project_name: str = Field(
        "satisfaction",
        alias="projectName",
        pattern=r"^[a-z][a-z0-9-]{1,20}$",
        description="Prefix of resource names, such as the pipeline's.",
    )
    model_package_group: str = Field(
        "airline-passenger-satisfaction",
        alias="modelPackageGroup",
        pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$",
    )
    raw_data_prefix: str = Field(
        "raw/",
        alias="rawDataPrefix",
        description="Key prefix in the raw data bucket. A new CSV here starts "
        "the pipeline.",
    )
    alarm_email: str | None = Field(
        None, alias="alarmEmail", description="E-mail subscribed to the alarm topic."
    )
    mlflow_tracking_server: bool = Field(True, alias="mlflowTrackingServer")
    mlflow_tracking_server_size: str = Field(
        "Small", alias="mlflowTrackingServerSize", pattern=r"^(Small|Medium|Large)$"
    )
    api_bundle_dir: str = Field(
        "build/lambda/api",
        alias="apiBundleDir",
        description="Folder built by 'python -m lambdas.api.bundle': the API code "
        "and its arm64 dependencies; relative paths start at the repository root.",
    )
    api_memory_mb: int = Field(1024, alias="apiMemoryMb", ge=128, le=10240)
    api_timeout_seconds: int = Field(15, alias="apiTimeoutSeconds", ge=1, le=29)
    api_reserved_concurrency: int | None = Field(
        None, alias="apiReservedConcurrency", ge=1
    )
    api_throttle_rate_limit: float = Field(
        50,
        alias="apiThrottleRateLimit",
        gt=0,
        description="Steady requests per second.",
    )
    api_throttle_burst_limit: int = Field(
        100, alias="apiThrottleBurstLimit", ge=1, description="Burst of requests."
    )
    log_retention_days: int = Field(
        90, alias="logRetentionDays", description="Retention of every log group."
    )
    alarm_api_5xx_count: int = Field(
        5, alias="alarmApi5xxCount", ge=1, description="5xx responses in 5 minutes."
    )
    alarm_lambda_error_count: int = Field(
        5, alias="alarmLambdaErrorCount", ge=1, description="Errors in 5 minutes."
    )
    alarm_throttle_count: int = Field(
        1, alias="alarmThrottleCount", ge=1, description="Throttles in 5 minutes."
    )
    alarm_p99_latency_ms: int = Field(
        1000, alias="alarmP99LatencyMs", ge=1, description="API p99 latency."
    )
    alarm_duration_timeout_share: float = Field(
        0.8,
        alias="alarmDurationTimeoutShare",
        gt=0,
        lt=1,
        description="Alarm when the maximum duration exceeds this share of "
        "the timeout.",
    )
    alarm_init_duration_ms: int = Field(
        3000, alias="alarmInitDurationMs", ge=1, description="Cold start init duration."
    )

    @field_validator("raw_data_prefix")
    @classmethod
    def _prefix_ends_with_slash(cls, value: str) -> str:
        if not value.endswith("/") or value.startswith("/"):
            raise ValueError(
                "must end with '/' and must not start with '/', e.g. 'raw/'"
            )
        return value

    @field_validator("alarm_email")
    @classmethod
    def _plausible_email(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("must be an e-mail address such as ml-oncall@example.com")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _supported_retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of {sorted(LOG_RETENTION_DAYS)}")
        return value

    @property
    def resource_prefix(self) -> str:
        """Prefix of physical names, unique per stage: ``satisfaction-prod``."""
        return f"{self.project_name}-{self.stage_name.lower().replace('_', '-')}"

    @property
    def pipeline_name(self) -> str:
        """SageMaker pipeline name, also the key prefix of its outputs."""
        return f"{self.resource_prefix}-training"


# Retention periods that CloudWatch Logs accepts, in days, and their CDK names.
_RETENTION_NAMES = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS",
    30: "ONE_MONTH", 60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS",
    150: "FIVE_MONTHS", 180: "SIX_MONTHS", 365: "ONE_YEAR", 400: "THIRTEEN_MONTHS",
    545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS", 1827: "FIVE_YEARS",
    2192: "SIX_YEARS", 2557: "SEVEN_YEARS", 2922: "EIGHT_YEARS", 3288: "NINE_YEARS",
    3653: "TEN_YEARS",
}  # fmt: skip
LOG_RETENTION_DAYS = frozenset(_RETENTION_NAMES)


def log_retention(days: int) -> logs.RetentionDays:
    """Return the CDK retention value for ``days`` (one of LOG_RETENTION_DAYS)."""
    return logs.RetentionDays[_RETENTION_NAMES[days]]


def _environment_name(field_name: str) -> str:
    return ENVIRONMENT_PREFIX + field_name.upper()


def load_settings(node: Node, environ: dict[str, str] | None = None) -> InfraSettings:
    """Read the settings from the app's context, overridden by environment variables.

    Account and region fall back to ``CDK_DEFAULT_ACCOUNT``/``CDK_DEFAULT_REGION``
    and then to the synth-only placeholders, so ``cdk synth`` works without
    credentials. Raises InfraConfigError naming the invalid setting.
    """
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    for name, field in InfraSettings.model_fields.items():
        key = field.alias or name
        value = environ.get(_environment_name(name))
        if value is None:
            value = node.try_get_context(key)
        if value is None and name in ("account", "region"):
            value = environ.get(f"CDK_DEFAULT_{name.upper()}")
        if value is not None and value != "":
            values[name] = value

    try:
        return InfraSettings.model_validate(values, by_name=True)
    except ValidationError as error:
        problems = "; ".join(
            f"{_describe_location(issue['loc'])}: {issue['msg']}"
            for issue in error.errors()
        )
        raise InfraConfigError(f"invalid CDK app settings: {problems}") from None


def _describe_location(location: tuple[Any, ...]) -> str:
    name = str(location[0]) if location else "?"
    field = InfraSettings.model_fields.get(name)
    key = field.alias if field and field.alias else name
    return f"context {key!r} (environment {_environment_name(name)})"
