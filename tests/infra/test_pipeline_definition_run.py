"""Run the definition's jobs locally: the step programs accept what SageMaker passes.

Each job runs as a subprocess with the container arguments, environment and
hyperparameters taken from the definition, and with the ``/opt/ml`` paths
mapped into a temporary folder. SageMaker's part is imitated: processing
outputs become training channels (``SM_CHANNEL_*``), the model folder is packed
into ``model.tar.gz`` for the evaluation job, and the gate's JSON paths are
read from the evaluation job's property file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from infra import pipeline_definition as pd
from satisfaction.synthetic import write_csv

pytestmark = pytest.mark.slow

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_REFERENCE = re.compile(
    r"Steps\.(\w+)\.ProcessingOutputConfig\.Outputs\['(\w+)'\]"
)


class LocalRun:
    """The definition's jobs, run one after another on this machine."""

    def __init__(self, definition: dict[str, Any], root: Path) -> None:
        self.root = root
        self.steps = {step["Name"]: step for step in _all_steps(definition["Steps"])}
        self.parameters = {
            parameter["Name"]: parameter["DefaultValue"]
            for parameter in definition["Parameters"]
        }
        self.model_dir = root / "model"

    def local(self, container_path: str) -> str:
        """Map a container path under /opt/ml to the temporary folder."""
        return container_path.replace("/opt/ml", str(self.root))

    def resolve(self, value: Any) -> str:
        """Resolve a parameter reference or a Join of them to its default value."""
        if isinstance(value, str):
            return self.local(value)
        if "Get" in value:
            return str(self.parameters[value["Get"].removeprefix("Parameters.")])
        join = value["Std:Join"]
        return join["On"].join(self.resolve(item) for item in join["Values"])

    def output_dir(self, reference: dict[str, Any]) -> Path:
        """Return the local folder of the processing output a reference names."""
        step_name, output_name = OUTPUT_REFERENCE.match(reference["Get"]).groups()
        outputs = self.steps[step_name]["Arguments"]["ProcessingOutputConfig"]
        for output in outputs["Outputs"]:
            if output["OutputName"] == output_name:
                return Path(self.local(output["S3Output"]["LocalPath"]))
        raise KeyError(output_name)

    def run_module(self, arguments: list[str], environment: dict[str, str]) -> None:
        result = subprocess.run(
            [sys.executable, "-m", *arguments],
            capture_output=True,
            text=True,
            cwd=self.root,
            env={**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT), **environment},
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def run_processing(self, step_name: str) -> None:
        arguments = self.steps[step_name]["Arguments"]
        for item in arguments["ProcessingInputs"]:
            if item["InputName"] == "code":
                continue
            source = item["S3Input"]["S3Uri"]
            local_path = Path(self.local(item["S3Input"]["LocalPath"]))
            local_path.mkdir(parents=True, exist_ok=True)
            if source == {
                "Get": f"Steps.{pd.TRAIN_STEP}.ModelArtifacts.S3ModelArtifacts"
            }:
                # SageMaker stores the training job's model folder as model.tar.gz.
                with tarfile.open(local_path / "model.tar.gz", "w:gz") as archive:
                    for file in sorted(self.model_dir.iterdir()):
                        archive.add(file, arcname=file.name)
        container_arguments = [
            self.resolve(value)
            for value in arguments["AppSpecification"]["ContainerArguments"]
        ]
        environment = {
            name: self.resolve(value)
            for name, value in arguments.get("Environment", {}).items()
        }
        self.run_module(container_arguments, environment)

    def run_training(self) -> None:
        arguments = self.steps[pd.TRAIN_STEP]["Arguments"]
        environment = {
            name: self.local(value) for name, value in arguments["Environment"].items()
        }
        environment["PYTHONPATH"] = str(REPOSITORY_ROOT)
        for channel in arguments["InputDataConfig"]:
            source = channel["DataSource"]["S3DataSource"]["S3Uri"]
            environment[f"SM_CHANNEL_{channel['ChannelName'].upper()}"] = str(
                self.output_dir(source)
            )
        environment["SM_MODEL_DIR"] = str(self.model_dir)
        environment["SM_OUTPUT_DATA_DIR"] = str(self.root / "output" / "data")
        (self.root / "output" / "data").mkdir(parents=True)

        # Like the script-mode container: decode each value's JSON, pass it as
        # --name value, keep the sagemaker_ ones and run python -m <program>.
        hyperparameters = arguments["HyperParameters"]
        program = json.loads(hyperparameters["sagemaker_program"])
        options = []
        for name, value in hyperparameters.items():
            if not name.startswith("sagemaker_"):
                options += [f"--{name}", str(json.loads(value))]
        self.run_module([program.removesuffix(".py"), *options], environment)

    def gate_figures(self) -> dict[str, float]:
        """Read the JSON paths of the gate's conditions from the property file."""
        evaluate = self.steps[pd.EVALUATE_STEP]
        (property_file,) = evaluate["PropertyFiles"]
        outputs = evaluate["Arguments"]["ProcessingOutputConfig"]["Outputs"]
        output = next(
            item
            for item in outputs
            if item["OutputName"] == property_file["OutputName"]
        )
        report_path = (
            Path(self.local(output["S3Output"]["LocalPath"]))
            / property_file["FilePath"]
        )
        report = json.loads(report_path.read_text(encoding="utf-8"))

        figures = {}
        for condition in self.steps[pd.GATE_STEP]["Arguments"]["Conditions"]:
            path = condition["LeftValue"]["Std:JsonGet"]["Path"]
            value: Any = report
            for key in path.split("."):
                value = value[key]
            figures[path] = value
        return figures


def _all_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for step in steps:
        found.append(step)
        if step["Type"] == "Condition":
            found += _all_steps(step["Arguments"]["IfSteps"])
            found += _all_steps(step["Arguments"]["ElseSteps"])
    return found


def test_jobs_run_locally_from_definition(tmp_path: Path) -> None:
    # GIVEN the definition and a synthetic survey file where the data input lands
    definition = json.loads(
        pd.build_pipeline_definition(
            role_arn="arn:aws:iam::123456789012:role/pipeline-role",
            region="eu-west-1",
            artifacts_bucket="artifacts-bucket",
            code_uri="s3://assets-bucket/sourcedir.tar.gz",
            model_package_group="airline-passenger-satisfaction",
        )
    )
    run = LocalRun(definition, tmp_path)
    process_inputs = run.steps[pd.PROCESS_STEP]["Arguments"]["ProcessingInputs"]
    data_dir = Path(run.local(process_inputs[0]["S3Input"]["LocalPath"]))
    data_dir.mkdir(parents=True)
    write_csv(data_dir / "survey.csv", 1500, seed=3, layout="train")

    # WHEN the three jobs run with the definition's arguments
    run.run_processing(pd.PROCESS_STEP)
    run.run_training()
    run.run_processing(pd.EVALUATE_STEP)

    # THEN every output exists and the gate's JSON paths read numbers
    for name in pd.PROCESSING_OUTPUTS:
        assert any((tmp_path / "processing" / name).iterdir()), name
    assert (run.model_dir / "model.ubj").is_file()
    assert (run.model_dir / "metadata.json").is_file()
    figures = run.gate_figures()
    assert set(figures) == {pd.ROC_AUC_PATH, pd.ACCURACY_PATH}
    for path, value in figures.items():
        assert isinstance(value, float), path
        assert 0.0 <= value <= 1.0, path
