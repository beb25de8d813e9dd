"""Settings of the CDK app: context keys, environment overrides and validation."""

from __future__ import annotations

import pytest
from aws_cdk import App

from infra.config import (
    SYNTH_ACCOUNT,
    SYNTH_REGION,
    InfraConfigError,
    InfraSettings,
    load_settings,
    log_retention,
)


def settings_for(
    context: dict | None = None, environ: dict | None = None
) -> InfraSettings:
    return load_settings(App(context=context or {}).node, environ or {})


def test_defaults_without_context_or_credentials() -> None:
    settings = settings_for()

    assert settings.account == SYNTH_ACCOUNT
    assert settings.region == SYNTH_REGION
    assert settings.stage_name == "prod"
    assert settings.alarm_email is None
    assert settings.mlflow_tracking_server is True
    assert settings.resource_prefix == "satisfaction-prod"
    assert settings.pipeline_name == "satisfaction-prod-training"


def test_context_values_are_coerced() -> None:
    settings = settings_for(
        {
            "stageName": "dev",
            "mlflowTrackingServer": "false",
            "apiThrottleRateLimit": "12.5",
            "apiReservedConcurrency": "20",
        }
    )

    assert settings.stage_name == "dev"
    assert settings.mlflow_tracking_server is False
    assert settings.api_throttle_rate_limit == 12.5
    assert settings.api_reserved_concurrency == 20


def test_environment_overrides_context() -> None:
    settings = settings_for(
        {"alarmEmail": "team@example.com", "stageName": "dev"},
        {"SATISFACTION_INFRA_ALARM_EMAIL": "oncall@example.com"},
    )

    assert settings.alarm_email == "oncall@example.com"
    assert settings.stage_name == "dev"


def test_account_from_cdk_default_variables() -> None:
    settings = settings_for(
        environ={
            "CDK_DEFAULT_ACCOUNT": "210987654321",
            "CDK_DEFAULT_REGION": "us-east-2",
        }
    )

    assert settings.account == "210987654321"
    assert settings.region == "us-east-2"


def test_context_account_beats_cdk_default() -> None:
    settings = settings_for(
        {"account": "111122223333"}, {"CDK_DEFAULT_ACCOUNT": "210987654321"}
    )

    assert settings.account == "111122223333"


def test_empty_alarm_email_means_none() -> None:
    assert settings_for({"alarmEmail": ""}).alarm_email is None


@pytest.mark.parametrize(
    ("context", "named"),
    [
        ({"alarmEmail": "not-an-address"}, "alarmEmail"),
        ({"stageName": "prod/eu"}, "stageName"),
        ({"apiTimeoutSeconds": 60}, "apiTimeoutSeconds"),
        ({"alarmDurationTimeoutShare": 1.5}, "alarmDurationTimeoutShare"),
        ({"logRetentionDays": 45}, "logRetentionDays"),
        ({"rawDataPrefix": "/raw"}, "rawDataPrefix"),
        ({"account": "12345"}, "account"),
        ({"unknownKey": 1, "apiMemoryMb": 64}, "apiMemoryMb"),
    ],
)
def test_invalid_setting_is_named(context: dict, named: str) -> None:
    with pytest.raises(InfraConfigError) as raised:
        settings_for(context)

    assert f"context {named!r}" in str(raised.value)


def test_invalid_environment_value_names_variable() -> None:
    with pytest.raises(InfraConfigError) as raised:
        settings_for(environ={"SATISFACTION_INFRA_API_MEMORY_MB": "lots"})

    assert "SATISFACTION_INFRA_API_MEMORY_MB" in str(raised.value)


def test_log_retention_maps_days() -> None:
    assert log_retention(90).name == "THREE_MONTHS"
    assert log_retention(365).name == "ONE_YEAR"
