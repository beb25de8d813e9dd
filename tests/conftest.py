"""Fixtures shared by every test folder: small synthetic survey files."""

from __future__ import annotations

from pathlib import Path

import pytest

from satisfaction.synthetic import write_csv


@pytest.fixture
def train_layout_csv(tmp_path: Path) -> Path:
    """A 400-row CSV in the layout of the Kaggle training split."""
    return write_csv(tmp_path / "train_layout.csv", 400, seed=1, layout="train")


@pytest.fixture
def combined_layout_csv(tmp_path: Path) -> Path:
    """A 400-row CSV in the layout of the single-file edition."""
    return write_csv(tmp_path / "combined_layout.csv", 400, seed=1, layout="combined")
