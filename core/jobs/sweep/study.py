"""The Optuna side of a sweep: its study in the workspace, the sampler and pruner, the rows of its trials, the best
trial and parameter importance.  optuna is imported inside the functions (only the driver and a few commands use it).

The study lives in a journal file (``sweeps/<id>/study.journal``, Optuna's JournalStorage): every trial, sampled
setting and reported score is appended there as it happens, so a restarted UI or driver finds the whole history.
"""

from __future__ import annotations

import math
from typing import Any

from core.jobs.sweep import record
from core.jobs.sweep.record import Sweep

PRUNERS = ("median", "halving", "none")
WARMUP_EVALS = 2
"""No trial is pruned before its second validation: the first score of a freshly initialised head says little."""
HALVING_FACTOR = 3
"""Successive halving keeps the best third of the trials at each rung (evaluations 2, 6, 18, …)."""
MIN_FOR_IMPORTANCE = 4
"""Completed trials needed before parameter importance means anything."""

METRICS = {
    "single_label": ("f1_macro", "accuracy", "loss"),
    "multi_label": ("f1_micro", "f1_macro", "subset_accuracy", "loss"),
    "regression": ("spearman", "pearson", "mse", "loss"),
    "ner": ("f1", "precision", "recall", "token_accuracy", "loss"),  # entity-level (core.train.ner_data)
}
"""The validation scores a run of each kind of data reports while it trains (its first: the kind's headline)."""
LOWER_IS_BETTER = ("loss", "mse")

_STATES = {"RUNNING": "running", "COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed", "WAITING": "queued"}


def direction_of(metric: str) -> str:
    """``minimize`` for a loss or an error, ``maximize`` for a score."""
    return "minimize" if metric in LOWER_IS_BETTER else "maximize"


def storage(sweep_id: str) -> Any:
    """The sweep's Optuna storage (its journal file)."""
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    path = record.journal_path(sweep_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    return JournalStorage(JournalFileBackend(str(path)))


def make_sampler(sweep: Sweep, *, resumed_at: int = 0) -> Any:
    """TPE, seeded with the trials' seed (the same sweep samples the same settings), random for its first trials.

    ``constant_liar``: a trial still running counts as a poor one, so parallel trials do not all get the same idea.
    A driver that resumes a sweep after ``resumed_at`` trials seeds with that offset: the same seed again would draw
    the settings of the first trials once more.
    """
    import optuna

    startup = max(2, min(10, sweep.n_trials // 3))
    seed = int(sweep.base.get("seed", 42)) + resumed_at
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup, constant_liar=True)


def make_pruner(name: str, n_trials: int) -> Any:
    """The pruner called ``name``.

    *median* stops a trial whose best score so far is worse than the median of the completed trials at the same
    evaluation (after enough completed trials: a quarter of the sweep, at most 5); *halving* (asynchronous successive
    halving) keeps the best third of the trials that reached each rung; *none* never stops a trial.
    """
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=max(1, min(5, n_trials // 4)), n_warmup_steps=WARMUP_EVALS)
    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=WARMUP_EVALS, reduction_factor=HALVING_FACTOR)
    return optuna.pruners.NopPruner()


def create(sweep: Sweep) -> Any:
    """Create the sweep's study (or open it when it exists)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(storage=storage(sweep.id), study_name=sweep.id, direction=sweep.direction,
                               sampler=make_sampler(sweep), pruner=make_pruner(sweep.pruner, sweep.n_trials),
                               load_if_exists=True)


def trial_row(frozen: Any) -> dict[str, Any]:
    """One trial as the record's summary row."""
    values = frozen.intermediate_values
    last_step = max(values) if values else None
    value = frozen.value if frozen.state.name == "COMPLETE" else None
    return {
        "number": frozen.number,
        "state": _STATES.get(frozen.state.name, "failed"),
        "params": dict(frozen.params),
        "value": value if value is None or math.isfinite(value) else None,
        "last": values[last_step] if last_step is not None else None,
        "steps": len(values),
        "run_id": frozen.user_attrs.get("run_id"),
        "pruned_at": frozen.user_attrs.get("pruned_at"),
        "reason": frozen.user_attrs.get("reason"),
        "started_at": frozen.datetime_start.timestamp() if frozen.datetime_start else None,
        "finished_at": frozen.datetime_complete.timestamp() if frozen.datetime_complete else None,
    }


def best_row(rows: list[dict[str, Any]], direction: str) -> dict[str, Any] | None:
    """The completed trial with the best score (the earliest of equals), or None."""
    done = [r for r in rows if r["state"] == "complete" and r["value"] is not None]
    if not done:
        return None
    sign = -1.0 if direction == "maximize" else 1.0
    return min(done, key=lambda r: (sign * r["value"], r["number"]))


def importance(study: Any, n_params: int) -> dict[str, float] | None:
    """Each searched setting's importance for the score (fANOVA, seeded; they sum to 1), or None when there are too
    few completed trials, a single setting, or the completed trials do not vary enough to tell."""
    import optuna

    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(complete) < MIN_FOR_IMPORTANCE or n_params < 2:
        return None
    try:
        found = optuna.importance.get_param_importances(
            study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
    except (RuntimeError, ValueError, ZeroDivisionError, TypeError):
        return None
    cleaned = {name: float(v) for name, v in found.items() if math.isfinite(float(v))}
    return cleaned if cleaned and sum(cleaned.values()) > 0 else None
