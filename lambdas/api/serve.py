"""``satisfaction serve``: the prediction API under uvicorn, for local use.

With no configuration it serves the latest Approved version of the local
registry (``artifacts/registry``), which ``make demo`` fills. Set
``SATISFACTION_MODEL_URI`` to serve a model folder instead.
"""

from __future__ import annotations

import argparse
import logging
import os

from lambdas.api.app import create_app
from lambdas.api.config import ApiSettings
from lambdas.api.model_provider import ModelProvider
from satisfaction.config import LogFormat, get_settings
from satisfaction.logs import configure_logging

logger = logging.getLogger(__name__)


def port_number(text: str) -> int:
    """Parse a TCP port, raising argparse.ArgumentTypeError outside 1-65535."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"invalid port {text!r} (from --port or the PORT environment variable): "
            "expected an integer from 1 to 65535"
        )
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="satisfaction serve",
        description="Run the prediction API under uvicorn. OpenAPI docs are at /docs.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="Address to listen on (default 127.0.0.1, this machine only).",
    )
    # A string default goes through port_number only when --port is missing,
    # so an invalid PORT is an argparse error then and ignored otherwise.
    parser.add_argument(
        "--port",
        type=port_number,
        default=os.environ.get("PORT", "8000"),
        help="TCP port, 1-65535 (default: the PORT environment variable, else 8000).",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    settings = get_settings()
    json_format = (
        None if settings.log_format is None else settings.log_format == LogFormat.JSON
    )
    configure_logging(settings.log_level, json_format)

    import uvicorn

    provider = ModelProvider(retry_seconds=ApiSettings().model_retry_seconds)
    app = create_app(provider, emit_metrics=False)
    logger.info(
        "serving on http://%s:%d (docs at /docs)", arguments.host, arguments.port
    )
    uvicorn.run(
        app,
        host=arguments.host,
        port=arguments.port,
        log_config=None,
        access_log=False,  # the app logs each request with its latency
    )
    return 0
