"""The ``satisfaction drift`` command: compare a batch with the training baselines.

The batch is a CSV in either published layout, with or without labels. The
processing step's code reads and validates it, and invalid rows are left out
and counted. The baseline is a ``baseline.json`` from the processing step or, by
default, the one stored in the metadata of the model that serves.
With ``--publish`` the PSI of each feature goes to CloudWatch, where an alarm
can watch ``MaxFeatureDrift``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from lambdas.api.metrics import NAMESPACE
from monitoring.drift import (
    FEATURE_DIMENSION,
    FEATURE_DRIFT_METRIC,
    MAX_FEATURE_DRIFT_METRIC,
    DriftReport,
    compute_drift,
)
from satisfaction.artifact import ArtifactError
from satisfaction.baseline import BaselineStatistics
from satisfaction.config import Settings, get_settings
from satisfaction.logs import configure_logging
from satisfaction.model_source import NoApprovedModelError, resolve_model
from satisfaction.schema import FEATURE_NAMES

logger = logging.getLogger(__name__)

EXIT_DRIFT = 3


class BaselineError(Exception):
    """No baseline could be read for the drift check."""


def load_baseline(
    path: Path | None, settings: Settings
) -> tuple[BaselineStatistics, str]:
    """Return the baseline and a description of where it came from."""
    if path is not None:
        try:
            return BaselineStatistics.model_validate_json(path.read_text()), str(path)
        except FileNotFoundError:
            raise BaselineError(f"baseline file not found: {path}") from None
        except ValueError as error:
            raise BaselineError(f"baseline file {path} is invalid: {error}") from None

    try:
        serving = resolve_model(settings)
    except (NoApprovedModelError, ArtifactError) as error:
        raise BaselineError(f"{error}; or pass --baseline baseline.json") from None
    if serving.model.metadata.baselines is None:
        raise BaselineError(
            f"model version {serving.version} has no baselines in its metadata; "
            "pass --baseline baseline.json"
        )
    return serving.model.metadata.baselines, f"model version {serving.version}"


def publish_metrics(report: DriftReport, namespace: str, region: str | None) -> None:
    """Send the PSI of each feature and the maximum to CloudWatch."""
    import boto3

    data = [
        {
            "MetricName": FEATURE_DRIFT_METRIC,
            "Dimensions": [{"Name": FEATURE_DIMENSION, "Value": name}],
            "Value": result.psi,
            "Unit": "None",
        }
        for name, result in report.features.items()
    ]
    data.append(
        {
            "MetricName": MAX_FEATURE_DRIFT_METRIC,
            "Value": report.max_psi,
            "Unit": "None",
        }
    )
    client = boto3.client("cloudwatch", region_name=region)
    # PutMetricData takes at most 1,000 metrics per call; there are 23 here.
    client.put_metric_data(Namespace=namespace, MetricData=data)


def print_report(report: DriftReport, source: str, invalid_rows: int) -> None:
    print(f"drift of {report.row_count} valid rows against the baseline of {source}")
    if invalid_rows:
        print(f"{invalid_rows} invalid rows left out")
    print(f"  {'feature':36} {'PSI':>8}  level")
    ranked = sorted(
        report.features.values(), key=lambda result: result.psi, reverse=True
    )
    for result in ranked:
        print(f"  {result.name:36} {result.psi:8.4f}  {result.level.value}")
    if report.drifted_features:
        print("significant drift (PSI >= 0.2): " + ", ".join(report.drifted_features))
    else:
        print("no feature drifted significantly (PSI >= 0.2)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="satisfaction drift",
        description="Compute the population stability index (PSI) of each feature of a "
        "survey batch against the training baselines.",
    )
    parser.add_argument(
        "--input",
        required=True,
        help="Survey CSV or CSV.GZ in either layout, with or without labels: "
        "a path or an s3:// URI.",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="baseline.json from the processing step. Default: the baselines in "
        "the metadata of the model that serves.",
    )
    parser.add_argument(
        "--output", type=Path, help="Write the full report as JSON here."
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="Send the PSI values to CloudWatch (namespace --namespace).",
    )
    parser.add_argument(
        "--namespace",
        default=NAMESPACE,
        help=f"CloudWatch namespace for --publish. Default: {NAMESPACE}.",
    )
    parser.add_argument(
        "--fail-on-drift",
        action="store_true",
        help=f"Exit with {EXIT_DRIFT} when a feature drifted significantly.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level)

    from processing.reading import InputError, read_table
    from processing.validation import SchemaError, validate

    try:
        baseline, source = load_baseline(arguments.baseline, settings)
        table = read_table(arguments.input)
        result = validate(table, label_required=False, check_duplicates=False)
    except (BaselineError, InputError, SchemaError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    frame = result.valid_frame()
    if frame.empty:
        print(f"error: {arguments.input} has no valid rows to check", file=sys.stderr)
        return 2
    columns = {name: frame[name].to_numpy() for name in FEATURE_NAMES}
    report = compute_drift(baseline, columns)
    print_report(report, source, result.invalid_count)

    if arguments.output:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(report.model_dump_json(indent=2) + "\n")
        print(f"report written to {arguments.output}")
    if arguments.publish:
        publish_metrics(report, arguments.namespace, settings.aws_region)
        print(f"published {len(report.features) + 1} metrics to {arguments.namespace}")
    if arguments.fail_on_drift and report.drifted_features:
        return EXIT_DRIFT
    return 0
