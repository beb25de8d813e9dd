"""The ``satisfaction`` command: one entry point for every step of the model lifecycle.

Each subcommand delegates to the ``main(argv)`` of the module that implements
it, so ``satisfaction process ...`` and ``python -m processing ...`` run the
same code with the same arguments. Modules are imported only when their
subcommand runs, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from pydantic import ValidationError

from satisfaction.config import Settings

# subcommand -> (module with main(argv), one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "process": ("processing.step", "Validate and clean a raw survey CSV and split it."),
    "train": ("training.step", "Train the XGBoost model with MLflow tracking."),
    "evaluate": (
        "evaluation.step",
        "Compute test metrics and plots for a trained model.",
    ),
    "register": (
        "satisfaction.registry.cli",
        "Apply the quality gate and register the model as a new version.",
    ),
    "registry": (
        "satisfaction.registry.cli",
        "List, approve, reject or roll back model versions.",
    ),
    "predict": (
        "scoring.batch",
        "Score a CSV in either layout with the approved model.",
    ),
    "drift": (
        "monitoring.step",
        "Check a survey batch for drift against the baselines.",
    ),
    "serve": ("lambdas.api.serve", "Run the prediction API under uvicorn."),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="satisfaction",
        description="Airline passenger satisfaction: pipeline steps, model registry, "
        "batch scoring and the prediction API. "
        "Run 'satisfaction COMMAND --help' for the options of a command.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, summary) in SUBCOMMANDS.items():
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in SUBCOMMANDS:
        build_parser().parse_args(argv)  # prints help or the usage error and exits
        return 2

    command, rest = argv[0], argv[1:]
    module = importlib.import_module(SUBCOMMANDS[command][0])
    entry_point = module.register_main if command == "register" else module.main
    try:
        return entry_point(rest)
    except ValidationError as error:
        if error.title != Settings.__name__:
            raise
        print(f"error: {describe_invalid_settings(error)}", file=sys.stderr)
        return 2
    except OSError as error:
        # A file or folder that cannot be read or written, such as --output
        # naming a folder: the message names the path.
        print(f"error: {error}", file=sys.stderr)
        return 1


def describe_invalid_settings(error: ValidationError) -> str:
    """Name each invalid environment variable with pydantic's reason."""
    prefix = Settings.model_config["env_prefix"]
    problems = [
        f"{prefix}{'_'.join(map(str, item['loc'])).upper()}: {item['msg']}"
        for item in error.errors()
    ]
    return "invalid settings: " + "; ".join(problems) + " (see .env.example)"


if __name__ == "__main__":
    sys.exit(main())
