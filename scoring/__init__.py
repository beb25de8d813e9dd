"""Batch scoring of survey CSV files with the approved model."""
