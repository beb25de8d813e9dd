"""Batch scoring: add the model's prediction to every row of a survey CSV.

Reads a CSV in either layout (plain or gzip, local or ``s3://``), with or
without the label column, and writes every input column back unchanged plus
``probability_satisfied``, ``predicted_satisfaction`` and ``error``. A row
that fails the processing step's validation gets the reasons in ``error`` and
empty predictions; the other rows are still scored. Duplicate ids are not an
error here. When the input has a label column, accuracy and ROC-AUC of the
valid, labelled rows are printed.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score

from processing.reading import InputError, RawTable, read_table, write_output
from processing.validation import SchemaError, ValidationResult, validate
from satisfaction.artifact import ArtifactError, LoadedModel
from satisfaction.config import get_settings
from satisfaction.encoding import encode_columns
from satisfaction.logs import configure_logging
from satisfaction.model_source import NoApprovedModelError, resolve_model
from satisfaction.schema import (
    FEATURE_NAMES,
    LABELS,
    NEGATIVE_LABEL,
    POSITIVE_LABEL,
    TARGET,
)

logger = logging.getLogger(__name__)

PROBABILITY_COLUMN = "probability_satisfied"
PREDICTION_COLUMN = "predicted_satisfaction"
ERROR_COLUMN = "error"
ADDED_COLUMNS = (PROBABILITY_COLUMN, PREDICTION_COLUMN, ERROR_COLUMN)


class OutputColumnError(Exception):
    """The input already has a column that scoring adds."""


@dataclass(frozen=True)
class ScoringSummary:
    rows: int
    scored: int
    invalid: int
    reason_counts: dict[str, int]
    labelled: int
    accuracy: float | None
    roc_auc: float | None


def score_table(
    table: RawTable, model: LoadedModel
) -> tuple[ValidationResult, np.ndarray, np.ndarray]:
    """Validate ``table`` and score its valid rows in one call to the model.

    Returns the validation result, the probability of ``satisfied`` per row
    (NaN for invalid rows) and the predicted label per row (empty for invalid rows).
    Raises SchemaError when a feature column is missing and OutputColumnError
    when the input already has a column that scoring adds.
    """
    clashes = [header for header in table.headers if header in ADDED_COLUMNS]
    if clashes:
        raise OutputColumnError(
            f"{table.source} already has the columns {clashes} that scoring adds, "
            "as the output of an earlier run does. Remove or rename them."
        )
    result = validate(table, label_required=False, check_duplicates=False)

    probabilities = np.full(result.row_count, np.nan, dtype=np.float64)
    if result.valid.any():
        valid_rows = result.frame.loc[result.valid]
        matrix = encode_columns(
            {name: valid_rows[name].to_numpy() for name in FEATURE_NAMES}
        )
        probabilities[result.valid] = model.predict_probability(matrix)

    threshold = model.metadata.decision_threshold
    predictions = np.where(probabilities >= threshold, POSITIVE_LABEL, NEGATIVE_LABEL)
    predictions = np.where(result.valid, predictions, "").astype(object)
    return result, probabilities, predictions


def label_metrics(
    result: ValidationResult, probabilities: np.ndarray, threshold: float
) -> tuple[int, float | None, float | None]:
    """Return the labelled row count, accuracy and ROC-AUC over valid, labelled rows.

    ROC-AUC is None when those rows contain only one label.
    """
    if TARGET not in result.frame:
        return 0, None, None
    labels = result.frame[TARGET].to_numpy()
    mask = result.valid & result.frame[TARGET].isin(LABELS).to_numpy()
    if not mask.any():
        return 0, None, None
    truth = labels[mask] == POSITIVE_LABEL
    scores = probabilities[mask]
    accuracy = float(accuracy_score(truth, scores >= threshold))
    roc_auc = float(roc_auc_score(truth, scores)) if len(set(truth)) == 2 else None
    return int(mask.sum()), accuracy, roc_auc


def render_output(
    table: RawTable,
    result: ValidationResult,
    probabilities: np.ndarray,
    predictions: np.ndarray,
) -> str:
    """Render the input records with the added columns as CSV text.

    A record with the wrong number of fields is padded or cut to the header's
    width, so that the added columns stay aligned, and its ``error`` column
    reports the wrong field count.
    """
    width = len(table.headers)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*table.headers, *ADDED_COLUMNS])
    text_probabilities = [
        "" if np.isnan(value) else f"{value:.6f}" for value in probabilities
    ]
    for index, row in enumerate(table.rows):
        if len(row) != width:
            row = (row + [""] * width)[:width]
        writer.writerow(
            [*row, text_probabilities[index], predictions[index], result.reasons[index]]
        )
    return buffer.getvalue()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="satisfaction predict",
        description="Score a survey CSV (either layout, with or without the label "
        "column) and write it back with probability_satisfied, "
        "predicted_satisfaction and error columns.",
    )
    parser.add_argument(
        "--input",
        required=True,
        help="CSV or CSV.GZ to score: a file, a folder with exactly one such file, "
        "or an s3:// URI.",
    )
    parser.add_argument(
        "--output",
        required=True,
        help="Output CSV path or s3:// URI; written gzip-compressed when it ends "
        "with .gz.",
    )
    parser.add_argument(
        "--model-uri",
        help="Model folder (model.ubj + metadata.json) or s3:// URI of a "
        "model.tar.gz. Default: SATISFACTION_MODEL_URI, else the latest Approved "
        "version in the registry.",
    )
    parser.add_argument(
        "--log-level",
        default=get_settings().log_level,
        help="Log level. Default: %(default)s.",
    )
    return parser


def check_output_path(output: str, source: str) -> None:
    """Raise InputError before any work when ``output`` cannot be a result file.

    Only local paths are checked; S3 errors surface when the file is written.
    """
    if output.startswith("s3://"):
        return
    path = Path(output)
    if path.is_dir():
        raise InputError(f"--output {output} is a folder; name a file such as out.csv")
    if not source.startswith("s3://") and path.exists() and path.samefile(source):
        raise InputError(f"--output {output} is the input file; name another file")


def run(args: argparse.Namespace) -> ScoringSummary:
    """Score ``args.input`` into ``args.output`` and return the summary."""
    check_output_path(args.output, args.input)
    settings = get_settings()
    if args.model_uri:
        settings = settings.model_copy(update={"model_uri": args.model_uri})
    serving = resolve_model(settings)
    logger.info(
        "scoring with model version %s from %s", serving.version, serving.source
    )

    table = read_table(args.input)
    result, probabilities, predictions = score_table(table, serving.model)
    text = render_output(table, result, probabilities, predictions)
    data = text.encode("utf-8")
    if args.output.endswith(".gz"):
        # mtime=0 keeps the archive identical for identical input.
        data = gzip.compress(data, mtime=0)
    write_output(args.output, data)

    threshold = serving.model.metadata.decision_threshold
    labelled, accuracy, roc_auc = label_metrics(result, probabilities, threshold)
    return ScoringSummary(
        rows=result.row_count,
        scored=result.row_count - result.invalid_count,
        invalid=result.invalid_count,
        reason_counts=result.reason_counts,
        labelled=labelled,
        accuracy=accuracy,
        roc_auc=roc_auc,
    )


def print_summary(summary: ScoringSummary, output: str, seconds: float) -> None:
    print(
        f"{summary.rows} rows read, {summary.scored} scored, "
        f"{summary.invalid} invalid (see the error column)"
    )
    for reason, count in summary.reason_counts.items():
        print(f"  {count:>7}  {reason}")
    if summary.labelled:
        roc_auc = (
            "n/a (one label only)"
            if summary.roc_auc is None
            else f"{summary.roc_auc:.4f}"
        )
        print(
            f"labelled rows: {summary.labelled}, accuracy {summary.accuracy:.4f}, "
            f"ROC-AUC {roc_auc}"
        )
    print(f"wrote {output} in {seconds:.1f} s")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)

    started = time.perf_counter()
    try:
        summary = run(args)
    except (
        InputError,
        SchemaError,
        ArtifactError,
        NoApprovedModelError,
        OutputColumnError,
    ) as error:
        logger.error("scoring failed: %s", error)
        print(f"error: {error}", file=sys.stderr)
        return 1
    print_summary(summary, args.output, time.perf_counter() - started)
    return 0
