"""Every run logged where ML teams already look: TensorBoard event files, and MLflow when a tracking server is named.

Owns :class:`Tracker` (started by :func:`core.train.run.train_run` on rank 0: :meth:`Tracker.start`), the
`transformers.TrainerCallback` feeding it (:meth:`Tracker.callback`), and the helpers the UI uses to point at a run's
logs (:func:`tensorboard_dir`, :func:`has_tensorboard`, :func:`tensorboard_command`, :func:`mlflow_run_url`).

- TensorBoard (on unless ``TUNEBOARD_TENSORBOARD=0``): ``runs/<run_id>/tensorboard/`` gets the scalars
  ``train/loss``, ``train/learning_rate``, ``train/grad_norm``, ``validation/<metric>`` (every evaluation) and, when
  the run finishes, ``test/<metric>``; the RunConfig fields go in as the hparams plugin's session, so
  ``tensorboard --logdir <workspace>/runs`` compares every run's settings and scores.  Written with tensorboardX
  (0.7 MB, in requirements.txt); the ``tensorboard`` viewer itself is in requirements-cluster.txt.
- MLflow (only when ``TUNEBOARD_MLFLOW_URI`` is set; ``TUNEBOARD_MLFLOW_EXPERIMENT``, default "tuneboard"): one MLflow
  run per Tuneboard run (the same one again on resume; a new one tagged ``tuneboard_retry_of`` when an out-of-memory
  retry starts again with a smaller batch), with the params, step metrics, the final test metrics, report.json and
  the model folder (``TUNEBOARD_MLFLOW_LOG_MODEL=0`` leaves the model out).
  Its ids go into the run's info under ``"mlflow"``.  mlflow-skinny is in requirements-cluster.txt.

A tracker never fails a run: a missing package is one warning line in train.log, and a backend that raises is
logged once and switched off for the rest of the run.  tensorboardX, torch and mlflow are imported inside functions.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from core import paths, store
from core.config import RunConfig
from core.train.callback import log_metrics

log = logging.getLogger("tuneboard.tracking")

TENSORBOARD_ENV = "TUNEBOARD_TENSORBOARD"
MLFLOW_URI_ENV = "TUNEBOARD_MLFLOW_URI"
MLFLOW_EXPERIMENT_ENV = "TUNEBOARD_MLFLOW_EXPERIMENT"
MLFLOW_MODEL_ENV = "TUNEBOARD_MLFLOW_LOG_MODEL"
EXTRAS = "requirements-cluster.txt"
# The hparams plugin's session end, and MLflow's run status, for each final status of a Tuneboard run.
# The plugin has no "stopped": a stopped run (which may be resumed) ends as unknown.
_TB_STATUS = {"completed": "STATUS_SUCCESS", "stopped": "STATUS_UNKNOWN", "failed": "STATUS_FAILURE"}
_MLFLOW_STATUS = {"completed": "FINISHED", "stopped": "KILLED", "failed": "FAILED"}


def tensorboard_dir(run_id: str) -> Path:
    """The folder of run ``run_id``'s TensorBoard event files (not created)."""
    return paths.run_dir(run_id) / "tensorboard"


def has_tensorboard(run_id: str) -> bool:
    """Whether run ``run_id`` wrote TensorBoard event files."""
    folder = tensorboard_dir(run_id)
    return folder.is_dir() and any(folder.glob("events.out.tfevents.*"))


def tensorboard_command() -> str:
    """The command that shows every run of this workspace in TensorBoard."""
    return f"tensorboard --logdir {paths.home() / 'runs'}"


def mlflow_setup() -> str:
    """How MLflow logging stands for runs queued now: ``"off"`` (no ``TUNEBOARD_MLFLOW_URI``), ``"missing"`` (set, but
    mlflow is not installed: runs log a warning and train on) or ``"on"``."""
    if not os.environ.get(MLFLOW_URI_ENV, "").strip():
        return "off"
    return "on" if importlib.util.find_spec("mlflow") is not None else "missing"


def tensorboard_viewer_installed() -> bool:
    """Whether the ``tensorboard`` viewer is installed here (the event files need only tensorboardX)."""
    return importlib.util.find_spec("tensorboard") is not None


def mlflow_run_url(run: Any) -> str | None:
    """The MLflow web page of a run (a :class:`core.store.Run`) logged to an http(s) tracking server, else None.

    File and database stores have no page; ``run.info["mlflow"]`` still names the ``tracking_uri``,
    ``experiment_id`` and ``run_id`` there.
    """
    logged = (getattr(run, "info", None) or {}).get("mlflow") or {}
    uri, experiment, mlflow_id = logged.get("tracking_uri", ""), logged.get("experiment_id"), logged.get("run_id")
    if not (uri.startswith(("http://", "https://")) and experiment and mlflow_id):
        return None
    return f"{uri.rstrip('/')}/#/experiments/{experiment}/runs/{mlflow_id}"


def hparams_of(config: RunConfig) -> dict[str, str | int | float | bool]:
    """The RunConfig fields as hyperparameters (numbers, strings, booleans); the internal resume folder left out."""
    out: dict[str, str | int | float | bool] = {}
    for key, value in config.to_dict().items():
        if key == "resume_from" or value is None:
            continue
        out[key] = value if isinstance(value, str | int | float | bool) else json.dumps(value, default=str)
    return out


class TensorBoardLog:
    """The TensorBoard event files of one run (tensorboardX's writer; events are flushed every few seconds)."""

    name = "TensorBoard"

    def __init__(self, run_id: str, config: RunConfig, *, resume_step: int | None = None) -> None:
        from tensorboardX import SummaryWriter

        folder = tensorboard_dir(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        # One file per process (pid suffix): a retry in the same second must not overwrite the earlier attempt's file.
        # purge_step: TensorBoard drops the earlier attempts' points from this step on, as the store does: after the
        # checkpoint on resume, all of them when an out-of-memory retry starts again from scratch.
        self.writer = SummaryWriter(str(folder), flush_secs=5, purge_step=resume_step + 1 if resume_step else 0,
                                    filename_suffix=f".{os.getpid()}")
        self._hparams(hparams_of(config))

    def _hparams(self, values: dict[str, Any]) -> None:
        from tensorboardX.summary import hparams

        # The session start only (no experiment summary): TensorBoard builds the table from every run's session,
        # whereas an experiment summary per run would let the first run's columns win.
        _experiment, session_start, _end = hparams(values, {})
        self.writer._get_file_writer().add_summary(session_start)

    def scalars(self, step: int, values: dict[str, float]) -> None:
        for tag, value in values.items():
            self.writer.add_scalar(tag, value, step)

    def final(self, step: int, metrics: dict[str, float], run_dir: Path) -> None:
        self.scalars(step, metrics)

    def close(self, status: str) -> None:
        from tensorboardX.proto.api_pb2 import Status
        from tensorboardX.proto.plugin_hparams_pb2 import HParamsPluginData, SessionEndInfo
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata

        end = SessionEndInfo(status=Status.Value(_TB_STATUS.get(status, "STATUS_UNKNOWN")), end_time_secs=time.time())
        content = HParamsPluginData(session_end_info=end, version=0).SerializeToString()
        meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="hparams", content=content))
        try:
            self.writer._get_file_writer().add_summary(
                Summary(value=[Summary.Value(tag="_hparams_/session_end_info", metadata=meta)]))
        finally:
            self.writer.close()


class MlflowLog:
    """One MLflow run for a Tuneboard run, through ``MlflowClient`` (no global active run)."""

    name = "MLflow"

    def __init__(self, run_id: str, config: RunConfig, uri: str) -> None:
        from mlflow import MlflowClient

        if "://" not in uri or uri.startswith("file:"):  # MLflow 3 refuses file stores unless told; the user chose one
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        # A server that is down costs seconds, not MLflow's default minutes of retries, before logging is switched off.
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
        self.client, self.uri = MlflowClient(tracking_uri=uri), uri
        run = store.require_run(run_id)
        earlier = run.info.get("mlflow") or {}
        same_store = earlier.get("tracking_uri") == uri and earlier.get("run_id")
        if same_store and config.resume_from:  # resumed from a checkpoint: carry on in the same MLflow run
            self.run_id = earlier["run_id"]
            self.client.update_run(self.run_id, status="RUNNING")
            return
        experiment = self._experiment(os.environ.get(MLFLOW_EXPERIMENT_ENV) or "tuneboard")
        tags = {"tuneboard_run_id": run_id, "dataset": run.info.get("dataset_name") or config.dataset_id,
                "dataset_id": config.dataset_id, "model": config.model}
        if same_store:  # an out-of-memory retry starts again with other settings: a new MLflow run says so
            tags["tuneboard_retry_of"] = earlier["run_id"]
        created = self.client.create_run(experiment, run_name=run.name or run_id, tags=tags)
        self.run_id = created.info.run_id
        from mlflow.entities import Param

        params = [Param(key, str(value)[:500]) for key, value in hparams_of(config).items()]
        self.client.log_batch(self.run_id, params=params)
        fresh = store.require_run(run_id)  # re-read: never clobber what others wrote into info meanwhile
        store.update_run(run_id, info={**fresh.info, "mlflow": {
            "tracking_uri": uri, "experiment_id": experiment, "run_id": self.run_id}})
        log.info("logging to MLflow %s: experiment %s, run %s", uri, experiment, self.run_id)

    def _experiment(self, name: str) -> str:
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        location = None
        if self.uri.startswith("sqlite:///"):  # artifacts beside the database, not in the worker's working directory
            location = (Path(self.uri[len("sqlite:///"):]).resolve().parent / "mlartifacts").as_uri()
        try:
            return self.client.create_experiment(name, artifact_location=location)
        except Exception:  # another worker created it first
            found = self.client.get_experiment_by_name(name)
            if found is None:
                raise
            return found.experiment_id

    def scalars(self, step: int, values: dict[str, float]) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self.client.log_batch(self.run_id, metrics=[Metric(k, v, now, step) for k, v in values.items()])

    def final(self, step: int, metrics: dict[str, float], run_dir: Path) -> None:
        self.scalars(step, metrics)
        if (run_dir / "report.json").is_file():
            self.client.log_artifact(self.run_id, str(run_dir / "report.json"))
        if os.environ.get(MLFLOW_MODEL_ENV, "1") != "0" and (run_dir / "model").is_dir():
            self.client.log_artifacts(self.run_id, str(run_dir / "model"), "model")

    def close(self, status: str) -> None:
        self.client.set_terminated(self.run_id, _MLFLOW_STATUS.get(status, "FAILED"))


class Tracker:
    """The run's trackers (none, TensorBoard, MLflow), each guarded: one that raises is logged and dropped."""

    def __init__(self, run_id: str, backends: Iterable[Any] = ()) -> None:
        self.run_id = run_id
        self.backends = list(backends)
        self.step = 0
        self.closed = False

    @classmethod
    def start(cls, run_id: str, config: RunConfig, *, resume_step: int | None = None) -> Tracker:
        """The trackers the environment asks for; on ranks other than 0, none (rank 0 alone logs)."""
        if int(os.environ.get("RANK", "0") or 0) != 0:
            return cls(run_id)
        backends = []
        if os.environ.get(TENSORBOARD_ENV, "1") != "0":
            backend = _open("TensorBoard", "tensorboardX", "requirements.txt",
                            lambda: TensorBoardLog(run_id, config, resume_step=resume_step))
            backends += [backend] if backend else []
        uri = os.environ.get(MLFLOW_URI_ENV, "").strip()
        if uri:
            backend = _open("MLflow", "mlflow", EXTRAS, lambda: MlflowLog(run_id, config, uri))
            backends += [backend] if backend else []
        return cls(run_id, backends)

    def _each(self, what: str, call: Callable[[Any], None]) -> None:
        for backend in list(self.backends):
            try:
                call(backend)
            except Exception as exc:
                self.backends.remove(backend)
                log.warning("%s logging failed while %s (%s: %s); it is off for the rest of this run",
                            backend.name, what, type(exc).__name__, exc)

    def log_points(self, step: int, points: Iterable[tuple[str, str, float]]) -> None:
        """Log ``(split, name, value)`` points at ``step`` (tags ``split/name``)."""
        values = {f"{split}/{name}": value for split, name, value in points}
        self.step = max(self.step, step)
        if values and self.backends:
            self._each("logging metrics", lambda b: b.scalars(step, values))

    def log_final(self, metrics: dict[str, Any], step: int | None = None) -> None:
        """The run's final test metrics (``test/<name>``) and, for MLflow, report.json and the model folder."""
        values = {f"test/{k}": float(v) for k, v in metrics.items()
                  if isinstance(v, int | float) and not isinstance(v, bool) and v == v and abs(v) != float("inf")}
        run_dir = paths.run_dir(self.run_id)
        self._each("logging the final metrics", lambda b: b.final(self.step if step is None else step, values, run_dir))

    def close(self, status: str) -> None:
        """End the trackers' runs with ``status`` ("completed", "stopped" or "failed"); safe to call twice."""
        if not self.closed:
            self.closed = True
            self._each("closing", lambda b: b.close(status))

    def callback(self) -> Any:
        """A `TrainerCallback` that feeds this tracker the Trainer's logs (rank 0 only)."""
        from transformers import TrainerCallback

        tracker = self

        class TrackingCallback(TrainerCallback):
            def on_log(self, args, state, control, logs=None, **kwargs):
                if state.is_world_process_zero and logs:
                    tracker.log_points(state.global_step, log_metrics(logs))

        return TrackingCallback()


def _open(name: str, package: str, requirements: str, build: Callable[[], Any]) -> Any:
    """``build()``, or None with one warning line when its package is missing or it fails."""
    try:
        return build()
    except ImportError as exc:
        log.warning("%s logging is off: the %s package is missing (%s); pip install -r %s", name, package, exc,
                    requirements)
    except Exception as exc:
        log.warning("%s logging is off: it failed to start (%s: %s)", name, type(exc).__name__, exc)
    return None
