"""The scheduler daemon: ``python -m core.jobs.scheduler`` (started on demand by :func:`core.jobs.queue.ensure_scheduler`).

One per workspace (an exclusive ``flock``).  Every half second it:
1. notices workers that exited and marks their runs failed/stopped if the worker could not;
   follows runs on a Ray cluster through their job's log (:mod:`core.jobs.ray_executor`);
2. escalates stop requests that were not honoured (SIGTERM, then SIGKILL to the process group);
3. starts queued runs, oldest first, when their device is free (one run per GPU, CPU slots configurable);
and exits after a few idle seconds, so nothing lingers when no run is queued or running.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import time

from core import devices, paths, store
from core.config import RunConfig
from core.i18n import message
from core.jobs import executor
from core.jobs import queue as jobs
from core.jobs.ray_executor import RayRuns
from core.store import Run

log = logging.getLogger("tuneboard.scheduler")
TICK_S = 0.5
IDLE_EXIT_S = 5.0
MAX_FAILED_TICKS = 60  # 30 s of consecutive errors


def cpu_slots() -> int:
    """How many CPU runs may train at once (``TUNEBOARD_CPU_SLOTS``, default 1: they would share the cores)."""
    return max(1, int(os.environ.get("TUNEBOARD_CPU_SLOTS", "1")))


def place(device: str, busy: list[str], gpus: list[int]) -> tuple[str, list[int]] | None:
    """Decide where a run with ``device`` setting goes given the devices in use; None = wait.

    Returns (device label, GPU ids).  ``busy`` holds the device labels of running runs.
    """
    busy_gpus = {int(g) for label in busy if label.startswith("cuda:") for g in label[5:].split(",")}
    wanted = device.strip().lower()
    if wanted == "auto":
        if gpus:
            free = [g for g in gpus if g not in busy_gpus]
            return (f"cuda:{free[0]}", [free[0]]) if free else None
        wanted = "mps" if devices.has_mps() else "cpu"
    if wanted in {"cpu", "mps"}:
        return (wanted, []) if sum(1 for label in busy if label == wanted) < cpu_slots() else None
    ids = [0] if wanted == "cuda" else [int(x) for x in wanted[5:].split(",")]
    missing = [g for g in ids if g not in gpus]
    if missing:
        return ("error", missing)
    return (f"cuda:{','.join(map(str, ids))}", ids) if not (set(ids) & busy_gpus) else None


def running_devices() -> list[str]:
    """Device labels held by running training runs (``cuda:0``, ``cuda:0,1``, ``cpu``)."""
    return [r.device or "cpu" for r in store.list_runs(statuses=["running"])]


def place_side_job(*, gpu: bool = True, busy: list[str] | None = None, gpus: list[int] | None = None) -> tuple[str, list[int]]:
    """Where a batch prediction or int8 job runs: a GPU no training run holds, else the CPU; it never waits.

    The same rule as :func:`place` for ``device=auto`` (one training run per GPU), so a side job never lands on the
    GPU a run trains on.  ``gpu=False`` (int8: CPU-only work) always answers the CPU.  Returns (label, GPU ids).
    """
    if not gpu:
        return ("cpu", [])
    gpus = devices.available_gpus() if gpus is None else gpus
    placement = place("auto", running_devices() if busy is None else busy, gpus) if gpus else None
    return placement if placement and placement[1] else ("cpu", [])


def torch_device(placement: tuple[str, list[int]]) -> str:
    """The torch device string for a placement used in this process (GPU ids renumbered by CUDA_VISIBLE_DEVICES)."""
    _label, gpus = placement
    if not gpus:
        return "cpu"
    visible = [int(x) for x in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if x.strip().isdigit()]
    return f"cuda:{visible.index(gpus[0]) if gpus[0] in visible else gpus[0]}"


class Scheduler:
    """State of one scheduler process: the workers it started."""

    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen] = {}
        self.signalled: dict[str, int] = {}
        self.gpus = devices.available_gpus()
        self.ray = RayRuns()  # runs whose executor is a Ray cluster: submitted there, followed through their job logs

    def reap(self) -> None:
        """Handle workers that have exited, ours or adopted from an earlier scheduler."""
        for run_id, proc in list(self.children.items()):
            code = proc.poll()
            if code is None:
                continue
            del self.children[run_id]
            run = store.get_run(run_id)
            if run and run.status == "running":
                log.warning("run %s: worker ended with %s", run_id, jobs.describe_exit(code))
            jobs.launcher_exited(run_id, code)  # settles the run's state; no torchrun rank outlives its launcher
        for run in store.list_runs(statuses=["running"]):
            if run.id not in self.children and run.pid and not jobs.process_alive(run.pid, run.pid_started_at):
                jobs.mark_crashed(run, None)

    def escalate_stops(self) -> None:
        """SIGTERM, then SIGKILL, the process group of a run that ignores its stop request."""
        now = time.time()
        for run in store.list_runs(statuses=["running"]):
            if not run.stop_requested_at or not run.pid:
                continue
            waited = now - run.stop_requested_at
            level = self.signalled.get(run.id, 0)
            if waited > jobs.STOP_GRACE_S + jobs.KILL_GRACE_S and level < 2:
                jobs.signal_run(run, signal.SIGKILL)  # the launcher's group and every rank's (own sessions)
                self.signalled[run.id] = 2
            elif waited > jobs.STOP_GRACE_S and level < 1:
                jobs.signal_run(run, signal.SIGTERM)
                self.signalled[run.id] = 1

    def start_queued(self) -> None:
        """Start every queued run whose device is free, oldest first."""
        busy = running_devices()
        for run in store.queued_runs():
            if executor.of_run(run.info)["kind"] == "ray":
                self.ray.start(run)  # Ray places it: no local device to wait for
                continue
            placement = place(RunConfig.from_dict(run.config).device, busy, self.gpus)
            if placement is None:
                continue
            device, gpus = placement
            if device == "error":
                store.transition(
                    run.id,
                    ["queued"],
                    "failed",
                    finished_at=time.time(),
                    error=message("error.run.gpu_missing", gpus=", ".join(map(str, gpus)), found=len(self.gpus)),
                )
                continue
            self._start(run, device, gpus)
            busy.append(device)

    def _start(self, run: Run, device: str, gpus: list[int]) -> None:
        if not store.transition(
            run.id,
            ["queued"],
            "running",
            started_at=time.time(),
            device=device,
            heartbeat_at=time.time(),
            progress={"phase": "starting"},
        ):
            return  # cancelled in the meantime
        try:
            proc = jobs.launch_worker(run.id, gpus, device, RunConfig.from_dict(run.config).processes)
        except OSError as exc:
            store.transition(
                run.id,
                ["running"],
                "failed",
                finished_at=time.time(),
                error=message("error.run.cannot_start", detail=str(exc)),
            )
            return
        self.children[run.id] = proc
        # The run's process is the one started here (torchrun's launcher for several ranks): pid and start time match.
        store.update_run(run.id, pid=proc.pid, pid_started_at=jobs.process_start_time(proc.pid))
        log.info("started run %s on %s (pid %d)", run.id, device, proc.pid)

    def busy(self) -> bool:
        """Anything queued or running?"""
        return bool(self.children) or bool(self.ray.following) or bool(store.list_runs(statuses=["queued", "running"], limit=1))

    def loop(self) -> None:
        """Run until idle for a few seconds."""
        jobs.reconcile()
        idle_since = None
        failures = 0
        while True:
            if not paths.db_path().exists():
                log.warning("the workspace database is gone; exiting")
                return
            try:
                self.reap()
                self.ray.watch()
                self.escalate_stops()
                self.start_queued()
                busy = self.busy()
                failures = 0
            except Exception:
                failures += 1
                log.exception("scheduler tick failed")
                if failures >= MAX_FAILED_TICKS and not self.children:
                    return  # a broken workspace: stop rather than spin forever
                busy = True
            if busy:
                idle_since = None
            elif idle_since is None:
                idle_since = time.time()
            elif time.time() - idle_since > IDLE_EXIT_S:
                return
            time.sleep(TICK_S)


def main() -> int:
    """Take the workspace lock and schedule; a second scheduler exits at once."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s")
    handle = open(jobs.scheduler_lock_path(), "a+")  # noqa: SIM115 - held for the process lifetime
    scheduler = Scheduler()
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # another scheduler owns the workspace
        scheduler.loop()
        fcntl.flock(handle, fcntl.LOCK_UN)
        # A run queued while we were deciding to exit saw the lock held and started no scheduler:
        # look once more after releasing it, and carry on if there is work.
        if not store.list_runs(statuses=["queued"], limit=1):
            return 0


if __name__ == "__main__":
    sys.exit(main())
