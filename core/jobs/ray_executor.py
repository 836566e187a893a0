"""The Ray executor: the scheduler submits a queued run as a Ray job and follows it through the job's log.

Submit (:func:`submit`): the run's job package (:func:`build_package`: ``core/``, the run's record, its dataset's
table, its last checkpoint when resuming) is the job's working directory; the entrypoint is
``python -m core.worker RUN_ID`` (:func:`entrypoint`: which ``python``) with ``TUNEBOARD_REMOTE=1`` and the run's CPUs/GPUs as entrypoint resources.
Follow (:class:`RayRuns`): every second per running run, the job's status and the new part of its log; the worker's
event lines become store writes (:mod:`core.jobs.events`), its other lines go to the run's ``worker.out``.  Stop:
``stop_job`` (the worker takes the SIGTERM as a polite stop and saves a checkpoint; Ray kills it after
``RAY_JOB_STOP_WAIT_TIME_S``).  A job that ends while the run is still *running* — failed, stopped outside Tuneboard
before the worker could report, gone from the cluster — fails the run with Ray's reason in one sentence.
Ray is imported only inside functions: it is an optional extra (requirements-cluster.txt).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from core import paths, store
from core.config import RunConfig
from core.errors import OOM_EXIT_CODE, RunError
from core.i18n import Message, message
from core.jobs import events, executor
from core.jobs.remote import PACKAGE_FILE
from core.store import Run

log = logging.getLogger("tuneboard.ray")
POLL_S = 1.0
STOP_WAIT_S = int(os.environ.get("TUNEBOARD_RAY_STOP_WAIT_S", "120"))  # time a stopping worker has to save and report
LOST_S = float(os.environ.get("TUNEBOARD_RAY_LOST_S", "120"))  # an unreachable cluster fails its runs after this
SUBMIT_RETRY_S = 60.0  # how long a submission is retried while the cluster says "try again later"
SUBMIT_LOST_S = 600.0  # a run still without a job id this long after it started was never submitted
TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED"}
PASS_PREFIXES = ("TUNEBOARD_", "HF_", "TRANSFORMERS_", "MLFLOW_")
NOT_PASSED = {"TUNEBOARD_HOME", "TUNEBOARD_EXECUTOR", "TUNEBOARD_RAY_RUNTIME_ENV"}


def client(address: str) -> Any:
    """A Jobs API client for ``address``, or a :class:`RunError` with one sentence (no Ray, no address, no answer)."""
    if not executor.ray_installed():
        raise RunError(message("error.ray.not_installed"))
    if not address:
        raise RunError(message("error.ray.no_address"))
    from ray.job_submission import JobSubmissionClient

    try:
        return JobSubmissionClient(address)
    except Exception as exc:
        raise RunError(message("error.ray.unreachable", address=address, detail=_first_line(exc))) from exc


def _first_line(exc: BaseException | str) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:240]


def resources(config: RunConfig) -> tuple[float, float]:
    """(CPUs, GPUs) a run asks Ray for: its GPUs by device (``auto``: ``TUNEBOARD_RAY_AUTO_GPUS``, default 0, as
    the head cannot see the cluster's GPUs), and ``TUNEBOARD_RAY_CPUS`` CPUs (default 1) per process."""
    device = config.device.strip().lower()
    if device.startswith("cuda:"):
        gpus = float(len(device[5:].split(",")))
    elif device == "cuda":
        gpus = 1.0
    elif device == "auto":
        gpus = float(os.environ.get("TUNEBOARD_RAY_AUTO_GPUS", "0") or 0)
    else:
        gpus = 0.0
    cpus = float(os.environ.get("TUNEBOARD_RAY_CPUS", "1") or 1) * max(1, config.processes if not gpus else 1)
    return cpus, gpus


def job_env(gpus: float) -> dict[str, str]:
    """The job's environment: remote mode, Ray's stop grace, and the Tuneboard/Hugging Face/MLflow settings here."""
    env = {k: v for k, v in os.environ.items() if k.startswith(PASS_PREFIXES) and k not in NOT_PASSED}
    env.update({"TUNEBOARD_REMOTE": "1", "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false",
                "HF_HUB_DISABLE_TELEMETRY": "1", "RAY_JOB_STOP_WAIT_TIME_S": str(STOP_WAIT_S)})
    if not gpus:
        env["CUDA_VISIBLE_DEVICES"] = ""  # a CPU run must not use a GPU Ray gave to another job
    return env


def build_package(run: Run, folder: Path) -> Path:
    """Write run ``run``'s job package into ``folder`` (the job's working directory); returns it."""
    shutil.copytree(paths.PROJECT_ROOT / "core", folder / "core", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    workspace = folder / "workspace"
    record = store.get_dataset(run.dataset_id) if run.dataset_id else None
    if record is not None:
        data = paths.dataset_dir(record.id) / "data.parquet"
        (workspace / "datasets" / record.id).mkdir(parents=True)
        shutil.copy2(data, workspace / "datasets" / record.id / "data.parquet")
    run_dir = workspace / "runs" / run.id
    run_dir.mkdir(parents=True)
    (run_dir / "config.json").write_text(json.dumps(run.config, indent=2), encoding="utf-8")
    resume = str(run.config.get("resume_from") or "")
    if resume:  # the checkpoint by its name in the head's run folder (an OOM retry may have rewritten the path)
        checkpoint = paths.run_dir(run.id) / "checkpoints" / Path(resume).name
        if checkpoint.is_dir():
            shutil.copytree(checkpoint, run_dir / "checkpoints" / checkpoint.name)
    if (paths.run_dir(run.id) / "train.log").is_file():  # a resumed run's log goes on where it was
        shutil.copy2(paths.run_dir(run.id) / "train.log", run_dir / "train.log")
    model = Path(str(run.config.get("model") or ""))
    shipped_model = model.is_absolute() and model.is_dir()  # a local folder (e.g. continued training) is not on the node
    if shipped_model:
        shutil.copytree(model, workspace / "shipped_model", ignore=shutil.ignore_patterns("checkpoints"))
    points = store.metric_points(run.id)
    package = {
        "run": {k: v for k, v in run.__dict__.items()},
        "dataset": record.__dict__ if record else None,
        "points": points[["step", "epoch", "split", "name", "value", "t"]].values.tolist(),
        "seq": int((run.info.get("ray") or {}).get("seq", 0)),
        "shipped_model": "shipped_model" if shipped_model else None,
    }
    (folder / PACKAGE_FILE).write_text(json.dumps(package, default=str), encoding="utf-8")
    return folder


def runtime_env(folder: Path, gpus: float) -> dict[str, Any]:
    """The job's runtime environment: the package as working directory, plus ``TUNEBOARD_RAY_RUNTIME_ENV`` (JSON:
    e.g. ``{"pip": [...]}`` or a container image) whose ``env_vars`` are added to Tuneboard's."""
    configured = json.loads(os.environ.get("TUNEBOARD_RAY_RUNTIME_ENV", "") or "{}")
    return {**configured, "working_dir": str(folder), "env_vars": {**job_env(gpus), **configured.get("env_vars", {})}}


def entrypoint(run_id: str) -> str:
    """The job's command (Ray runs it in a shell on the node): ``TUNEBOARD_RAY_PYTHON -m core.worker RUN_ID`` when
    that is set; otherwise this virtual environment's Python where the node has it at the same path (a head on this
    machine: a plain ``ray start --head`` passes no venv on to its jobs) and the node's ``python`` elsewhere."""
    configured = os.environ.get("TUNEBOARD_RAY_PYTHON")
    if configured:
        return f"{configured} -m core.worker {run_id}"
    if sys.prefix == sys.base_prefix:  # not a venv: a system path like /usr/bin/python3 says nothing about the node
        return f"python -m core.worker {run_id}"
    here = shlex.quote(sys.executable)
    return f"if [ -x {here} ]; then exec {here} -m core.worker {run_id}; else exec python -m core.worker {run_id}; fi"


def entrypoint_python() -> str:
    """The Python a job's entrypoint uses, as a sentence names it."""
    configured = os.environ.get("TUNEBOARD_RAY_PYTHON")
    if configured or sys.prefix == sys.base_prefix:
        return configured or "python"
    return f"{sys.executable} or python"


def submit(run: Run, address: str) -> str:
    """Submit ``run`` (already *running* in the store) as a Ray job; returns its submission id."""
    ray = client(address)
    config = RunConfig.from_dict(run.config)
    cpus, gpus = resources(config)
    submission_id = f"tuneboard-{run.id}-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="tuneboard-job-") as tmp:
        folder = build_package(run, Path(tmp) / "package")
        deadline = time.time() + SUBMIT_RETRY_S
        while True:
            try:  # the package is uploaded during the call: the folder may go afterwards
                ray.submit_job(entrypoint=entrypoint(run.id), submission_id=submission_id,
                               entrypoint_num_cpus=cpus, entrypoint_num_gpus=gpus,
                               runtime_env=runtime_env(folder, gpus), metadata={"tuneboard_run": run.id})
                return submission_id
            except Exception as exc:
                # A head that has just started answers "No available agent … try again later" for a few seconds.
                if "try again" in str(exc).lower() and time.time() < deadline:
                    time.sleep(1.0)
                    continue
                raise RunError(message("error.ray.submit_failed", address=address, detail=_first_line(exc))) from exc


def _node_address(job: Any) -> str | None:
    """The address of the node a job's entrypoint runs on (its driver's, else its dashboard agent's host)."""
    if getattr(job, "driver_info", None) and job.driver_info.node_ip_address:
        return job.driver_info.node_ip_address
    agent = getattr(job, "driver_agent_http_address", None) or ""
    return agent.split("://")[-1].rsplit(":", 1)[0] or None


class RayRuns:
    """The scheduler's view of its runs on Ray: starts them and follows their jobs (one per scheduler process)."""

    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}
        self.appliers: dict[str, events.Applier] = {}
        self.offsets: dict[str, int] = {}
        self.polled: dict[str, float] = {}
        self.unreachable_since: dict[str, float] = {}
        self.stop_sent: set[str] = set()
        self.following: set[str] = set()

    def start(self, run: Run) -> None:
        """Move a queued run to *running* and submit it; a run that cannot go fails with the reason."""
        address = executor.of_run(run.info).get("address", "")
        info = {**run.info, "ray": {"address": address, "seq": int((run.info.get("ray") or {}).get("seq", 0))}}
        if not store.transition(run.id, ["queued"], "running", started_at=time.time(), device="ray",
                                heartbeat_at=time.time(), progress={"phase": "starting"}, info=info):
            return  # cancelled in the meantime
        try:
            job_id = submit(store.require_run(run.id), address)
        except RunError as exc:
            store.transition(run.id, ["running"], "failed", finished_at=time.time(), error=exc.message)
            return
        self._set_ray(run.id, job_id=job_id, submitted_at=time.time())
        log.info("run %s submitted to Ray at %s as %s", run.id, address, job_id)

    def _set_ray(self, run_id: str, **facts: Any) -> None:
        run = store.require_run(run_id)
        store.update_run(run_id, info={**run.info, "ray": {**(run.info.get("ray") or {}), **facts}})

    def _client(self, address: str) -> Any:
        if address not in self.clients:
            self.clients[address] = client(address)
        return self.clients[address]

    def watch(self) -> None:
        """Follow every running run on Ray (at most once per ``POLL_S`` each)."""
        followed = [r for r in map(store.get_run, list(self.following)) if r is not None and r.status != "running"]
        for run in [*store.list_runs(statuses=["running"]), *followed]:
            ray_info = run.info.get("ray") or {}
            if ray_info and not ray_info.get("job_id") and run.id not in self.polled and \
                    time.time() - (run.started_at or 0) > SUBMIT_LOST_S:  # a scheduler died while submitting it
                store.transition(run.id, ["running"], "failed", finished_at=time.time(),
                                 error=message("error.ray.submit_failed", address=ray_info.get("address", ""),
                                               detail="the scheduler stopped while submitting it"))
            if not ray_info.get("job_id") or time.time() - self.polled.get(run.id, 0) < POLL_S:
                continue
            self.polled[run.id] = time.time()
            self.following.add(run.id)  # until its job has ended: the worker's last events come after its final status
            try:
                self.follow(run, ray_info)
                self.unreachable_since.pop(run.id, None)
            except RunError as exc:
                self._unreachable(run, ray_info, exc)
            except OSError as exc:  # requests' connection errors: the cluster did not answer this time
                self.clients.pop(ray_info.get("address", ""), None)
                self._unreachable(run, ray_info, exc)

    def _unreachable(self, run: Run, ray_info: dict[str, Any], exc: BaseException) -> None:
        since = self.unreachable_since.setdefault(run.id, time.time())
        log.warning("run %s: Ray at %s did not answer: %s", run.id, ray_info.get("address"), _first_line(exc))
        if time.time() - since > LOST_S:
            store.transition(run.id, ["running"], "failed", finished_at=time.time(), error=message(
                "error.ray.lost", address=ray_info.get("address", ""), seconds=int(LOST_S), job_id=ray_info["job_id"]))
            self._forget(run.id)

    def follow(self, run: Run, ray_info: dict[str, Any]) -> None:
        """One look at a run's job: stop it if asked, apply its new events, settle the run when the job ended."""
        ray, job_id = self._client(ray_info.get("address", "")), ray_info["job_id"]
        if run.stop_requested_at and job_id not in self.stop_sent:
            self.stop_sent.add(job_id)
            try:
                ray.stop_job(job_id)
            except Exception as exc:  # already ended: the status below settles the run
                log.info("run %s: stop_job: %s", run.id, _first_line(exc))
        try:
            job = ray.get_job_info(job_id)
        except RuntimeError as exc:  # the Jobs API's answer for an unknown job (404)
            if "404" in str(exc) or "does not exist" in str(exc):
                self._settle(run, ray_info, message("error.ray.job_gone", job_id=job_id,
                                                    address=ray_info.get("address", "")))
                return
            raise OSError(str(exc)) from exc
        status = str(getattr(job.status, "value", job.status))
        applier = self.appliers.setdefault(run.id, events.Applier(run.id, int(ray_info.get("seq", 0))))
        text = ray.get_job_logs(job_id)  # after the status: a job that has ended has its whole log by now
        offset = self.offsets.get(run.id, 0)
        lines, rest = events.split_lines(text[offset:])
        if status in TERMINAL and rest:
            lines, rest = [*lines, rest], ""
        self.offsets[run.id] = len(text) - len(rest)
        before = applier.seq
        applier.feed(lines)
        node = _node_address(job) or ray_info.get("node")
        facts = {"seq": applier.seq, "node": node, "node_id": job.driver_node_id or ray_info.get("node_id"),
                 **({"worker": applier.worker} if applier.worker else {})}
        if applier.seq != before or node != ray_info.get("node"):
            self._set_ray(run.id, **facts)
        if status in TERMINAL:
            reason = _first_line((job.message or status).split(", last available logs")[0])
            self._settle(run, ray_info, _ended_sentence(job_id, status, reason, text))

    def _settle(self, run: Run, ray_info: dict[str, Any], sentence: Any) -> None:
        """The job is over: a run the worker left *running* is queued again (out of memory), stopped or failed."""
        applier = self.appliers.get(run.id)
        self._forget(run.id)
        self._set_ray(run.id, ended=True)
        fresh = store.get_run(run.id)
        if fresh is None or fresh.status != "running":
            return  # the worker reported its end
        code = applier.exit_code if applier else None
        if code == OOM_EXIT_CODE and not fresh.stop_requested_at:
            store.transition(run.id, ["running"], "queued", pid=None, exit_code=None,
                             progress={"phase": "out of memory: starting again with a smaller batch"})
        elif fresh.stop_requested_at:
            store.transition(run.id, ["running"], "stopped", finished_at=time.time(), exit_code=code)
        else:
            store.transition(run.id, ["running"], "failed", finished_at=time.time(), exit_code=code, error=sentence)

    def _forget(self, run_id: str) -> None:
        for table in (self.appliers, self.offsets, self.polled, self.unreachable_since):
            table.pop(run_id, None)
        self.following.discard(run_id)


_MISSING_MODULE = re.compile(r"^ModuleNotFoundError: No module named '([^']+)'", re.MULTILINE)
_LAST_ERROR = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception)): (.+)$", re.MULTILINE)


def _ended_sentence(job_id: str, status: str, reason: str, log_text: str) -> Message:
    """Why a job ended early, in one sentence: a Python without Tuneboard's requirements is named as such (the usual
    first-time mistake: the cluster's ``python`` is not the one Tuneboard was installed in); otherwise Ray's reason,
    with the worker's last error line when its log has one."""
    missing = _MISSING_MODULE.findall(log_text)
    if missing:
        return message("error.ray.missing_module", job_id=job_id, module=missing[-1],
                       python=entrypoint_python())
    errors = _LAST_ERROR.findall(log_text)
    if errors:
        kind, detail = errors[-1]
        reason = f"{reason} ({kind}: {_first_line(detail)[:200]})"
    return message("error.ray.job_ended", job_id=job_id, status=status.lower(), reason=reason)
