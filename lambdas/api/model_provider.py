"""Loading of the serving model, once per process, with a retry after failures.

The model loads on the first request that needs it, not at import, because
``resolve_model`` may call S3 or the SageMaker registry and an import must not
reach the network. Once loaded, the model serves for the life of the process
(the Lambda container), and a newly approved version is picked up by new
containers, for example after the deployer updates the function.

A failed load (no Approved version, or an artifact that is corrupt or does
not match the schema) is remembered and the error returned for
``retry_seconds``, and the next request after that tries again. So a fixed
registry heals a running container without a load attempt per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from satisfaction.artifact import ArtifactError
from satisfaction.model_source import (
    NoApprovedModelError,
    ServingModel,
    resolve_model,
)

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 60.0

# XGBoost threads per prediction. One row gains nothing from more threads,
# and on a Lambda function with less than one vCPU, or a busy machine, OpenMP
# threads wait for each other. On a loaded 2-core machine one row took 0.5 ms
# with one thread and 19 ms with two (p50, 500 trees, depth 8).
PREDICT_THREADS = 1


@dataclass(frozen=True)
class ModelUnavailable:
    """Why no model can serve: ``no_model`` or ``model_error``, with the reason."""

    status: str
    reason: str


class ModelUnavailableError(Exception):
    """Raised by ``ModelProvider.get`` when no model can serve."""

    def __init__(self, unavailable: ModelUnavailable) -> None:
        super().__init__(unavailable.reason)
        self.unavailable = unavailable


class ModelProvider:
    """Load the serving model on first use and keep it for the process."""

    def __init__(
        self,
        loader: Callable[[], ServingModel] = resolve_model,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loader = loader
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._model: ServingModel | None = None
        self._failure: ModelUnavailable | None = None
        self._failed_at = 0.0

    def get(self) -> ServingModel:
        """Return the serving model, loading it if needed.

        Raises ModelUnavailableError when there is no Approved model or the
        artifact was rejected.
        """
        model = self._model
        if model is not None:
            return model
        with self._lock:
            if self._model is not None:
                return self._model
            if self._failure is not None and not self._retry_due():
                raise ModelUnavailableError(self._failure)
            return self._load()

    def status(self) -> ServingModel | ModelUnavailable:
        """Return the model or why there is none, loading or retrying like ``get``."""
        try:
            return self.get()
        except ModelUnavailableError as error:
            return error.unavailable

    def reset(self) -> None:
        """Forget the loaded model or failure, so the next request loads again."""
        with self._lock:
            self._model = None
            self._failure = None

    def seconds_until_retry(self) -> float:
        """Return the seconds until the next load attempt, 0 when one is due."""
        if self._failure is None:
            return 0.0
        return max(0.0, self._retry_seconds - (self._clock() - self._failed_at))

    def _retry_due(self) -> bool:
        return self._clock() - self._failed_at >= self._retry_seconds

    def _load(self) -> ServingModel:
        started = time.perf_counter()
        try:
            model = self._loader()
        except NoApprovedModelError as error:
            self._fail(ModelUnavailable("no_model", str(error)))
        except ArtifactError as error:
            self._fail(ModelUnavailable("model_error", str(error)))
        except Exception as error:
            # S3, registry and file-system errors end here too, so the API
            # returns 503 with the reason instead of 500 and logs the traceback.
            logger.exception("unexpected error while loading the model")
            reason = f"{type(error).__name__}: {error}"
            self._fail(ModelUnavailable("model_error", reason))
        model.model.booster.set_param({"nthread": PREDICT_THREADS})
        self._model = model
        self._failure = None
        logger.info(
            "model version %s loaded",
            model.version,
            extra={
                "model_version": model.version,
                "load_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return model

    def _fail(self, unavailable: ModelUnavailable) -> None:
        self._failure = unavailable
        self._failed_at = self._clock()
        logger.error(
            "model load failed (%s): %s. Returning 503 until a retry in %.0f s",
            unavailable.status,
            unavailable.reason,
            self._retry_seconds,
            extra={"model_status": unavailable.status},
        )
        raise ModelUnavailableError(unavailable)
