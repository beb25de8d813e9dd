"""Training step: fit the XGBoost satisfaction model on the processed splits."""
