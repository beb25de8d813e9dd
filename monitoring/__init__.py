"""Drift checks of new survey data against the training baselines."""
