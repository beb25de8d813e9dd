"""Scoring and explanation of validated passengers with the serving model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from lambdas.api.limits import TOP_FACTOR_COUNT
from lambdas.api.model_provider import PREDICT_THREADS
from lambdas.api.schemas import Factor, Prediction
from satisfaction.encoding import encode_records
from satisfaction.model_source import ServingModel
from satisfaction.schema import FEATURE_NAMES, NEGATIVE_LABEL, POSITIVE_LABEL

# Digits kept in responses. float32 scores carry about 7 significant digits,
# so more would only show noise.
PROBABILITY_DIGITS = 6
CONTRIBUTION_DIGITS = 4


def predict(
    serving: ServingModel, passengers: Sequence[BaseModel], explain: bool
) -> list[Prediction]:
    """Score passengers and, when ``explain`` is set, attach their top TreeSHAP factors.

    The matrix is built by name from each passenger's fields, so the key order
    of the request cannot change the result.
    """
    # vars() is the model's field dict: the same values as model_dump(), without
    # the copy, which costs about 2 ms per 1,000 passengers.
    records = [vars(passenger) for passenger in passengers]
    matrix = encode_records(records)
    probabilities = serving.model.predict_probability(matrix)
    threshold = serving.model.metadata.decision_threshold

    factors: list[list[Factor]] | list[None] = [None] * len(records)
    if explain:
        contributions = serving.model.contributions(matrix, nthread=PREDICT_THREADS)
        factors = [
            top_factors(record, row)
            for record, row in zip(records, contributions, strict=True)
        ]

    predictions = []
    for record, probability, row_factors in zip(
        records, probabilities, factors, strict=True
    ):
        satisfied = bool(probability >= threshold)
        predictions.append(
            Prediction(
                passenger_id=record["passenger_id"],
                satisfied=satisfied,
                probability=round(float(probability), PROBABILITY_DIGITS),
                label=POSITIVE_LABEL if satisfied else NEGATIVE_LABEL,
                model_version=serving.version,
                top_factors=row_factors,
            )
        )
    return predictions


def top_factors(
    record: dict, contributions: np.ndarray, count: int = TOP_FACTOR_COUNT
) -> list[Factor]:
    """Return the ``count`` features with the largest absolute contribution.

    ``contributions`` is one row of ``LoadedModel.contributions``: one value per
    feature in ``FEATURE_NAMES`` order, then the bias, which is left out. Ties
    keep the schema order, so the result is deterministic.
    """
    feature_contributions = contributions[: len(FEATURE_NAMES)]
    order = np.argsort(-np.abs(feature_contributions), kind="stable")[:count]
    return [
        Factor(
            feature=FEATURE_NAMES[index],
            value=record[FEATURE_NAMES[index]],
            contribution=round(
                float(feature_contributions[index]), CONTRIBUTION_DIGITS
            ),
        )
        for index in order
    ]
