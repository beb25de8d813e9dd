"""Loading of the serving model, with a retry after failures and registry checks.

The model loads on the first request that needs it, not at import, because
``resolve_model`` may call S3 or the SageMaker registry and an import must not
reach the network.

A model from the registry (``SATISFACTION_MODEL_URI`` unset) is checked
against the registry's latest Approved version at most every
``refresh_seconds``, on the first request after that interval. A new version
replaces the loaded one, and when no version is approved any more the API
returns 503 ``no_model``. A failed check or a failed load of the new version
keeps the current model serving and logs a warning. A model from
``SATISFACTION_MODEL_URI`` serves for the life of the process (the Lambda
container); the deployer changes that variable, which starts new containers.

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
from satisfaction.config import Settings, get_settings
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


def registry_version_reader(
    settings: Settings | None = None,
) -> Callable[[], str | None] | None:
    """Build a function that returns the registry's latest Approved version.

    The function returns None when no version is approved. Returns None instead
    of a function when ``SATISFACTION_MODEL_URI`` is set, because the registry
    then does not select the model.
    """
    settings = settings or get_settings()
    if settings.model_uri:
        return None
    registries = []

    def latest_version() -> str | None:
        from satisfaction.registry import open_registry

        if not registries:
            registries.append(open_registry(settings))
        package = registries[0].latest_approved()
        return None if package is None else str(package.version)

    return latest_version


class ModelProvider:
    """Load the serving model on first use and keep it up to date with the registry.

    ``latest_version`` returns the version that should serve, or None when no
    version is approved; without it the loaded model is never replaced. With
    the default loader it defaults to ``registry_version_reader()``, and
    ``refresh_seconds`` defaults to ``SATISFACTION_MODEL_REFRESH_SECONDS``.
    A ``refresh_seconds`` of 0 turns the checks off.
    """

    def __init__(
        self,
        loader: Callable[[], ServingModel] = resolve_model,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        refresh_seconds: float | None = None,
        latest_version: Callable[[], str | None] | None = None,
    ) -> None:
        if loader is resolve_model and latest_version is None:
            latest_version = registry_version_reader()
        if refresh_seconds is None:
            refresh_seconds = (
                get_settings().model_refresh_seconds if latest_version else 0.0
            )
        self._loader = loader
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._latest_version = latest_version
        self._lock = threading.Lock()
        self._model: ServingModel | None = None
        self._failure: ModelUnavailable | None = None
        self._failed_at = 0.0
        self._checked_at = 0.0

    def get(self) -> ServingModel:
        """Return the serving model, loading it if needed.

        Raises ModelUnavailableError when there is no Approved model or the
        artifact was rejected.
        """
        model = self._model
        if model is not None and self._refresh_due():
            # A request that finds another one checking serves the current model
            # instead of waiting for a new version to load.
            if self._lock.acquire(blocking=False):
                try:
                    if self._model is model and self._refresh_due():
                        self._refresh(model)
                finally:
                    self._lock.release()
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

    def _refresh_due(self) -> bool:
        if self._latest_version is None or self._refresh_seconds <= 0:
            return False
        return self._clock() - self._checked_at >= self._refresh_seconds

    def _refresh(self, current: ServingModel) -> None:
        """Replace the model when the registry's latest Approved version changed.

        Never raises: on an error the current model keeps serving.
        """
        assert self._latest_version is not None
        self._checked_at = self._clock()
        try:
            latest = self._latest_version()
        except Exception:
            logger.warning(
                "registry check failed; model version %s keeps serving",
                current.version,
                exc_info=True,
            )
            return
        if latest == current.version:
            return
        if latest is None:
            self._model = None
            self._failure = ModelUnavailable(
                "no_model",
                f"no Approved model version in the registry any more (version "
                f"{current.version} is no longer approved); approve a version "
                "with 'satisfaction registry approve VERSION'",
            )
            self._failed_at = self._checked_at
            logger.warning(
                "model version %s is no longer approved and no other version is; "
                "returning 503 until a version is approved",
                current.version,
            )
            return
        started = time.perf_counter()
        try:
            model = self._loader()
            model.model.booster.set_param({"nthread": PREDICT_THREADS})
        except Exception:
            logger.warning(
                "loading the newly approved version %s failed; "
                "model version %s keeps serving",
                latest,
                current.version,
                exc_info=True,
            )
            return
        self._model = model
        logger.info(
            "model version %s replaced version %s",
            model.version,
            current.version,
            extra={
                "model_version": model.version,
                "load_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )

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
        self._checked_at = self._clock()
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
