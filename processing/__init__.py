"""Processing step: validation, quarantine, stratified splits and baselines."""
