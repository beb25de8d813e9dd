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
    if command == "register":
        return module.register_main(rest)
    return module.main(rest)


if __name__ == "__main__":
    sys.exit(main())
