"""Benchmark of the prediction API through its Lambda handler, in-process.

Usage::

    python benchmarks/api_benchmark.py [--model-dir DIR] [--calls 1000]

Without ``--model-dir`` it trains an XGBoost model of production size (500
trees, depth 8) on synthetic rows into a temporary folder. It prints:

- one prediction through ``lambdas.api.handler.handler`` (HTTP API payload 2.0
  event under the ``prod`` stage in, response dict out), with and without
  explanation: p50 and p99, beside ``Booster.inplace_predict`` on the same row;
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
    from satisfaction.synthetic import generate_rows

    data = generate_rows(rows, seed=5, layout="train")
    records = [canonical_passenger(row) for row in data]
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


def canonical_passenger(row: dict[str, str]) -> dict[str, Any]:
    """Convert a synthetic CSV row into a canonical, typed passenger."""
    from satisfaction.layouts import canonical_category, canonical_column
    from satisfaction.schema import FEATURES_BY_NAME

    passenger: dict[str, Any] = {}
    for header, value in row.items():
        name = canonical_column(header)
        if name not in FEATURES_BY_NAME:
            continue
        feature = FEATURES_BY_NAME[name]
        if feature.levels:
            passenger[name] = canonical_category(name, value)
        elif feature.nullable:
            passenger[name] = float(value) if value else None
        else:
            passenger[name] = int(value)
    return passenger


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


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    values = np.asarray(samples_ms)
    return float(np.percentile(values, 50)), float(np.percentile(values, 99))


def time_calls(function: Any, calls: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure_in_process(model_dir: Path, calls: int) -> dict[str, Any]:
    """Measure single and batch predictions through the handler in this process."""
    os.environ["SATISFACTION_MODEL_URI"] = str(model_dir)
    os.environ["SATISFACTION_API_STAGE"] = "prod"
    os.environ["SATISFACTION_LOG_FORMAT"] = "json"
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "satisfaction-api-benchmark"

    import logging

    from lambdas.api import handler as handler_module
    from satisfaction.encoding import encode_records
    from satisfaction.synthetic import generate_rows

    devnull = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    for log_handler in logging.getLogger().handlers:
        log_handler.stream = devnull

    rows = generate_rows(1_000, seed=9, layout="train")
    passengers = [canonical_passenger(row) for row in rows]
    single_plain = http_api_event("/predict", passengers[0], "explain=false")
    single_explained = http_api_event("/predict", passengers[0], "explain=true")
    batch = http_api_event("/predict/batch", {"passengers": passengers})

    def call(event: dict[str, Any]) -> None:
        response = handler_module.handler(event, None)
        if response["statusCode"] != 200:
            raise RuntimeError(f"benchmark request failed: {response['body'][:300]}")

    results: dict[str, Any] = {}
    with contextlib.redirect_stdout(devnull):
        call(single_plain)  # loads the model
        plain = time_calls(lambda: call(single_plain), calls)
        explained = time_calls(lambda: call(single_explained), calls)
        batch_samples = time_calls(lambda: call(batch), 50, warmup=3)

    from lambdas.api.model_provider import PREDICT_THREADS
    from satisfaction.artifact import load_model

    # The same thread count as the API, so the ratio compares like with like.
    model = load_model(model_dir)
    model.booster.set_param({"nthread": PREDICT_THREADS})
    row = encode_records([passengers[0]])
    raw = time_calls(
        lambda: model.booster.inplace_predict(row, validate_features=False), calls
    )
    raw_explained = time_calls(
        lambda: model.contributions(row, nthread=PREDICT_THREADS), calls
    )

    results["plain"] = percentiles(plain)
    results["explained"] = percentiles(explained)
    results["raw_predict"] = percentiles(raw)
    results["raw_contributions"] = percentiles(raw_explained)
    results["batch_1000"] = percentiles(batch_samples)
    return results


def measure_cold_start(model_dir: Path, block: bool, runs: int = 5) -> dict[str, float]:
    """Start ``runs`` new processes that import the handler and handle one request."""
    from satisfaction.synthetic import generate_rows

    passenger = canonical_passenger(generate_rows(1, seed=9)[0])
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

    plain_p50, plain_p99 = figures["plain"]
    explained_p50, explained_p99 = figures["explained"]
    raw_p50, raw_p99 = figures["raw_predict"]
    shap_p50, _ = figures["raw_contributions"]
    batch_p50, batch_p99 = figures["batch_1000"]
    print(f"calls       {arguments.calls} per single-row figure, 50 per batch figure")
    print(
        f"predict     p50 {plain_p50:.2f} ms  p99 {plain_p99:.2f} ms  "
        "(target p50 <= 2 ms); "
        f"raw inplace_predict p50 {raw_p50:.3f} ms, p99 {raw_p99:.3f} ms, "
        f"ratio {plain_p50 / raw_p50:.1f}x"
    )
    print(
        f"explained   p50 {explained_p50:.2f} ms  p99 {explained_p99:.2f} ms  "
        f"(target p50 <= 15 ms); raw TreeSHAP p50 {shap_p50:.2f} ms"
    )
    print(
        f"batch 1000  p50 {batch_p50:.1f} ms  p99 {batch_p99:.1f} ms  "
        "(target <= 100 ms)"
    )
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
