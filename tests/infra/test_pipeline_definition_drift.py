"""The local DVC pipeline and the SageMaker pipeline definition must not drift apart.

Both run the same step modules. These tests compare dvc.yaml and params.yaml
with the definition: stage order and dependencies, the module each stage runs,
the processing options, the training hyperparameters and the quality gate.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra import pipeline_definition as pd
from satisfaction.config import get_settings
from training.hyperparameters import Hyperparameters

pytestmark = pytest.mark.slow

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DVC_FILE = REPOSITORY_ROOT / "dvc.yaml"
PARAMS_FILE = REPOSITORY_ROOT / "params.yaml"

# DVC stage -> the pipeline step that does the same work. The local `register`
# stage applies the gate and registers; in SageMaker the QualityGate condition
# decides and the Register step registers.
STAGE_STEPS = {
    "process": pd.PROCESS_STEP,
    "train": pd.TRAIN_STEP,
    "evaluate": pd.EVALUATE_STEP,
    "register": pd.REGISTER_STEP,
}
STAGE_MODULES = {
    "process": "processing",
    "train": "training",
    "evaluate": "evaluation",
    "register": "satisfaction register",
}


@pytest.fixture(scope="module")
def stages() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(DVC_FILE.read_text(encoding="utf-8"))["stages"]


@pytest.fixture(scope="module")
def params() -> dict[str, Any]:
    return yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return json.loads(
        pd.build_pipeline_definition(
            role_arn="arn:aws:iam::123456789012:role/pipeline-role",
            region="eu-west-1",
            artifacts_bucket="artifacts-bucket",
            code_uri="s3://assets-bucket/sourcedir.tar.gz",
            model_package_group="airline-passenger-satisfaction",
        )
    )


@pytest.fixture(scope="module")
def steps(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["Name"]: step for step in all_steps(definition["Steps"])}


def all_steps(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for step in steps:
        yield step
        if step["Type"] == "Condition":
            yield from all_steps(step["Arguments"]["IfSteps"])
            yield from all_steps(step["Arguments"]["ElseSteps"])


def step_dependencies(steps: dict[str, dict[str, Any]], name: str) -> set[str]:
    """Job steps that ``name`` reads from, looking through the condition step."""
    text = json.dumps(steps[name]["Arguments"])
    found = set(re.findall(r'"Get": "Steps\.(\w+)', text))
    return {step for step in found if step != pd.GATE_STEP}


def stage_outputs(stage: dict[str, Any]) -> list[str]:
    outputs = []
    for item in stage.get("outs", []):
        outputs.append(item if isinstance(item, str) else next(iter(item)))
    return outputs


def stage_dependencies(stages: dict[str, dict[str, Any]], name: str) -> set[str]:
    """Stages whose outputs stage ``name`` lists among its deps."""
    found = set()
    for dependency in stages[name].get("deps", []):
        for other, stage in stages.items():
            if other == name:
                continue
            for output in stage_outputs(stage):
                if dependency == output or dependency.startswith(output + "/"):
                    found.add(other)
    return found


def command_module(command: str) -> str:
    words = shlex.split(command)
    if words[:2] == ["satisfaction", "register"]:
        return "satisfaction register"
    position = words.index("-m")
    return words[position + 1]


def container_options(arguments: list[Any]) -> dict[str, Any]:
    """Map ``--name value`` pairs of container arguments to {name: value}."""
    options = {}
    for position, word in enumerate(arguments):
        if isinstance(word, str) and word.startswith("--"):
            following = arguments[position + 1 : position + 2]
            value = following[0] if following else None
            if isinstance(value, str) and value.startswith("--"):
                value = None
            options[word[2:].replace("-", "_")] = value
    return options


def as_number(value: Any) -> float:
    return float(json.loads(value) if isinstance(value, str) else value)


# --- stages and steps ------------------------------------------------------------


def test_stages_in_pipeline_order(stages: dict[str, dict[str, Any]]) -> None:
    assert list(stages) == list(STAGE_STEPS)


def test_steps_run_in_stage_order(steps: dict[str, dict[str, Any]]) -> None:
    order = list(steps)
    positions = [order.index(step) for step in STAGE_STEPS.values()]
    assert positions == sorted(positions)


def test_stage_dependencies_match_steps(
    stages: dict[str, dict[str, Any]], steps: dict[str, dict[str, Any]]
) -> None:
    for stage, step in STAGE_STEPS.items():
        expected = {STAGE_STEPS[name] for name in stage_dependencies(stages, stage)}
        assert step_dependencies(steps, step) == expected, stage


def test_stages_run_same_modules(
    stages: dict[str, dict[str, Any]], steps: dict[str, dict[str, Any]]
) -> None:
    for stage, module in STAGE_MODULES.items():
        assert command_module(stages[stage]["cmd"]) == module, stage

    for step, module in [
        (pd.PROCESS_STEP, "processing"),
        (pd.EVALUATE_STEP, "evaluation"),
    ]:
        arguments = steps[step]["Arguments"]["AppSpecification"]["ContainerArguments"]
        assert arguments[0] == module, step
    program = steps[pd.TRAIN_STEP]["Arguments"]["HyperParameters"]["sagemaker_program"]
    assert json.loads(program) == "training"
    assert steps[pd.REGISTER_STEP]["Type"] == "RegisterModel"


def test_training_reads_processing_splits(
    stages: dict[str, dict[str, Any]], steps: dict[str, dict[str, Any]]
) -> None:
    process_outputs = set(stage_outputs(stages["process"]))
    local_splits = {
        Path(dependency).name
        for dependency in stages["train"]["deps"]
        if dependency in process_outputs
    }
    channels = {
        channel["ChannelName"]
        for channel in steps[pd.TRAIN_STEP]["Arguments"]["InputDataConfig"]
    }
    assert channels == local_splits


def test_evaluation_reads_test_split(
    stages: dict[str, dict[str, Any]], steps: dict[str, dict[str, Any]]
) -> None:
    process_outputs = set(stage_outputs(stages["process"]))
    local_splits = {
        Path(dependency).name
        for dependency in stages["evaluate"]["deps"]
        if dependency in process_outputs
    }
    inputs = steps[pd.EVALUATE_STEP]["Arguments"]["ProcessingInputs"]
    cloud_splits = {
        item["InputName"]
        for item in inputs
        if "Steps.Process" in json.dumps(item["S3Input"]["S3Uri"])
    }
    assert cloud_splits == local_splits


# --- parameters ------------------------------------------------------------------


def test_process_options_match_params(
    params: dict[str, Any], steps: dict[str, dict[str, Any]]
) -> None:
    arguments = steps[pd.PROCESS_STEP]["Arguments"]["AppSpecification"]
    options = container_options(arguments["ContainerArguments"])
    for name, value in params["process"].items():
        assert name in options, f"params.yaml process.{name} is not passed"
        assert as_number(options[name]) == float(value), name


def test_process_defaults_match_processing_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from processing.step import build_parser

    # The parser's defaults come from settings, so read them without overrides.
    for variable in list(os.environ):
        if variable.startswith("SATISFACTION_"):
            monkeypatch.delenv(variable)
    get_settings.cache_clear()
    try:
        parsed = vars(build_parser().parse_args(["--input", "survey.csv"]))
    finally:
        get_settings.cache_clear()

    for name, value in pd.default_process_arguments().items():
        assert float(value) == float(parsed[name]), name


def test_hyperparameters_match_params(
    params: dict[str, Any], steps: dict[str, dict[str, Any]]
) -> None:
    hyperparameters = {
        name: value
        for name, value in steps[pd.TRAIN_STEP]["Arguments"]["HyperParameters"].items()
        if not name.startswith("sagemaker_")
    }
    fields = Hyperparameters.model_fields
    # A default computed on the machine (nthread: the CPU count) may be pinned in
    # params.yaml for local runs, while the training job computes its own.
    machine_dependent = {
        name for name, field in fields.items() if field.default_factory is not None
    }
    assert set(hyperparameters) == set(params["train"]) - machine_dependent
    for name, value in hyperparameters.items():
        assert as_number(value) == float(params["train"][name]), name


def test_training_stage_passes_all_params(stages: dict[str, dict[str, Any]]) -> None:
    # `${train}` expands the whole params.yaml train section into --name value.
    assert "${train}" in stages["train"]["cmd"]
    assert stages["train"]["params"] == ["train"]


def test_gate_defaults_match_params(
    params: dict[str, Any], definition: dict[str, Any]
) -> None:
    defaults = {
        parameter["Name"]: parameter["DefaultValue"]
        for parameter in definition["Parameters"]
    }
    assert defaults[pd.MIN_ROC_AUC] == params["gate"]["min_roc_auc"]
    assert defaults[pd.MIN_ACCURACY] == params["gate"]["min_accuracy"]


def test_gate_reaches_evaluation_both_ways(
    stages: dict[str, dict[str, Any]], steps: dict[str, dict[str, Any]]
) -> None:
    for stage in ("evaluate", "register"):
        command = stages[stage]["cmd"]
        assert "--min-roc-auc ${gate.min_roc_auc}" in command, stage
        assert "--min-accuracy ${gate.min_accuracy}" in command, stage

    arguments = steps[pd.EVALUATE_STEP]["Arguments"]["AppSpecification"]
    options = container_options(arguments["ContainerArguments"])
    assert f"Parameters.{pd.MIN_ROC_AUC}" in json.dumps(options["min_roc_auc"])
    assert f"Parameters.{pd.MIN_ACCURACY}" in json.dumps(options["min_accuracy"])
