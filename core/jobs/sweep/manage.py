"""Starting, stopping, resuming and promoting sweeps: what the Sweeps page and ``python -m core sweep`` call.

:func:`start` checks everything a sweep needs before anything runs (its data, the base settings, the search space,
the number of trials, the pruner and the score to optimise), writes the record, creates the Optuna study and starts
the driver process (:mod:`core.jobs.sweep.driver`) in its own session, so closing the browser or the terminal does
not end the sweep.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from typing import Any

from core import paths, store
from core.config import RunConfig
from core.data import library as datasets
from core.errors import ConfigError, RunError
from core.i18n import message
from core.jobs import queue as jobs
from core.jobs.sweep import record, space, study
from core.jobs.sweep.record import INTERRUPTED, Sweep
from core.store import Run
from core.tasks import task_of

MAX_TRIALS = 1000
MAX_PARALLEL = 32


def default_metric(task_key: str) -> str:
    """The score a sweep on this kind of data optimises unless told otherwise (the kind's headline metric)."""
    return study.METRICS[_target(task_key)][0]


def metrics_for(task_key: str) -> tuple[str, ...]:
    """The validation scores a sweep on this kind of data can optimise."""
    return study.METRICS[_target(task_key)]


def _target(task_key: str) -> str:
    return task_key[5:] if task_key.startswith("pair_") else task_key


def check(base: RunConfig, params: list[space.Param], *, n_trials: int, parallel: int, pruner: str,
          metric: str | None) -> tuple[list[space.Param], str, str]:
    """Raise one clear :class:`ConfigError` for the first thing that would keep the sweep from running; returns the
    space checked against ``base``, the kind of data and the metric."""
    base.validate()
    dataset = datasets.require(base.dataset_id)
    kind = task_of(dataset).key
    if not 1 <= int(n_trials) <= MAX_TRIALS:
        raise ConfigError(message("error.sweep.trials", value=n_trials, max=MAX_TRIALS))
    if not 1 <= int(parallel) <= MAX_PARALLEL:
        raise ConfigError(message("error.sweep.parallel", value=parallel, max=MAX_PARALLEL))
    if pruner not in study.PRUNERS:
        raise ConfigError(message("error.sweep.pruner", value=pruner, choices=", ".join(study.PRUNERS)))
    metric = metric or default_metric(kind)
    if metric not in metrics_for(kind):
        raise ConfigError(message("error.sweep.metric", metric=metric, kind=message(f"task.short.{kind}"),
                                  choices=", ".join(metrics_for(kind))))
    if base.validation_size <= 0 and not dataset.splits.get("validation"):
        raise ConfigError(message("error.sweep.no_validation"))
    checked = space.parse_space([p.to_text() for p in params], base)
    return checked, kind, metric


def start(base: RunConfig, params: list[space.Param], *, n_trials: int = 10, parallel: int = 1,
          pruner: str = "median", metric: str | None = None, name: str = "", spawn: bool = True) -> Sweep:
    """Check and start a sweep (its driver runs detached unless ``spawn`` is False); returns its record."""
    checked, kind, metric = check(base, params, n_trials=n_trials, parallel=parallel, pruner=pruner, metric=metric)
    dataset = datasets.require(base.dataset_id)
    sweep_id = record.new_sweep_id()
    base = base.replace(name="")
    sweep = Sweep(id=sweep_id, name=name.strip() or f"sweep · {dataset.name}", created_at=time.time(),
                  status="running", base=base.to_dict(), space=[p.to_dict() for p in checked],
                  n_trials=int(n_trials), parallel=int(parallel), pruner=pruner, metric=metric,
                  direction=study.direction_of(metric), task=kind)
    sweep.cli = cli_command(sweep)
    record.save(sweep)
    study.create(sweep)
    if spawn:
        spawn_driver(sweep.id)
    return sweep


def spawn_driver(sweep_id: str) -> None:
    """Start the sweep's driver process in its own session (output to ``sweeps/<id>/driver.log``)."""
    record.mark_starting(sweep_id)
    jobs.spawn_detached([sys.executable, "-m", "core.jobs.sweep.driver", sweep_id], record.log_path(sweep_id),
                        {**os.environ, "TUNEBOARD_HOME": str(paths.home()), "PYTHONUNBUFFERED": "1"})


def state(sweep_id: str) -> str:
    """The sweep's status (running, completed, stopped, failed) or ``interrupted`` (its driver is gone)."""
    return record.state(record.require(sweep_id))


def stop(sweep_id: str) -> str:
    """Stop a sweep: its driver stops the trials in flight; an interrupted sweep is stopped here.  Returns the word
    for what happened (``stopping`` or ``stopped``)."""
    sweep = record.require(sweep_id)
    now = record.state(sweep)
    if now == "running":
        record.request_stop(sweep_id)
        return "stopping"
    if now != INTERRUPTED:
        raise RunError(message("error.sweep.not_running", sweep_id=sweep_id, status=message(f"sweep.status.{now}")))
    for row in sweep.trials:
        if row["state"] in ("queued", "running") and row.get("run_id"):
            run = store.get_run(row["run_id"])
            if run is not None and run.is_active:
                jobs.request_stop(run.id)
    sweep.status, sweep.finished_at = "stopped", time.time()
    record.save(sweep)
    return "stopped"


def resume(sweep_id: str) -> Sweep:
    """Start a new driver for a stopped, failed or interrupted sweep: it follows the trials still in flight and runs
    the trials that are left."""
    sweep = record.require(sweep_id)
    now = record.state(sweep)
    if now not in ("stopped", "failed", INTERRUPTED):
        raise RunError(message("error.sweep.not_resumable", sweep_id=sweep_id, status=message(f"sweep.status.{now}")))
    record.clear_stop(sweep_id)
    sweep.status, sweep.finished_at, sweep.error = "running", None, None
    record.save(sweep)
    spawn_driver(sweep_id)
    return sweep


def best_config(sweep: Sweep, trial_number: int | None = None) -> tuple[RunConfig, dict[str, Any]]:
    """The settings of the best completed trial (or trial ``trial_number``) as a normal run, and that trial's row.

    The base settings as the user gave them, the trial's values on top: validation runs as the user chose, not as
    often as the sweep made its trials validate.
    """
    rows = [r for r in sweep.trials if r["state"] == "complete"]
    row = sweep.best if trial_number is None else next((r for r in rows if r["number"] == trial_number), None)
    if row is None:
        raise RunError(message("error.sweep.no_best", sweep_id=sweep.id))
    config = space.apply(RunConfig.from_dict(sweep.base), row["params"])
    return config.replace(name=f"{sweep.name} · best (trial {row['number']})"), row


def promote(sweep_id: str, trial_number: int | None = None) -> Run:
    """Queue a normal run with the best trial's settings (or trial ``trial_number``'s)."""
    sweep = record.require(sweep_id)
    config, row = best_config(sweep, trial_number)
    return jobs.submit(config.validate(), info={"sweep_id": sweep.id, "sweep_promoted": True, "trial": row["number"],
                                                "sweep_value": row["value"], "sweep_metric": sweep.metric})


def promoted_runs(sweep: Sweep) -> list[Run]:
    """The runs queued from this sweep's best settings, newest first."""
    return [r for r in store.list_runs(dataset_id=sweep.base.get("dataset_id"))
            if r.info.get("sweep_id") == sweep.id and r.info.get("sweep_promoted")]


def cli_command(sweep: Sweep) -> str:
    """The equivalent ``python -m core sweep …`` command of a sweep."""
    return command_line(RunConfig.from_dict(sweep.base), [space.Param.from_dict(p) for p in sweep.space],
                        n_trials=sweep.n_trials, parallel=sweep.parallel, pruner=sweep.pruner, metric=sweep.metric,
                        task=sweep.task, name=sweep.name)


def command_line(base: RunConfig, params: list[space.Param], *, n_trials: int, parallel: int, pruner: str,
                 metric: str | None, task: str, name: str = "") -> str:
    """The ``python -m core sweep …`` command that starts a sweep with these settings (the form shows it)."""
    words = shlex.split(base.replace(name="").cli_command())
    words[3] = "sweep"  # python -m core train … → python -m core sweep …
    words += ["--trials", str(n_trials), *space.shell_words(params)]
    if pruner != "median":
        words += ["--pruner", pruner]
    if metric and metric != default_metric(task):
        words += ["--metric", metric]
    if parallel != 1:
        words += ["--parallel", str(parallel)]
    if name.strip():
        words += ["--name", name.strip()]
    return shlex.join(words)


def summary(sweep: Sweep) -> dict[str, Any]:
    """JSON summary of a sweep (``sweep show --json``)."""
    return {**sweep.to_dict(), "state": record.state(sweep), "counts": sweep.counts(),
            "promoted_runs": [r.id for r in promoted_runs(sweep)]}
