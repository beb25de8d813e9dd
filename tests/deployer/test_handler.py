"""The deployer Lambda against moto: SageMaker registry, Lambda and SSM."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from deployer_support import (
    BASE_ENVIRONMENT,
    FUNCTION,
    GROUP,
    PARAMETER,
    model_url,
    state_change_event,
)

from lambdas.deployer import handler as deployer_module
from lambdas.deployer.handler import (
    MODEL_URI_VARIABLE,
    MODEL_VERSION_VARIABLE,
    DeploymentError,
    ServingState,
    desired_environment,
)


def approve(account, version: int) -> dict:
    account.set_status(version, "Approved")
    return account.deployer.handle(state_change_event(version, "Approved"))


def reject(account, version: int) -> dict:
    account.set_status(version, "Rejected")
    return account.deployer.handle(state_change_event(version, "Rejected"))


def assert_serving(account, version: int) -> None:
    environment = account.environment()
    assert environment[MODEL_URI_VARIABLE] == model_url(version)
    assert environment[MODEL_VERSION_VARIABLE] == str(version)
    parameter = account.parameter()
    assert parameter["version"] == version
    assert parameter["model_data_url"] == model_url(version)
    assert parameter["model_package_arn"].endswith(f"/{GROUP}/{version}")
    assert parameter["updated_at"]


def assert_other_variables_kept(account) -> None:
    environment = account.environment()
    for name, value in BASE_ENVIRONMENT.items():
        assert environment[name] == value


def test_approve_first_version_serves_it(account):
    account.add_version()

    result = approve(account, 1)

    assert result["action"] == "updated"
    assert result["serving_version"] == 1
    assert_serving(account, 1)
    assert_other_variables_kept(account)


def test_approve_newer_version_serves_it(account):
    account.add_version()
    account.add_version()
    approve(account, 1)

    result = approve(account, 2)

    assert result["serving_version"] == 2
    assert_serving(account, 2)


def test_reject_serving_version_rolls_back(account):
    account.add_version()
    account.add_version()
    approve(account, 1)
    approve(account, 2)

    result = reject(account, 2)

    assert result["action"] == "updated"
    assert result["serving_version"] == 1
    assert_serving(account, 1)
    assert_other_variables_kept(account)


def test_reject_last_approved_means_no_model(account):
    account.add_version()
    approve(account, 1)

    result = reject(account, 1)

    assert result["serving_version"] is None
    environment = account.environment()
    assert MODEL_URI_VARIABLE not in environment
    assert MODEL_VERSION_VARIABLE not in environment
    assert_other_variables_kept(account)
    parameter = account.parameter()
    assert parameter["version"] is None
    assert parameter["model_data_url"] is None


def test_full_sequence(account):
    account.add_version()
    account.add_version()

    approve(account, 1)
    assert_serving(account, 1)
    approve(account, 2)
    assert_serving(account, 2)
    reject(account, 2)
    assert_serving(account, 1)
    reject(account, 1)
    assert account.parameter()["version"] is None
    assert MODEL_URI_VARIABLE not in account.environment()


def test_approving_older_version_keeps_newer(account):
    account.add_version()
    account.add_version()
    approve(account, 2)

    result = approve(account, 1)

    assert result["action"] == "unchanged"
    assert_serving(account, 2)


def test_rejecting_non_serving_version_changes_nothing(account):
    account.add_version()
    account.add_version()
    approve(account, 1)
    approve(account, 2)

    result = reject(account, 1)

    assert result["action"] == "unchanged"
    assert_serving(account, 2)


class CallCounter:
    """Wraps a boto3 client and counts calls of each operation."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return attribute(*args, **kwargs)

        return call


def test_duplicate_event_changes_nothing(account):
    account.add_version()
    account.set_status(1, "Approved")
    event = state_change_event(1, "Approved")
    account.deployer.handle(event)
    environment_before = account.environment()
    parameter_before = account.parameter()
    lambda_counter = CallCounter(account.lambda_client)
    ssm_counter = CallCounter(account.ssm)
    account.deployer.lambda_client = lambda_counter
    account.deployer.ssm_client = ssm_counter

    result = account.deployer.handle(event)

    assert result["action"] == "unchanged"
    assert result["function_updated"] is False
    assert result["parameter_updated"] is False
    assert "update_function_configuration" not in lambda_counter.calls
    assert "put_parameter" not in ssm_counter.calls
    assert account.environment() == environment_before
    assert account.parameter() == parameter_before


def test_creation_event_is_ignored(account):
    account.add_version()

    result = account.deployer.handle(state_change_event(1, "PendingManualApproval"))

    assert result["action"] == "ignored"
    assert "PendingManualApproval" in result["reason"]
    assert MODEL_URI_VARIABLE not in account.environment()


def test_other_group_is_ignored(account):
    account.sagemaker.create_model_package_group(ModelPackageGroupName="other-group")
    account.add_version(group="other-group")
    account.set_status(1, "Approved", group="other-group")

    result = account.deployer.handle(
        state_change_event(1, "Approved", group="other-group")
    )

    assert result["action"] == "ignored"
    assert "other-group" in result["reason"]
    assert MODEL_URI_VARIABLE not in account.environment()


def test_other_detail_type_is_ignored(account):
    event = state_change_event(
        1, "Approved", detail_type="SageMaker Model State Change"
    )

    result = account.deployer.handle(event)

    assert result["action"] == "ignored"


@pytest.mark.parametrize("event", [{}, {"detail": {}}, {"source": "aws.s3"}])
def test_malformed_event_is_ignored(account, event):
    result = account.deployer.handle(event)

    assert result["action"] == "ignored"
    assert "not a model package state change" in result["reason"]


def test_stale_event_uses_registry_state(account):
    account.add_version()
    account.add_version()
    approve(account, 1)
    # Version 2 was approved and rejected again before this event arrived.
    account.set_status(2, "Approved")
    account.set_status(2, "Rejected")

    result = account.deployer.handle(state_change_event(2, "Approved"))

    assert result["serving_version"] == 1
    assert len(account.sleeps) == account.deployer.registry_attempts - 1
    assert_serving(account, 1)


def test_missing_parameter_is_created(account):
    account.add_version()
    account.set_status(1, "Approved")

    account.deployer.handle(state_change_event(1, "Approved"))

    assert account.parameter()["version"] == 1


def test_initial_parameter_value_is_replaced(account, caplog):
    account.add_version()
    account.ssm.put_parameter(Name=PARAMETER, Value="none", Type="String")

    approve(account, 1)

    assert account.parameter()["version"] == 1
    assert "invalid value" not in caplog.text


def test_invalid_parameter_value_is_replaced(account):
    account.add_version()
    account.ssm.put_parameter(Name=PARAMETER, Value="not json", Type="String")

    approve(account, 1)

    assert account.parameter()["version"] == 1


class ConflictingLambda(CallCounter):
    """Raises ResourceConflictException on the first ``conflicts`` updates."""

    def __init__(self, client: Any, conflicts: int) -> None:
        super().__init__(client)
        self.conflicts = conflicts

    def update_function_configuration(self, **request: Any) -> Any:
        self.calls["update_function_configuration"] = (
            self.calls.get("update_function_configuration", 0) + 1
        )
        if self.conflicts > 0:
            self.conflicts -= 1
            raise ClientError(
                {
                    "Error": {
                        "Code": "ResourceConflictException",
                        "Message": "in progress",
                    }
                },
                "UpdateFunctionConfiguration",
            )
        return self._client.update_function_configuration(**request)


def test_update_conflict_is_retried(account):
    account.add_version()
    account.set_status(1, "Approved")
    conflicting = ConflictingLambda(account.lambda_client, conflicts=2)
    account.deployer.lambda_client = conflicting

    result = account.deployer.handle(state_change_event(1, "Approved"))

    assert result["function_updated"] is True
    assert conflicting.calls["update_function_configuration"] == 3
    assert account.sleeps == [1.0, 2.0]
    assert_serving(account, 1)


def test_update_conflict_gives_up_after_budget(account):
    account.add_version()
    account.set_status(1, "Approved")
    account.deployer.lambda_client = ConflictingLambda(account.lambda_client, 100)

    with pytest.raises(DeploymentError, match="still being updated"):
        account.deployer.handle(state_change_event(1, "Approved"))
    assert len(account.sleeps) == account.deployer.max_attempts - 1
    assert sum(account.sleeps) == 39.0
    assert max(account.sleeps) == account.deployer.max_delay_seconds


def test_other_lambda_error_is_raised(account):
    account.add_version()
    account.set_status(1, "Approved")
    account.deployer.config = account.deployer.config.model_copy(
        update={"api_function_name": "no-such-function"}
    )

    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        account.deployer.handle(state_change_event(1, "Approved"))


class BusyLambda(CallCounter):
    """Reports an update in progress on the first ``busy`` reads."""

    def __init__(self, client: Any, busy: int) -> None:
        super().__init__(client)
        self.busy = busy

    def get_function_configuration(self, **request: Any) -> Any:
        configuration = self._client.get_function_configuration(**request)
        if self.busy > 0:
            self.busy -= 1
            configuration["LastUpdateStatus"] = "InProgress"
        return configuration


def test_update_in_progress_is_awaited(account):
    account.add_version()
    account.set_status(1, "Approved")
    account.deployer.lambda_client = BusyLambda(account.lambda_client, busy=1)

    result = account.deployer.handle(state_change_event(1, "Approved"))

    assert result["function_updated"] is True
    assert account.sleeps == [1.0]
    assert_serving(account, 1)


def test_desired_environment_merges():
    current = {"KEEP": "1", MODEL_URI_VARIABLE: "s3://old/model.tar.gz"}
    state = ServingState(
        version=3, model_package_arn="arn", model_data_url="s3://new/model.tar.gz"
    )

    assert desired_environment(current, state) == {
        "KEEP": "1",
        MODEL_URI_VARIABLE: "s3://new/model.tar.gz",
        MODEL_VERSION_VARIABLE: "3",
    }
    assert current[MODEL_URI_VARIABLE] == "s3://old/model.tar.gz"


def test_handler_entry_point(account, monkeypatch, capsys):
    account.add_version()
    account.set_status(1, "Approved")
    monkeypatch.setenv("API_FUNCTION_NAME", FUNCTION)
    monkeypatch.setenv("SERVING_PARAMETER_NAME", PARAMETER)
    monkeypatch.setenv("MODEL_PACKAGE_GROUP", GROUP)
    deployer_module.build_deployer.cache_clear()
    deployer_module._configure_logging.cache_clear()
    context = SimpleNamespace(aws_request_id="request-1")

    try:
        result = deployer_module.handler(state_change_event(1, "Approved"), context)
    finally:
        deployer_module.build_deployer.cache_clear()
        logging.getLogger().handlers.clear()

    assert result["serving_version"] == 1
    assert_serving(account, 1)
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert records[0]["request_id"] == "request-1"
    assert any(record.get("serving_version") == 1 for record in records)


def test_handler_rejects_missing_configuration(monkeypatch):
    for name in ("API_FUNCTION_NAME", "SERVING_PARAMETER_NAME", "MODEL_PACKAGE_GROUP"):
        monkeypatch.delenv(name, raising=False)
    deployer_module.build_deployer.cache_clear()

    with pytest.raises(ValueError, match="api_function_name"):
        deployer_module.build_deployer()
