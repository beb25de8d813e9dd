"""Print every benchmark figure: processing and scoring speed, then the API.

Called by ``make bench``. With ``--data`` (a survey CSV) the figures come from
the real data: it is processed and a model is trained with the default
hyperparameters into a temporary folder, and the API benchmark serves that
model. Without it, a synthetic file of 130,000 rows replaces the real data for
processing, and the API benchmark trains a model of the same size on synthetic
data.
Nothing is written inside the repository.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SYNTHETIC_ROWS = 130_000


def run(*arguments: str) -> None:
    print("$ " + " ".join(arguments), flush=True)
    subprocess.run(arguments, cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, help="Survey CSV in either layout.")
    parser.add_argument(
        "--calls", type=int, default=1000, help="Calls per single-row API figure."
    )
    arguments = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="satisfaction-bench-") as scratch:
        workspace = Path(scratch)
        if arguments.data:
            survey = arguments.data.resolve()
        else:
            from satisfaction.synthetic import write_csv

            print(f"No --data: timing a synthetic file of {SYNTHETIC_ROWS:,} rows.")
            survey = write_csv(workspace / "survey.csv", SYNTHETIC_ROWS, seed=11)

        print("\n=== Processing and batch scoring")
        model_dir: Path | None = None
        if arguments.data:
            processed = workspace / "data"
            model_dir = workspace / "model"
            run(
                PYTHON,
                "-m",
                "processing",
                "--input",
                str(survey),
                "--output-dir",
                str(processed),
            )
            run(
                PYTHON,
                "-m",
                "training",
                "--no-tracking",
                "--train-dir",
                str(processed / "train"),
                "--validation-dir",
                str(processed / "validation"),
                "--baseline-dir",
                str(processed / "baseline"),
                "--model-dir",
                str(model_dir),
                "--output-data-dir",
                str(workspace / "training"),
            )
            run(
                PYTHON,
                "-m",
                "evaluation",
                "--no-tracking",
                "--model-dir",
                str(model_dir),
                "--test-dir",
                str(processed / "test"),
                "--output-dir",
                str(workspace / "evaluation"),
            )
            run(
                PYTHON,
                "-m",
                "processing.benchmark",
                "--input",
                str(survey),
                "--model-uri",
                str(model_dir),
            )
        else:
            run(PYTHON, "-m", "processing.benchmark", "--input", str(survey))

        print("\n=== Prediction API")
        api = [PYTHON, "benchmarks/api_benchmark.py", "--calls", str(arguments.calls)]
        if model_dir is not None:
            api += ["--model-dir", str(model_dir)]
        run(*api)
    return 0


if __name__ == "__main__":
    sys.exit(main())
