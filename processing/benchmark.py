"""Time each phase of processing and batch scoring on one survey file.

    python -m processing.benchmark --input FILE [--model-uri DIR] [--repeat 3]

Prints the median wall time of each phase over ``--repeat`` runs, plus the
process's CPU time, because on a shared machine the wall time also counts
waiting for a CPU. Outputs go to a temporary folder that is removed afterwards.
Without ``--model-uri`` only the processing phases run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from processing.baseline import compute_baseline
from processing.reading import read_table
from processing.splitting import split_frame
from processing.step import (
    DEFAULT_TEST_FRACTION,
    DEFAULT_VALIDATION_FRACTION,
    write_parquet,
)
from processing.validation import validate
from satisfaction.artifact import load_model
from scoring.batch import render_output, score_table


def _timed(timings: dict[str, list[float]], phase: str, work: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = work()
    timings[phase].append(time.perf_counter() - started)
    return result


def _processing_run(uri: str, output_dir: Path, timings: dict[str, list[float]]) -> int:
    table = _timed(timings, "read", lambda: read_table(uri))
    result = _timed(
        timings,
        "validate",
        lambda: validate(table, label_required=True, check_duplicates=True),
    )
    splits = _timed(
        timings,
        "split",
        lambda: split_frame(
            result.valid_frame(),
            validation_fraction=DEFAULT_VALIDATION_FRACTION,
            test_fraction=DEFAULT_TEST_FRACTION,
            seed=42,
        ),
    )

    def write() -> None:
        for name in ("train", "validation", "test"):
            write_parquet(getattr(splits, name), output_dir / f"{name}.parquet")

    _timed(timings, "write parquet", write)
    _timed(timings, "baseline", lambda: compute_baseline(splits.train))
    return len(table.rows)


def _scoring_run(uri: str, model_dir: Path, timings: dict[str, list[float]]) -> None:
    model = load_model(model_dir)
    table = read_table(uri)
    scored = _timed(
        timings, "score (validate, encode, predict)", lambda: score_table(table, model)
    )
    _timed(timings, "render output CSV", lambda: render_output(table, *scored))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m processing.benchmark")
    parser.add_argument("--input", required=True, help="Survey CSV to time.")
    parser.add_argument("--model-uri", type=Path, help="Model folder for scoring.")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="Number of runs; the median is printed. Default: 3.",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, not {args.repeat}")

    timings: dict[str, list[float]] = defaultdict(list)
    cpu_started = time.process_time()
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeat):
            rows = _processing_run(args.input, Path(folder), timings)
            if args.model_uri:
                _scoring_run(args.input, args.model_uri, timings)
    cpu_seconds = time.process_time() - cpu_started

    print(f"{args.input}: {rows} rows, {args.repeat} runs, {os.cpu_count()} CPUs")
    for phase, seconds in timings.items():
        print(f"  {phase:<36} median {statistics.median(seconds):6.2f} s")
    print(f"  CPU time of all runs: {cpu_seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
