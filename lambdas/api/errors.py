"""One error body for every failed request: ``{"detail": [{"loc", "msg", "type"}]}``.

FastAPI's own 422 handler echoes the input and fails with a 500 when the
input is NaN, so validation errors are rewritten here. Each message names the
field (with the batch index) and the problem. No input value is echoed except
an unknown category, which the message quotes to at most 40 characters.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lambdas.api.limits import MAX_BATCH_SIZE, MAX_REPORTED_ERRORS

logger = logging.getLogger(__name__)

# pydantic error type -> message used in place of pydantic's.
_MESSAGES: dict[str, str] = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field. Accepted names are the fields of the "
    "Passenger schema (GET /model) or the column headers of either published layout",
    "finite_number": "must be a finite number, not NaN or Infinity",
    "int_parsing_size": "number is too large. GET /model lists the field's maximum",
    "model_attributes_type": "must be a JSON object",
    "model_type": "must be a JSON object",
}


class ApiError(Exception):
    """An error with an HTTP status and one error item, raised by the routes."""

    def __init__(
        self,
        status_code: int,
        msg: str,
        error_type: str,
        loc: Sequence[str | int] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(msg)
        self.status_code = status_code
        self.msg = msg
        self.error_type = error_type
        self.loc = list(loc)
        self.headers = headers


def error_body(items: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    """Return the error document, listing at most ``MAX_REPORTED_ERRORS`` items."""
    body: dict[str, Any] = {"detail": items[:MAX_REPORTED_ERRORS]}
    if total is not None and total > MAX_REPORTED_ERRORS:
        body["error_count"] = total
    return body


def error_response(
    status_code: int,
    msg: str,
    error_type: str,
    loc: Sequence[str | int] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    item = {"loc": list(loc), "msg": msg, "type": error_type}
    return JSONResponse(error_body([item]), status_code=status_code, headers=headers)


def field_path(loc: Sequence[str | int]) -> str:
    """Return a location as a path, e.g. passengers[3].age."""
    path = ""
    for part in loc:
        if part == "body" and not path:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def describe_validation_error(error: dict[str, Any]) -> dict[str, Any]:
    """Convert one pydantic error into an error item whose message names the field."""
    error_type = error["type"]
    loc = [part if isinstance(part, int) else str(part) for part in error["loc"]]
    text = _MESSAGES.get(error_type, error["msg"])
    if error_type == "value_error":
        text = text.removeprefix("Value error, ")
    return {"loc": loc, "msg": f"{field_path(loc)}: {text}", "type": error_type}


def _status_for(errors: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    """Pick the status: 400 for an unreadable body, 413 for a long batch, else 422."""
    for error in errors:
        if error["type"] == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "invalid JSON")
            position = error["loc"][1] if len(error["loc"]) > 1 else "?"
            msg = (
                f"body: request body is not valid JSON ({reason}, character {position})"
            )
            return 400, [{"loc": ["body"], "msg": msg, "type": "json_invalid"}]
        if error["type"] == "missing" and tuple(error["loc"]) == ("body",):
            msg = "body: request body is empty. Send a JSON object"
            return 400, [{"loc": ["body"], "msg": msg, "type": "missing"}]
        if error["type"] == "too_long" and tuple(error["loc"]) == (
            "body",
            "passengers",
        ):
            msg = (
                f"passengers: a batch may contain at most {MAX_BATCH_SIZE} passengers. "
                "Split the request"
            )
            return 413, [
                {"loc": ["body", "passengers"], "msg": msg, "type": "too_long"}
            ]
        if error["type"] == "missing" and tuple(error["loc"]) == ("body", "passengers"):
            msg = 'passengers: required field is missing. Send {"passengers": [...]}'
            return 422, [{"loc": ["body", "passengers"], "msg": msg, "type": "missing"}]
        if error["type"] == "too_short" and tuple(error["loc"]) == (
            "body",
            "passengers",
        ):
            msg = (
                f"passengers: the batch is empty. Send 1 to {MAX_BATCH_SIZE} passengers"
            )
            return 422, [
                {"loc": ["body", "passengers"], "msg": msg, "type": "too_short"}
            ]
    # Unknown fields first: with many missing fields they would fall off the list.
    ordered = sorted(errors, key=lambda error: error["type"] != "extra_forbidden")
    return 422, [describe_validation_error(error) for error in ordered]


async def _validation_error_handler(
    request: Request, exc: RequestValidationError
) -> JSONResponse:
    errors = list(exc.errors())
    status_code, items = _status_for(errors)
    logger.info(
        "request rejected: %d validation errors",
        len(errors),
        extra={"status": status_code, "first_error": items[0]["msg"] if items else ""},
    )
    return JSONResponse(error_body(items, len(items)), status_code=status_code)


async def _api_error_handler(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(
        exc.status_code, exc.msg, exc.error_type, exc.loc, headers=exc.headers
    )


async def _http_error_handler(
    request: Request, exc: StarletteHTTPException
) -> JSONResponse:
    # 404 and 405 from routing, in the same body as every other error.
    msg = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404:
        msg = f"no route for {request.url.path}. /docs lists the routes"
    if exc.status_code == 405:
        msg = f"method {request.method} is not allowed for {request.url.path}"
    if exc.status_code == 400:
        # FastAPI raises this when json.loads fails other than with a
        # JSONDecodeError, for example on arrays nested thousands deep.
        msg = f"body: request body cannot be parsed as JSON ({msg})"
    return error_response(exc.status_code, msg, "http_error", headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(ApiError, _api_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
