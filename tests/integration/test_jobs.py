"""The job system with real worker processes: stop, kill -9, resume, queue, cancel, LoRA, OOM, concurrency."""

import os
import signal
import threading
import time

import pytest

from core import paths, store
from core import results as runs
from core.config import RunConfig
from core.jobs import queue as jobs
from tests.conftest import save_sample, wait_for

pytestmark = pytest.mark.integration
LONG = {"model": "tiny-random-bert", "max_steps": 3000, "batch_size": 8, "eval_strategy": "steps", "eval_steps": 40}


def _wait_training(run_id: str, min_step: int = 3, timeout: float = 120) -> store.Run:
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = store.get_run(run_id)
        if run.status == "running" and run.pid and run.progress.get("step", 0) >= min_step:
            return run
        assert run.status in {"queued", "running"}, (run.status, run.error)
        time.sleep(0.2)
    raise AssertionError("run did not start training")


def _group_gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)  # the worker is its own process-group leader
    except ProcessLookupError:
        return True
    return False


def test_stop_ends_run_within_bound_keeps_metrics_and_resume_continues_the_step():
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), **LONG))
    running = _wait_training(run.id, min_step=45)
    asked = time.time()
    assert jobs.request_stop(run.id) == "stopping"
    stopped = wait_for(run.id, {"stopped", "failed", "completed"}, timeout=30)
    assert stopped.status == "stopped" and time.time() - asked < 15
    deadline = time.time() + 10
    while not _group_gone(running.pid) and time.time() < deadline:
        time.sleep(0.2)
    assert _group_gone(running.pid), "worker process group still alive after stop"
    checkpoint = jobs.last_checkpoint(run.id)
    assert checkpoint is not None
    stop_step = int(checkpoint.name.split("-")[1])
    losses_before = runs.history(run.id, names=["loss"])
    assert len(losses_before) > 0

    # Resume with fewer total steps so the test stays short: the step must continue, not restart.
    store.update_run(run.id, config={**stopped.config, "max_steps": stop_step + 30})
    jobs.resume(run.id)
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "completed", done.error
    loss = store.metric_points(run.id, names=["loss"], split="train")
    steps = loss["step"].tolist()
    assert steps == sorted(steps) and len(set(steps)) == len(steps), "no duplicated or reordered steps"
    assert min(steps) < stop_step < max(steps), "the curve continues after the resume point"
    assert done.progress["step"] == stop_step + 30, "the global step continues from the checkpoint"


def test_kill_9_marks_the_run_failed_with_the_reason():
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), **LONG))
    running = _wait_training(run.id)
    os.kill(running.pid, signal.SIGKILL)
    failed = wait_for(run.id, {"failed", "completed", "stopped"}, timeout=15)
    assert failed.status == "failed"
    assert "ended unexpectedly" in failed.error and "SIGKILL" in failed.error


def test_reconcile_marks_runs_of_a_dead_worker_failed():
    run = store.create_run({}, name="left running", dataset_id=None, status="running")
    store.update_run(run.id, pid=2**22 + 12345, started_at=time.time() - 100)  # no such process
    assert jobs.reconcile() == [run.id]
    assert "ended unexpectedly" in store.get_run(run.id).error


def test_queue_order_positions_and_cancel():
    dataset_id = save_sample(200)
    config = RunConfig(dataset_id=dataset_id, model="tiny-random-bert", max_steps=5)
    first = jobs.submit(config, start_scheduler=False)
    second = jobs.submit(config, start_scheduler=False)
    third = jobs.submit(config, start_scheduler=False)
    assert [jobs.queue_position(r.id) for r in (first, second, third)] == [1, 2, 3]
    jobs.cancel(third.id)
    assert store.get_run(third.id).status == "cancelled" and jobs.queue_position(second.id) == 2
    jobs.ensure_scheduler()
    a = wait_for(first.id, {"completed", "failed"})
    b = wait_for(second.id, {"completed", "failed"})
    assert a.status == b.status == "completed"
    assert a.started_at < b.started_at and b.started_at >= a.finished_at - 1  # one CPU run at a time
    assert store.get_run(third.id).status == "cancelled"


def test_five_runs_launched_at_once_all_finish(monkeypatch):
    monkeypatch.setenv("TUNEBOARD_CPU_SLOTS", "2")
    dataset_id = save_sample(200)
    ids: list[str] = []

    def launch(i: int) -> None:
        ids.append(jobs.submit(RunConfig(dataset_id=dataset_id, model="tiny-random-bert", max_steps=8, seed=i)).id)

    threads = [threading.Thread(target=launch, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    finished = [wait_for(i, {"completed", "failed"}, timeout=300) for i in ids]
    assert [r.status for r in finished] == ["completed"] * 5, [r.error for r in finished]
    for run_id in ids:
        for name in ("train.log", "worker.out"):
            assert "database is locked" not in (paths.run_dir(run_id) / name).read_text()


def test_lora_trains_few_parameters_and_the_saved_model_predicts():
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=10, peft="lora",
                                learning_rate=1e-3))
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "completed", done.error
    params = done.info["parameters"]
    assert params["trainable"] / params["total"] < 0.05
    assert (paths.run_dir(run.id) / "adapter" / "adapter_config.json").is_file()
    from transformers import pipeline

    clf = pipeline("text-classification", model=str(paths.run_dir(run.id) / "model"))
    assert clf("a fine film")[0]["label"] in {"negative", "positive"}


def test_out_of_memory_retries_with_half_the_batch_in_a_fresh_process(monkeypatch):
    monkeypatch.setenv("TUNEBOARD_INJECT_OOM", "4")  # every batch larger than 4 "runs out of memory"
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=6, batch_size=16))
    statuses = set()
    deadline = time.time() + 240
    while (current := store.require_run(run.id)).status not in {"completed", "failed"} and time.time() < deadline:
        statuses.add(current.status)
        time.sleep(0.1)
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "completed", done.error
    assert done.config["batch_size"] == 4 and done.config["gradient_accumulation"] == 4
    retries = done.info["oom_retries"]
    assert [(r["from_batch_size"], r["to_batch_size"]) for r in retries] == [(16, 8), (8, 4)]
    # Each attempt is a new worker process: the one that ran out of memory exited, the scheduler started another.
    pids = [r["pid"] for r in retries] + [done.pid]
    assert len(set(pids)) == 3, pids
    assert not any(jobs.process_alive(pid) for pid in pids[:2])
    assert statuses <= {"queued", "running"}  # never failed in between
    assert not (paths.run_dir(run.id) / "oom").exists()
    assert (paths.run_dir(run.id) / "model" / "config.json").is_file()


def test_out_of_memory_in_one_rank_relaunches_the_whole_two_process_run_at_half_the_batch(monkeypatch):
    """Rank 1 runs out of memory; torchrun exits 1 for the run; the marker makes the scheduler relaunch all of it."""
    from core.jobs import ranks

    monkeypatch.setenv("TUNEBOARD_INJECT_OOM", "4")
    monkeypatch.setenv("TUNEBOARD_INJECT_OOM_RANK", "1")
    config = RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", device="cpu", processes=2, batch_size=8,
                       max_steps=6)
    run = jobs.submit(config)
    launchers: set[int] = set()
    rank_pids: set[int] = set()
    deadline = time.time() + 300
    while (current := store.require_run(run.id)).status in {"queued", "running"} and time.time() < deadline:
        if current.status == "running" and current.pid:
            launchers.add(current.pid)
        rank_pids |= {pid for pid, _ in ranks.rank_processes(run.id).values()}
        time.sleep(0.1)
    done = wait_for(run.id, {"completed", "failed", "stopped"})
    assert done.status == "completed", done.error
    assert (done.config["batch_size"], done.config["gradient_accumulation"]) == (4, 2)
    retries = done.info["oom_retries"]
    assert [(r["from_batch_size"], r["to_batch_size"]) for r in retries] == [(8, 4)]
    final_ranks = {pid for pid, _ in ranks.rank_processes(run.id).values()}
    assert len(final_ranks) == 2 and retries[0]["pid"] not in final_ranks  # both ranks are new processes
    assert len(launchers) == 2 and done.pid in launchers, launchers  # a second torchrun, not a retry inside the first
    assert rank_pids - final_ranks, "the first launch's ranks were seen and are gone"
    assert not any(jobs.process_alive(pid) for pid in rank_pids - final_ranks)
    assert not (paths.run_dir(run.id) / "oom").exists()


def test_out_of_memory_at_batch_one_says_what_to_lower(monkeypatch):
    monkeypatch.setenv("TUNEBOARD_INJECT_OOM", "0")
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=6, batch_size=2))
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "failed" and "ran out of memory" in done.error and "max_length" in done.error
