"""Command-line interface of the model registry.

``register_main`` is the ``satisfaction register`` pipeline step: it applies
the quality gate to an evaluation report and registers the model as a new
version. ``main`` is ``satisfaction registry``: list, show, approve, reject,
roll back and show the serving version. The backend (local folder or
SageMaker) comes from the settings (``SATISFACTION_REGISTRY_BACKEND``).

Exit codes: 0 success, 1 the gate failed or the registry rejected the
request, 2 invalid arguments or input files.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from dataclasses import asdict
from datetime import UTC
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from satisfaction.config import Settings, get_settings
from satisfaction.logs import configure_logging
from satisfaction.registry import open_registry
from satisfaction.registry.base import (
    ApprovalStatus,
    ModelPackage,
    ModelRegistry,
    RegistryError,
)

logger = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = Path("artifacts/model")
DEFAULT_EVALUATION = Path("artifacts/evaluation/evaluation.json")
# Outside artifacts/evaluation, which is the evaluate stage's DVC output.
DEFAULT_OUTPUT = Path("artifacts/registration.json")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


# Evaluation report (evaluation.json, SageMaker model-quality layout)


class MetricValue(BaseModel):
    value: float


class EvaluationReport(BaseModel):
    """The fields of evaluation.json that registration reads."""

    model_config = ConfigDict(extra="ignore")

    binary_classification_metrics: dict[str, MetricValue | dict] = Field(min_length=1)
    model_sha256: str
    test_rows: int = Field(ge=1)

    def scalar_metrics(self) -> dict[str, float]:
        """Return every metric with a single value (the confusion matrix is skipped)."""
        return {
            name: metric.value
            for name, metric in self.binary_classification_metrics.items()
            if isinstance(metric, MetricValue)
        }


class InputError(Exception):
    """An input file of the register step is missing, invalid or mismatched."""


def read_evaluation(path: Path) -> EvaluationReport:
    try:
        return EvaluationReport.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise InputError(
            f"evaluation report not found: {path}; run 'satisfaction evaluate' first"
        ) from None
    except ValidationError as error:
        raise InputError(f"evaluation report {path} is invalid: {error}") from None


# Quality gate


class GateCheck(BaseModel):
    metric: str
    value: float | None
    minimum: float
    passed: bool


def apply_gate(
    metrics: dict[str, float], minimums: dict[str, float]
) -> list[GateCheck]:
    """Compare each metric with its minimum; a missing or NaN metric fails."""
    checks = []
    for name, minimum in minimums.items():
        value = metrics.get(name)
        passed = value is not None and math.isfinite(value) and value >= minimum
        checks.append(
            GateCheck(metric=name, value=value, minimum=minimum, passed=passed)
        )
    return checks


def format_gate(checks: list[GateCheck]) -> str:
    lines = []
    for check in checks:
        value = "missing" if check.value is None else f"{check.value:.4f}"
        verdict = "pass" if check.passed else "FAIL"
        lines.append(
            f"  {check.metric:<10} {value:>8}  minimum {check.minimum:.4f}  {verdict}"
        )
    return "\n".join(lines)


class RegistrationResult(BaseModel):
    """Contents of registration.json, the register step's output."""

    registered: bool
    group: str
    version: int | None
    approval_status: ApprovalStatus | None
    model_uri: str | None
    model_sha256: str
    gate: list[GateCheck]


# satisfaction register


def build_register_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="satisfaction register",
        description="Apply the quality gate to the evaluation report and, if the model "
        "passes, register it as a new version of the model package group, unless a "
        "version with the same model SHA-256 exists already. Exits 1 "
        "without registering when a metric is below its minimum, and 2 when an "
        "input is missing, invalid or the evaluation belongs to another model.",
    )
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=DEFAULT_MODEL_DIR,
        help="Folder with model.ubj and metadata.json (default: %(default)s).",
    )
    parser.add_argument(
        "--evaluation",
        type=Path,
        default=DEFAULT_EVALUATION,
        help="evaluation.json of this model (default: %(default)s).",
    )
    parser.add_argument(
        "--min-roc-auc",
        type=float,
        default=settings.min_roc_auc,
        help="Minimum test ROC-AUC, 0 to 1 (default: %(default)s, "
        "from SATISFACTION_MIN_ROC_AUC).",
    )
    parser.add_argument(
        "--min-accuracy",
        type=float,
        default=settings.min_accuracy,
        help="Minimum test accuracy, 0 to 1 (default: %(default)s, "
        "from SATISFACTION_MIN_ACCURACY).",
    )
    parser.add_argument(
        "--approval-status",
        type=ApprovalStatus,
        choices=list(ApprovalStatus),
        default=ApprovalStatus.PENDING,
        help="Approval status of the new version (default: %(default)s).",
    )
    parser.add_argument(
        "--description", default="", help="Description stored with the version."
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="Where to write the result as JSON: version, status and gate figures "
        "(default: %(default)s). Written whether or not the gate passes.",
    )

    sagemaker = parser.add_argument_group("SageMaker backend")
    sagemaker.add_argument(
        "--model-data-url",
        help="s3:// URI of the model.tar.gz that contains --model-dir's files. "
        "It is downloaded and verified before registration.",
    )
    sagemaker.add_argument(
        "--upload-prefix",
        help="s3://bucket/prefix to upload --model-dir to as model.tar.gz, when "
        "--model-data-url is not given.",
    )
    sagemaker.add_argument(
        "--evaluation-s3-uri",
        help="s3:// URI of the evaluation report, attached as the model-quality "
        "statistics of the version.",
    )
    return parser


def register_main(argv: list[str] | None = None) -> int:
    """Run ``satisfaction register``; return the exit code."""
    settings = get_settings()
    configure_logging(settings.log_level)
    args = build_register_parser(settings).parse_args(argv)

    try:
        report = read_evaluation(args.evaluation)
        model_sha256 = check_model_matches(args.model_dir, report)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE

    metrics = report.scalar_metrics()
    checks = apply_gate(
        metrics, {"roc_auc": args.min_roc_auc, "accuracy": args.min_accuracy}
    )
    registry = open_registry(settings)
    result = RegistrationResult(
        registered=False,
        group=registry.group,
        version=None,
        approval_status=None,
        model_uri=None,
        model_sha256=model_sha256,
        gate=checks,
    )

    if not all(check.passed for check in checks):
        write_result(args.output, result)
        print(
            f"Quality gate failed: model {args.model_dir} is not registered.\n"
            + format_gate(checks),
            file=sys.stderr,
        )
        return EXIT_FAILED

    # Re-running the step on the same model (DVC restoring a cached model, a
    # retried pipeline) reuses its version instead of adding an identical one.
    try:
        existing = registry.find_by_sha256(model_sha256)
    except RegistryError as error:
        write_result(args.output, result)
        print(f"error: registration failed: {error}", file=sys.stderr)
        return EXIT_FAILED
    if existing is not None:
        write_result(args.output, registered_result(result, existing))
        print("Quality gate passed.\n" + format_gate(checks))
        print(
            f"Model {model_sha256} is already registered as version "
            f"{existing.version} ({existing.approval_status.value}) of "
            f"{existing.group}: {existing.model_uri}"
        )
        if args.approval_status is not existing.approval_status:
            print(
                f"--approval-status {args.approval_status.value} was not applied; "
                "change the status with 'satisfaction registry approve|reject "
                f"{existing.version}'."
            )
        return EXIT_OK

    try:
        package = registry.register(
            model_source(args, registry),
            metrics,
            approval_status=args.approval_status,
            description=args.description,
            evaluation_uri=evaluation_source(args, settings),
            expected_sha256=model_sha256,
        )
    except RegistryError as error:
        write_result(args.output, result)
        print(f"error: registration failed: {error}", file=sys.stderr)
        return EXIT_FAILED

    write_result(args.output, registered_result(result, package))
    print("Quality gate passed.\n" + format_gate(checks))
    print(
        f"Registered version {package.version} of {package.group} "
        f"as {package.approval_status.value}: {package.model_uri}"
    )
    return EXIT_OK


def registered_result(
    result: RegistrationResult, package: ModelPackage
) -> RegistrationResult:
    """Return ``result`` filled in with the version that contains the model."""
    return result.model_copy(
        update={
            "registered": True,
            "version": package.version,
            "approval_status": package.approval_status,
            "model_uri": package.model_uri,
        }
    )


def check_model_matches(model_dir: Path, report: EvaluationReport) -> str:
    """Verify the model, check the report is its evaluation, return its SHA-256."""
    from satisfaction.artifact import ArtifactError, load_model

    try:
        model = load_model(model_dir)
    except ArtifactError as error:
        raise InputError(str(error)) from None
    sha256 = model.metadata.model_sha256
    if report.model_sha256 != sha256:
        raise InputError(
            f"evaluation report is for model SHA-256 {report.model_sha256}, but "
            f"{model_dir} contains {sha256}; evaluate this model again"
        )
    return sha256


def model_source(args: argparse.Namespace, registry: ModelRegistry) -> str:
    """Return what the backend registers: the model folder or its S3 archive."""
    from satisfaction.registry.sagemaker import SageMakerModelRegistry

    if not isinstance(registry, SageMakerModelRegistry):
        return str(args.model_dir)
    if args.model_data_url:
        return args.model_data_url
    if args.upload_prefix:
        registry.artifact_prefix = args.upload_prefix
    return str(args.model_dir)


def evaluation_source(args: argparse.Namespace, settings: Settings) -> str | None:
    from satisfaction.config import RegistryBackend

    if settings.registry_backend is RegistryBackend.SAGEMAKER:
        return args.evaluation_s3_uri
    return str(args.evaluation)


def write_result(path: Path, result: RegistrationResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.model_dump_json(indent=2) + "\n")


# satisfaction registry


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="satisfaction registry",
        description="Inspect and change model versions in the model package group. "
        "The API serves the newest Approved version.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    commands.add_parser(
        "list",
        help="List the versions with status and metrics.",
        description="List every version: status, creation time, accuracy and ROC-AUC. "
        "The version the API serves is marked with '*'.",
    )
    show = commands.add_parser(
        "show",
        help="Print one version as JSON.",
        description="Print one version as JSON, with its approval history.",
    )
    show.add_argument("version", type=int, help="Version number.")

    for name, summary in (
        ("approve", "Approve a version. The newest Approved version serves."),
        (
            "reject",
            "Reject a version. If it was serving, the previous Approved one serves.",
        ),
    ):
        command = commands.add_parser(name, help=summary, description=summary)
        command.add_argument("version", type=int, help="Version number.")
        command.add_argument(
            "--reason", default="", help="Why, recorded in the approval history."
        )

    rollback = commands.add_parser(
        "rollback",
        help="Reject the serving version so the previous Approved version serves.",
        description="Reject the serving version so the previous Approved version "
        "serves. Fails when no earlier version is approved.",
    )
    rollback.add_argument(
        "--reason", default="rolled back", help="Why, recorded in the approval history."
    )

    commands.add_parser(
        "serving",
        help="Print the version the API serves.",
        description="Print the version the API serves: the newest Approved version.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``satisfaction registry``; return the exit code."""
    settings = get_settings()
    configure_logging(settings.log_level)
    args = build_parser().parse_args(argv)
    registry = open_registry(settings)

    try:
        if args.command == "list":
            print(format_table(registry.list_versions(), registry.latest_approved()))
        elif args.command == "show":
            print(json.dumps(package_document(registry.get(args.version)), indent=2))
        elif args.command == "approve":
            package = registry.approve(args.version, args.reason)
            print(f"Version {package.version} is {package.approval_status.value}.")
            print_serving(registry, settings)
            print_refresh_note(settings)
        elif args.command == "reject":
            package = registry.reject(args.version, args.reason)
            print(f"Version {package.version} is {package.approval_status.value}.")
            print_serving(registry, settings)
            print_refresh_note(settings)
        elif args.command == "rollback":
            serving = registry.rollback(args.reason)
            print(f"Rolled back: version {serving.version} is the serving version.")
            print_refresh_note(settings)
        elif args.command == "serving":
            return print_serving(registry, settings)
    except RegistryError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def print_refresh_note(settings: Settings) -> None:
    """Print when a running API that serves from the registry picks up the change."""
    if settings.model_uri:
        return
    if settings.model_refresh_seconds > 0:
        from lambdas.api.config import ApiSettings

        retry_seconds = ApiSettings().model_retry_seconds
        print(
            "A running API picks up the change within "
            f"{settings.model_refresh_seconds:g} s "
            "(SATISFACTION_MODEL_REFRESH_SECONDS), or within "
            f"{retry_seconds:g} s when it has no model to serve "
            "(SATISFACTION_MODEL_RETRY_SECONDS)."
        )
    else:
        print(
            "SATISFACTION_MODEL_REFRESH_SECONDS is 0: a running API picks up "
            "the change only when restarted."
        )


def print_serving(registry: ModelRegistry, settings: Settings) -> int:
    """Print the serving version; return 1 when no version is approved."""
    package = registry.latest_approved()
    if settings.model_uri:
        print(
            f"SATISFACTION_MODEL_URI is set: the API serves {settings.model_uri} "
            "and ignores the registry."
        )
    if package is None:
        print(
            f"No approved model yet in {registry.group}: the API answers 503. "
            "Approve a version with 'satisfaction registry approve VERSION'."
        )
        return EXIT_FAILED
    print(f"Serving version {package.version} of {package.group}: {package.model_uri}")
    return EXIT_OK


def format_table(packages: list[ModelPackage], serving: ModelPackage | None) -> str:
    if not packages:
        return "No versions registered yet."
    header = (
        f"  {'version':>7}  {'status':<21}  {'created (UTC)':<16}  accuracy  roc_auc"
    )
    rows = [header]
    for package in packages:
        mark = "*" if serving and package.version == serving.version else " "
        created = package.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        rows.append(
            f"{mark} {package.version:>7}  {package.approval_status.value:<21}  "
            f"{created:<16}  {format_metric(package.metrics.get('accuracy')):>8}  "
            f"{format_metric(package.metrics.get('roc_auc')):>7}"
        )
    rows.append("* serving: the newest Approved version")
    return "\n".join(rows)


def format_metric(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def package_document(package: ModelPackage) -> dict:
    document = asdict(package)
    document["approval_status"] = package.approval_status.value
    document["created_at"] = package.created_at.isoformat()
    document["history"] = [
        {
            "status": change.status.value,
            "changed_at": change.changed_at.isoformat(),
            "changed_by": change.changed_by,
            "reason": change.reason,
        }
        for change in package.history
    ]
    return document


if __name__ == "__main__":
    sys.exit(main())
