"""Hyperparameters of the XGBoost model, their defaults and their CLI arguments.

The defaults were chosen on the validation split of the published training
data with ``python -m training.tune`` (docs/benchmarks.md, "Model quality").
SageMaker passes hyperparameters as ``--max_depth 8``, people type
``--max-depth 8``, so every argument accepts both spellings.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from pydantic import BaseModel, Field


class Hyperparameters(BaseModel):
    """Booster parameters plus the boosting-round limits."""

    learning_rate: float = Field(
        0.05, gt=0, le=1, description="Shrinkage per tree (eta)."
    )
    max_depth: int = Field(8, ge=1, le=16, description="Maximum depth of a tree.")
    min_child_weight: float = Field(
        1.0, ge=0, description="Minimum sum of Hessians in a leaf."
    )
    subsample: float = Field(
        0.8, gt=0, le=1, description="Share of rows sampled per tree."
    )
    colsample_bytree: float = Field(
        0.8, gt=0, le=1, description="Share of features sampled per tree."
    )
    reg_lambda: float = Field(
        1.0, ge=0, description="L2 regularisation of leaf weights."
    )
    reg_alpha: float = Field(
        0.0, ge=0, description="L1 regularisation of leaf weights."
    )
    gamma: float = Field(
        0.0, ge=0, description="Minimum loss reduction to split a leaf."
    )
    max_bin: int = Field(256, ge=2, description="Histogram bins per feature.")
    num_boost_round: int = Field(
        600, ge=1, description="Maximum number of boosting rounds (trees)."
    )
    early_stopping_rounds: int = Field(
        50,
        ge=1,
        description="Stop after this many rounds without a lower validation log loss.",
    )
    nthread: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="Threads for training. With tree_method=hist the model bytes do "
        "not depend on it (checked with XGBoost 3.2 on 1 to 3 threads). "
        "Default: the CPU count.",
    )
    seed: int = Field(42, description="Seed of row and feature sampling.")

    def booster_params(self) -> dict[str, Any]:
        """Return the parameter dict for ``xgboost.train``."""
        return {
            "objective": "binary:logistic",
            "eval_metric": ["auc", "logloss"],
            "tree_method": "hist",
            "eta": self.learning_rate,
            "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "lambda": self.reg_lambda,
            "alpha": self.reg_alpha,
            "gamma": self.gamma,
            "max_bin": self.max_bin,
            "nthread": self.nthread,
            "seed": self.seed,
        }


def add_hyperparameter_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one ``--name`` / ``--name_with_underscores`` option per hyperparameter."""
    group = parser.add_argument_group(
        "hyperparameters", "Defaults were tuned on the validation split."
    )
    for name, field in Hyperparameters.model_fields.items():
        value_type = field.annotation
        default = field.get_default(call_default_factory=True)
        # A computed default (the CPU count) is described in the field's text.
        suffix = "" if field.default_factory else f" Default: {default}."
        dashed = "--" + name.replace("_", "-")
        spellings = [dashed] if "_" not in name else [dashed, "--" + name]
        group.add_argument(
            *spellings,
            dest=name,
            type=value_type,
            default=default,
            metavar=value_type.__name__.upper(),
            help=f"{field.description}{suffix}",
        )


def hyperparameters_from_arguments(arguments: argparse.Namespace) -> Hyperparameters:
    """Build validated hyperparameters from parsed arguments.

    Raises pydantic.ValidationError when a value is out of range.
    """
    values = {name: getattr(arguments, name) for name in Hyperparameters.model_fields}
    return Hyperparameters(**values)
