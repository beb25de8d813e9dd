"""Request limits of the API, documented in OpenAPI and enforced by the app."""

from __future__ import annotations

# Passengers per /predict/batch request. A 1,000-passenger batch of a 500-tree
# model takes about 10 ms to score, so the limit bounds the JSON size rather
# than the compute time.
MAX_BATCH_SIZE = 1_000

# Passengers per explained batch. Exact TreeSHAP costs about 9 ms per passenger
# for a 500-tree, depth-8 model (measured with benchmarks/api_benchmark.py), so
# 100 passengers stay near one second.
MAX_EXPLAINED_BATCH_SIZE = 100

# Lambda rejects synchronous invocation payloads above 6 MB (6,291,456 bytes).
# The app applies the same limit so that uvicorn behaves like Lambda.
MAX_REQUEST_BYTES = 6 * 1024 * 1024

# Features listed in ``top_factors`` when a prediction is explained.
TOP_FACTOR_COUNT = 5

# Validation errors returned in one response; the rest are counted, not listed.
MAX_REPORTED_ERRORS = 20
