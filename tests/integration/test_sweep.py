"""A real sweep end to end: `python -m core sweep` starts the driver process, whose trials are ordinary runs trained by
the scheduler's worker processes on the tiny random model; the median pruner stops the poor trial early.

Why the outcome is fixed: the sweep samples its learning rates with the trials' seed (42), which draws the second
choice first (1e-7: the model hardly moves, validation loss ≈ ln 2) and then the first (0.5: the loss jumps to about 1
and more at once).  The second trial's loss at its second evaluation is far above the first trial's, so the pruner
stops it there, whatever the timing, because the driver reports every score in order before it decides.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core import store
from tests.conftest import ROOT, save_sample, wait_for

pytestmark = pytest.mark.integration


def _core(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "TUNEBOARD_SWEEP_POLL_S": "0.3"})


def test_a_pruned_sweep_stops_a_poor_trial_early_and_has_a_best_trial():
    dataset_id = save_sample(200)
    done = _core("sweep", "--dataset-id", dataset_id, "--model", "tiny-random-bert", "--max-steps", "60", "--trials", "2",
                 "--search", "learning_rate=0.5,1e-7", "--metric", "loss", "--pruner", "median", "--name", "lr probe")
    assert done.returncode == 0, done.stderr[-3000:]
    sweep_id = done.stdout.splitlines()[0]
    final = json.loads(done.stdout[done.stdout.index("{"):])
    assert final["state"] == "completed" and final["best"]["params"] == {"learning_rate": 1e-7}
    assert "pruned at evaluation 2" in done.stderr

    shown = _core("sweep", "show", sweep_id, "--json")
    assert shown.returncode == 0, shown.stderr
    sweep = json.loads(shown.stdout)
    assert sweep["counts"]["complete"] == 1 and sweep["counts"]["pruned"] == 1, sweep["trials"]
    complete = next(t for t in sweep["trials"] if t["state"] == "complete")
    pruned = next(t for t in sweep["trials"] if t["state"] == "pruned")
    assert complete["steps"] >= 8  # 60 steps: an evaluation every 7 (and one at the end)
    assert pruned["pruned_at"] == 2 and pruned["params"] == {"learning_rate": 0.5}
    assert pruned["last"] > complete["value"]

    run = wait_for(pruned["run_id"], {"stopped", "completed", "failed"})
    assert run.status in {"stopped", "completed"}  # stopped early, unless it finished before the stop arrived
    if run.status == "stopped":
        assert run.progress["step"] < 60
    assert run.info["sweep_id"] == sweep_id and run.config["eval_strategy"] == "steps" and run.config["eval_steps"] == 7
    trial_run = store.get_run(complete["run_id"])
    assert trial_run.status == "completed" and trial_run.final_metrics  # an ordinary run, with its report

    listed = _core("sweep", "list")
    assert sweep_id in listed.stdout and "completed" in listed.stdout
    text = _core("sweep", "show", sweep_id)
    assert "best: trial 0" in text.stdout and "python -m core sweep --dataset-id" in text.stdout
