"""The validation report and the quarantine file of the processing step."""

from __future__ import annotations

import csv
import io
from typing import Literal

from pydantic import BaseModel

from processing.reading import RawTable
from processing.validation import ValidationResult

QUARANTINE_COLUMNS = ("line_number", "reason")


class InputReport(BaseModel):
    """Validation outcome of one input file."""

    source: str
    sha256: str  # of the file as stored, so of the compressed bytes for gzip
    layout: str
    rows_read: int
    rows_valid: int
    rows_invalid: int
    invalid_share: float
    blank_lines_skipped: int
    ignored_columns: list[str]
    invalid_rows_by_reason: dict[str, int]
    quarantine_file: str


class SplitReport(BaseModel):
    rows: int
    positive_share: float


class ProcessingReport(BaseModel):
    """Contents of ``report/report.json``.

    ``status`` is ``failed`` when an input's invalid share exceeds
    ``max_invalid_share``. The splits are then not written and stay empty here.
    """

    status: Literal["passed", "failed"]
    max_invalid_share: float
    seed: int
    validation_fraction: float
    test_fraction: float
    inputs: dict[str, InputReport]
    splits: dict[str, SplitReport] = {}


def input_report(
    table: RawTable, result: ValidationResult, quarantine_file: str
) -> InputReport:
    rows_read = result.row_count
    return InputReport(
        source=table.source,
        sha256=table.sha256,
        layout=result.layout.value,
        rows_read=rows_read,
        rows_valid=rows_read - result.invalid_count,
        rows_invalid=result.invalid_count,
        invalid_share=result.invalid_count / rows_read if rows_read else 0.0,
        blank_lines_skipped=table.blank_lines,
        ignored_columns=result.ignored_columns,
        invalid_rows_by_reason=result.reason_counts,
        quarantine_file=quarantine_file,
    )


def quarantine_csv(table: RawTable, result: ValidationResult) -> bytes:
    """Render invalid records as CSV: line number, reasons, then the original fields.

    The line number and the reasons come first so that they stay in place
    when a malformed record has more or fewer fields than the header.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*QUARANTINE_COLUMNS, *table.headers])
    for index in (~result.valid).nonzero()[0]:
        writer.writerow(
            [table.line_numbers[index], result.reasons[index], *table.rows[index]]
        )
    return buffer.getvalue().encode("utf-8")
