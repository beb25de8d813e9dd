"""The SageMaker pipeline definition: structure, references, determinism, offline build.

moto stores a pipeline definition without validating it, so these tests check
the JSON themselves: every step and parameter a step refers to exists, the
steps run in the contract's order, and the gate reads the evaluation report.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra import pipeline_definition as pd
from satisfaction.config import Settings
from training.hyperparameters import Hyperparameters

pytestmark = pytest.mark.slow

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/pipeline-role"
BUCKET = "artifacts-bucket"
CODE_URI = "s3://assets-bucket/code/sourcedir.tar.gz"
GROUP = "airline-passenger-satisfaction"
MLFLOW_ARN = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/mlflow"

ARGUMENTS = {
    "role_arn": ROLE_ARN,
    "region": REGION,
    "artifacts_bucket": BUCKET,
    "code_uri": CODE_URI,
    "model_package_group": GROUP,
}


class NetworkCallError(AssertionError):
    """Raised when the code under test opens a network connection."""


# Connections attempted while the module's definition was built. Recorded as well
# as refused, because the SDK's telemetry thread would swallow the error.
CONNECTION_ATTEMPTS: list[str] = []


@pytest.fixture(scope="module")
def definition_text() -> str:
    """The definition built with every name lookup and connection refused."""

    def block_connection(*args: object, **kwargs: object) -> None:
        CONNECTION_ATTEMPTS.append(repr(args))
        raise NetworkCallError(f"network connection attempted: {args!r}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", block_connection)
        patch.setattr(socket, "create_connection", block_connection)
        # Name lookups come first: without them no connection is ever tried.
        patch.setattr(socket, "getaddrinfo", block_connection)
        text = pd.build_pipeline_definition(**ARGUMENTS)
        # Give any background thread the SDK started a moment to try.
        for thread in threading.enumerate():
            if thread.name == "sagemaker-telemetry":
                thread.join(timeout=5)
        return text


@pytest.fixture(scope="module")
def definition(definition_text: str) -> dict[str, Any]:
    return json.loads(definition_text)


def all_steps(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for step in steps:
        yield step
        if step["Type"] == "Condition":
            yield from all_steps(step["Arguments"]["IfSteps"])
            yield from all_steps(step["Arguments"]["ElseSteps"])


def steps_by_name(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["Name"]: step for step in all_steps(definition["Steps"])}


def references(node: Any, prefix: str) -> set[str]:
    """Collect the names after ``prefix`` in every ``{"Get": ...}`` and JsonGet."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Get" and isinstance(value, str) and value.startswith(prefix):
                found.add(re.split(r"[.\[]", value[len(prefix) :])[0])
            else:
                found |= references(value, prefix)
    elif isinstance(node, list):
        for item in node:
            found |= references(item, prefix)
    return found


def step_dependencies(step: dict[str, Any]) -> set[str]:
    """Steps whose properties this step reads, plus its explicit DependsOn.

    A condition step reads only its conditions: its branches are steps of their own.
    """
    arguments = step.get("Arguments", {})
    if step["Type"] == "Condition":
        arguments = arguments["Conditions"]
    return references(arguments, "Steps.") | set(step.get("DependsOn", []))


# --- building --------------------------------------------------------------------


def test_build_opens_no_connection(definition_text: str) -> None:
    assert CONNECTION_ATTEMPTS == []


def test_build_is_byte_identical(definition_text: str) -> None:
    assert pd.build_pipeline_definition(**ARGUMENTS) == definition_text


def test_build_restores_sdk_state() -> None:
    from sagemaker.core.telemetry import telemetry_logging

    sender = telemetry_logging._send_telemetry_request
    environment = dict(os.environ)
    sdk_log_level = logging.getLogger("sagemaker").level

    pd.build_pipeline_definition(**ARGUMENTS)

    assert telemetry_logging._send_telemetry_request is sender
    assert dict(os.environ) == environment
    assert logging.getLogger("sagemaker").level == sdk_log_level


def test_import_does_not_load_sdk() -> None:
    code = "import sys, infra.pipeline_definition; print('sagemaker' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPOSITORY_ROOT,
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("region", "${Token[AWS.Region.7]}"),
        ("region", "EU West"),
        ("code_uri", "build/sourcedir.tar.gz"),
        ("code_uri", "s3://bucket-only"),
        ("role_arn", ""),
        ("artifacts_bucket", 'bucket"name'),
    ],
)
def test_build_rejects_invalid_argument(argument: str, value: str) -> None:
    with pytest.raises(ValueError, match=argument.split("_")[0]):
        pd.build_pipeline_definition(**{**ARGUMENTS, argument: value})


def test_cdk_tokens_pass_through_unchanged() -> None:
    tokens = {
        "role_arn": "${Token[TOKEN.101]}",
        "artifacts_bucket": "${Token[TOKEN.102]}",
        "code_uri": "s3://${Token[TOKEN.103]}/${Token[TOKEN.104]}",
        "model_package_group": "${Token[TOKEN.105]}",
        "mlflow_tracking_arn": "${Token[TOKEN.106]}",
    }
    text = pd.build_pipeline_definition(**{**ARGUMENTS, **tokens})
    steps = steps_by_name(json.loads(text))

    assert "placeholder" not in text
    for number in range(101, 107):
        assert f"${{Token[TOKEN.{number}]}}" in text
    assert steps[pd.TRAIN_STEP]["Arguments"]["RoleArn"] == "${Token[TOKEN.101]}"
    register = steps[pd.REGISTER_STEP]["Arguments"]
    assert register["ModelPackageGroupName"] == "${Token[TOKEN.105]}"
    entrypoint = steps[pd.PROCESS_STEP]["Arguments"]["AppSpecification"][
        "ContainerEntrypoint"
    ]
    assert entrypoint[-1] == "/opt/ml/processing/input/code/${Token[TOKEN.104]}"


# --- structure -------------------------------------------------------------------


def test_definition_schema_version(definition: dict[str, Any]) -> None:
    assert definition["Version"] == "2020-12-01"


def test_top_level_steps_in_order(definition: dict[str, Any]) -> None:
    names = [step["Name"] for step in definition["Steps"]]
    assert names == [pd.PROCESS_STEP, pd.TRAIN_STEP, pd.EVALUATE_STEP, pd.GATE_STEP]


def test_step_names_are_unique(definition: dict[str, Any]) -> None:
    names = [step["Name"] for step in all_steps(definition["Steps"])]
    assert len(names) == len(set(names))


def test_referenced_steps_exist(definition: dict[str, Any]) -> None:
    names = set(steps_by_name(definition))
    for step in all_steps(definition["Steps"]):
        missing = step_dependencies(step) - names
        assert not missing, f"{step['Name']} refers to unknown steps {missing}"


def test_referenced_parameters_are_declared(definition: dict[str, Any]) -> None:
    declared = {parameter["Name"] for parameter in definition["Parameters"]}
    used = references(definition["Steps"], "Parameters.")
    assert used <= declared
    assert declared <= used, f"parameters no step reads: {declared - used}"


def test_step_dependencies(definition: dict[str, Any]) -> None:
    steps = steps_by_name(definition)
    expected = {
        pd.PROCESS_STEP: set(),
        pd.TRAIN_STEP: {pd.PROCESS_STEP},
        pd.EVALUATE_STEP: {pd.PROCESS_STEP, pd.TRAIN_STEP},
        pd.GATE_STEP: {pd.EVALUATE_STEP},
        pd.REGISTER_STEP: {pd.TRAIN_STEP, pd.EVALUATE_STEP},
        pd.FAIL_STEP: {pd.EVALUATE_STEP},
    }
    for name, dependencies in expected.items():
        assert step_dependencies(steps[name]) == dependencies, name


def test_every_reference_reads_an_earlier_step(definition: dict[str, Any]) -> None:
    order = [step["Name"] for step in all_steps(definition["Steps"])]
    for position, name in enumerate(order):
        step = steps_by_name(definition)[name]
        for dependency in step_dependencies(step):
            assert order.index(dependency) < position, (name, dependency)


def test_parameters_and_defaults(definition: dict[str, Any]) -> None:
    parameters = {item["Name"]: item for item in definition["Parameters"]}
    settings_fields = Settings.model_fields

    assert set(parameters) == {
        pd.INPUT_DATA_URI,
        pd.INPUT_DATA_VERSION,
        pd.PROCESSING_INSTANCE_TYPE,
        pd.PROCESSING_INSTANCE_COUNT,
        pd.TRAINING_INSTANCE_TYPE,
        pd.TRAINING_INSTANCE_COUNT,
        pd.MIN_ROC_AUC,
        pd.MIN_ACCURACY,
    }
    assert parameters[pd.MIN_ROC_AUC]["Type"] == "Float"
    assert parameters[pd.MIN_ROC_AUC]["DefaultValue"] == 0.99
    assert parameters[pd.MIN_ACCURACY]["DefaultValue"] == 0.95
    assert (
        parameters[pd.MIN_ROC_AUC]["DefaultValue"]
        == settings_fields["min_roc_auc"].default
    )
    assert (
        parameters[pd.MIN_ACCURACY]["DefaultValue"]
        == settings_fields["min_accuracy"].default
    )
    assert parameters[pd.PROCESSING_INSTANCE_COUNT]["Type"] == "Integer"
    assert parameters[pd.TRAINING_INSTANCE_COUNT]["DefaultValue"] == 1
    assert parameters[pd.INPUT_DATA_URI]["DefaultValue"].startswith(f"s3://{BUCKET}/")


def test_jobs_cache_but_gate_does_not(definition: dict[str, Any]) -> None:
    steps = steps_by_name(definition)
    for name in (pd.PROCESS_STEP, pd.TRAIN_STEP, pd.EVALUATE_STEP):
        assert steps[name]["CacheConfig"]["Enabled"] is True, name
    assert "CacheConfig" not in steps[pd.GATE_STEP]


def test_all_jobs_use_the_role(definition: dict[str, Any]) -> None:
    steps = steps_by_name(definition)
    for name in (pd.PROCESS_STEP, pd.TRAIN_STEP, pd.EVALUATE_STEP):
        assert steps[name]["Arguments"]["RoleArn"] == ROLE_ARN, name


# --- processing and evaluation -----------------------------------------------------


def test_processing_step_runs_module(definition: dict[str, Any]) -> None:
    arguments = steps_by_name(definition)[pd.PROCESS_STEP]["Arguments"]
    application = arguments["AppSpecification"]

    assert application["ImageUri"].endswith(
        "/sagemaker-scikit-learn:1.4-2-py312-cpu-py3"
    )
    assert REGION in application["ImageUri"]
    assert application["ContainerEntrypoint"][:2] == ["/bin/sh", "-c"]
    assert application["ContainerEntrypoint"][-1] == (
        "/opt/ml/processing/input/code/sourcedir.tar.gz"
    )
    assert application["ContainerArguments"][0] == "processing"
    assert arguments["Environment"]["REQUIREMENTS_FILE"] == "requirements.txt"
    # Caching compares arguments, so the data version must be one of them.
    assert arguments["Environment"]["INPUT_DATA_VERSION"] == {
        "Get": f"Parameters.{pd.INPUT_DATA_VERSION}"
    }


def test_processing_inputs_and_outputs(definition: dict[str, Any]) -> None:
    arguments = steps_by_name(definition)[pd.PROCESS_STEP]["Arguments"]
    inputs = {
        item["InputName"]: item["S3Input"] for item in arguments["ProcessingInputs"]
    }
    outputs = {
        item["OutputName"]: item["S3Output"]
        for item in arguments["ProcessingOutputConfig"]["Outputs"]
    }

    assert inputs["data"]["S3Uri"] == {"Get": f"Parameters.{pd.INPUT_DATA_URI}"}
    assert inputs["code"]["S3Uri"] == CODE_URI
    assert set(outputs) == {"train", "validation", "test", "baseline", "report"}
    for name, output in outputs.items():
        assert output["LocalPath"] == f"/opt/ml/processing/{name}"
        values = output["S3Uri"]["Std:Join"]["Values"]
        assert {"Get": "Execution.PipelineExecutionId"} in values, name
        assert values[-1] == name


def test_bootstrap_script_is_valid_shell() -> None:
    result = subprocess.run(
        ["sh", "-n", "-c", pd.PROCESSING_BOOTSTRAP], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_bootstrap_runs_module_from_archive(tmp_path: Path) -> None:
    # GIVEN an archive with a package that prints its arguments and the working dir
    import tarfile

    package = tmp_path / "src" / "echoer"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(
        "import os, sys\nprint(os.getcwd())\nprint(sys.argv[1:])\n"
    )
    (tmp_path / "src" / "requirements.txt").write_text("")
    archive = tmp_path / "sourcedir.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "src", arcname=".")
    script = pd.PROCESSING_BOOTSTRAP.replace("/tmp/source", str(tmp_path / "unpacked"))

    # WHEN the bootstrap runs it as a processing job would
    result = subprocess.run(
        ["sh", "-c", script, "bootstrap", str(archive), "echoer", "--flag", "a b"],
        capture_output=True,
        text=True,
        env={**os.environ, "REQUIREMENTS_FILE": "requirements.txt"},
    )

    # THEN the module ran from the unpacked archive with the job's arguments
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == str(tmp_path / "unpacked")
    assert lines[1] == "['--flag', 'a b']"


def test_bootstrap_rejects_old_python(tmp_path: Path) -> None:
    # GIVEN an image whose python3 is 3.10: the version check exits 1
    import tarfile

    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake_python = fake_bin / "python3"
    fake_python.write_text(
        '#!/bin/sh\nif [ "$1" = "-c" ]; then exit 1; fi\necho "Python 3.10.14"\n'
    )
    fake_python.chmod(0o755)
    source = tmp_path / "src"
    source.mkdir()
    (source / "requirements.txt").write_text("")
    archive = tmp_path / "sourcedir.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname=".")
    script = pd.PROCESSING_BOOTSTRAP.replace("/tmp/source", str(tmp_path / "unpacked"))

    # WHEN the bootstrap starts
    result = subprocess.run(
        ["sh", "-c", script, "bootstrap", str(archive), "processing"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}",
            "REQUIREMENTS_FILE": "requirements.txt",
        },
    )

    # THEN it stops before pip and names the version and the fix
    assert result.returncode == 1
    assert "needs Python >= 3.11, found Python 3.10.14" in result.stderr
    assert "processing_image_uri" in result.stderr


def test_evaluation_step_reads_model_and_test(definition: dict[str, Any]) -> None:
    step = steps_by_name(definition)[pd.EVALUATE_STEP]
    arguments = step["Arguments"]
    inputs = {
        item["InputName"]: item["S3Input"] for item in arguments["ProcessingInputs"]
    }
    container_arguments = arguments["AppSpecification"]["ContainerArguments"]

    assert inputs["model"]["S3Uri"] == {
        "Get": f"Steps.{pd.TRAIN_STEP}.ModelArtifacts.S3ModelArtifacts"
    }
    assert inputs["test"]["S3Uri"] == {
        "Get": f"Steps.{pd.PROCESS_STEP}.ProcessingOutputConfig.Outputs['test']"
        ".S3Output.S3Uri"
    }
    assert container_arguments[0] == "evaluation"
    assert "--no-tracking" in container_arguments
    assert arguments["AppSpecification"]["ImageUri"].endswith(
        "/sagemaker-xgboost:3.2-0"
    )
    assert step["PropertyFiles"] == [
        {
            "FilePath": "evaluation.json",
            "OutputName": "evaluation",
            "PropertyFileName": pd.EVALUATION_REPORT,
        }
    ]


# --- training ---------------------------------------------------------------------


def test_training_hyperparameters(definition: dict[str, Any]) -> None:
    arguments = steps_by_name(definition)[pd.TRAIN_STEP]["Arguments"]
    hyperparameters = dict(arguments["HyperParameters"])
    program = hyperparameters.pop("sagemaker_program")
    submit_directory = hyperparameters.pop("sagemaker_submit_directory")

    assert json.loads(program) == "training"
    assert json.loads(submit_directory) == CODE_URI
    fields = Hyperparameters.model_fields
    fixed = {name for name, field in fields.items() if field.default_factory is None}
    assert set(hyperparameters) == fixed
    for name in fixed:
        assert json.loads(hyperparameters[name]) == fields[name].default, name


def test_machine_dependent_defaults_left_out(definition: dict[str, Any]) -> None:
    arguments = steps_by_name(definition)[pd.TRAIN_STEP]["Arguments"]
    assert "nthread" not in arguments["HyperParameters"]


def test_training_program_exists() -> None:
    # The container runs python -m <program>, so the package needs a __main__.
    assert (REPOSITORY_ROOT / pd.TRAINING_PROGRAM / "__main__.py").is_file()


def test_training_channels_and_image(definition: dict[str, Any]) -> None:
    arguments = steps_by_name(definition)[pd.TRAIN_STEP]["Arguments"]
    channels = {
        channel["ChannelName"]: channel["DataSource"]["S3DataSource"]["S3Uri"]
        for channel in arguments["InputDataConfig"]
    }

    assert set(channels) == {"train", "validation", "baseline"}
    for name, uri in channels.items():
        assert uri == {
            "Get": f"Steps.{pd.PROCESS_STEP}.ProcessingOutputConfig.Outputs['{name}']"
            ".S3Output.S3Uri"
        }
    image = arguments["AlgorithmSpecification"]["TrainingImage"]
    assert image.endswith("/sagemaker-xgboost:3.2-0")
    assert REGION in image
    assert arguments["ResourceConfig"]["InstanceType"] == {
        "Get": f"Parameters.{pd.TRAINING_INSTANCE_TYPE}"
    }
    assert arguments["Environment"]["PYTHONPATH"] == "/opt/ml/code"


def test_mlflow_arn_reaches_training_and_evaluation() -> None:
    text = pd.build_pipeline_definition(**ARGUMENTS, mlflow_tracking_arn=MLFLOW_ARN)
    steps = steps_by_name(json.loads(text))
    training_environment = steps[pd.TRAIN_STEP]["Arguments"]["Environment"]
    evaluation_arguments = steps[pd.EVALUATE_STEP]["Arguments"]["AppSpecification"][
        "ContainerArguments"
    ]

    assert training_environment["SATISFACTION_MLFLOW_TRACKING_URI"] == MLFLOW_ARN
    position = evaluation_arguments.index("--tracking-uri")
    assert evaluation_arguments[position + 1] == MLFLOW_ARN
    assert "--no-tracking" not in evaluation_arguments


def test_custom_images_replace_defaults() -> None:
    processing_image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/steps:1"
    training_image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:1"
    text = pd.build_pipeline_definition(
        **ARGUMENTS,
        processing_image_uri=processing_image,
        training_image_uri=training_image,
    )
    steps = steps_by_name(json.loads(text))

    process_image = steps[pd.PROCESS_STEP]["Arguments"]["AppSpecification"]["ImageUri"]
    evaluate_image = steps[pd.EVALUATE_STEP]["Arguments"]["AppSpecification"][
        "ImageUri"
    ]
    assert process_image == processing_image
    assert evaluate_image == training_image
    train_arguments = steps[pd.TRAIN_STEP]["Arguments"]
    assert train_arguments["AlgorithmSpecification"]["TrainingImage"] == training_image


# --- gate, registration, failure ------------------------------------------------


def test_gate_compares_metrics_with_parameters(definition: dict[str, Any]) -> None:
    gate = steps_by_name(definition)[pd.GATE_STEP]["Arguments"]
    conditions = {
        condition["LeftValue"]["Std:JsonGet"]["Path"]: condition
        for condition in gate["Conditions"]
    }
    expected = {pd.ROC_AUC_PATH: pd.MIN_ROC_AUC, pd.ACCURACY_PATH: pd.MIN_ACCURACY}

    assert set(conditions) == set(expected)
    for path, parameter in expected.items():
        condition = conditions[path]
        assert condition["Type"] == "GreaterThanOrEqualTo"
        assert condition["RightValue"] == {"Get": f"Parameters.{parameter}"}
        assert condition["LeftValue"]["Std:JsonGet"]["PropertyFile"] == {
            "Get": f"Steps.{pd.EVALUATE_STEP}.PropertyFiles.{pd.EVALUATION_REPORT}"
        }
    assert [step["Name"] for step in gate["IfSteps"]] == [pd.REGISTER_STEP]
    assert [step["Name"] for step in gate["ElseSteps"]] == [pd.FAIL_STEP]


def test_register_pending_with_metrics(definition: dict[str, Any]) -> None:
    step = steps_by_name(definition)[pd.REGISTER_STEP]
    arguments = step["Arguments"]
    container = arguments["InferenceSpecification"]["Containers"][0]
    statistics = arguments["ModelMetrics"]["ModelQuality"]["Statistics"]

    assert step["Type"] == "RegisterModel"
    assert arguments["ModelPackageGroupName"] == GROUP
    assert arguments["ModelApprovalStatus"] == "PendingManualApproval"
    assert container["ModelDataUrl"] == {
        "Get": f"Steps.{pd.TRAIN_STEP}.ModelArtifacts.S3ModelArtifacts"
    }
    assert container["Image"].endswith("/sagemaker-xgboost:3.2-0")
    assert "Environment" not in container
    assert statistics["ContentType"] == "application/json"
    assert statistics["S3Uri"]["Std:Join"]["Values"] == [
        {
            "Get": f"Steps.{pd.EVALUATE_STEP}.ProcessingOutputConfig.Outputs"
            "['evaluation'].S3Output.S3Uri"
        },
        "evaluation.json",
    ]


def test_fail_message_contains_figures(definition: dict[str, Any]) -> None:
    step = steps_by_name(definition)[pd.FAIL_STEP]
    values = step["Arguments"]["ErrorMessage"]["Std:Join"]["Values"]
    json_paths = [
        value["Std:JsonGet"]["Path"]
        for value in values
        if isinstance(value, dict) and "Std:JsonGet" in value
    ]

    assert step["Type"] == "Fail"
    assert json_paths == [pd.ROC_AUC_PATH, pd.ACCURACY_PATH]
    assert {"Get": f"Parameters.{pd.MIN_ROC_AUC}"} in values
    assert {"Get": f"Parameters.{pd.MIN_ACCURACY}"} in values


# --- SageMaker API (moto) ---------------------------------------------------------


def test_pipeline_accepts_definition(definition_text: str) -> None:
    with mock_aws():
        client = boto3.client("sagemaker", region_name=REGION)
        client.create_pipeline(
            PipelineName=pd.DEFAULT_PIPELINE_NAME,
            PipelineDefinition=definition_text,
            RoleArn=ROLE_ARN,
        )
        stored = client.describe_pipeline(PipelineName=pd.DEFAULT_PIPELINE_NAME)

    assert json.loads(stored["PipelineDefinition"]) == json.loads(definition_text)


# --- command line ----------------------------------------------------------------


def test_command_prints_definition(
    definition_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = pd.main(
        [
            "--role-arn",
            ROLE_ARN,
            "--region",
            REGION,
            "--artifacts-bucket",
            BUCKET,
            "--code-uri",
            CODE_URI,
            "--model-package-group",
            GROUP,
        ]
    )
    assert status == 0
    assert capsys.readouterr().out == definition_text + "\n"


def test_command_rejects_local_code_path(capsys: pytest.CaptureFixture[str]) -> None:
    status = pd.main(
        [
            "--role-arn",
            ROLE_ARN,
            "--artifacts-bucket",
            BUCKET,
            "--code-uri",
            "build/sourcedir.tar.gz",
        ]
    )
    assert status == 2
    assert "code_uri must be an s3:// URI" in capsys.readouterr().err
