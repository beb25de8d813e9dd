"""AWS Lambda entry point: ``lambdas.api.handler.handler``.

Importing this module configures logging and builds the app and the Mangum
adapter once per container. It reads no model and makes no network call. The
model loads on the first request (see ``model_provider``).

Behind a named API Gateway stage, set ``SATISFACTION_API_STAGE`` (e.g.
``prod``): Mangum removes the prefix from HTTP API (payload 2.0) paths, REST
API (payload 1.0) paths arrive without it, and the ASGI ``root_path`` makes
``/docs`` load ``/prod/openapi.json``.
"""

from __future__ import annotations

import logging
from typing import Any

from mangum import Mangum
from starlette.types import ASGIApp, Receive, Scope, Send

from lambdas.api.app import create_app
from lambdas.api.config import ApiSettings
from lambdas.api.model_provider import ModelProvider
from satisfaction.config import LogFormat, get_settings
from satisfaction.logs import configure_logging


def with_root_path(app: ASGIApp, root_path: str) -> ASGIApp:
    """Wrap an ASGI app so that every request's scope has ``root_path``."""
    if not root_path:
        return app

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "root_path": root_path}
        await app(scope, receive, send)

    return wrapped


def build_adapter(api_settings: ApiSettings | None = None) -> Mangum:
    """Build the app and its Mangum adapter, with the lifespan off.

    Mangum would otherwise run the ASGI lifespan on every invocation.
    """
    api_settings = api_settings or ApiSettings()
    provider = ModelProvider(retry_seconds=api_settings.model_retry_seconds)
    base_path = api_settings.base_path()
    app = create_app(provider)
    return Mangum(
        with_root_path(app, base_path),
        lifespan="off",
        api_gateway_base_path=base_path or "/",
    )


_settings = get_settings()
configure_logging(
    _settings.log_level,
    None if _settings.log_format is None else _settings.log_format == LogFormat.JSON,
)
# Mangum logs every request at INFO; the app's middleware logs a richer line.
logging.getLogger("mangum").setLevel(logging.WARNING)
adapter = build_adapter()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handle one API Gateway event (payload 1.0 or 2.0) and return the response."""
    return adapter(event, context)
