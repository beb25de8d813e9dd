"""Evaluation step: test metrics, plots and quality-gate figures of a trained model."""
