"""The processing step: validate a raw survey CSV, split it and compute baselines.

Runs locally (``satisfaction process`` or ``python -m processing``) and in a
SageMaker Processing container with the same code. Inside the container,
detected by the folder ``/opt/ml/processing``, the argument defaults are the
container's paths: input from ``/opt/ml/processing/input/data`` and outputs
under ``/opt/ml/processing``. Elsewhere ``--input`` is required and the
outputs go to ``artifacts/data``. Each output is a folder of its own, so that
it maps to one SageMaker ProcessingOutput:

    <output-dir>/train/train.parquet
    <output-dir>/validation/validation.parquet
    <output-dir>/test/test.parquet
    <output-dir>/baseline/baseline.json
    <output-dir>/report/report.json, quarantine.csv (and test_quarantine.csv)

The report and the quarantine files are written even when the step fails
because too many rows are invalid, so that the rows can be inspected.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from processing.baseline import compute_baseline
from processing.reading import InputError, RawTable, read_table
from processing.report import (
    InputReport,
    ProcessingReport,
    SplitReport,
    input_report,
    quarantine_csv,
)
from processing.splitting import SplitError, split_frame
from processing.validation import SchemaError, ValidationResult, validate
from satisfaction.config import get_settings
from satisfaction.logs import configure_logging
from satisfaction.schema import FEATURE_NAMES, PASSENGER_ID, POSITIVE_LABEL, TARGET

logger = logging.getLogger(__name__)

SAGEMAKER_PROCESSING_ROOT = Path("/opt/ml/processing")
LOCAL_OUTPUT_DIR = Path("artifacts/data")
OUTPUT_COLUMNS = [PASSENGER_ID, *FEATURE_NAMES, TARGET]
TEST_ID_OVERLAP = f"{PASSENGER_ID}: also in the training input"
SPLIT_NAMES = ("train", "validation", "test")
# Shares of the valid rows held out for early stopping and for the quality gate.
# 10% of the published training data is about 10,000 rows each, enough for
# both, and the remaining 80% trains the model.
DEFAULT_VALIDATION_FRACTION = 0.10
DEFAULT_TEST_FRACTION = 0.10


class InvalidShareError(Exception):
    """A larger share of rows than allowed failed validation."""


def share(text: str) -> float:
    """Parse a finite number from 0 to 1 for argparse (a share of rows)."""
    value = _finite_float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not from 0 to 1")
    return value


def fraction(text: str) -> float:
    """Parse a finite number strictly between 0 and 1 for argparse (a split size)."""
    value = _finite_float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1 (exclusive)")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def in_sagemaker_processing() -> bool:
    return SAGEMAKER_PROCESSING_ROOT.is_dir()


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    sagemaker = in_sagemaker_processing()
    default_input = (
        str(SAGEMAKER_PROCESSING_ROOT / "input" / "data") if sagemaker else None
    )
    default_output = SAGEMAKER_PROCESSING_ROOT if sagemaker else LOCAL_OUTPUT_DIR

    parser = argparse.ArgumentParser(
        prog="satisfaction process",
        description="Validate a raw survey CSV (either published layout, plain or "
        "gzip), quarantine invalid rows, write stratified train/validation/test "
        "splits as parquet and the baseline statistics of the train split.",
    )
    parser.add_argument(
        "--input",
        required=default_input is None,
        default=default_input,
        help="Survey CSV or CSV.GZ: a file, a folder with exactly one such file, "
        "or an s3:// URI (a key, or a prefix ending in /). "
        f"Default: {default_input or 'none (required outside SageMaker)'}.",
    )
    parser.add_argument(
        "--test-input",
        help="Separate test file, validated the same way and written as the test "
        "split. No test split is then cut from --input.",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=default_output,
        help=f"Folder for the train, validation, test, baseline and report "
        f"folders. Default: {default_output}.",
    )
    parser.add_argument(
        "--validation-fraction",
        type=fraction,
        default=DEFAULT_VALIDATION_FRACTION,
        help="Share of the valid input rows in the validation split. "
        f"Default: {DEFAULT_VALIDATION_FRACTION}.",
    )
    parser.add_argument(
        "--test-fraction",
        type=fraction,
        default=DEFAULT_TEST_FRACTION,
        help="Share of the valid input rows in the test split; ignored with "
        f"--test-input. Train gets the rest. Default: {DEFAULT_TEST_FRACTION}.",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=settings.seed,
        help=f"Seed of the split (SATISFACTION_SEED). Default: {settings.seed}.",
    )
    parser.add_argument(
        "--max-invalid-share",
        type=share,
        default=settings.max_invalid_share,
        help="Fail when a larger share of an input's rows is invalid, from 0 to 1 "
        f"(SATISFACTION_MAX_INVALID_SHARE). Default: {settings.max_invalid_share}.",
    )
    parser.add_argument(
        "--log-level",
        default=settings.log_level,
        help="Log level. Default: %(default)s.",
    )
    return parser


def output_files(output_dir: Path) -> list[Path]:
    """List every file this step writes under ``output_dir``."""
    splits = [output_dir / name / f"{name}.parquet" for name in SPLIT_NAMES]
    report_dir = output_dir / "report"
    return [
        *splits,
        output_dir / "baseline" / "baseline.json",
        report_dir / "report.json",
        report_dir / "quarantine.csv",
        report_dir / "test_quarantine.csv",
    ]


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` in contract column order; the bytes depend only on the data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame[OUTPUT_COLUMNS], preserve_index=False)
    pq.write_table(table, path)


def _write_quarantine(
    table: RawTable, result: ValidationResult, path: Path
) -> InputReport:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(quarantine_csv(table, result))
    return input_report(table, result, str(path))


def _check_invalid_share(name: str, report: InputReport, maximum: float) -> None:
    if report.invalid_share > maximum:
        raise InvalidShareError(
            f"{name} {report.source}: {report.rows_invalid} of {report.rows_read} rows "
            f"({report.invalid_share:.2%}) are invalid, more than the maximum of "
            f"{maximum:.2%} (--max-invalid-share). "
            f"See {report.quarantine_file} for the rows and their reasons."
        )


def _split_report(frame: pd.DataFrame) -> SplitReport:
    share = float((frame[TARGET] == POSITIVE_LABEL).mean()) if len(frame) else 0.0
    return SplitReport(rows=len(frame), positive_share=share)


def run(args: argparse.Namespace) -> ProcessingReport:
    """Run the step with parsed arguments and return the report it wrote.

    Raises InputError or SchemaError for an unreadable input,
    InvalidShareError when too many rows are invalid and SplitError when the
    valid rows cannot be split.
    """
    output_dir: Path = args.output_dir
    report_dir = output_dir / "report"
    report_path = report_dir / "report.json"
    report = ProcessingReport(
        status="failed",
        max_invalid_share=args.max_invalid_share,
        seed=args.seed,
        validation_fraction=args.validation_fraction,
        test_fraction=0.0 if args.test_input else args.test_fraction,
        inputs={},
    )

    # Read and validate every input before touching the outputs, so that a
    # mistyped path or a malformed file leaves the last good run in place.
    table = read_table(args.input)
    result = validate(table, label_required=True, check_duplicates=True)
    test_table = None
    test_result = None
    if args.test_input:
        test_table = read_table(args.test_input)
        test_result = validate(test_table, label_required=True, check_duplicates=True)
        # A passenger in both files would let the test score reward memorising.
        train_ids = result.frame[PASSENGER_ID].to_numpy()[result.valid]
        overlap = np.isin(test_result.frame[PASSENGER_ID].to_numpy(), train_ids)
        test_result.reject(TEST_ID_OVERLAP, overlap & test_result.valid)

    # This run writes a new report from here on, even if it fails. Remove every
    # output of an earlier run first, so that no later step reads old splits
    # next to this run's report, and no old test_quarantine.csv survives a run
    # without --test-input.
    for path in output_files(output_dir):
        path.unlink(missing_ok=True)

    report.inputs["input"] = _write_quarantine(
        table, result, report_dir / "quarantine.csv"
    )
    if test_table is not None and test_result is not None:
        report.inputs["test_input"] = _write_quarantine(
            test_table, test_result, report_dir / "test_quarantine.csv"
        )

    try:
        for name, input_summary in report.inputs.items():
            _check_invalid_share(name, input_summary, args.max_invalid_share)
    finally:
        report_dir.mkdir(parents=True, exist_ok=True)
        report_path.write_text(report.model_dump_json(indent=2) + "\n")

    splits = split_frame(
        result.valid_frame(),
        validation_fraction=args.validation_fraction,
        test_fraction=0.0 if test_result is not None else args.test_fraction,
        seed=args.seed,
    )
    test = splits.test if test_result is None else test_result.valid_frame()
    outputs = dict(
        zip(SPLIT_NAMES, (splits.train, splits.validation, test), strict=True)
    )
    for name, frame in outputs.items():
        write_parquet(frame, output_dir / name / f"{name}.parquet")
        report.splits[name] = _split_report(frame)

    baseline = compute_baseline(splits.train)
    baseline_path = output_dir / "baseline" / "baseline.json"
    baseline_path.parent.mkdir(parents=True, exist_ok=True)
    baseline_path.write_text(baseline.model_dump_json(indent=2) + "\n")

    report.status = "passed"
    report_path.write_text(report.model_dump_json(indent=2) + "\n")
    return report


def print_summary(report: ProcessingReport, seconds: float) -> None:
    for name, summary in report.inputs.items():
        print(
            f"{name}: {summary.source} ({summary.layout} layout): "
            f"{summary.rows_read} rows read, {summary.rows_valid} valid, "
            f"{summary.rows_invalid} invalid ({summary.invalid_share:.2%})"
        )
        for reason, count in summary.invalid_rows_by_reason.items():
            print(f"  {count:>7}  {reason}")
        if summary.ignored_columns:
            print(f"  ignored columns: {summary.ignored_columns}")
    sizes = ", ".join(f"{name} {split.rows}" for name, split in report.splits.items())
    print(f"splits: {sizes}")
    print(f"done in {seconds:.1f} s")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)

    started = time.perf_counter()
    try:
        report = run(args)
    except (InputError, SchemaError, InvalidShareError, SplitError) as error:
        logger.error("processing failed: %s", error)
        print(f"error: {error}", file=sys.stderr)
        return 1
    print_summary(report, time.perf_counter() - started)
    return 0
