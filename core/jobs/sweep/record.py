"""A sweep's record in the workspace: ``sweeps/<id>/sweep.json`` beside its Optuna study (``study.journal``), the
driver's lock and log, and the stop flag.

The record holds what the sweep is (base settings, search space, trials, pruner, metric), its status and a summary
of its trials that the driver rewrites as they progress (so a page or ``sweep show`` reads one small file).  Only
the process that creates a sweep and then its driver write the record (atomically: a temporary file renamed over
it); a stop request is a separate flag file, so nobody races the driver.  A sweep left ``running`` by a driver that
is gone (its lock is free) is *interrupted*: it can be resumed.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import paths
from core.errors import RunError
from core.i18n import Message, message

STATUSES = ("running", "completed", "stopped", "failed")
INTERRUPTED = "interrupted"
"""The state of a sweep recorded as running whose driver process is gone."""
TRIAL_STATES = ("queued", "running", "complete", "pruned", "failed")


@dataclass
class Sweep:
    """One sweep as stored."""

    id: str
    name: str
    created_at: float
    status: str
    base: dict[str, Any]
    """The RunConfig every trial starts from (the searched settings are set on top of it)."""
    space: list[dict[str, Any]]
    """The searched settings (:meth:`core.jobs.sweep.space.Param.to_dict`)."""
    n_trials: int
    parallel: int
    pruner: str
    metric: str
    direction: str  # "maximize" or "minimize"
    task: str = "single_label"
    finished_at: float | None = None
    driver_pid: int | None = None
    error: dict[str, Any] | None = None
    """Why the sweep failed, as ``{"key", "params", "fallback"}`` (shown in the UI's language)."""
    trials: list[dict[str, Any]] = field(default_factory=list)
    """One row per trial: number, state, params, value, run_id, steps (evaluations reported), pruned_at, reason."""
    best: dict[str, Any] | None = None
    """The best completed trial's row, or None."""
    importance: dict[str, float] | None = None
    """Each searched setting's share of the score's variation (fANOVA over the completed trials), once there are enough."""
    cli: str = ""

    @property
    def is_active(self) -> bool:
        """Recorded as running (its driver may still be gone: see :func:`state`)."""
        return self.status == "running"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sweep:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def counts(self) -> dict[str, int]:
        """How many trials are in each state."""
        return {s: sum(1 for t in self.trials if t.get("state") == s) for s in TRIAL_STATES}


def sweeps_dir() -> Path:
    """Folder of all sweeps."""
    return paths.home() / "sweeps"


def sweep_dir(sweep_id: str) -> Path:
    """Folder of one sweep (not created)."""
    return sweeps_dir() / sweep_id


def journal_path(sweep_id: str) -> Path:
    """The Optuna study's journal (its storage: every trial, parameter and reported value)."""
    return sweep_dir(sweep_id) / "study.journal"


def log_path(sweep_id: str) -> Path:
    """The driver's log."""
    return sweep_dir(sweep_id) / "driver.log"


def _stop_flag(sweep_id: str) -> Path:
    return sweep_dir(sweep_id) / "stop"


def _lock_path(sweep_id: str) -> Path:
    return sweep_dir(sweep_id) / "driver.lock"


def new_sweep_id() -> str:
    """A short unique id that sorts by creation time (``sw-1203-101500-ab12cd``)."""
    return "sw-" + time.strftime("%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def save(sweep: Sweep) -> None:
    """Write the record atomically."""
    folder = sweep_dir(sweep.id)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"sweep.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(sweep.to_dict(), indent=2, ensure_ascii=False))
    os.replace(tmp, folder / "sweep.json")


def load(sweep_id: str) -> Sweep | None:
    """The sweep with this id, or None."""
    file = sweep_dir(sweep_id) / "sweep.json"
    if "/" in sweep_id or not file.is_file():
        return None
    return Sweep.from_dict(json.loads(file.read_text()))


def require(sweep_id: str) -> Sweep:
    """The sweep with this id, or a clear :class:`RunError`."""
    sweep = load(sweep_id)
    if sweep is None:
        raise RunError(message("error.sweep.no_such_sweep", sweep_id=sweep_id))
    return sweep


def list_sweeps() -> list[Sweep]:
    """Every sweep, newest first."""
    folder = sweeps_dir()
    found = [load(p.name) for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []
    return sorted((s for s in found if s is not None), key=lambda s: s.created_at, reverse=True)


def error_dict(sentence: Message | str) -> dict[str, Any]:
    """A sentence as the record stores it (the key for the UI's language, the English text as fallback)."""
    if isinstance(sentence, Message):
        return {**sentence.to_dict(), "fallback": str(sentence)}
    return {"key": "error.sweep.plain", "params": {"text": str(sentence)}, "fallback": str(sentence)}


# ---------------------------------------------------------------------------- the driver's lock and stop flag
def hold_driver_lock(sweep_id: str) -> Any | None:
    """Take the sweep's driver lock for this process's lifetime; None when another driver holds it."""
    path = _lock_path(sweep_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held until the process ends
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def driver_alive(sweep_id: str) -> bool:
    """Whether a driver process holds the sweep's lock."""
    path = _lock_path(sweep_id)
    if not path.exists():
        return False
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def state(sweep: Sweep, *, grace_s: float = 20.0) -> str:
    """The sweep's status, or :data:`INTERRUPTED` when it is recorded as running but no driver holds its lock (a
    driver that was just started gets ``grace_s`` to take it)."""
    if sweep.status != "running" or driver_alive(sweep.id):
        return sweep.status
    started = sweep_dir(sweep.id) / "driver.started"
    recent = started.exists() and time.time() - started.stat().st_mtime < grace_s
    return sweep.status if recent else INTERRUPTED


def mark_starting(sweep_id: str) -> None:
    """Note that a driver is being started (see :func:`state`'s grace period)."""
    (sweep_dir(sweep_id) / "driver.started").write_text(str(time.time()))


def request_stop(sweep_id: str) -> None:
    """Ask the sweep's driver to stop (it stops the trials that are queued or running)."""
    _stop_flag(sweep_id).write_text(str(time.time()))


def stop_requested(sweep_id: str) -> bool:
    """Whether a stop was asked for and not yet honoured."""
    return _stop_flag(sweep_id).exists()


def clear_stop(sweep_id: str) -> None:
    """Forget a stop request (the sweep stopped, or is resumed)."""
    _stop_flag(sweep_id).unlink(missing_ok=True)
