"""The GitHub Actions workflows: actionlint, plus the deployment's safety settings."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS_DIR = REPOSITORY_ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS_DIR.glob("*.yml"))

# An action reference pinned to a release tag (v4.2.2) or a full commit SHA.
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")


def find_actionlint() -> str | None:
    """Return the actionlint installed beside this Python, else the one on PATH."""
    beside_python = Path(sys.executable).parent / "actionlint"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("actionlint")


def load(name: str) -> dict[Any, Any]:
    with (WORKFLOWS_DIR / name).open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def workflow_triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
    return workflow.get("on", workflow.get(True))


def test_workflows_exist() -> None:
    names = {path.name for path in WORKFLOW_FILES}
    assert {"ci.yml", "deploy.yml"} <= names


def test_actionlint_passes() -> None:
    actionlint = find_actionlint()
    if actionlint is None:
        pytest.skip(
            "actionlint not found: pip install -r requirements-dev.txt installs it "
            "on Linux and Windows; on macOS run brew install actionlint"
        )
    result = subprocess.run(
        [actionlint, "-no-color", *map(str, WORKFLOW_FILES)],
        capture_output=True,
        text=True,
        cwd=REPOSITORY_ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_actions_are_pinned(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            if "uses" in step:
                assert PINNED_ACTION.match(step["uses"]), (job_name, step["uses"])


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_default_token_is_read_only(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["permissions"] == {"contents": "read"}


def test_ci_runs_test_lint_and_synth() -> None:
    workflow = load("ci.yml")
    triggers = workflow_triggers(workflow)
    commands = [
        step["run"] for step in workflow["jobs"]["test"]["steps"] if "run" in step
    ]

    assert "pull_request" in triggers
    assert "push" in triggers
    assert commands == ["make test", "make lint", "make synth"]


def test_ci_sets_up_python_and_node() -> None:
    steps = load("ci.yml")["jobs"]["test"]["steps"]
    settings = {
        step["uses"].split("@")[0]: step.get("with", {})
        for step in steps
        if "uses" in step
    }

    assert settings["actions/setup-python"]["python-version"] == "3.11"
    assert settings["actions/setup-python"]["cache"] == "pip"
    assert settings["actions/setup-node"]["node-version"] == "20"
    assert settings["actions/setup-node"]["cache"] == "npm"


def test_deploy_requires_environment_and_oidc() -> None:
    workflow = load("deploy.yml")
    job = workflow["jobs"]["deploy"]
    credentials = next(
        step
        for step in job["steps"]
        if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    )

    assert job["environment"] == "production"
    assert job["permissions"] == {"id-token": "write", "contents": "read"}
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert "aws-access-key-id" not in credentials["with"]
    assert "secrets." not in (WORKFLOWS_DIR / "deploy.yml").read_text(encoding="utf-8")


def test_deploy_follows_ci_on_main() -> None:
    workflow = load("deploy.yml")
    triggers = workflow_triggers(workflow)
    condition = workflow["jobs"]["deploy"]["if"]

    assert triggers["workflow_run"]["workflows"] == ["CI"]
    assert triggers["workflow_run"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers
    assert "github.event.workflow_run.conclusion == 'success'" in condition
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_deploy_deploys_then_starts_pipeline() -> None:
    steps = load("deploy.yml")["jobs"]["deploy"]["steps"]
    commands = [step["run"] for step in steps if "run" in step]

    assert commands[0] == "make synth"
    assert "cdk deploy --app cdk.out --all" in commands[1]
    assert "--require-approval never" in commands[1]
    assert "aws sagemaker start-pipeline-execution" in commands[2]
    assert "PipelineName" in commands[2]
