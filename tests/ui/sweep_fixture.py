"""A finished sweep written straight into the workspace (no training): the record its driver would have left after
five trials, for the page tests of the Sweeps page (AppTest and the browser)."""

from __future__ import annotations

import time

from core.config import RunConfig
from core.i18n import message
from core.jobs.sweep import manage, record, space
from core.jobs.sweep.record import Sweep

SEARCH = ("learning_rate=1e-5:1e-3:log", "batch_size=8,16")
TRIALS = [  # number, state, learning rate, batch size, value, last score, evaluations
    (0, "complete", 1e-4, 16, 0.71, 0.71, 8),
    (1, "complete", 3e-4, 8, 0.83, 0.83, 8),
    (2, "pruned", 1e-5, 16, None, 0.42, 2),
    (3, "complete", 8e-4, 8, 0.78, 0.78, 8),
    (4, "failed", 5e-5, 8, None, None, 0),
    (5, "complete", 2e-4, 16, 0.76, 0.76, 8),
]


def fabricate_sweep(dataset_id: str, *, name: str = "lr search", status: str = "completed") -> Sweep:
    """A sweep of six trials on ``dataset_id`` optimising macro-F1: four complete (best: trial 1), one pruned at its
    second evaluation, one failed; importance computed."""
    base = RunConfig(dataset_id=dataset_id, model="tiny-random-bert", max_steps=40)
    params = space.parse_space(SEARCH, base)
    now = time.time()
    rows = [{"number": n, "state": state, "params": {"learning_rate": lr, "batch_size": bs}, "value": value,
             "last": last, "steps": steps, "run_id": f"1203-0000{n:02d}-abcdef", "pruned_at": 2 if state == "pruned" else None,
             "reason": record.error_dict(message("error.sweep.reason.run_cancelled")) if state == "failed" else None,
             "started_at": now - 600 + 60 * n, "finished_at": now - 560 + 60 * n} for n, state, lr, bs, value, last, steps in TRIALS]
    sweep = Sweep(id=record.new_sweep_id(), name=name, created_at=now - 600, status=status, base=base.to_dict(),
                  space=[p.to_dict() for p in params], n_trials=6, parallel=1, pruner="median", metric="f1_macro",
                  direction="maximize", task="single_label", finished_at=now if status != "running" else None,
                  trials=rows, best=rows[1], importance={"learning_rate": 0.8, "batch_size": 0.2})
    sweep.cli = manage.cli_command(sweep)
    record.save(sweep)
    return sweep
