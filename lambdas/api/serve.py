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
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "8000")),
        help="TCP port (default: the PORT environment variable, else 8000).",
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
