"""Domain code shared by the pipeline steps, batch scoring and the prediction API.

Modules here import only the standard library, numpy, pydantic and xgboost at
module level, so that the serving Lambda can use them without pandas.
"""
