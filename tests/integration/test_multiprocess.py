"""Runs trained by two `torchrun` processes on the CPU (gloo): the multi-process paths GPUs use, with real processes.

Issue 23: a live multi-process run must stay *running* (its process is the launcher), a stop must reach every rank
(each rank runs in a session of its own) and leave a checkpoint, a rank killed with SIGKILL must fail the run with
a sentence naming it, and a stopped run must resume.
"""

import os
import signal
import time

import psutil
import pytest

from core import paths, store
from core.config import RunConfig
from core.jobs import queue as jobs
from core.jobs import ranks
from tests.conftest import save_sample, wait_for

pytestmark = pytest.mark.integration
TWO = {"model": "tiny-random-bert", "device": "cpu", "processes": 2, "batch_size": 8}
LONG = {**TWO, "max_steps": 3000, "eval_strategy": "steps", "eval_steps": 40}


def _processes_of(run_id: str) -> list[psutil.Process]:
    """Every live process whose command line names the run (the launcher and its ranks)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmdline = proc.info["cmdline"] or []
        if run_id in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(proc)
    return found


def _none_left(run_id: str, timeout: float = 15) -> list[psutil.Process]:
    deadline = time.time() + timeout
    while (left := _processes_of(run_id)) and time.time() < deadline:
        time.sleep(0.3)
    return left


def _training(run_id: str, min_step: int = 2, timeout: float = 180) -> store.Run:
    """Wait until both ranks have recorded themselves and rank 0 reports training steps."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = store.get_run(run_id)
        assert run.status in {"queued", "running"}, (run.status, run.error)
        if run.progress.get("step", 0) >= min_step and len(ranks.rank_processes(run_id)) == 2:
            return run
        time.sleep(0.2)
    raise AssertionError("the two-process run did not start training")


def test_two_process_run_stays_running_across_reconciliations_and_completes():
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), max_steps=40, **TWO))
    reconciled_while_training = 0
    sessions: set[int] = set()
    deadline = time.time() + 240
    while (current := store.get_run(run.id)).status in {"queued", "running"} and time.time() < deadline:
        # The Runs page reconciles on every render: torchrun's start-up (longer than the 2 s start-time tolerance)
        # must not make the live run look dead.
        assert jobs.reconcile() == [], current.error
        if current.progress.get("step", 0) > 0:
            reconciled_while_training += 1
            if not sessions:  # once, while both ranks certainly live
                launcher = psutil.Process(current.pid)
                assert "torch.distributed.run" in launcher.cmdline(), "the run's process is torchrun's launcher"
                sessions = {os.getsid(pid) for pid, _ in ranks.rank_processes(run.id).values()}
                assert len(sessions) == 2 and os.getsid(launcher.pid) not in sessions, "each rank has its own session"
        time.sleep(0.3)
    done = store.get_run(run.id)
    assert done.status == "completed", done.error
    assert reconciled_while_training >= 2
    assert sorted(ranks.rank_processes(run.id)) == [0, 1]
    losses = store.metric_points(run.id, names=["loss"], split="train")["value"]
    assert 0.5 < losses.iloc[0] < 0.9, "two classes start near ln 2 = 0.69 (not the world size times that)"
    assert not _none_left(run.id), "no launcher or rank outlives a completed run"


def test_stop_reaches_every_rank_keeps_a_checkpoint_and_resume_completes():
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), **LONG))
    _training(run.id, min_step=5)
    asked = time.time()
    assert jobs.request_stop(run.id) == "stopping"
    stopped = wait_for(run.id, {"stopped", "failed", "completed"}, timeout=30)
    assert stopped.status == "stopped", stopped.error
    assert not _none_left(run.id, timeout=max(1.0, asked + 30 - time.time())), "every rank ends within 30 s"
    checkpoint = jobs.last_checkpoint(run.id)
    assert checkpoint is not None and (checkpoint / "trainer_state.json").is_file()
    assert sorted(p.name for p in checkpoint.glob("rng_state_*.pth")) == ["rng_state_0.pth", "rng_state_1.pth"]
    stop_step = int(checkpoint.name.split("-")[1])

    store.update_run(run.id, config={**stopped.config, "max_steps": stop_step + 8})  # keep the test short
    jobs.resume(run.id)
    done = wait_for(run.id, {"completed", "failed", "stopped"}, timeout=240)
    assert done.status == "completed", done.error
    assert done.progress["step"] == stop_step + 8, "the global step continues from the checkpoint"
    assert not _none_left(run.id)


def test_kill_9_of_one_rank_fails_the_run_with_a_sentence():
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), **LONG))
    _training(run.id)
    rank1_pid = ranks.rank_processes(run.id)[1][0]
    os.kill(rank1_pid, signal.SIGKILL)
    deadline = time.time() + 60
    while time.time() < deadline:
        failed = store.get_run(run.id)
        if failed.status != "running" and failed.error and "rank 1" in failed.error:
            break
        time.sleep(0.3)
    assert failed.status == "failed", (failed.status, failed.error)
    assert "Worker rank 1 was killed (SIGKILL)" in failed.error
    assert not _none_left(run.id), "torchrun and the other rank are gone"
    assert not (paths.run_dir(run.id) / "model").exists()
