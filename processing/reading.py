"""Reading survey CSV files from a local path, a directory or S3.

A file is read as bytes, unpacked when it starts with the gzip magic number
(whatever its name), decoded as UTF-8 and parsed with the ``csv`` module. The
``csv`` module reports the line on which each record ends, so line numbers in
the quarantine file stay exact when a quoted value spans several lines. Every
value is kept as the original text: validation converts it, and batch scoring
writes it back unchanged.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
CSV_SUFFIXES = (".csv", ".csv.gz")


class InputError(Exception):
    """An input cannot be found, read or parsed as a CSV with a header."""


@dataclass
class RawTable:
    """The records of a CSV file as text, with the line on which each one ends."""

    source: str
    sha256: str
    headers: list[str]
    rows: list[list[str]]
    line_numbers: list[int]
    blank_lines: int = 0
    # Indexes into ``rows`` of records whose field count differs from the header's.
    malformed: list[int] = field(default_factory=list)

    def columns(self) -> list[tuple[str, ...]]:
        """Return the values column by column, padding or cutting malformed records."""
        width = len(self.headers)
        if not self.rows:
            return [() for _ in range(width)]
        if self.malformed:
            rows = [
                (row + [""] * width)[:width] if len(row) != width else row
                for row in self.rows
            ]
        else:
            rows = self.rows
        return list(zip(*rows, strict=True))


def split_s3_uri(uri: str) -> tuple[str, str]:
    """Split ``s3://bucket/key``; raise InputError when the bucket or key is empty."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not bucket or not key:
        raise InputError(f"invalid S3 URI {uri!r}, expected s3://bucket/key")
    return bucket, key


def _s3_client():
    import boto3

    from satisfaction.config import get_settings

    return boto3.client("s3", region_name=get_settings().aws_region)


def _read_s3(uri: str) -> tuple[str, bytes]:
    """Read an S3 object, or the single CSV under an S3 prefix that ends with ``/``."""
    from botocore.exceptions import ClientError

    bucket, key = split_s3_uri(uri)
    client = _s3_client()
    if key.endswith("/"):
        keys = []
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=key
        ):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        candidates = [k for k in keys if k.lower().endswith(CSV_SUFFIXES)]
        key = _single_candidate(uri, candidates)
        uri = f"s3://{bucket}/{key}"
    try:
        response = client.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        raise InputError(f"cannot read {uri}: {error}") from None
    return uri, response["Body"].read()


def _single_candidate(location: str, candidates: list[str]) -> str:
    if not candidates:
        raise InputError(
            f"no .csv or .csv.gz file found in {location}. "
            "Put exactly one survey file there or pass the file itself."
        )
    if len(candidates) > 1:
        raise InputError(
            f"several CSV files found in {location}: {sorted(candidates)}. "
            "Pass one file or keep exactly one in the directory."
        )
    return candidates[0]


def _read_local(path: Path) -> tuple[str, bytes]:
    if path.is_dir():
        candidates = [
            str(child)
            for child in sorted(path.iterdir())
            if child.is_file()
            and not child.name.startswith(".")
            and child.name.lower().endswith(CSV_SUFFIXES)
        ]
        path = Path(_single_candidate(str(path), candidates))
    try:
        return str(path), path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"input file not found: {path}") from None
    except OSError as error:
        raise InputError(f"cannot read {path}: {error}") from None


def read_source(uri: str) -> tuple[str, bytes]:
    """Return the resolved location and the bytes of a file, directory or ``s3://`` URI.

    A directory (or an S3 prefix ending in ``/``) must contain exactly one
    ``.csv`` or ``.csv.gz`` file, as a SageMaker Processing input does.
    """
    if uri.startswith("s3://"):
        return _read_s3(uri)
    return _read_local(Path(uri))


def decode(location: str, data: bytes) -> str:
    """Unpack gzip content (detected by its magic number) and decode UTF-8."""
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise InputError(f"{location} is not a valid gzip file: {error}") from None
    try:
        # utf-8-sig drops the byte order mark that spreadsheet exports add.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{location} is not UTF-8 text (invalid byte at offset {error.start}). "
            "Export the file as UTF-8 CSV."
        ) from None


def parse_csv(location: str, sha256: str, text: str) -> RawTable:
    """Parse CSV text with a header line into a RawTable.

    Blank lines are skipped and counted. Records whose field count differs
    from the header's are kept and listed in ``malformed``.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = next(reader)
    except StopIteration:
        raise InputError(f"{location} is empty, expected a header line") from None
    except csv.Error as error:
        raise InputError(f"{location}: invalid CSV header: {error}") from None

    rows: list[list[str]] = []
    line_numbers: list[int] = []
    malformed: list[int] = []
    blank_lines = 0
    width = len(headers)
    try:
        for row in reader:
            if not row:
                blank_lines += 1
                continue
            if len(row) != width:
                malformed.append(len(rows))
            rows.append(row)
            line_numbers.append(reader.line_num)
    except csv.Error as error:
        raise InputError(
            f"{location}: invalid CSV at line {reader.line_num}: {error}"
        ) from None

    return RawTable(
        location, sha256, headers, rows, line_numbers, blank_lines, malformed
    )


def read_table(uri: str) -> RawTable:
    """Read a CSV (plain or gzip) from a path, a directory or S3 into a RawTable."""
    # NOTE: the whole file and its parsed records stay in memory. Processing or
    # scoring 130,000 rows peaked at about 500 MB RSS, so inputs of millions of
    # rows need chunked reading, which this module does not do.
    location, data = read_source(uri)
    sha256 = hashlib.sha256(data).hexdigest()
    table = parse_csv(location, sha256, decode(location, data))
    logger.info(
        "read %d records from %s (sha256 %s, %d blank lines, %d malformed)",
        len(table.rows),
        location,
        sha256,
        table.blank_lines,
        len(table.malformed),
    )
    return table


def write_output(uri: str, data: bytes) -> None:
    """Write bytes to a local path (creating folders) or to an ``s3://`` URI."""
    if uri.startswith("s3://"):
        bucket, key = split_s3_uri(uri)
        _s3_client().put_object(Bucket=bucket, Key=key, Body=data)
        return
    path = Path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
