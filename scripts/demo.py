"""Run the model lifecycle locally: data, DVC pipeline, approval, scoring and the API.

Called by ``make demo``. Each stage runs the same command a user would type, and
the run ends with a summary of the figures and of where the outputs are.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RAW_DATA = Path("data/raw/survey.csv")
ARTIFACTS = Path("artifacts")
EVALUATION = ARTIFACTS / "evaluation"
SCORED = ARTIFACTS / "predictions" / "scored.csv"
SYNTHETIC_ROWS = 20_000
# dvc.yaml's commands call `python` and `satisfaction`: they must be this venv's.
ENVIRONMENT = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}

GOOD_PASSENGER = {
    "Gender": "Female",
    "Customer Type": "Returning",
    "Age": 41,
    "Type of Travel": "Business",
    "Class": "Business",
    "Flight Distance": 2450,
    "Departure Delay": 0,
    "Arrival Delay": 0,
    "Departure and Arrival Time Convenience": 4,
    "Ease of Online Booking": 5,
    "Check-in Service": 4,
    "Online Boarding": 5,
    "Gate Location": 3,
    "On-board Service": 5,
    "Seat Comfort": 5,
    "Leg Room Service": 4,
    "Cleanliness": 5,
    "Food and Drink": 4,
    "In-flight Service": 5,
    "In-flight Wifi Service": 4,
    "In-flight Entertainment": 5,
    "Baggage Handling": 5,
}
BAD_PASSENGER = {**GOOD_PASSENGER, "Seat Comfort": 7, "Class": "First"}


def banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def run(*command: str) -> None:
    """Run a command from the repository root and stop the demo if it fails."""
    print("$ " + " ".join(command), flush=True)
    completed = subprocess.run(command, cwd=ROOT, env=ENVIRONMENT, check=False)
    if completed.returncode != 0:
        sys.exit(
            f"demo stopped: '{' '.join(command)}' exited with {completed.returncode}"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_data(data: Path | None) -> str:
    """Place the raw CSV at data/raw/survey.csv and version it with DVC."""
    target = ROOT / RAW_DATA
    target.parent.mkdir(parents=True, exist_ok=True)
    if data is None:
        from satisfaction.synthetic import write_csv

        print(
            f"No DATA given: using a synthetic sample of {SYNTHETIC_ROWS:,} rows with "
            "the survey's schema.\nIts figures say nothing about the real data. "
            "Run 'make demo DATA=path/to/train.csv' for those."
        )
        generated = write_csv(target.with_suffix(".tmp"), SYNTHETIC_ROWS, seed=7)
        source = generated
        description = f"synthetic sample ({SYNTHETIC_ROWS:,} rows)"
    else:
        if not data.is_file():
            sys.exit(f"demo stopped: DATA file not found: {data}")
        source = data
        description = str(data)

    # Copy only when the content differs, so that an unchanged input keeps DVC's cache.
    if not target.exists() or file_sha256(source) != file_sha256(target):
        shutil.copyfile(source, target)
    if source != data:
        source.unlink()
    run(str(BIN / "dvc"), "add", "--quiet", str(RAW_DATA))
    return description


def approve_registered_version() -> str:
    registration = json.loads((ROOT / ARTIFACTS / "registration.json").read_text())
    version = str(registration["version"])
    run(
        str(BIN / "satisfaction"),
        "registry",
        "approve",
        version,
        "--reason",
        "approved by make demo",
    )
    return version


def wait_for_health(base_url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"demo stopped: the API exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.3)
    sys.exit(f"demo stopped: the API did not become healthy within {timeout:.0f} s")


def post(url: str, document: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(document).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def check_port_free(port: int) -> None:
    """Stop the demo when another process listens on ``port``.

    Otherwise the health check would reach that process and the demo would
    print another server's responses as its own.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As uvicorn does, so that connections of an earlier run still in
        # TIME_WAIT do not count; a listening process still makes bind fail.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            sys.exit(
                f"demo stopped: port {port} on 127.0.0.1 is in use; "
                "run again with PORT set to a free port, for example PORT=8001"
            )


def call_api(port: int) -> None:
    """Start the API under uvicorn, send a good and a bad request, then stop it."""
    check_port_free(port)
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "satisfaction"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=ENVIRONMENT,
    )
    try:
        wait_for_health(base_url, server, timeout=30)
        for title, passenger in (
            ("A row of the single-file layout, posted as it is", GOOD_PASSENGER),
            ("The same row with a rating of 7 and an unknown class", BAD_PASSENGER),
        ):
            status, body = post(f"{base_url}/predict", passenger)
            print(f"\nPOST /predict: {title}\n-> HTTP {status}")
            print(json.dumps(body, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=10)


def print_summary(description: str, version: str, durations: dict[str, float]) -> None:
    metrics_path = ROOT / EVALUATION / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    banner("Summary")
    print(f"Data:            {description}")
    print(f"Model version:   {version} (Approved, local registry)")
    print(
        "Test split:      "
        + ", ".join(
            f"{name} {metrics[name]:.4f}"
            for name in ("accuracy", "roc_auc", "f1", "log_loss")
            if name in metrics
        )
    )
    print(
        f"Processed data:  {ARTIFACTS}/data (train, validation, test, baseline, report)"
    )
    print(f"Model:           {ARTIFACTS}/model (model.ubj, metadata.json)")
    print(f"Plots:           {EVALUATION}/*.png")
    print(f"Registry:        {ARTIFACTS}/registry ('satisfaction registry list')")
    print(f"Scored file:     {SCORED}")
    print(
        "MLflow runs:     .venv/bin/mlflow ui --backend-store-uri "
        "sqlite:///artifacts/mlflow.db  (then open http://127.0.0.1:5000)"
    )
    print(
        "Timings:         " + ", ".join(f"{k} {v:.1f} s" for k, v in durations.items())
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, help="Survey CSV in either layout.")
    parser.add_argument("--port", type=int, default=8000, help="Port for the API.")
    args = parser.parse_args(argv)
    data = args.data.resolve() if args.data else None
    durations: dict[str, float] = {}
    check_port_free(args.port)  # before the pipeline, so a busy port fails fast

    started = time.monotonic()
    banner("1/5 Raw data, versioned with DVC")
    description = prepare_data(data)
    durations["data"] = time.monotonic() - started

    started = time.monotonic()
    banner("2/5 Pipeline: process, train, evaluate, register (dvc repro)")
    run(str(BIN / "dvc"), "repro")
    durations["pipeline"] = time.monotonic() - started

    started = time.monotonic()
    banner("3/5 Approve the registered version")
    version = approve_registered_version()
    run(str(BIN / "satisfaction"), "registry", "list")
    durations["approval"] = time.monotonic() - started

    started = time.monotonic()
    banner("4/5 Batch scoring with the approved model")
    print(
        "Scoring the whole input file. Its accuracy includes the training rows, "
        "so it is optimistic; the test split's figures are in the summary."
    )
    run(
        str(BIN / "satisfaction"),
        "predict",
        "--input",
        str(RAW_DATA),
        "--output",
        str(SCORED),
    )
    durations["scoring"] = time.monotonic() - started

    started = time.monotonic()
    banner("5/5 The prediction API under uvicorn")
    call_api(args.port)
    durations["api"] = time.monotonic() - started

    print_summary(description, version, durations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
