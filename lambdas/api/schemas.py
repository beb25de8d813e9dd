"""Request and response models of the API, built from ``satisfaction.schema``.

The passenger model has one field per canonical feature, so the features are
defined once. Before validation, a passenger's keys are mapped to canonical
names with ``satisfaction.layouts.canonical_column``, so a row of either
published CSV layout can be posted as it is:

- headers match ignoring case, spaces and punctuation (``Age``, ``Class``,
  ``In-flight Wifi Service``);
- category values match case-insensitively in either layout's spelling;
- numbers may be JSON numbers or decimal strings (``"25"``, ``"12.0"``), as a
  CSV reader produces them. An empty string is accepted only for the arrival
  delay and means unknown;
- ``id``/``ID`` is echoed back as ``passenger_id``, and the pandas row-number
  column and the label column (``satisfaction``) are ignored.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from lambdas.api.limits import MAX_BATCH_SIZE
from satisfaction.layouts import (
    accepted_category_values,
    canonical_category,
    canonical_column,
)
from satisfaction.schema import (
    FEATURES,
    NEGATIVE_LABEL,
    PASSENGER_ID,
    POSITIVE_LABEL,
    ROW_NUMBER,
    TARGET,
    Feature,
    FeatureKind,
)

# Columns of the published files that are accepted but play no part in a prediction.
IGNORED_COLUMNS = frozenset({ROW_NUMBER, TARGET})

MAX_PASSENGER_ID_LENGTH = 64

# Units shown in the OpenAPI schema as the extension field "unit".
UNITS: dict[str, str] = {
    "age": "years",
    "flight_distance": "miles",
    "departure_delay_in_minutes": "minutes",
    "arrival_delay_in_minutes": "minutes",
}

_CANONICAL_KEYS = frozenset({*(feature.name for feature in FEATURES), "passenger_id"})

EXAMPLE_PASSENGER: dict[str, Any] = {
    "gender": "Female",
    "customer_type": "Loyal Customer",
    "age": 41,
    "type_of_travel": "Business travel",
    "travel_class": "Business",
    "flight_distance": 1_250,
    "inflight_wifi_service": 4,
    "departure_arrival_time_convenient": 4,
    "ease_of_online_booking": 4,
    "gate_location": 3,
    "food_and_drink": 4,
    "online_boarding": 5,
    "seat_comfort": 5,
    "inflight_entertainment": 4,
    "on_board_service": 4,
    "leg_room_service": 3,
    "baggage_handling": 4,
    "checkin_service": 3,
    "inflight_service": 4,
    "cleanliness": 5,
    "departure_delay_in_minutes": 12,
    "arrival_delay_in_minutes": 5.0,
}


@lru_cache(maxsize=4_096)
def _canonical_key(key: str) -> str | None:
    # Cached because a batch repeats the same 23 to 25 keys for every passenger.
    return canonical_column(key)


def _reject_bool(value: Any) -> Any:
    # pydantic's lax mode reads true/false as 1/0; a boolean is never a valid count.
    if isinstance(value, bool):
        raise ValueError("Input should be a number, not a boolean")
    return value


def _empty_to_none(value: Any) -> Any:
    # A CSV reader returns an empty string for a missing arrival delay.
    if isinstance(value, str) and not value.strip():
        return None
    return _reject_bool(value)


def _category_validator(feature: Feature) -> BeforeValidator:
    accepted = accepted_category_values(feature.name)

    def to_canonical(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"Input should be a string, one of {accepted}")
        level = canonical_category(feature.name, value)
        if level is None:
            shown = value if len(value) <= 40 else value[:40] + "..."
            raise ValueError(
                f"unknown value {shown!r}. Allowed values (any case): {accepted}"
            )
        return level

    return BeforeValidator(to_canonical)


def _field_definition(feature: Feature) -> tuple[Any, Any]:
    if feature.kind is FeatureKind.CATEGORY:
        accepted = accepted_category_values(feature.name)
        aliases = accepted[len(feature.levels) :]
        description = (
            f"{feature.description}. One of {list(feature.levels)}, matched "
            "case-insensitively."
        )
        if aliases:
            description += f" The single-file edition's {aliases} are accepted too."
        annotation = Annotated[str, _category_validator(feature)]
        return annotation, Field(
            description=description,
            examples=[EXAMPLE_PASSENGER[feature.name]],
            json_schema_extra={"enum": accepted},
        )

    bounds = {"ge": feature.minimum, "le": feature.maximum}
    if feature.kind is FeatureKind.RATING:
        description = f"{feature.description}. An integer, or a string such as '3'."
        annotation = Annotated[int, BeforeValidator(_reject_bool)]
        return annotation, Field(
            description=description,
            examples=[EXAMPLE_PASSENGER[feature.name]],
            **bounds,
        )

    unit = UNITS.get(feature.name)
    if feature.nullable:
        description = (
            f"{feature.description}. An empty string or a missing field also "
            "means unknown."
        )
        annotation = Annotated[float | None, BeforeValidator(_empty_to_none)]
        return annotation, Field(
            None,
            description=description,
            examples=[EXAMPLE_PASSENGER[feature.name]],
            json_schema_extra={"unit": unit} if unit else None,
            **bounds,
        )

    description = f"{feature.description}. An integer, or a string such as '25'."
    annotation = Annotated[int, BeforeValidator(_reject_bool)]
    return annotation, Field(
        description=description,
        examples=[EXAMPLE_PASSENGER[feature.name]],
        json_schema_extra={"unit": unit} if unit else None,
        **bounds,
    )


class _PassengerBase(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={"examples": [EXAMPLE_PASSENGER]},
    )

    passenger_id: int | str | None = Field(
        None,
        description="Optional identifier (the `id`/`ID` column of the published "
        "files), echoed back in the prediction.",
        examples=[70172],
    )

    @field_validator("passenger_id", mode="before")
    @classmethod
    def _check_passenger_id(cls, value: Any) -> Any:
        if isinstance(value, bool | float):
            raise ValueError("Input should be an integer or a string")
        if isinstance(value, str) and len(value) > MAX_PASSENGER_ID_LENGTH:
            raise ValueError(
                f"Input should have at most {MAX_PASSENGER_ID_LENGTH} characters"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _canonicalise_keys(cls, data: Any) -> Any:
        """Rename the headers of either layout to canonical names.

        Unknown keys are kept as they are, so that ``extra="forbid"`` reports
        each of them by name.
        """
        if not isinstance(data, dict):
            return data
        if _CANONICAL_KEYS.issuperset(data):
            return data  # fast path for clients that send canonical names
        canonical: dict[str, Any] = {}
        origin: dict[str, str] = {}
        for key, value in data.items():
            name = _canonical_key(key) if key != "passenger_id" else "passenger_id"
            if name is None:
                canonical[key] = value
                continue
            if name in IGNORED_COLUMNS:
                continue
            if name == PASSENGER_ID:
                name = "passenger_id"
            if name in origin:
                raise ValueError(
                    f"fields {origin[name]!r} and {key!r} both set {name!r}. "
                    "Send only one of them"
                )
            origin[name] = key
            canonical[name] = value
        return canonical


Passenger: type[BaseModel] = create_model(
    "Passenger",
    __base__=_PassengerBase,
    __doc__="Survey answers of one passenger. Field names of either published "
    "CSV layout are accepted as well.",
    **{feature.name: _field_definition(feature) for feature in FEATURES},
)


class BatchRequest(BaseModel):
    """Passengers to score in one request."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"passengers": [EXAMPLE_PASSENGER]}]},
    )

    passengers: list[Passenger] = Field(  # type: ignore[valid-type]
        min_length=1,
        max_length=MAX_BATCH_SIZE,
        description=f"1 to {MAX_BATCH_SIZE} passengers, fewer when explained: see the "
        "endpoint description.",
    )


class Factor(BaseModel):
    """One feature's TreeSHAP contribution to a prediction."""

    feature: str = Field(description="Canonical feature name.")
    value: str | int | float | None = Field(
        description="The feature's value as the model saw it (canonical category "
        "level, and a rating of 0 means not applicable)."
    )
    contribution: float = Field(
        description="Contribution in log-odds of 'satisfied': positive values push "
        "towards satisfied, negative towards neutral or dissatisfied."
    )


class Prediction(BaseModel):
    """Prediction for one passenger."""

    passenger_id: int | str | None = Field(
        None, description="The `id` sent with the passenger, if any."
    )
    satisfied: bool = Field(
        description="True when `probability` is at least the model's decision "
        "threshold."
    )
    probability: float = Field(
        ge=0, le=1, description="Probability that the passenger is satisfied."
    )
    label: Literal["satisfied", "neutral or dissatisfied"] = Field(
        description=f"'{POSITIVE_LABEL}' or '{NEGATIVE_LABEL}', as in the "
        "training data."
    )
    model_version: str = Field(
        description="Version of the model that made the prediction."
    )
    top_factors: list[Factor] | None = Field(
        None,
        description="Features that moved this prediction most, by absolute "
        "contribution, or null when the prediction was not explained.",
    )


class BatchResponse(BaseModel):
    """Predictions for a batch, in the order of the request."""

    model_version: str
    count: int = Field(description="Number of predictions.")
    satisfied_count: int = Field(description="Predictions with `satisfied` true.")
    predictions: list[Prediction]


class FeatureDescription(BaseModel):
    """One input field of the passenger model."""

    name: str
    kind: str = Field(description="category, rating, integer or number.")
    description: str
    levels: list[str] = Field(
        default_factory=list, description="Canonical levels of a category."
    )
    accepted_values: list[str] = Field(
        default_factory=list,
        description="Every spelling accepted for a category, matched "
        "case-insensitively.",
    )
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False


class ModelInfo(BaseModel):
    """The model that serves predictions."""

    model_name: str
    model_version: str
    approval_status: str = Field(description="Approval status in the model registry.")
    trained_at: datetime = Field(description="When the model was trained (UTC).")
    model_sha256: str = Field(description="SHA-256 of the model file, checked at load.")
    decision_threshold: float
    metrics: dict[str, float] = Field(description="Metrics recorded at training time.")
    hyperparameters: dict[str, Any]
    library_versions: dict[str, str]
    input_schema: list[FeatureDescription]
    max_batch_size: int
    max_explained_batch_size: int


class Health(BaseModel):
    """Readiness of the API to serve predictions."""

    status: Literal["ok", "no_model", "model_error"] = Field(
        description="ok, no_model when the registry has no Approved version, or "
        "model_error when the artifact was rejected."
    )
    model_version: str | None = None
    detail: str | None = Field(None, description="Reason when status is not ok.")


class ErrorItem(BaseModel):
    """One problem with a request."""

    loc: list[str | int] = Field(
        description="Where the problem is, e.g. ['body', 'passengers', 3, 'age']."
    )
    msg: str = Field(description="What is wrong, naming the field.")
    type: str = Field(description="Machine-readable error type.")


class ErrorResponse(BaseModel):
    """Body of every 4xx and 5xx response."""

    detail: list[ErrorItem]
    error_count: int | None = Field(
        None, description="Total problems found, when more were found than listed."
    )
