"""The FastAPI app: routes, OpenAPI description and wiring of model, errors and logs."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import Body, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lambdas.api import prediction
from lambdas.api.docs import install_docs, local_assets_directory
from lambdas.api.errors import ApiError, install_error_handlers
from lambdas.api.limits import (
    MAX_BATCH_SIZE,
    MAX_EXPLAINED_BATCH_SIZE,
    MAX_REQUEST_BYTES,
    TOP_FACTOR_COUNT,
)
from lambdas.api.middleware import (
    STATE_EXPLAINED,
    STATE_MODEL_UNAVAILABLE,
    STATE_MODEL_VERSION,
    STATE_PREDICTION_COUNT,
    STATE_SATISFIED_COUNT,
    RequestMiddleware,
)
from lambdas.api.model_provider import (
    ModelProvider,
    ModelUnavailable,
    ModelUnavailableError,
)
from lambdas.api.schemas import (
    EXAMPLE_PASSENGER,
    BatchRequest,
    BatchResponse,
    ErrorResponse,
    FeatureDescription,
    Health,
    ModelInfo,
    Passenger,
    Prediction,
)
from satisfaction.layouts import accepted_category_values
from satisfaction.logs import running_on_lambda
from satisfaction.model_source import ServingModel
from satisfaction.schema import FEATURES

DESCRIPTION = f"""
Predicts whether an airline passenger is satisfied from their survey answers,
with an XGBoost model from the model registry.

**Input.** One JSON object per passenger with the canonical snake_case fields
below. The column headers of both published CSV layouts (`Inflight wifi
service`, `In-flight Wifi Service`, `Class`, ...) are accepted as field names,
category values match case-insensitively in either layout's spelling, and
numbers may be strings (`"25"`), so a CSV row can be posted as it is.
`id`/`ID` is echoed back as `passenger_id`, and the row-number and
`satisfaction` columns are ignored. Ratings are 1 to 5, and 0 means "not
applicable".

**Limits.** At most {MAX_BATCH_SIZE} passengers per batch, {MAX_EXPLAINED_BATCH_SIZE}
when explained, and {MAX_REQUEST_BYTES} bytes per request (Lambda's payload
limit). Larger requests get 413.

**Errors.** Every error has the body `{{"detail": [{{"loc": [...], "msg": "...",
"type": "..."}}]}}`. Each message names the field, with the batch index, and
the problem.
"""

_ERROR_RESPONSES = {
    400: {"model": ErrorResponse, "description": "Empty body or invalid JSON."},
    413: {"model": ErrorResponse, "description": "Batch or body over the limit."},
    415: {
        "model": ErrorResponse,
        "description": "Content-Type is not application/json.",
    },
    422: {
        "model": ErrorResponse,
        "description": "A field is missing, unknown or invalid.",
    },
    503: {
        "model": ErrorResponse,
        "description": "No Approved model, or it was rejected.",
    },
}

_EXAMPLE_CSV_ROW = {
    "": "0",
    "id": "70172",
    "Gender": "Male",
    "Customer Type": "Loyal Customer",
    "Age": "13",
    "Type of Travel": "Personal Travel",
    "Class": "Eco Plus",
    "Flight Distance": "460",
    "Inflight wifi service": "3",
    "Departure/Arrival time convenient": "4",
    "Ease of Online booking": "3",
    "Gate location": "1",
    "Food and drink": "5",
    "Online boarding": "3",
    "Seat comfort": "5",
    "Inflight entertainment": "5",
    "On-board service": "4",
    "Leg room service": "3",
    "Baggage handling": "4",
    "Checkin service": "4",
    "Inflight service": "5",
    "Cleanliness": "5",
    "Departure Delay in Minutes": "25",
    "Arrival Delay in Minutes": "18.0",
    "satisfaction": "neutral or dissatisfied",
}

PASSENGER_EXAMPLES = {
    "canonical": {
        "summary": "Canonical field names",
        "value": EXAMPLE_PASSENGER,
    },
    "train_csv_row": {
        "summary": "A row of train.csv as a CSV reader returns it",
        "value": _EXAMPLE_CSV_ROW,
    },
}


def _serving_model(provider: ModelProvider, request: Request) -> ServingModel:
    try:
        serving = provider.get()
    except ModelUnavailableError as error:
        setattr(request.state, STATE_MODEL_UNAVAILABLE, True)
        retry_after = math.ceil(provider.seconds_until_retry())
        raise ApiError(
            503,
            f"no model can serve ({error.unavailable.status}): "
            f"{error.unavailable.reason}",
            error.unavailable.status,
            headers={"Retry-After": str(retry_after)},
        ) from None
    setattr(request.state, STATE_MODEL_VERSION, serving.version)
    return serving


def _record_predictions(
    request: Request, predictions: list[Prediction], explain: bool
) -> int:
    satisfied_count = sum(1 for item in predictions if item.satisfied)
    setattr(request.state, STATE_PREDICTION_COUNT, len(predictions))
    setattr(request.state, STATE_SATISFIED_COUNT, satisfied_count)
    setattr(request.state, STATE_EXPLAINED, explain)
    return satisfied_count


def _describe_features() -> list[FeatureDescription]:
    return [
        FeatureDescription(
            name=feature.name,
            kind=feature.kind.value,
            description=feature.description,
            levels=list(feature.levels),
            accepted_values=accepted_category_values(feature.name)
            if feature.levels
            else [],
            minimum=feature.minimum,
            maximum=feature.maximum,
            nullable=feature.nullable,
        )
        for feature in FEATURES
    ]


def create_app(
    provider: ModelProvider | None = None, emit_metrics: bool | None = None
) -> FastAPI:
    """Build the app around a model provider.

    Routes are coroutines, so a single prediction runs on the event loop
    without the thread hand-off of a sync route, which cost more than the
    prediction itself in the handler benchmark. Only batches go to a thread.

    ``emit_metrics`` prints EMF lines. Unset, it is on only on Lambda.
    """
    provider = provider or ModelProvider()
    app = FastAPI(
        title="Airline passenger satisfaction API",
        version="1.0.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    install_docs(app, local_assets_directory())
    app.state.model_provider = provider
    install_error_handlers(app)
    if emit_metrics is None:
        emit_metrics = running_on_lambda()
    app.add_middleware(RequestMiddleware, emit_metrics=emit_metrics)

    @app.get(
        "/health",
        response_model=Health,
        summary="Report whether a model can serve",
        responses={503: {"model": Health, "description": "No model can serve."}},
    )
    async def health() -> JSONResponse:
        """Load the model if needed and report its version, or why it cannot serve.

        Returns 200 with status `ok`, or 503 with status `no_model` or
        `model_error` and the reason.
        """
        state = provider.status()
        if isinstance(state, ModelUnavailable):
            body = Health(status=state.status, detail=state.reason)
            return JSONResponse(body.model_dump(), status_code=503)
        return JSONResponse(
            Health(status="ok", model_version=state.version).model_dump()
        )

    @app.get(
        "/model",
        response_model=ModelInfo,
        summary="Describe the serving model and the input schema",
        responses={503: _ERROR_RESPONSES[503]},
    )
    async def model_info(request: Request) -> ModelInfo:
        """Return the model's version, approval, training date, metrics and schema."""
        serving = _serving_model(provider, request)
        metadata = serving.model.metadata
        return ModelInfo(
            model_name=metadata.model_name,
            model_version=serving.version,
            approval_status=serving.approval_status,
            trained_at=metadata.created_at,
            model_sha256=metadata.model_sha256,
            decision_threshold=metadata.decision_threshold,
            metrics=metadata.metrics,
            hyperparameters=metadata.hyperparameters,
            library_versions=metadata.library_versions,
            input_schema=_describe_features(),
            max_batch_size=MAX_BATCH_SIZE,
            max_explained_batch_size=MAX_EXPLAINED_BATCH_SIZE,
        )

    @app.post(
        "/predict",
        response_model=Prediction,
        summary="Predict one passenger's satisfaction",
        responses=_ERROR_RESPONSES,
    )
    async def predict_one(
        request: Request,
        passenger: Annotated[Passenger, Body(openapi_examples=PASSENGER_EXAMPLES)],  # type: ignore[valid-type]
        explain: Annotated[
            bool,
            Query(
                description=f"Add the {TOP_FACTOR_COUNT} features that moved the "
                "prediction most (TreeSHAP, log-odds)."
            ),
        ] = True,
    ) -> Prediction:
        """Return the probability that the passenger is satisfied, and why.

        Explained by default; `explain=false` skips TreeSHAP, which costs
        several milliseconds per passenger.
        """
        serving = _serving_model(provider, request)
        predictions = prediction.predict(serving, [passenger], explain)
        _record_predictions(request, predictions, explain)
        return predictions[0]

    @app.post(
        "/predict/batch",
        response_model=BatchResponse,
        summary="Predict a batch of passengers",
        responses=_ERROR_RESPONSES,
    )
    async def predict_batch(
        request: Request,
        batch: BatchRequest,
        explain: Annotated[
            bool,
            Query(
                description="Add top factors to every prediction, for at most "
                f"{MAX_EXPLAINED_BATCH_SIZE} passengers then."
            ),
        ] = False,
    ) -> BatchResponse:
        """Return predictions in request order.

        Not explained by default. At most 1,000 passengers, or 100 when
        `explain=true`.
        """
        if explain and len(batch.passengers) > MAX_EXPLAINED_BATCH_SIZE:
            raise ApiError(
                413,
                f"passengers: an explained batch may contain at most "
                f"{MAX_EXPLAINED_BATCH_SIZE} passengers, got {len(batch.passengers)}. "
                "Split it or set explain=false",
                "too_long",
                ["body", "passengers"],
            )
        serving = _serving_model(provider, request)
        # A batch can take a second when explained, so it runs in a worker thread
        # and uvicorn keeps serving other requests meanwhile.
        predictions = await run_in_threadpool(
            prediction.predict, serving, batch.passengers, explain
        )
        satisfied_count = _record_predictions(request, predictions, explain)
        return BatchResponse(
            model_version=serving.version,
            count=len(predictions),
            satisfied_count=satisfied_count,
            predictions=predictions,
        )

    return app
