"""Whole-app checks: cdk-nag enforcement, reproducible synths, optional MLflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from infra.nag import add_nag_checks, resource_finding

pytestmark = [pytest.mark.cdk, pytest.mark.slow]


def asset_hashes(outdir: Path) -> dict[str, str]:
    """Return asset id -> source hash from every assets manifest in ``outdir``."""
    hashes: dict[str, str] = {}
    for manifest in sorted(outdir.glob("*.assets.json")):
        document = json.loads(manifest.read_text())
        for kind in ("files", "dockerImages"):
            for asset_id, asset in document.get(kind, {}).items():
                hashes[asset_id] = asset["source"].get("path", "")
    return hashes


@pytest.fixture(scope="module")
def two_synths(
    tmp_path_factory: pytest.TempPathFactory, stub_bundle: Path, synthesize_app
) -> list[Any]:
    """Two synths of the default app in fresh output folders."""
    results = []
    for _ in range(2):
        outdir = tmp_path_factory.mktemp("cdk.out")
        _app, _stack, template = synthesize_app(outdir, stub_bundle)
        results.append((template, asset_hashes(outdir)))
    return results


def test_synth_templates_identical(two_synths: list[Any]) -> None:
    (first, _), (second, _) = two_synths

    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_synth_asset_hashes_identical(two_synths: list[Any]) -> None:
    (_, first), (_, second) = two_synths

    assert first
    assert first == second


def test_mlflow_server_can_be_disabled(
    tmp_path: Path, stub_bundle: Path, synthesize_app
) -> None:
    _app, _stack, template = synthesize_app(
        tmp_path, stub_bundle, mlflowTrackingServer="false"
    )
    types = {resource["Type"] for resource in template["Resources"].values()}
    policies = json.dumps(
        [
            resource["Properties"]["PolicyDocument"]
            for resource in template["Resources"].values()
            if resource["Type"] == "AWS::IAM::Policy"
        ]
    )

    assert "AWS::SageMaker::MlflowTrackingServer" not in types
    assert "sagemaker-mlflow" not in policies
    assert "MlflowTrackingServerArn" not in template["Outputs"]


def test_nag_rejects_unacknowledged_finding(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    add_nag_checks(app)
    stack = Stack(app, "Insecure")
    s3.Bucket(stack, "Plain")

    with pytest.raises(Exception, match="AwsSolutions-S1"):
        app.synth()


def test_resource_finding_renders_tokens() -> None:
    stack = Stack(App(), "Findings")
    bucket = s3.Bucket(stack, "Data")
    role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal())
    logical_id = stack.get_logical_id(bucket.node.default_child)

    assert resource_finding(role, bucket.arn_for_objects("raw/*")) == (
        f"Resource::<{logical_id}.Arn>/raw/*"
    )
    assert resource_finding(role, "*") == "Resource::*"
