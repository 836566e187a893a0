"""The sweep driver: ``python -m core.jobs.sweep.driver SWEEP_ID``, one detached process per running sweep.

It never trains anything itself.  Each tick it
1. follows every trial in flight: reads the new validation scores of the trial's run from the store, reports each to
   Optuna and asks the pruner; a trial the pruner gives up on has its run stopped (``core.jobs.queue.request_stop``)
   and is marked *pruned*; a run that ended is told to Optuna as complete (its score) or failed (why);
2. asks Optuna for new trials while fewer than ``parallel`` are in flight and the sweep has trials left, turns each
   into a RunConfig and queues it as an ordinary run (``core.jobs.queue.submit``): the scheduler starts it when a
   device is free, and stop, cancel, crash detection and out-of-memory retries work as for any run;
3. rewrites the sweep's record (trial rows, best so far, parameter importance).
The driver holds the sweep's lock while it lives; a driver that died leaves the sweep *interrupted*, and a new
driver (``sweep resume``) picks up the trials in flight from the Optuna journal.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core import store
from core.config import RunConfig
from core.errors import RunError, TuneboardError
from core.i18n import message
from core.jobs import queue as jobs
from core.jobs.sweep import record, space, study
from core.jobs.sweep.record import Sweep

log = logging.getLogger("tuneboard.sweep")
POLL_S = float(os.environ.get("TUNEBOARD_SWEEP_POLL_S", "1.0"))
EVALS_PER_EPOCH = 4
EVALS_PER_STEP_BUDGET = 8
FAILURES_IN_A_ROW = 3
"""A sweep whose first trials all fail this many times in a row stops (a model that cannot load, a broken device)."""
INTERRUPTED_KEY = "error.sweep.reason.interrupted"


# ---------------------------------------------------------------------------- a trial's settings and score
def train_rows(config: RunConfig, splits: dict[str, int], n_rows: int) -> int:
    """About how many rows a run of ``config`` trains on (the dataset's own train split, else what the shares leave)."""
    if splits.get("train"):
        return int(splits["train"])
    return max(1, int(n_rows * (1.0 - config.test_size - config.validation_size)))


def evaluation_steps(config: RunConfig, rows: int) -> int:
    """How many optimizer steps apart a trial's validations are."""
    if config.max_steps:
        return max(1, config.max_steps // EVALS_PER_STEP_BUDGET)
    per_epoch = max(1, math.ceil(rows / config.effective_batch_size))
    return max(1, round(per_epoch / EVALS_PER_EPOCH))


def trial_config(sweep: Sweep, params: dict[str, Any], number: int, rows: int) -> RunConfig:
    """The run of trial ``number``: the sweep's base settings, the sampled ``params`` on top, validation every few
    steps.

    A pruner can only stop a poor trial early from scores it gets *while* the trial trains, and it compares trials
    evaluation by evaluation (the k-th score of one trial with the k-th of the others).  The default of one validation
    per epoch would give a 3-epoch trial three scores, the first of them after a third of its training.  So every
    trial validates every quarter epoch (or every eighth of a fixed ``max_steps`` budget): often enough to prune early,
    and the k-th evaluation of every trial comes after the same share of an epoch whatever its batch size.  Early
    stopping's patience, counted in evaluations, is scaled to match (2 epochs without progress stay 2 epochs).
    """
    config = space.apply(RunConfig.from_dict(sweep.base), params)
    patience = config.early_stopping_patience
    if patience and config.eval_strategy == "epoch" and not config.max_steps:
        patience *= EVALS_PER_EPOCH
    config = config.replace(eval_strategy="steps", eval_steps=evaluation_steps(config, rows),
                            early_stopping_patience=patience, name=f"{sweep.name} · trial {number}")
    return config.validate()


def score(values: list[float], direction: str, *, best_checkpoint: bool) -> float | None:
    """A completed trial's score: its last validation score, or its best when the run kept its best checkpoint
    (early stopping on)."""
    if not values:
        return None
    if best_checkpoint:
        return max(values) if direction == "maximize" else min(values)
    return values[-1]


def validation_values(run_id: str, metric: str) -> list[float]:
    """The run's validation scores of ``metric`` in the order it reported them."""
    points: pd.DataFrame = store.metric_points(run_id, names=[metric], split="validation")
    return [float(v) for v in points["value"]]


# ---------------------------------------------------------------------------- the driver
@dataclass
class InFlight:
    """A trial whose run is queued or running."""

    trial: Any  # optuna.trial.Trial
    run_id: str
    reported: int = 0


class Driver:
    """The state of one sweep's driver process."""

    def __init__(self, sweep: Sweep) -> None:
        self.sweep = sweep
        self.study = study.create(sweep)
        if self.study.trials:  # resumed: a fresh draw, not the first trials' settings again
            self.study.sampler = study.make_sampler(sweep, resumed_at=len(self.study.trials))
        self.params = [space.Param.from_dict(p) for p in sweep.space]
        self.in_flight: dict[int, InFlight] = {}
        dataset = store.get_dataset(sweep.base["dataset_id"])
        base = RunConfig.from_dict(sweep.base)
        self.rows = train_rows(base, dataset.splits if dataset else {}, dataset.n_rows if dataset else 1000)
        self.complete_seen = -1
        self.stopping: set[str] = set()  # runs of pruned trials that have not stopped yet
        self.attach()

    # -- trials in flight
    def attach(self) -> None:
        """Follow the trials an earlier driver left running (their runs went on without it)."""
        import optuna

        for frozen in self.study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            run_id = frozen.user_attrs.get("run_id") or self._run_of(frozen.number)
            trial = optuna.trial.Trial(self.study, frozen._trial_id)  # the id that Optuna's own ask() gives a Trial
            if run_id is None:
                self._fail(trial, message("error.sweep.reason.no_run"))
                continue
            self.in_flight[frozen.number] = InFlight(trial, run_id, reported=len(frozen.intermediate_values))

    def _run_of(self, number: int) -> str | None:
        """The run queued for trial ``number`` (found by its info when the driver died before noting it)."""
        for run in store.list_runs(dataset_id=self.sweep.base["dataset_id"]):
            if run.info.get("sweep_id") == self.sweep.id and run.info.get("trial") == number:
                return run.id
        return None

    def follow(self, item: InFlight) -> bool:
        """Report the trial's new scores and settle it when pruned or ended; returns whether it left the flight."""
        run = store.get_run(item.run_id)
        if run is None:
            self._fail(item.trial, message("error.sweep.reason.run_gone", run_id=item.run_id))
            return True
        active = run.is_active  # read before the scores: a run that has ended has written all of them
        values = validation_values(item.run_id, self.sweep.metric)
        for value in values[item.reported:]:
            item.reported += 1
            item.trial.report(value, item.reported)
            if item.trial.should_prune():
                self._prune(item, still_running=active)
                return True
        if active:
            return False
        if run.status == "completed":
            best_checkpoint = bool(run.config.get("early_stopping_patience"))
            value = score(values, self.sweep.direction, best_checkpoint=best_checkpoint)
            if value is None:
                self._fail(item.trial, message("error.sweep.reason.no_score", metric=self.sweep.metric))
            else:
                self.study.tell(item.trial, value)
            return True
        if run.status == "failed":
            reason = run.error_message or {"key": "error.sweep.plain", "params": {"text": run.error or ""}}
            self._fail(item.trial, message("error.sweep.reason.run_failed", error=reason))
        else:  # stopped or cancelled by someone else than the pruner
            self._fail(item.trial, message(f"error.sweep.reason.run_{run.status}"))
        return True

    def _prune(self, item: InFlight, *, still_running: bool) -> None:
        import optuna

        if still_running:
            try:
                jobs.request_stop(item.run_id)
                self.stopping.add(item.run_id)
            except RunError:
                still_running = False  # it ended in the meantime
        item.trial.set_user_attr("pruned_at", item.reported)
        item.trial.set_user_attr("stopped_early", still_running)
        self.study.tell(item.trial, state=optuna.trial.TrialState.PRUNED)
        log.info("trial %d pruned at evaluation %d (run %s)", item.trial.number, item.reported, item.run_id)

    def _fail(self, trial: Any, reason: Any) -> None:
        import optuna

        trial.set_user_attr("reason", record.error_dict(reason))
        self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
        log.info("trial %d failed: %s", trial.number, reason)

    # -- new trials
    def used(self) -> int:
        """Trials that count towards the sweep's total (those stopped with the sweep are not spent)."""
        return sum(1 for t in self.study.get_trials(deepcopy=False)
                   if (t.user_attrs.get("reason") or {}).get("key") != INTERRUPTED_KEY)

    def launch(self) -> None:
        """Ask Optuna for one trial and queue its run."""
        trial = self.study.ask(space.distributions(self.params))
        try:
            config = trial_config(self.sweep, trial.params, trial.number, self.rows)
            run = jobs.submit(config, info={"sweep_id": self.sweep.id, "trial": trial.number, "sweep_name": self.sweep.name})
        except TuneboardError as exc:
            self._fail(trial, exc.message)
            return
        trial.set_user_attr("run_id", run.id)
        self.in_flight[trial.number] = InFlight(trial, run.id)
        log.info("trial %d queued as run %s: %s", trial.number, run.id, trial.params)

    def failing(self) -> bool:
        """Have the sweep's trials so far all failed, at least :data:`FAILURES_IN_A_ROW` of them?"""
        done = [t for t in self.study.get_trials(deepcopy=False)
                if t.state.is_finished() and (t.user_attrs.get("reason") or {}).get("key") != INTERRUPTED_KEY]
        return len(done) >= FAILURES_IN_A_ROW and all(t.state.name == "FAIL" for t in done)

    # -- the loop
    def stop_all(self) -> None:
        """Stop every trial in flight (the sweep is stopped); they do not count towards its trials."""
        for item in self.in_flight.values():
            try:
                jobs.request_stop(item.run_id)
            except RunError:
                pass
            self._fail(item.trial, message(INTERRUPTED_KEY))
        self.in_flight.clear()

    def tick(self) -> str | None:
        """One round; returns the sweep's final status once it has one."""
        if record.stop_requested(self.sweep.id):
            self.stop_all()
            return "stopped"
        for number, item in list(self.in_flight.items()):
            if self.follow(item):
                del self.in_flight[number]
        if self.failing() and not self.in_flight:
            return "failed"
        while len(self.in_flight) < self.sweep.parallel and self.used() < self.sweep.n_trials:
            self.launch()
            if self.failing():
                break
        self.stopping = {run_id for run_id in self.stopping if (run := store.get_run(run_id)) and run.is_active}
        # The sweep ends once nothing of it trains: the runs of pruned trials have stopped too.
        done = not self.in_flight and not self.stopping and self.used() >= self.sweep.n_trials
        return "completed" if done else None

    def write(self, status: str | None = None) -> None:
        """Rewrite the record: the trial rows, the best so far, importance, and the final status."""
        rows = [study.trial_row(t) for t in self.study.get_trials(deepcopy=False)]
        for row in rows:
            run = store.get_run(row["run_id"]) if row["state"] == "running" and row["run_id"] else None
            if run is not None and run.status == "queued":
                row["state"] = "queued"
        sweep = record.require(self.sweep.id)
        sweep.trials, sweep.best = rows, study.best_row(rows, sweep.direction)
        complete = sum(1 for r in rows if r["state"] == "complete")
        if complete != self.complete_seen:  # fANOVA fits a forest: only when a new score came in
            self.complete_seen = complete
            sweep.importance = study.importance(self.study, len(self.params))
        if status:
            sweep.status, sweep.finished_at = status, time.time()
            if status == "failed":
                reasons = [r["reason"] for r in rows if r.get("reason")]
                sweep.error = record.error_dict(message("error.sweep.trials_failing", count=len(rows),
                                                        reason=reasons[-1] if reasons else ""))
        if sweep.to_dict() != self.sweep.to_dict():
            record.save(sweep)
        self.sweep = sweep

    def loop(self) -> str:
        """Drive the sweep to its end; returns the final status."""
        while True:
            status = self.tick()
            self.write(status)
            if status:
                record.clear_stop(self.sweep.id)
                return status
            time.sleep(POLL_S)


def main(argv: list[str] | None = None) -> int:
    """Take the sweep's lock and drive it; a second driver for the same sweep exits at once."""
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sweep %(levelname)s %(message)s")
    sweep_id = argv[0]
    lock = record.hold_driver_lock(sweep_id)
    if lock is None:
        return 0
    sweep = record.require(sweep_id)
    try:
        status = Driver(sweep).loop()
    except Exception as exc:  # a bug or a broken workspace: the sweep says so instead of staying "running"
        log.exception("the sweep driver failed")
        sweep = record.load(sweep_id) or sweep
        sweep.status, sweep.finished_at = "failed", time.time()
        sweep.error = record.error_dict(message("error.sweep.driver_failed", detail=f"{type(exc).__name__}: {exc}",
                                                log=str(record.log_path(sweep_id))))
        record.save(sweep)
        return 1
    log.info("sweep %s %s", sweep_id, status)
    return 0


if __name__ == "__main__":
    sys.exit(main())
