"""The register step and the registry commands, with the local backend."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from registry_support import make_model

from satisfaction import cli as satisfaction_cli
from satisfaction.artifact import read_metadata
from satisfaction.config import get_settings
from satisfaction.registry.cli import main, register_main
from satisfaction.registry.local import LocalModelRegistry

GROUP = "cli-group"


@pytest.fixture(autouse=True)
def local_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run each command in an empty folder with a local registry in it."""
    monkeypatch.chdir(tmp_path)
    for name in ("MODEL_URI", "MIN_ROC_AUC", "MIN_ACCURACY", "REGISTRY_BACKEND"):
        monkeypatch.delenv(f"SATISFACTION_{name}", raising=False)
    monkeypatch.setenv("SATISFACTION_REGISTRY_DIR", str(tmp_path / "registry"))
    monkeypatch.setenv("SATISFACTION_MODEL_PACKAGE_GROUP", GROUP)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def registry(tmp_path: Path) -> LocalModelRegistry:
    return LocalModelRegistry(tmp_path / "registry", GROUP)


def write_evaluation(
    path: Path, model_dir: Path, roc_auc: float = 0.995, accuracy: float = 0.97
) -> Path:
    """Write an evaluation.json in the layout the evaluation step produces."""

    def metric(value: float) -> dict:
        return {"value": value, "standard_deviation": "NaN"}

    report = {
        "binary_classification_metrics": {
            "accuracy": metric(accuracy),
            "precision": metric(0.96),
            "recall": metric(0.95),
            "f1": metric(0.955),
            "roc_auc": metric(roc_auc),
            "pr_auc": metric(0.99),
            "log_loss": metric(0.1),
            "brier_score": metric(0.03),
            "confusion_matrix": {"0": {"0": 50, "1": 2}, "1": {"0": 3, "1": 45}},
        },
        "model_sha256": read_metadata(model_dir).model_sha256,
        "test_rows": 100,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report))
    return path


@pytest.fixture
def trained(tmp_path: Path) -> Path:
    """A model and its evaluation at the default paths of the register step."""
    model_dir = make_model(tmp_path / "artifacts" / "model", seed=1)
    write_evaluation(
        tmp_path / "artifacts" / "evaluation" / "evaluation.json", model_dir
    )
    return model_dir


def registration(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "artifacts/registration.json").read_text())


# satisfaction register


def test_register_passes_gate(trained, registry, tmp_path, capsys):
    assert register_main([]) == 0

    output = capsys.readouterr().out
    assert "Quality gate passed" in output
    assert "Registered version 1" in output
    package = registry.get(1)
    assert package.approval_status.value == "PendingManualApproval"
    assert package.metrics["roc_auc"] == 0.995
    assert package.metrics["brier_score"] == 0.03
    assert "confusion_matrix" not in package.metrics
    assert (Path(package.model_uri) / "evaluation.json").is_file()
    result = registration(tmp_path)
    assert result["registered"] is True
    assert result["version"] == 1
    assert result["approval_status"] == "PendingManualApproval"


def test_register_below_gate_exits_one(tmp_path, registry, capsys):
    model_dir = make_model(tmp_path / "artifacts" / "model", seed=1)
    evaluation = tmp_path / "artifacts" / "evaluation" / "evaluation.json"
    write_evaluation(evaluation, model_dir, roc_auc=0.93, accuracy=0.97)

    assert register_main([]) == 1

    error = capsys.readouterr().err
    assert "Quality gate failed" in error
    assert "roc_auc      0.9300  minimum 0.9900  FAIL" in error
    assert "accuracy     0.9700  minimum 0.9500  pass" in error
    assert registry.list_versions() == []
    result = registration(tmp_path)
    assert result["registered"] is False
    assert result["version"] is None
    assert [check["passed"] for check in result["gate"]] == [False, True]


def test_register_thresholds_from_options(trained, registry):
    assert register_main(["--min-accuracy", "0.99"]) == 1
    assert registry.list_versions() == []

    assert register_main(["--min-accuracy", "0.90", "--min-roc-auc", "0.9"]) == 0
    assert [package.version for package in registry.list_versions()] == [1]


def test_register_thresholds_from_settings(trained, registry, monkeypatch):
    monkeypatch.setenv("SATISFACTION_MIN_ROC_AUC", "0.999")
    get_settings.cache_clear()

    assert register_main([]) == 1
    assert registry.list_versions() == []


def test_register_nan_metric_fails_gate(tmp_path, registry, capsys):
    model_dir = make_model(tmp_path / "artifacts" / "model", seed=1)
    evaluation = tmp_path / "artifacts" / "evaluation" / "evaluation.json"
    write_evaluation(evaluation, model_dir, roc_auc=math.nan)

    assert register_main([]) == 1
    assert "roc_auc" in capsys.readouterr().err
    assert registry.list_versions() == []


def test_register_mismatched_evaluation_exits_two(tmp_path, registry, capsys):
    model_dir = make_model(tmp_path / "artifacts" / "model", seed=1)
    other = make_model(tmp_path / "other", seed=2)
    write_evaluation(tmp_path / "artifacts/evaluation/evaluation.json", other)

    assert register_main(["--model-dir", str(model_dir)]) == 2

    assert "evaluate this model again" in capsys.readouterr().err
    assert registry.list_versions() == []


def test_register_missing_evaluation_exits_two(tmp_path, capsys):
    make_model(tmp_path / "artifacts" / "model", seed=1)

    assert register_main([]) == 2
    assert "evaluation report not found" in capsys.readouterr().err


def test_register_invalid_evaluation_exits_two(tmp_path, capsys):
    make_model(tmp_path / "artifacts" / "model", seed=1)
    evaluation = tmp_path / "artifacts" / "evaluation" / "evaluation.json"
    evaluation.parent.mkdir(parents=True)
    evaluation.write_text('{"binary_classification_metrics": {}}')

    assert register_main([]) == 2
    assert "is invalid" in capsys.readouterr().err


def test_register_corrupt_model_exits_two(trained, registry, capsys):
    (trained / "model.ubj").write_bytes(b"garbage")

    assert register_main([]) == 2
    assert "SHA-256" in capsys.readouterr().err
    assert registry.list_versions() == []


def test_register_as_approved_and_custom_output(trained, registry, tmp_path):
    output = tmp_path / "out" / "result.json"

    code = register_main(["--approval-status", "Approved", "--output", str(output)])

    assert code == 0
    assert json.loads(output.read_text())["approval_status"] == "Approved"
    assert registry.latest_approved().version == 1


def test_register_same_model_twice_reuses_version(trained, registry, tmp_path, capsys):
    assert register_main([]) == 0
    registry.approve(1)
    capsys.readouterr()
    (tmp_path / "artifacts/registration.json").unlink()

    assert register_main([]) == 0

    output = capsys.readouterr().out
    assert "already registered as version 1 (Approved)" in output
    assert "--approval-status PendingManualApproval was not applied" in output
    assert [package.version for package in registry.list_versions()] == [1]
    result = registration(tmp_path)
    assert result["registered"] is True
    assert result["version"] == 1
    assert result["approval_status"] == "Approved"
    assert result["model_sha256"] == registry.get(1).model_sha256


def test_register_other_model_adds_version(trained, registry, tmp_path):
    assert register_main([]) == 0
    make_model(trained, seed=2)
    write_evaluation(tmp_path / "artifacts" / "evaluation" / "evaluation.json", trained)

    assert register_main([]) == 0

    assert [package.version for package in registry.list_versions()] == [1, 2]
    assert registration(tmp_path)["version"] == 2


def test_register_through_top_level_command(trained, registry):
    assert satisfaction_cli.main(["register"]) == 0
    assert [package.version for package in registry.list_versions()] == [1]


# satisfaction registry


@pytest.fixture
def three_versions(registry, tmp_path) -> LocalModelRegistry:
    for seed in (1, 2, 3):
        registry.register(
            str(make_model(tmp_path / f"model-{seed}", seed)),
            {"accuracy": 0.95 + seed / 100, "roc_auc": 0.99},
        )
    return registry


def test_list_marks_serving_version(three_versions, capsys):
    three_versions.approve(1)
    three_versions.approve(2)

    assert main(["list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[-6]: line for line in lines[1:4]}
    assert rows["2"].startswith("*")
    assert not rows["1"].startswith("*")
    assert "PendingManualApproval" in rows["3"]
    assert "0.9600" in rows["1"]


def test_list_empty_registry(capsys):
    assert main(["list"]) == 0
    assert "No versions registered yet" in capsys.readouterr().out


def test_show_prints_json(three_versions, capsys):
    three_versions.approve(2, "reviewed")

    assert main(["show", "2"]) == 0

    document = json.loads(capsys.readouterr().out)
    assert document["version"] == 2
    assert document["approval_status"] == "Approved"
    assert document["history"][-1]["reason"] == "reviewed"
    assert document["metrics"]["accuracy"] == pytest.approx(0.97)


def test_approve_and_reject(three_versions, capsys):
    assert main(["approve", "3", "--reason", "release"]) == 0
    assert "Serving version 3" in capsys.readouterr().out

    assert main(["reject", "3", "--reason", "regression"]) == 0
    output = capsys.readouterr().out
    assert "Version 3 is Rejected" in output
    assert "No approved model yet" in output
    assert three_versions.get(3).history[-1].reason == "regression"


def test_rollback_prints_serving_version(three_versions, capsys):
    three_versions.approve(1)
    three_versions.approve(3)

    assert main(["rollback", "--reason", "latency"]) == 0

    output = capsys.readouterr().out
    assert "version 1 is the serving version" in output
    assert "A running API picks up the change within" in output
    assert "SATISFACTION_MODEL_RETRY_SECONDS" in output
    assert three_versions.get(3).approval_status.value == "Rejected"


def test_rollback_without_earlier_version_fails(three_versions, capsys):
    three_versions.approve(3)

    assert main(["rollback"]) == 1
    assert "approve an earlier version first" in capsys.readouterr().err


def test_serving_without_approved_version(three_versions, capsys):
    assert main(["serving"]) == 1
    assert "No approved model yet" in capsys.readouterr().out


def test_serving_reports_pinned_model_uri(three_versions, monkeypatch, capsys):
    three_versions.approve(1)
    monkeypatch.setenv("SATISFACTION_MODEL_URI", "/models/pinned")
    get_settings.cache_clear()

    assert main(["serving"]) == 0

    output = capsys.readouterr().out
    assert "SATISFACTION_MODEL_URI is set" in output
    assert "Serving version 1" in output


def test_unknown_version_exits_one(three_versions, capsys):
    assert main(["approve", "9"]) == 1
    assert "version 9 not found" in capsys.readouterr().err


def test_approve_twice_is_noop(three_versions, capsys):
    three_versions.approve(1)

    assert main(["approve", "1"]) == 0
    assert len(three_versions.get(1).history) == 2


def test_non_numeric_version_is_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["show", "latest"])
    assert exit_info.value.code == 2
    assert "invalid int value" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["list", "--help"],
        ["show", "--help"],
        ["approve", "--help"],
        ["reject", "--help"],
        ["rollback", "--help"],
        ["serving", "--help"],
    ],
)
def test_help_for_each_command(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "usage: satisfaction registry" in capsys.readouterr().out


def test_register_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        register_main(["--help"])
    assert exit_info.value.code == 0
    assert "--min-roc-auc" in capsys.readouterr().out


# SageMaker backend


@pytest.fixture
def sagemaker_settings(monkeypatch, mocked_aws):
    import boto3

    monkeypatch.setenv("SATISFACTION_REGISTRY_BACKEND", "sagemaker")
    monkeypatch.setenv("SATISFACTION_AWS_REGION", "us-east-1")
    get_settings.cache_clear()
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="cli-models")


def test_register_and_list_with_sagemaker(trained, sagemaker_settings, capsys):
    code = register_main(
        [
            "--upload-prefix",
            "s3://cli-models/packages",
            "--evaluation-s3-uri",
            "s3://cli-models/evaluation/evaluation.json",
        ]
    )

    assert code == 0
    assert "Registered version 1" in capsys.readouterr().out
    assert main(["approve", "1"]) == 0
    assert main(["list"]) == 0
    output = capsys.readouterr().out
    assert "* " in output
    assert "0.9700" in output


def test_sagemaker_register_same_model_twice(trained, sagemaker_settings, capsys):
    import boto3

    argv = [
        *("--upload-prefix", "s3://cli-models/packages"),
        *("--evaluation-s3-uri", "s3://cli-models/evaluation/evaluation.json"),
    ]
    assert register_main(argv) == 0
    capsys.readouterr()

    assert register_main(argv) == 0

    assert "already registered as version 1 (PendingManualApproval)" in (
        capsys.readouterr().out
    )
    packages = boto3.client("sagemaker", region_name="us-east-1").list_model_packages(
        ModelPackageGroupName=GROUP
    )["ModelPackageSummaryList"]
    assert [package["ModelPackageVersion"] for package in packages] == [1]


def test_sagemaker_register_without_upload_prefix_fails(
    trained, sagemaker_settings, capsys
):
    assert register_main([]) == 1
    assert "artifact prefix" in capsys.readouterr().err
