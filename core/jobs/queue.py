"""The job system: submit, queue, start, stop, cancel, resume, and detect crashed workers.

Runs are queued in the store.  A small scheduler daemon (``python -m core.jobs.scheduler``) starts
queued runs when their device is free, watches workers, escalates stops, and exits when idle.
Anyone who queues a run (UI or CLI) makes sure a scheduler is alive, so no browser tab is needed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from core import devices, paths, store
from core.config import RunConfig
from core.data import library as datasets
from core.errors import OOM_EXIT_CODE, OOM_MARKER, RunError
from core.i18n import Message, message
from core.jobs import executor, ranks
from core.store import Run

STOP_GRACE_S = 8.0  # cooperative stop first; then SIGTERM to the process group
KILL_GRACE_S = 5.0  # then SIGKILL


# ---------------------------------------------------------------------------- submit
def submit(config: RunConfig, *, parent_id: str | None = None, start_scheduler: bool = True,
           info: dict[str, Any] | None = None) -> Run:
    """Validate ``config`` and queue a new run; returns it (status ``queued``).  ``info``: extra facts to record
    with the run (e.g. the preset and Auto's reasons)."""
    config.validate()
    record = datasets.require(config.dataset_id)
    name = config.name.strip() or f"{_short_model(config.model)} · {record.name}"
    where = executor.current()  # recorded with the run: the scheduler sends it where its submitter meant it to go
    run = store.create_run(
        config.to_dict(),
        name=name,
        dataset_id=config.dataset_id,
        parent_id=parent_id,
        info={**(info or {}), "dataset_name": record.name, "cli": config.cli_command(),
              **({"executor": where} if where["kind"] != "local" else {})},
    )
    run_dir = paths.run_dir(run.id)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(config.to_json())
    if start_scheduler:
        ensure_scheduler()
    return run


def _short_model(model: str) -> str:
    return Path(model.rstrip("/")).name or model


def queue_position(run_id: str) -> int | None:
    """1-based position in the queue, or None when the run is not queued."""
    for i, run in enumerate(store.queued_runs(), start=1):
        if run.id == run_id:
            return i
    return None


# ---------------------------------------------------------------------------- stop / cancel / resume
def request_stop(run_id: str) -> str:
    """Ask a running run to stop (or cancel a queued one); returns the resulting status word."""
    run = store.require_run(run_id)
    if run.status == "queued":
        cancel(run_id)
        return "cancelled"
    if run.status != "running":
        raise RunError(message("error.run.not_running", run_id=run_id, status=_status(run.status)))
    store.update_run(run_id, stop_requested_at=time.time())
    ensure_scheduler()
    return "stopping"


def cancel(run_id: str) -> None:
    """Cancel a queued run."""
    if not store.transition(run_id, ["queued"], "cancelled", finished_at=time.time()):
        run = store.require_run(run_id)
        raise RunError(message("error.run.not_queued", run_id=run_id, status=_status(run.status)))


def wait_stopped(run_id: str, timeout: float = 30.0) -> Run:
    """Block until the run has left ``running`` (used by the CLI's stop)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = store.require_run(run_id)
        if run.status != "running":
            return run
        time.sleep(0.3)
    return store.require_run(run_id)


def last_checkpoint(run_id: str) -> Path | None:
    """Newest ``checkpoint-N`` folder of a run, or None."""
    folder = paths.run_dir(run_id) / "checkpoints"
    found = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1])) if folder.is_dir() else []
    return found[-1] if found else None


def resume(run_id: str) -> Run:
    """Continue a stopped or failed run from its last checkpoint (same run id, queued again)."""
    run = store.require_run(run_id)
    if run.status not in {"stopped", "failed"}:
        raise RunError(message("error.run.not_resumable", run_id=run_id, status=_status(run.status)))
    checkpoint = last_checkpoint(run_id)
    config = RunConfig.from_dict(run.config).replace(resume_from=str(checkpoint) if checkpoint else "")
    store.transition(
        run_id,
        ["stopped", "failed"],
        "queued",
        config=config.to_dict(),
        error=None,
        finished_at=None,
        stop_requested_at=None,
        exit_code=None,
        pid=None,
        info={**run.info, "resumed": True},
    )
    ensure_scheduler()
    return store.require_run(run_id)


def continue_training(run_id: str, epochs: float) -> Run:
    """Train a completed run's model for ``epochs`` more epochs as a new run linked to it."""
    run = store.require_run(run_id)
    model_dir = paths.run_dir(run_id) / "model"
    if run.status != "completed" or not (model_dir / "config.json").is_file():
        raise RunError(message("error.run.nothing_to_continue", run_id=run_id))
    config = RunConfig.from_dict(run.config).replace(
        model=str(model_dir),
        epochs=float(epochs),
        resume_from="",
        name=f"{run.name} +{epochs:g} ep",
        peft="none",
    )
    return submit(config, parent_id=run_id)


def delete_run(run_id: str) -> None:
    """Delete a finished run: its files and its database rows."""
    run = store.require_run(run_id)
    if run.is_active:
        raise RunError(message("error.run.delete_active", run_id=run_id, status=_status(run.status)))
    shutil.rmtree(paths.run_dir(run_id), ignore_errors=True)
    store.delete_run_records(run_id)


# ---------------------------------------------------------------------------- processes
def process_alive(pid: int | None, started_at: float | None = None) -> bool:
    """Is ``pid`` a live process (and the same one, when its start time is known)?"""
    if not pid:
        return False
    try:
        import psutil

        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return started_at is None or abs(proc.create_time() - started_at) < 2.0
    except Exception:
        return False


def process_start_time(pid: int) -> float | None:
    """Creation time of ``pid`` (guards against pid reuse after a reboot)."""
    try:
        import psutil

        return psutil.Process(pid).create_time()
    except Exception:
        return None


def kill_group(pid: int, sig: int) -> None:
    """Send ``sig`` to the whole process group of ``pid`` (the worker and anything it spawned)."""
    try:
        os.killpg(os.getpgid(pid), sig)
    except (ProcessLookupError, PermissionError):
        pass


def signal_run(run: Run, sig: int) -> None:
    """Send ``sig`` to every process of a running run: its launcher's process group and, under torchrun, each rank's.

    Under torchrun a SIGTERM goes to rank 0 alone: rank 0 turns it into a polite stop that the callback shares with the
    other ranks at the next step, whereas any other rank would die of it and rank 0 then fail in its next collective.
    """
    if not run.pid:
        return
    if sig == signal.SIGTERM and ranks.is_multiprocess(run.id) and ranks.signal_rank(run.id, 0, sig):
        return
    ranks.signal_run(run.id, run.pid, run.pid_started_at, sig)


def describe_exit(code: int | None) -> str:
    """'killed by signal 9 (SIGKILL)' / 'exit code 3'."""
    return str(exit_message(code))


def exit_message(code: int | None) -> Message:
    """:func:`describe_exit` as a message (part of the sentence a crashed run shows in the UI's language)."""
    if code is None:
        return message("error.run.exit.gone")
    if code < 0:
        try:
            return message("error.run.exit.signal_named", number=-code, name=signal.Signals(-code).name)
        except ValueError:
            return message("error.run.exit.signal", number=-code)
    return message("error.run.exit.code", code=code)


def _status(status: str) -> Message:
    """A run's status word inside a sentence (translated with it)."""
    return message(f"runs.status.{status}")


def mark_crashed(run: Run, exit_code: int | None) -> bool:
    """Mark a vanished worker's run as failed with the standard sentence (or queue it again after out-of-memory)."""
    sentence = message("error.run.crashed", how=exit_message(exit_code))
    if ranks.is_multiprocess(run.id):
        ranks.signal_run(run.id, None, None, signal.SIGKILL)  # ranks orphaned by a dead launcher must not train on
        failure = ranks.launcher_failure(run.id)
        sentence = failure[1] if failure else sentence
    oom_marker = paths.run_dir(run.id) / OOM_MARKER  # left by the rank that ran out of memory (any rank, via torchrun)
    out_of_memory = oom_marker.exists() or exit_code == OOM_EXIT_CODE
    oom_marker.unlink(missing_ok=True)
    if out_of_memory and not run.stop_requested_at:  # the worker halved the batch: start again in a fresh process
        return store.transition(run.id, ["running"], "queued", pid=None, pid_started_at=None, exit_code=None,
                                progress={"phase": "out of memory: starting again with a smaller batch"})
    if run.stop_requested_at:
        return store.transition(run.id, ["running"], "stopped", finished_at=time.time(), exit_code=exit_code)
    return store.transition(
        run.id,
        ["running"],
        "failed",
        finished_at=time.time(),
        error=sentence,
        exit_code=exit_code,
    )


def launcher_exited(run_id: str, exit_code: int) -> None:
    """The scheduler saw a run's launcher exit: settle the run's state and leave no rank behind.

    A run still *running* gets the crash sentence.  Under torchrun, rank 0 may already have marked the run failed with
    the broken collective it saw when another rank died; torchrun's summary names the rank that really ended it.
    """
    run = store.get_run(run_id)
    if run is None:
        return
    if run.status == "running":
        mark_crashed(run, exit_code)
        return
    if not ranks.is_multiprocess(run_id):
        return
    ranks.signal_run(run_id, None, None, signal.SIGKILL)
    failure = ranks.launcher_failure(run_id) if exit_code else None
    if run.status == "failed" and failure and failure[0] != 0:
        store.transition(run_id, ["failed"], "failed", error=failure[1], exit_code=exit_code)


def reconcile() -> list[str]:
    """Mark runs left ``running`` by dead workers as failed (app start, scheduler start); returns their ids."""
    crashed = []
    for run in store.list_runs(statuses=["running"]):
        if (run.info or {}).get("ray"):
            continue  # a Ray job has no process here: the scheduler follows it (core.jobs.ray_executor)
        fresh = run.started_at and time.time() - run.started_at < 20 and not run.pid
        if not fresh and not process_alive(run.pid, run.pid_started_at) and mark_crashed(run, None):
            crashed.append(run.id)
    return crashed


def worker_command(run_id: str, gpus: list[int], processes: int = 1) -> list[str]:
    """The command that starts a worker: plain Python, or `torchrun` for several GPUs or ``processes`` > 1 (DDP)."""
    nproc = ranks.process_count(gpus, processes)
    if nproc > 1:
        return ranks.torchrun_command(run_id, nproc)
    return [sys.executable, "-m", "core.worker", run_id]


def worker_env(gpus: list[int], device: str, processes: int = 1) -> dict[str, str]:
    """Environment for a worker: the workspace, the GPUs it may see, and each CPU rank's share of the cores."""
    env = {
        **os.environ,
        "TUNEBOARD_HOME": str(paths.home()),
        "PYTHONUNBUFFERED": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        **devices.CUDA_ORDER,  # CUDA numbers GPUs as nvidia-smi (and so core.devices) does
    }
    if gpus:
        env["CUDA_VISIBLE_DEVICES"] = devices.visible_devices_value(gpus)  # indices, or UUIDs for MIG slices
    elif device in {"cpu", "mps"}:  # mps on Linux is the CPU: Trainer would otherwise spread over every GPU
        env["CUDA_VISIBLE_DEVICES"] = ""
    nproc = ranks.process_count(gpus, processes)
    if nproc > 1 and not gpus and not os.environ.get("OMP_NUM_THREADS"):
        # torchrun would give every rank 1 thread; the cores shared out between the ranks use the machine fully.
        slots = max(1, int(os.environ.get("TUNEBOARD_CPU_SLOTS", "1") or 1))
        env["OMP_NUM_THREADS"] = str(ranks.cpu_threads_per_rank(nproc, slots))
    return env


def spawn_detached(command: list[str], log_file: Path, env: dict[str, str]) -> subprocess.Popen:
    """Start ``command`` in its own session (UI restarts and signals to the UI never reach it), output to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    out = open(log_file, "ab")  # noqa: SIM115 - the child keeps its own handle
    try:
        return subprocess.Popen(command, cwd=paths.PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        out.close()


def launch_worker(run_id: str, gpus: list[int], device: str, processes: int = 1) -> subprocess.Popen:
    """Start the training worker of ``run_id`` for the given GPUs (none = CPU/MPS), as ``processes`` ranks on a CPU."""
    ranks.prepare_launch(run_id, ranks.process_count(gpus, processes))
    return spawn_detached(worker_command(run_id, gpus, processes), paths.run_dir(run_id) / "worker.out",
                          worker_env(gpus, device, processes))


# ---------------------------------------------------------------------------- scheduler process
def scheduler_lock_path() -> Path:
    """The lock file held by the live scheduler."""
    return paths.home() / "scheduler.lock"


def scheduler_alive() -> bool:
    """Whether a scheduler holds the workspace's lock."""
    import fcntl

    path = scheduler_lock_path()
    if not path.exists():
        return False
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def ensure_scheduler() -> None:
    """Start the scheduler daemon if none is running for this workspace."""
    if scheduler_alive():
        return
    spawn_detached([sys.executable, "-m", "core.jobs.scheduler"], paths.home() / "scheduler.log",
                   {**os.environ, "TUNEBOARD_HOME": str(paths.home())})


def status_line(run: Run) -> str:
    """A short human status, e.g. 'queued (#2)', 'running 45%'."""
    if run.status == "queued":
        return f"queued (#{queue_position(run.id) or '?'})"
    if run.status == "running":
        p = run.progress or {}
        if p.get("total_steps"):
            return f"running {100 * p.get('step', 0) / p['total_steps']:.0f}%"
        return f"running ({p.get('phase', 'starting')})"
    return run.status


def cli_command(run: Run) -> str:
    """The run's equivalent CLI command."""
    return RunConfig.from_dict(run.config).cli_command()


def summary(run: Run) -> dict[str, Any]:
    """JSON summary of a run (for ``show --json``)."""
    return {
        "id": run.id,
        "name": run.name,
        "status": run.status,
        "queue_position": queue_position(run.id),
        "error": run.error,
        "progress": run.progress,
        "final_metrics": run.final_metrics,
        "device": run.device,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "parent_id": run.parent_id,
        "cli": cli_command(run),
        "info": run.info,
    }
