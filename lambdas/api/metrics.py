"""CloudWatch embedded metric format (EMF) records of the prediction API.

The names here are the contract with the CDK dashboard and alarms, which
import them. A CloudWatch query must use exactly one of ``DIMENSION_SETS``,
with every dimension of that set, or it finds no data.

On Lambda, each request to a prediction route prints one EMF JSON line to
stdout, and CloudWatch Logs extracts the metrics from it. Elsewhere nothing is
printed. See
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

NAMESPACE = "AirlineSatisfaction"

# Dimension names and the value of ServiceName.
SERVICE_NAME_DIMENSION = "ServiceName"
MODEL_VERSION_DIMENSION = "ModelVersion"
SERVICE_NAME = "satisfaction-api"

# Every record carries both sets: alarms use the first, which survives a model
# change; dashboards can split by version with the second.
DIMENSION_SETS: tuple[tuple[str, ...], ...] = (
    (SERVICE_NAME_DIMENSION,),
    (SERVICE_NAME_DIMENSION, MODEL_VERSION_DIMENSION),
)

# Metric names and units. SatisfiedShare of a period is
# SUM(SatisfiedCount) / SUM(PredictionCount), computed with metric math.
PREDICTION_COUNT = "PredictionCount"  # passengers scored, Count
SATISFIED_COUNT = "SatisfiedCount"  # passengers predicted satisfied, Count
LATENCY = "Latency"  # time in the app per prediction request, Milliseconds
MODEL_UNAVAILABLE = "ModelUnavailable"  # 1 per request rejected with 503, Count

METRIC_UNITS: dict[str, str] = {
    PREDICTION_COUNT: "Count",
    SATISFIED_COUNT: "Count",
    LATENCY: "Milliseconds",
    MODEL_UNAVAILABLE: "Count",
}

# ModelVersion value when no model is loaded.
NO_MODEL_VERSION = "none"


def emf_record(
    values: dict[str, float],
    model_version: str | None,
    properties: dict[str, Any] | None = None,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """Build one EMF document with ``values`` (metric name -> value) and properties.

    Properties (request id, route, batch size) are searchable in CloudWatch
    Logs Insights but are not metrics. Raises KeyError for an unknown metric.
    """
    metrics = [{"Name": name, "Unit": METRIC_UNITS[name]} for name in values]
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": timestamp_ms
            if timestamp_ms is not None
            else int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [list(dimensions) for dimensions in DIMENSION_SETS],
                    "Metrics": metrics,
                }
            ],
        },
        SERVICE_NAME_DIMENSION: SERVICE_NAME,
        MODEL_VERSION_DIMENSION: model_version or NO_MODEL_VERSION,
    }
    document.update(properties or {})
    document.update(values)
    return document


def write_emf(document: dict[str, Any], stream: TextIO | None = None) -> None:
    """Print an EMF document as one JSON line (stdout by default)."""
    target = stream or sys.stdout
    target.write(json.dumps(document, separators=(",", ":")) + "\n")
    target.flush()
