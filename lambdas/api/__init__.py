"""Prediction API: a FastAPI app served by Lambda through Mangum, or locally by uvicorn.

- ``app``: routes and ``create_app``.
- ``handler``: the Lambda entry point ``handler(event, context)``.
- ``serve``: ``satisfaction serve``, the app under uvicorn.
- ``metrics``: CloudWatch embedded metric format names, shared with the CDK stack.
- ``bundle``: builds the Lambda deployment folder.
"""
