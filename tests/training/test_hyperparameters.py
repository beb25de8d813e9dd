"""Hyperparameter arguments: both spellings, defaults and validation."""

from __future__ import annotations

import pytest

from training.hyperparameters import Hyperparameters
from training.step import build_parser, main


@pytest.mark.parametrize(
    ("arguments", "name", "expected"),
    [
        (["--max-depth", "3"], "max_depth", 3),
        (["--max_depth", "3"], "max_depth", 3),
        (["--learning-rate", "0.2"], "learning_rate", 0.2),
        (["--learning_rate", "0.2"], "learning_rate", 0.2),
        (["--num_boost_round", "7"], "num_boost_round", 7),
        (["--early-stopping-rounds", "9"], "early_stopping_rounds", 9),
        (["--colsample_bytree", "0.5"], "colsample_bytree", 0.5),
        (["--seed", "5"], "seed", 5),
    ],
)
def test_hyperparameter_spellings(
    arguments: list[str], name: str, expected: object
) -> None:
    parsed = build_parser().parse_args(arguments)
    assert getattr(parsed, name) == expected


def test_hyperparameter_defaults() -> None:
    parsed = build_parser().parse_args([])
    for name, field in Hyperparameters.model_fields.items():
        assert getattr(parsed, name) == field.get_default(call_default_factory=True), (
            name
        )


def test_booster_params_fixed_settings() -> None:
    params = Hyperparameters().booster_params()
    assert params["tree_method"] == "hist"
    assert params["objective"] == "binary:logistic"
    assert (
        params["eval_metric"][-1] == "logloss"
    )  # early stopping watches the last metric
    assert params["nthread"] >= 1


def test_out_of_range_hyperparameter_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--subsample", "1.5", "--no-tracking"]) == 2
    assert "subsample" in capsys.readouterr().err


def test_non_numeric_hyperparameter_rejected() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--max-depth", "deep"])
