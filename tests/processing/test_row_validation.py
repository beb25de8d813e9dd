"""Row validation: reasons per rule, layouts, duplicates and schema errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from processing.reading import read_table
from processing.validation import Layout, SchemaError, validate
from satisfaction.schema import FEATURE_NAMES, PASSENGER_ID, TARGET
from satisfaction.synthetic import generate_rows


def validate_file(path: Path, *, label_required: bool = True, duplicates: bool = True):
    return validate(
        read_table(str(path)),
        label_required=label_required,
        check_duplicates=duplicates,
    )


# (train-layout header, bad value, expected reason)
BAD_VALUES = [
    ("id", "", "id: missing value"),
    ("id", "A-17", "id: not a number"),
    ("id", "17.5", "id: not an integer"),
    ("id", "-3", "id: outside 0 to 9007199254740992"),
    ("id", "1e20", "id: outside 0 to 9007199254740992"),
    ("Age", "", "age: missing value"),
    ("Age", "forty", "age: not a number"),
    ("Age", "37.5", "age: not an integer"),
    ("Age", "0", "age: outside 1 to 120"),
    ("Age", "121", "age: outside 1 to 120"),
    ("Flight Distance", "0", "flight_distance: outside 1 to 20000"),
    ("Flight Distance", "25000", "flight_distance: outside 1 to 20000"),
    ("Inflight wifi service", "6", "inflight_wifi_service: outside 0 to 5"),
    ("Inflight wifi service", "-1", "inflight_wifi_service: outside 0 to 5"),
    ("Cleanliness", "2.5", "cleanliness: not an integer"),
    ("Cleanliness", "", "cleanliness: missing value"),
    (
        "Departure Delay in Minutes",
        "-5",
        "departure_delay_in_minutes: outside 0 to 4320",
    ),
    (
        "Departure Delay in Minutes",
        "5000",
        "departure_delay_in_minutes: outside 0 to 4320",
    ),
    ("Arrival Delay in Minutes", "-1.5", "arrival_delay_in_minutes: outside 0 to 4320"),
    ("Arrival Delay in Minutes", "soon", "arrival_delay_in_minutes: not a number"),
    ("Arrival Delay in Minutes", "inf", "arrival_delay_in_minutes: not a number"),
    ("Arrival Delay in Minutes", "nan", "arrival_delay_in_minutes: not a number"),
    ("Gender", "Other", "gender: unknown value"),
    ("Customer Type", "gold", "customer_type: unknown value"),
    ("Type of Travel", "", "type_of_travel: missing value"),
    ("Class", "First", "travel_class: unknown value"),
    ("satisfaction", "happy", "satisfaction: unknown label"),
    ("satisfaction", "", "satisfaction: missing value"),
]


@pytest.mark.parametrize(("header", "value", "reason"), BAD_VALUES)
def test_bad_value_gets_its_reason(
    survey_file: Callable[..., Path], header: str, value: str, reason: str
) -> None:
    rows = generate_rows(20, seed=3)
    rows[5][header] = value

    result = validate_file(survey_file(rows))

    assert result.reasons[5] == reason
    assert result.valid.sum() == 19
    assert result.reason_counts == {reason: 1}


# (train-layout header, accepted value, canonical value)
ACCEPTED_VALUES = [
    ("Arrival Delay in Minutes", "", np.nan),
    ("Arrival Delay in Minutes", "12.5", 12.5),
    ("Inflight wifi service", "0", 0),
    ("Age", "37.0", 37),
    ("Age", " 37 ", 37),
    ("Gender", "MALE", "Male"),
    ("Customer Type", "returning", "Loyal Customer"),
    ("Class", " economy plus ", "Eco Plus"),
    ("satisfaction", "Satisfied", "satisfied"),
    ("satisfaction", "NEUTRAL OR DISSATISFIED", "neutral or dissatisfied"),
]


@pytest.mark.parametrize(("header", "value", "canonical"), ACCEPTED_VALUES)
def test_accepted_value_is_canonical(
    survey_file: Callable[..., Path], header: str, value: str, canonical: object
) -> None:
    rows = generate_rows(20, seed=3)
    rows[5][header] = value

    result = validate_file(survey_file(rows))
    frame = result.valid_frame()
    name = {
        "Arrival Delay in Minutes": "arrival_delay_in_minutes",
        "Inflight wifi service": "inflight_wifi_service",
        "Age": "age",
        "Gender": "gender",
        "Customer Type": "customer_type",
        "Class": "travel_class",
        "satisfaction": TARGET,
    }[header]

    assert result.valid.all()
    if isinstance(canonical, float) and np.isnan(canonical):
        assert pd.isna(frame.loc[5, name])
    else:
        assert frame.loc[5, name] == canonical


def test_several_reasons_are_joined(survey_file: Callable[..., Path]) -> None:
    rows = generate_rows(10, seed=3)
    rows[2]["Age"] = "200"
    rows[2]["Gender"] = "?"

    result = validate_file(survey_file(rows))

    assert result.reasons[2] == "gender: unknown value; age: outside 1 to 120"
    assert result.reason_counts == {
        "age: outside 1 to 120": 1,
        "gender: unknown value": 1,
    }


def test_both_layouts_give_the_same_rows(
    train_layout_csv: Path, combined_layout_csv: Path
) -> None:
    train = validate_file(train_layout_csv)
    combined = validate_file(combined_layout_csv)

    assert train.layout is Layout.TRAIN
    assert combined.layout is Layout.COMBINED
    assert train.valid.all()
    assert combined.valid.all()
    pd.testing.assert_frame_equal(train.valid_frame(), combined.valid_frame())


def test_canonical_headers_are_accepted(tmp_path: Path, train_layout_csv: Path) -> None:
    frame = validate_file(train_layout_csv).valid_frame()
    path = tmp_path / "canonical.csv"
    frame.to_csv(path, index=False)

    result = validate_file(path)

    assert result.layout is Layout.CANONICAL
    pd.testing.assert_frame_equal(result.valid_frame(), frame)


def test_missing_columns_use_layout_names(tmp_path: Path) -> None:
    rows = generate_rows(5, seed=3, layout="combined")
    for row in rows:
        del row["Arrival Delay"]
        del row["Satisfaction"]
    path = tmp_path / "survey.csv"
    frame = pd.DataFrame(rows)
    frame.to_csv(path, index=False)

    with pytest.raises(SchemaError, match="combined layout") as error:
        validate_file(path)

    assert "'Arrival Delay'" in str(error.value)
    assert "'Satisfaction'" in str(error.value)


def test_label_optional_without_label_rule(tmp_path: Path) -> None:
    rows = generate_rows(5, seed=3)
    for row in rows:
        del row["satisfaction"]
    path = tmp_path / "unlabelled.csv"
    pd.DataFrame(rows).to_csv(path, index=False)

    with pytest.raises(SchemaError, match="'satisfaction'"):
        validate_file(path)
    result = validate_file(path, label_required=False)

    assert result.valid.all()
    assert TARGET not in result.frame


def test_invalid_label_allowed_when_optional(
    survey_file: Callable[..., Path],
) -> None:
    rows = generate_rows(5, seed=3)
    rows[1]["satisfaction"] = "maybe"

    result = validate_file(survey_file(rows), label_required=False)

    assert result.valid.all()
    assert pd.isna(result.frame.loc[1, TARGET])


def test_two_headers_for_one_column_rejected(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text("id,ID\n1,1\n")

    with pytest.raises(SchemaError, match="both map to 'id'"):
        validate_file(path)


def test_unknown_columns_are_ignored_and_listed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rows = generate_rows(5, seed=3)
    for row in rows:
        row["Booking channel"] = "web"
    path = tmp_path / "survey.csv"
    pd.DataFrame(rows).to_csv(path, index=False)

    result = validate_file(path)

    assert result.valid.all()
    assert result.ignored_columns == ["Booking channel"]
    assert "ignoring unknown columns ['Booking channel']" in caplog.text


def test_exact_duplicate_keeps_the_first(survey_file: Callable[..., Path]) -> None:
    rows = generate_rows(10, seed=3)
    copy = dict(rows[2])
    copy[""] = "99"  # the row number of train.csv differs between copies
    rows.append(copy)

    result = validate_file(survey_file(rows))

    assert result.valid[2]
    assert not result.valid[10]
    assert result.reasons[10] == "id: exact duplicate of an earlier row"


def test_conflicting_duplicates_all_rejected(survey_file: Callable[..., Path]) -> None:
    rows = generate_rows(10, seed=3)
    conflict = dict(rows[2])
    conflict["satisfaction"] = (
        "satisfied"
        if rows[2]["satisfaction"] != "satisfied"
        else "neutral or dissatisfied"
    )
    rows.append(conflict)

    result = validate_file(survey_file(rows))

    assert not result.valid[2]
    assert not result.valid[10]
    assert result.reasons[2] == "id: duplicate id with conflicting values"
    assert result.reason_counts == {"id: duplicate id with conflicting values": 2}


def test_malformed_record_is_no_duplicate(survey_file: Callable[..., Path]) -> None:
    rows = generate_rows(3, seed=3)
    path = survey_file(rows)
    with path.open("a") as stream:
        stream.write(f"7,{rows[0]['id']},Male\n")

    result = validate_file(path)

    assert result.valid.tolist() == [True, True, True, False]
    assert result.reasons[3] == "wrong number of fields (expected 25)"


def test_duplicates_allowed_when_not_checked(survey_file: Callable[..., Path]) -> None:
    rows = generate_rows(10, seed=3)
    rows.append(dict(rows[2]))

    result = validate_file(survey_file(rows), duplicates=False)

    assert result.valid.all()


def test_malformed_and_empty_records_get_one_reason(
    survey_file: Callable[..., Path],
) -> None:
    rows = generate_rows(3, seed=3)
    path = survey_file(rows)
    with path.open("a") as stream:
        stream.write("1,2,3\n")
        stream.write("," * 24 + "\n")

    result = validate_file(path)

    assert result.reasons[3] == "wrong number of fields (expected 25)"
    assert result.reasons[4] == "empty row"
    assert result.valid.tolist() == [True, True, True, False, False]


def test_id_and_row_number_not_features(train_layout_csv: Path) -> None:
    frame = validate_file(train_layout_csv).valid_frame()

    assert list(frame.columns) == [PASSENGER_ID, *FEATURE_NAMES, TARGET]
    assert "row_number" not in frame.columns
