"""MLflow tracking for the training and evaluation steps.

Any MLflow tracking URI works: a SQLite file (the local default), an HTTP
server, or a SageMaker managed MLflow tracking server, whose ARN
(``arn:aws:sagemaker:<region>:<account>:mlflow-tracking-server/<name>``) is
passed as the URI and resolved by the sagemaker-mlflow plugin.

Tracking failures raise TrackingError instead of being ignored, so a run that
was asked to be tracked never finishes untracked without notice. Steps offer
``--no-tracking`` for environments without a tracking server, which uses
``DisabledRun``. MLflow is imported only when a run starts, because importing
it takes seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger(__name__)

# MLflow rejects batches of more than 1,000 metrics.
_METRICS_PER_BATCH = 1000
# MLflow rejects parameter values longer than 6,000 characters.
_MAX_PARAM_LENGTH = 6000


class TrackingError(Exception):
    """Logging to the MLflow tracking server failed."""


class TrackedRun(Protocol):
    """The logging calls the steps make on a run. ``run_id`` is None when disabled."""

    run_id: str | None

    def log_params(self, params: Mapping[str, Any]) -> None: ...
    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None: ...
    def log_metric_history(self, name: str, values: Sequence[float]) -> None: ...
    def log_artifacts(
        self, directory: Path, artifact_path: str | None = None
    ) -> None: ...
    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None: ...
    def set_tags(self, tags: Mapping[str, str]) -> None: ...
    def finish(self, succeeded: bool) -> None: ...


class DisabledRun:
    """A run that logs nothing, for ``--no-tracking``."""

    run_id: str | None = None

    def log_params(self, params: Mapping[str, Any]) -> None:
        pass

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        pass

    def log_metric_history(self, name: str, values: Sequence[float]) -> None:
        pass

    def log_artifacts(self, directory: Path, artifact_path: str | None = None) -> None:
        pass

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        pass

    def set_tags(self, tags: Mapping[str, str]) -> None:
        pass

    def finish(self, succeeded: bool) -> None:
        pass


@contextmanager
def _tracking_errors(action: str, tracking_uri: str) -> Iterator[None]:
    from mlflow.exceptions import MlflowException

    try:
        yield
    except (MlflowException, OSError, BotoCoreError, ClientError) as error:
        raise TrackingError(
            f"MLflow tracking failed while trying to {action} at {tracking_uri!r}: "
            f"{error}. Check --tracking-uri (SATISFACTION_MLFLOW_TRACKING_URI) "
            "or pass --no-tracking."
        ) from error


class MlflowRun:
    """A run on an MLflow tracking server, logged through ``MlflowClient``.

    Uses an explicit client instead of MLflow's global active run, so that
    tests and several runs in one process do not share state.
    """

    def __init__(self, client: Any, run_id: str, tracking_uri: str) -> None:
        self._client = client
        self.run_id: str | None = run_id
        self.tracking_uri = tracking_uri

    def log_params(self, params: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        entries = [
            Param(key, str(value)[:_MAX_PARAM_LENGTH]) for key, value in params.items()
        ]
        with _tracking_errors("log parameters", self.tracking_uri):
            self._client.log_batch(self.run_id, params=entries)

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        from mlflow.entities import Metric

        timestamp = int(time.time() * 1000)
        entries = [
            Metric(key, float(value), timestamp, step) for key, value in metrics.items()
        ]
        self._log_metric_entries(entries)

    def log_metric_history(self, name: str, values: Sequence[float]) -> None:
        """Log ``values`` as the metric ``name`` at steps 0, 1, 2, ..."""
        from mlflow.entities import Metric

        timestamp = int(time.time() * 1000)
        entries = [
            Metric(name, float(value), timestamp, step)
            for step, value in enumerate(values)
        ]
        self._log_metric_entries(entries)

    def _log_metric_entries(self, entries: list[Any]) -> None:
        with _tracking_errors("log metrics", self.tracking_uri):
            for start in range(0, len(entries), _METRICS_PER_BATCH):
                batch = entries[start : start + _METRICS_PER_BATCH]
                self._client.log_batch(self.run_id, metrics=batch)

    def log_artifacts(self, directory: Path, artifact_path: str | None = None) -> None:
        with _tracking_errors(
            f"upload the artifacts in {directory}", self.tracking_uri
        ):
            self._client.log_artifacts(self.run_id, str(directory), artifact_path)

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        with _tracking_errors(f"upload {path}", self.tracking_uri):
            self._client.log_artifact(self.run_id, str(path), artifact_path)

    def set_tags(self, tags: Mapping[str, str]) -> None:
        with _tracking_errors("set tags", self.tracking_uri):
            for key, value in tags.items():
                self._client.set_tag(self.run_id, key, value)

    def finish(self, succeeded: bool) -> None:
        status = "FINISHED" if succeeded else "FAILED"
        with _tracking_errors("finish the run", self.tracking_uri):
            self._client.set_terminated(self.run_id, status=status)


def _sqlite_artifact_location(tracking_uri: str) -> str | None:
    """Return the URI of ``mlruns`` next to a SQLite store's file, else None.

    MLflow would otherwise put a SQLite store's artifacts under ``./mlruns`` of
    the working directory. File stores and servers choose their own location.
    """
    if not tracking_uri.startswith("sqlite:///"):
        return None
    database = Path(tracking_uri.removeprefix("sqlite:///"))
    return (database.parent / "mlruns").resolve().as_uri()


def _prepare_sqlite_folder(tracking_uri: str) -> None:
    """Create the folder of a ``sqlite:///relative/or/absolute.db`` store."""
    if tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )


def start_run(
    tracking_uri: str,
    experiment_name: str,
    run_name: str,
    tags: Mapping[str, str] | None = None,
) -> MlflowRun:
    """Start a run in ``experiment_name``, creating the experiment when needed.

    With a SQLite store, a new experiment keeps its artifacts in ``mlruns`` next
    to the database file. A server decides its own artifact location. Pass
    ``tags={"mlflow.parentRunId": parent.run_id}`` to nest the run under another.
    Raises TrackingError when the tracking server cannot be reached or rejects
    the request.
    """
    from mlflow.tracking import MlflowClient

    with _tracking_errors("start a run", tracking_uri):
        _prepare_sqlite_folder(tracking_uri)
        client = MlflowClient(tracking_uri=tracking_uri)
        experiment = client.get_experiment_by_name(experiment_name)
        if experiment is None:
            location = _sqlite_artifact_location(tracking_uri)
            experiment_id = client.create_experiment(
                experiment_name, artifact_location=location
            )
        else:
            experiment_id = experiment.experiment_id
        run = client.create_run(experiment_id, run_name=run_name, tags=dict(tags or {}))
    logger.info(
        "MLflow run %s started in experiment %r at %s",
        run.info.run_id,
        experiment_name,
        tracking_uri,
    )
    return MlflowRun(client, run.info.run_id, tracking_uri)


def resume_run(tracking_uri: str, run_id: str) -> MlflowRun:
    """Return an existing run to log more to it, for example test metrics.

    Raises TrackingError when the run does not exist on the tracking server.
    """
    from mlflow.tracking import MlflowClient

    with _tracking_errors(f"find run {run_id}", tracking_uri):
        _prepare_sqlite_folder(tracking_uri)
        client = MlflowClient(tracking_uri=tracking_uri)
        client.get_run(run_id)
    logger.info("logging to existing MLflow run %s at %s", run_id, tracking_uri)
    return MlflowRun(client, run_id, tracking_uri)
