"""Encoding of canonical values into the model matrix."""

import math

import numpy as np
import pytest

from satisfaction.encoding import encode_columns, encode_records
from satisfaction.schema import FEATURE_NAMES, RATING_NAMES


def passenger(**overrides):
    record = {
        "gender": "Female",
        "customer_type": "Loyal Customer",
        "age": 35,
        "type_of_travel": "Business travel",
        "travel_class": "Business",
        "flight_distance": 1200,
        **{name: 4 for name in RATING_NAMES},
        "departure_delay_in_minutes": 5,
        "arrival_delay_in_minutes": 0.0,
    }
    record.update(overrides)
    return record


def column(name):
    return FEATURE_NAMES.index(name)


def test_matrix_shape_and_order():
    matrix = encode_records([passenger(), passenger(age=60)])

    assert matrix.shape == (2, len(FEATURE_NAMES))
    assert matrix.dtype == np.float32
    assert matrix[1, column("age")] == 60


def test_categories_become_level_index():
    matrix = encode_records([passenger(travel_class="Eco"), passenger()])

    assert matrix[0, column("travel_class")] == 0
    assert matrix[1, column("travel_class")] == 2
    assert matrix[0, column("gender")] == 0


def test_rating_zero_becomes_missing():
    matrix = encode_records([passenger(inflight_wifi_service=0)])

    assert math.isnan(matrix[0, column("inflight_wifi_service")])
    assert matrix[0, column("seat_comfort")] == 4


def test_missing_arrival_delay_stays_missing():
    matrix = encode_records([passenger(arrival_delay_in_minutes=None)])

    assert math.isnan(matrix[0, column("arrival_delay_in_minutes")])


def test_unknown_level_rejected():
    with pytest.raises(ValueError, match="travel_class: unknown level 'First'"):
        encode_records([passenger(travel_class="First")])


def test_missing_column_rejected():
    columns = {name: [1] for name in FEATURE_NAMES if name != "age"}

    with pytest.raises(ValueError, match="missing feature columns: \\['age'\\]"):
        encode_columns(columns)


def test_records_and_columns_agree():
    records = [passenger(), passenger(gender="Male", arrival_delay_in_minutes=None)]
    columns = {name: [record[name] for record in records] for name in FEATURE_NAMES}

    np.testing.assert_array_equal(encode_records(records), encode_columns(columns))
