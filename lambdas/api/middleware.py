"""ASGI middleware: request checks, request logs and EMF metrics, in one place.

It is plain ASGI rather than Starlette's ``BaseHTTPMiddleware``, which costs
a task and a memory stream per request. For each HTTP request it

1. rejects a POST whose Content-Type is not JSON (415) or whose body is
   larger than Lambda's 6 MB payload limit (413);
2. runs the app, turning an unhandled exception into a logged 500 with the
   standard error body;
3. logs one line with the request id, route, status, latency and batch size,
   never the payload;
4. on Lambda, prints one EMF line for the prediction routes and for 503s.

Routes report what they scored through ``request.state`` (keys below).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lambdas.api import metrics
from lambdas.api.errors import error_body
from lambdas.api.limits import MAX_REQUEST_BYTES

logger = logging.getLogger(__name__)

# Keys of ``scope["state"]`` that the routes set.
STATE_MODEL_VERSION = "model_version"
STATE_PREDICTION_COUNT = "prediction_count"
STATE_SATISFIED_COUNT = "satisfied_count"
STATE_EXPLAINED = "explained"
STATE_MODEL_UNAVAILABLE = "model_unavailable"

REQUEST_ID_HEADER = "x-request-id"


def request_ids(scope: Scope) -> tuple[str, str | None]:
    """Return the Lambda request id (a new UUID off Lambda) and API Gateway's."""
    context = scope.get("aws.context")
    event = scope.get("aws.event") or {}
    gateway_id = (event.get("requestContext") or {}).get("requestId")
    lambda_id = getattr(context, "aws_request_id", None)
    return str(lambda_id or uuid.uuid4()), gateway_id


def _is_json_content_type(value: str) -> bool:
    media_type = value.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class RequestMiddleware:
    """Check, log and measure every HTTP request."""

    def __init__(self, app: ASGIApp, emit_metrics: bool = False) -> None:
        self.app = app
        self.emit_metrics = emit_metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        request_id, gateway_request_id = request_ids(scope)
        scope.setdefault("state", {})
        status = {"code": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["started"] = True
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            rejection, receive = await self._check_request(scope, receive)
            if rejection is not None:
                await _send_error(send_with_id, *rejection)
            else:
                await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error", extra={"request_id": request_id})
            if not status["started"]:
                await _send_error(
                    send_with_id,
                    500,
                    f"internal error. Quote request id {request_id} when reporting it",
                    "internal_error",
                    [],
                )
            else:
                status["code"] = 500

        latency_ms = (time.perf_counter() - started) * 1000
        self._record(scope, status["code"], latency_ms, request_id, gateway_request_id)

    async def _check_request(
        self, scope: Scope, receive: Receive
    ) -> tuple[tuple[int, str, str, list[str]] | None, Receive]:
        """Return a rejection (status, msg, type, loc) or None, and the receive to use.

        A POST body is read here, up to the limit, and replayed to the app.
        """
        if scope["method"] != "POST":
            return None, receive

        headers = {key.decode("latin-1"): value for key, value in scope["headers"]}
        content_type = headers.get("content-type", b"").decode("latin-1")
        if not _is_json_content_type(content_type):
            shown = content_type or "none"
            msg = f"Content-Type must be application/json, not {shown}"
            return (
                415,
                msg,
                "unsupported_media_type",
                ["header", "content-type"],
            ), receive

        too_large = (
            413,
            f"body: request body is larger than the maximum of {MAX_REQUEST_BYTES} "
            "bytes (Lambda's 6 MB payload limit). Split the batch",
            "request_too_large",
            ["body"],
        )
        declared = headers.get("content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
            return too_large, receive

        chunks: list[bytes] = []
        size = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_REQUEST_BYTES:
                return too_large, receive
            chunks.append(chunk)
            more_body = message.get("more_body", False)

        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return None, replay

    def _record(
        self,
        scope: Scope,
        status_code: int,
        latency_ms: float,
        request_id: str,
        gateway_request_id: str | None,
    ) -> None:
        state: dict[str, Any] = scope["state"]
        route = scope.get("route")
        route_path = getattr(route, "path", None) or scope["path"]
        batch_size = state.get(STATE_PREDICTION_COUNT)
        logger.info(
            "%s %s %d %.1f ms",
            scope["method"],
            route_path,
            status_code,
            latency_ms,
            extra={
                "request_id": request_id,
                "apigw_request_id": gateway_request_id,
                "method": scope["method"],
                "route": route_path,
                "status": status_code,
                "latency_ms": round(latency_ms, 2),
                "batch_size": batch_size,
                "model_version": state.get(STATE_MODEL_VERSION),
            },
        )
        if not self.emit_metrics:
            return

        values: dict[str, float] = {}
        if batch_size is not None and status_code == 200:
            values[metrics.PREDICTION_COUNT] = batch_size
            values[metrics.SATISFIED_COUNT] = state.get(STATE_SATISFIED_COUNT, 0)
            values[metrics.LATENCY] = round(latency_ms, 3)
        if state.get(STATE_MODEL_UNAVAILABLE):
            values[metrics.MODEL_UNAVAILABLE] = 1
        if not values:
            return
        properties = {
            "RequestId": request_id,
            "Route": route_path,
            "StatusCode": status_code,
            "Explained": bool(state.get(STATE_EXPLAINED, False)),
        }
        document = metrics.emf_record(
            values, state.get(STATE_MODEL_VERSION), properties
        )
        metrics.write_emf(document)


async def _send_error(
    send: Send, status_code: int, msg: str, error_type: str, loc: list[str]
) -> None:
    document = error_body([{"loc": loc, "msg": msg, "type": error_type}])
    body = json.dumps(document, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
