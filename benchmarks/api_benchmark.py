"""Benchmark of the prediction API through its Lambda handler, in-process.

Usage::

    python benchmarks/api_benchmark.py [--model-dir DIR] [--calls 1000]

Without ``--model-dir`` it trains an XGBoost model of 500 trees of depth 8,
the upper end of the expected model size, on 20,000 synthetic rows into a
temporary folder. It prints:

- one prediction through ``lambdas.api.handler.handler`` (HTTP API payload 2.0
  event under the ``prod`` stage in, response dict out), with and without
  explanation: p50 and p99 of wall-clock and CPU time, beside
  ``Booster.inplace_predict`` and TreeSHAP on the same row;
- a 1,000-passenger batch per request;
- cold start: a new Python process that imports the handler, loads the model
  and handles the first request (median of 5), with scikit-learn and pandas
  importable (this virtualenv) and blocked (as in the Lambda bundle);
- the size of the Lambda bundle folder, if it was built.

Logs and EMF lines are formatted as on Lambda and written to /dev/null.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
BUNDLE_DIR = REPOSITORY_ROOT / "build" / "lambda" / "api"

# Run by the cold-start child process: argv[1] is "block" to hide the
# packages that the Lambda bundle does not contain.
COLD_START_SCRIPT = """
import sys, time
started = time.perf_counter()
if sys.argv[1] == "block":
    import importlib.abc
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("sklearn", "pandas", "pyarrow", "matplotlib"):
                raise ImportError(f"{name} is not in the Lambda bundle")
            return None
    sys.meta_path.insert(0, Block())
import json, os, logging
from lambdas.api.handler import handler
imported = time.perf_counter()
event = json.loads(sys.argv[2])
response = handler(event, None)
answered = time.perf_counter()
assert response["statusCode"] == 200, response
print(json.dumps({"import_s": imported - started, "total_s": answered - started}))
"""


def train_benchmark_model(directory: Path, trees: int, depth: int, rows: int) -> Path:
    """Train an XGBoost model on synthetic rows and save it as a model artifact."""
    import xgboost

    from satisfaction.artifact import ModelMetadata, save_model, schema_levels
    from satisfaction.encoding import encode_records
    from satisfaction.layouts import canonical_label
    from satisfaction.schema import FEATURE_NAMES, POSITIVE_LABEL
    from satisfaction.synthetic import canonical_features, generate_rows

    data = generate_rows(rows, seed=5, layout="train")
    records = [canonical_features(row) for row in data]
    labels = [canonical_label(row["satisfaction"]) == POSITIVE_LABEL for row in data]
    dtrain = xgboost.DMatrix(
        encode_records(records),
        label=np.asarray(labels, dtype=np.float32),
        feature_names=list(FEATURE_NAMES),
    )
    params = {"objective": "binary:logistic", "max_depth": depth, "eta": 0.05}
    booster = xgboost.train(params, dtrain, num_boost_round=trees)
    metadata = ModelMetadata(
        created_at=datetime.now(UTC),
        model_sha256="",
        feature_names=list(FEATURE_NAMES),
        category_levels=schema_levels(),
        library_versions={"xgboost": xgboost.__version__},
        training_data_sha256="0" * 64,
        hyperparameters=params | {"num_boost_round": trees},
    )
    save_model(booster, metadata, directory)
    return directory


def http_api_event(path: str, body: Any, query: str = "") -> dict[str, Any]:
    """Build an HTTP API (payload 2.0) event for the ``prod`` stage."""
    text = json.dumps(body)
    raw_path = f"/prod{path}"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": {
            "content-type": "application/json",
            "content-length": str(len(text)),
            "host": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "http": {
                "method": "POST",
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "benchmark",
            },
            "requestId": "benchmark",
            "routeKey": "$default",
            "stage": "prod",
            "timeEpoch": 1796400600000,
        },
        "body": text,
        "isBase64Encoded": False,
    }


@dataclass
class Timings:
    """Wall-clock and CPU milliseconds of repeated calls.

    CPU time (``time.process_time``, all threads of this process) leaves out
    the time spent waiting for a core, so it stays comparable when other
    processes load the machine. On a Lambda function with a whole vCPU, wall
    time approaches CPU time.
    """

    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    def measure(self, function: Any) -> None:
        wall_started = time.perf_counter()
        cpu_started = time.process_time()
        function()
        self.cpu_ms.append((time.process_time() - cpu_started) * 1000)
        self.wall_ms.append((time.perf_counter() - wall_started) * 1000)

    def wall(self, percentile: float) -> float:
        return float(np.percentile(self.wall_ms, percentile))

    def cpu(self, percentile: float) -> float:
        return float(np.percentile(self.cpu_ms, percentile))

    def describe(self) -> str:
        return (
            f"p50 {self.wall(50):.2f} ms, p99 {self.wall(99):.2f} ms "
            f"(CPU p50 {self.cpu(50):.2f} ms, p99 {self.cpu(99):.2f} ms)"
        )


def time_calls(function: Any, calls: int, warmup: int = 20) -> Timings:
    for _ in range(warmup):
        function()
    timings = Timings()
    for _ in range(calls):
        timings.measure(function)
    return timings


def measure_in_process(model_dir: Path, calls: int) -> dict[str, Timings]:
    """Measure single and batch predictions through the handler in this process."""
    os.environ["SATISFACTION_MODEL_URI"] = str(model_dir)
    os.environ["SATISFACTION_API_STAGE"] = "prod"
    os.environ["SATISFACTION_LOG_FORMAT"] = "json"
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "satisfaction-api-benchmark"

    import logging

    from lambdas.api import handler as handler_module
    from satisfaction.encoding import encode_records
    from satisfaction.synthetic import canonical_features, generate_rows

    devnull = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    for log_handler in logging.getLogger().handlers:
        log_handler.stream = devnull

    rows = generate_rows(1_000, seed=9, layout="train")
    passengers = [canonical_features(row) for row in rows]
    single_plain = http_api_event("/predict", passengers[0], "explain=false")
    single_explained = http_api_event("/predict", passengers[0], "explain=true")
    batch = http_api_event("/predict/batch", {"passengers": passengers})

    def call(event: dict[str, Any]) -> None:
        response = handler_module.handler(event, None)
        if response["statusCode"] != 200:
            raise RuntimeError(f"benchmark request failed: {response['body'][:300]}")

    from lambdas.api.model_provider import PREDICT_THREADS
    from satisfaction.artifact import load_model

    # The same thread count as the API, so the ratio compares like with like.
    model = load_model(model_dir)
    model.booster.set_param({"nthread": PREDICT_THREADS})
    row = encode_records([passengers[0]])

    # Each handler figure alternates with its raw counterpart, so that a change
    # in the machine's load affects both alike. Plain and explained calls run
    # in separate loops because TreeSHAP evicts the trees from the CPU caches.
    pairs = {
        ("plain", "raw_predict"): (
            lambda: call(single_plain),
            lambda: model.booster.inplace_predict(row, validate_features=False),
        ),
        ("explained", "raw_contributions"): (
            lambda: call(single_explained),
            lambda: model.contributions(row, nthread=PREDICT_THREADS),
        ),
    }
    timings: dict[str, Timings] = {}
    with contextlib.redirect_stdout(devnull):
        call(single_plain)  # loads the model
        for (handler_name, raw_name), (through_handler, raw) in pairs.items():
            timings[handler_name] = Timings()
            timings[raw_name] = Timings()
            for _ in range(20):
                through_handler()
                raw()
            for _ in range(calls):
                timings[handler_name].measure(through_handler)
                timings[raw_name].measure(raw)
        timings["batch_1000"] = time_calls(lambda: call(batch), 50, warmup=3)
    return timings


def measure_cold_start(model_dir: Path, block: bool, runs: int = 5) -> dict[str, float]:
    """Start ``runs`` new processes that import the handler and handle one request."""
    from satisfaction.synthetic import canonical_features, generate_rows

    passenger = canonical_features(generate_rows(1, seed=9)[0])
    event = json.dumps(http_api_event("/predict", passenger, "explain=false"))
    environment = os.environ | {
        "SATISFACTION_MODEL_URI": str(model_dir),
        "SATISFACTION_API_STAGE": "prod",
        "SATISFACTION_LOG_LEVEL": "WARNING",
        "AWS_LAMBDA_FUNCTION_NAME": "satisfaction-api-benchmark",
        "PYTHONPATH": str(REPOSITORY_ROOT),
    }
    totals, imports, walls = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                COLD_START_SCRIPT,
                "block" if block else "allow",
                event,
            ],
            capture_output=True,
            text=True,
            env=environment,
            cwd=tempfile.gettempdir(),
            check=True,
        )
        walls.append(time.perf_counter() - started)
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        totals.append(figures["total_s"])
        imports.append(figures["import_s"])
    return {
        "total_s": statistics.median(totals),
        "import_s": statistics.median(imports),
        "process_wall_s": statistics.median(walls),
    }


def bundle_size() -> str:
    if not BUNDLE_DIR.is_dir():
        return "not built (run: python -m lambdas.api.bundle)"
    from lambdas.api.bundle import folder_size

    return f"{folder_size(BUNDLE_DIR) / 1e6:.1f} MB unzipped ({BUNDLE_DIR})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model-dir", type=Path, help="Model artifact folder to serve."
    )
    parser.add_argument(
        "--calls", type=int, default=1_000, help="Calls per single-row figure."
    )
    parser.add_argument(
        "--trees", type=int, default=500, help="Trees of the trained model."
    )
    parser.add_argument(
        "--depth", type=int, default=8, help="Depth of the trained model."
    )
    arguments = parser.parse_args(argv)

    model_dir = arguments.model_dir
    if model_dir is None:
        model_dir = Path(tempfile.mkdtemp(prefix="api-benchmark-model-"))
        print(
            f"training {arguments.trees} trees of depth {arguments.depth} "
            f"into {model_dir}"
        )
        train_benchmark_model(model_dir, arguments.trees, arguments.depth, rows=20_000)
    model_bytes = (model_dir / "model.ubj").stat().st_size

    print(f"date        {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine     {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    print(f"model       {model_dir} ({model_bytes / 1e6:.1f} MB model.ubj)")
    load = os.getloadavg()[0]
    print(f"load        {load:.1f} (1-minute load average at the start)")

    cold_allowed = measure_cold_start(model_dir, block=False)
    cold_blocked = measure_cold_start(model_dir, block=True)
    figures = measure_in_process(model_dir, arguments.calls)

    plain = figures["plain"]
    raw = figures["raw_predict"]
    print(f"calls       {arguments.calls} per single-row figure, 50 per batch figure")
    print(f"predict     {plain.describe()}, target p50 <= 2 ms")
    print(f"  raw       inplace_predict {raw.describe()}")
    print(
        f"  ratio     {plain.wall(50) / raw.wall(50):.1f}x wall, "
        f"{plain.cpu(50) / raw.cpu(50):.1f}x CPU (p50)"
    )
    print(f"explained   {figures['explained'].describe()}, target p50 <= 15 ms")
    print(f"  raw       TreeSHAP {figures['raw_contributions'].describe()}")
    print(f"batch 1000  {figures['batch_1000'].describe()}, target <= 100 ms")
    print(
        f"cold start  {cold_blocked['total_s']:.2f} s without scikit-learn/pandas "
        f"as in the bundle (import {cold_blocked['import_s']:.2f} s, process "
        f"{cold_blocked['process_wall_s']:.2f} s); "
        f"{cold_allowed['total_s']:.2f} s with them importable "
        "(target <= 1.5 s, median of 5)"
    )
    print(f"bundle      {bundle_size()} (limit 250 MB)")
    print(f"load        {os.getloadavg()[0]:.1f} (1-minute load average at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
