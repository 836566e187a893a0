"""A run's lifecycle: stop, cancel, resume, continue, crash detection — exact outcomes, and the allowed transitions.

Every status change goes through ``store.transition``; ``store.ALLOWED_TRANSITIONS`` is the one table of where a
status may go.  The property test drives random sequences of the operations users, the scheduler and the worker
perform and checks that each observed change is in that table and that a refused operation changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import time
from unittest import mock

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import paths, store
from core.config import RunConfig
from core.errors import OOM_EXIT_CODE, OOM_MARKER, RunError
from core.jobs import queue as jobs


@pytest.fixture(autouse=True)
def no_scheduler():
    """Unit tests never start the scheduler daemon."""
    with mock.patch.object(jobs, "ensure_scheduler") as ensure:
        yield ensure


def _run(status: str = "queued", **fields) -> store.Run:
    config = RunConfig(dataset_id="ds-x", model="tiny-random-bert").to_dict()
    run = store.create_run(config, name="r", dataset_id="ds-x", status=status, info={"dataset_name": "d"})
    if fields:
        store.update_run(run.id, **fields)
    return store.require_run(run.id)


def _checkpoints(run_id: str, steps: list[int]):
    folder = paths.run_dir(run_id) / "checkpoints"
    for step in steps:
        (folder / f"checkpoint-{step}").mkdir(parents=True)
    return folder


# ---------------------------------------------------------------------------- stop / cancel
def test_stopping_a_queued_run_cancels_it():
    run = _run("queued")
    assert jobs.request_stop(run.id) == "cancelled"
    after = store.require_run(run.id)
    assert after.status == "cancelled" and after.finished_at is not None


def test_stopping_a_running_run_asks_the_worker_and_wakes_the_scheduler(no_scheduler):
    run = _run("running")
    before = time.time()
    assert jobs.request_stop(run.id) == "stopping"
    after = store.require_run(run.id)
    assert after.status == "running" and after.stop_requested_at >= before
    no_scheduler.assert_called_once()


@pytest.mark.parametrize("status", ["completed", "failed", "stopped", "cancelled"])
def test_stopping_a_finished_run_says_why_not(status):
    run = _run(status)
    with pytest.raises(RunError) as caught:
        jobs.request_stop(run.id)
    assert str(caught.value) == f"Run {run.id} is {status}, not running; only running runs can be stopped."
    assert store.require_run(run.id).status == status


def test_only_queued_runs_can_be_cancelled():
    run = _run("running")
    with pytest.raises(RunError, match=rf"^Run {run.id} is running; only queued runs can be cancelled"):
        jobs.cancel(run.id)
    assert store.require_run(run.id).status == "running"


def test_wait_stopped_returns_as_soon_as_the_run_left_running():
    run = _run("stopped")
    started = time.time()
    assert jobs.wait_stopped(run.id, timeout=5).status == "stopped"
    assert time.time() - started < 1


def test_wait_stopped_gives_up_after_its_timeout():
    run = _run("running")
    assert jobs.wait_stopped(run.id, timeout=0.4).status == "running"


# ---------------------------------------------------------------------------- checkpoints and resume
def test_the_last_checkpoint_is_the_highest_step_not_the_last_name():
    run = _run("stopped")
    folder = _checkpoints(run.id, [9, 100, 10])
    assert jobs.last_checkpoint(run.id) == folder / "checkpoint-100"


def test_no_checkpoint_folder_means_no_checkpoint():
    assert jobs.last_checkpoint(_run("stopped").id) is None
    run = _run("stopped")
    (paths.run_dir(run.id) / "checkpoints").mkdir(parents=True)
    assert jobs.last_checkpoint(run.id) is None


@pytest.mark.parametrize("status", ["stopped", "failed"])
def test_resume_queues_the_same_run_from_its_newest_checkpoint(status, no_scheduler):
    run = _run(status, error="boom", exit_code=3, pid=123, finished_at=1.0, stop_requested_at=2.0)
    folder = _checkpoints(run.id, [20, 200, 100])
    resumed = jobs.resume(run.id)
    assert resumed.id == run.id and resumed.status == "queued"
    assert resumed.config["resume_from"] == str(folder / "checkpoint-200")
    assert (resumed.error, resumed.exit_code, resumed.pid, resumed.finished_at, resumed.stop_requested_at) == (
        None, None, None, None, None)
    assert resumed.info == {"dataset_name": "d", "resumed": True}
    no_scheduler.assert_called_once()


def test_resume_without_checkpoints_starts_over():
    run = _run("failed")
    assert jobs.resume(run.id).config["resume_from"] == ""


@pytest.mark.parametrize("status", ["queued", "running", "completed", "cancelled"])
def test_only_stopped_or_failed_runs_resume(status):
    run = _run(status)
    with pytest.raises(RunError, match=rf"^Run {run.id} is {status}; only stopped or failed runs can be resumed"):
        jobs.resume(run.id)
    assert store.require_run(run.id).status == status


def test_continue_training_queues_a_new_linked_run_on_the_finished_model(monkeypatch):
    from core.data import library

    dataset = library.save_frame(pd.DataFrame({"text": ["a b", "c d"] * 10,
                                                                 "label": ["x", "y"] * 10}), name="tiny")
    config = RunConfig(dataset_id=dataset.id, model="tiny-random-bert", peft="lora", epochs=3)
    run = store.create_run(config.to_dict(), name="first", dataset_id=dataset.id, status="completed")
    model_dir = paths.run_dir(run.id) / "model"
    model_dir.mkdir(parents=True)
    (model_dir / "config.json").write_text(json.dumps({}))
    follow = jobs.continue_training(run.id, 2)
    assert follow.id != run.id and follow.parent_id == run.id and follow.status == "queued"
    assert follow.name == "first +2 ep"
    assert (follow.config["model"], follow.config["epochs"], follow.config["peft"]) == (str(model_dir), 2.0, "none")


@pytest.mark.parametrize("status", ["completed", "stopped"])
def test_continue_training_needs_a_completed_run_with_a_saved_model(status):
    run = _run(status)  # no model folder in either case
    with pytest.raises(RunError, match=rf"^Run {run.id} has no finished model to continue from"):
        jobs.continue_training(run.id, 1)


def test_deleting_an_active_run_is_refused_and_a_finished_one_goes_with_its_files():
    active = _run("running")
    with pytest.raises(RunError, match=r"is running; stop or cancel it before deleting"):
        jobs.delete_run(active.id)
    done = _run("completed")
    paths.run_dir(done.id).mkdir(parents=True)
    jobs.delete_run(done.id)
    assert store.get_run(done.id) is None and not paths.run_dir(done.id).exists()
    no_files = _run("cancelled")  # cancelled before it ever wrote a file
    jobs.delete_run(no_files.id)
    assert store.get_run(no_files.id) is None


# ---------------------------------------------------------------------------- crashes
def test_a_killed_worker_fails_its_run_with_the_signal_named():
    run = _run("running", pid=999_999)
    assert jobs.mark_crashed(run, -9)
    after = store.require_run(run.id)
    assert after.status == "failed" and after.exit_code == -9
    assert after.error == ("The training process ended unexpectedly (killed by signal 9 (SIGKILL)); "
                           "resume the run or start it again.")


def test_a_worker_that_dies_after_a_stop_request_ends_stopped():
    run = _run("running", stop_requested_at=time.time())
    assert jobs.mark_crashed(run, -15)
    after = store.require_run(run.id)
    assert (after.status, after.error, after.exit_code) == ("stopped", None, -15)
    assert after.finished_at is not None


def test_a_crashed_run_records_when_it_ended():
    run = _run("running")
    before = time.time()
    jobs.mark_crashed(run, 1)
    assert store.require_run(run.id).finished_at >= before


def test_a_crashed_multi_process_run_kills_its_ranks_and_names_the_rank_that_ended_it(monkeypatch):
    from core.jobs import ranks

    run = _run("running", pid=5)
    ranks.prepare_launch(run.id, 2)
    killed = []
    monkeypatch.setattr(ranks, "signal_run", lambda run_id, pid, started, sig: killed.append((run_id, pid, sig)))
    monkeypatch.setattr(ranks, "launcher_failure", lambda run_id: (1, "Worker rank 1 was killed (SIGKILL)."))
    jobs.mark_crashed(run, 1)
    assert killed == [(run.id, None, signal.SIGKILL)]
    assert store.require_run(run.id).error == "Worker rank 1 was killed (SIGKILL)."


def test_a_launcher_exit_of_a_multi_process_run_replaces_rank_0s_sentence_only_when_another_rank_failed(monkeypatch):
    from core.jobs import ranks

    killed = []
    monkeypatch.setattr(ranks, "signal_run", lambda run_id, pid, started, sig: killed.append(sig))
    monkeypatch.setattr(ranks, "launcher_failure", lambda run_id: (1, "rank 1 died"))
    failed = _run("running")
    store.transition(failed.id, ["running"], "failed", error="broken collective")
    ranks.prepare_launch(failed.id, 2)
    jobs.launcher_exited(failed.id, 0)  # a clean exit: nothing to blame on another rank
    assert store.require_run(failed.id).error == "broken collective" and killed == [signal.SIGKILL]
    jobs.launcher_exited(failed.id, 1)
    assert (store.require_run(failed.id).error, store.require_run(failed.id).exit_code) == ("rank 1 died", 1)
    monkeypatch.setattr(ranks, "launcher_failure", lambda run_id: (0, "rank 0 died"))
    store.transition(failed.id, ["failed"], "failed", error="broken collective")
    jobs.launcher_exited(failed.id, 1)  # rank 0's own sentence stays
    assert store.require_run(failed.id).error == "broken collective"


@pytest.mark.parametrize("by", ["exit code", "marker"])
def test_out_of_memory_queues_the_run_again(by):
    run = _run("running", pid=5, pid_started_at=9.0)
    if by == "marker":
        paths.run_dir(run.id).mkdir(parents=True)
        (paths.run_dir(run.id) / OOM_MARKER).write_text("1")
    assert jobs.mark_crashed(run, OOM_EXIT_CODE if by == "exit code" else 1)
    after = store.require_run(run.id)
    assert (after.status, after.pid, after.pid_started_at, after.exit_code) == ("queued", None, None, None)
    assert after.progress == {"phase": "out of memory: starting again with a smaller batch"}
    assert not (paths.run_dir(run.id) / OOM_MARKER).exists()


def test_launcher_exit_settles_only_a_run_still_running():
    running = _run("running")
    jobs.launcher_exited(running.id, 1)
    assert store.require_run(running.id).error.endswith("(exit code 1); resume the run or start it again.")
    done = _run("completed")
    jobs.launcher_exited(done.id, 1)
    assert store.require_run(done.id).status == "completed"
    jobs.launcher_exited("no-such-run", 1)  # a deleted run: nothing to do


def test_reconcile_fails_runs_whose_worker_is_gone_but_leaves_a_run_just_starting():
    gone = _run("running", pid=999_999, started_at=time.time() - 60)
    starting = _run("running", started_at=time.time())  # the scheduler has not written its pid yet
    alive = _run("running", pid=os.getpid(), started_at=time.time() - 60)
    assert jobs.reconcile() == [gone.id]
    assert store.require_run(gone.id).error.startswith("The training process ended unexpectedly (it is no longer")
    assert store.require_run(starting.id).status == "running"
    assert store.require_run(alive.id).status == "running"


@pytest.mark.parametrize(("code", "words"), [(None, "it is no longer running"), (-9, "killed by signal 9 (SIGKILL)"),
                                             (-200, "killed by signal 200"), (0, "exit code 0"), (3, "exit code 3")])
def test_exit_descriptions(code, words):
    assert jobs.describe_exit(code) == words


def test_process_alive_checks_the_start_time_against_pid_reuse():
    import os

    pid = os.getpid()
    started = jobs.process_start_time(pid)
    assert jobs.process_alive(pid) and jobs.process_alive(pid, started)
    assert not jobs.process_alive(pid, started - 10)
    assert not jobs.process_alive(None) and not jobs.process_alive(999_999)
    assert jobs.process_start_time(999_999) is None


# ---------------------------------------------------------------------------- queue and status words
def test_queue_position_counts_oldest_first():
    first, second = _run("queued"), _run("queued")
    _run("running")
    assert (jobs.queue_position(first.id), jobs.queue_position(second.id)) == (1, 2)
    assert jobs.queue_position(_run("completed").id) is None


def test_status_lines():
    queued = _run("queued")
    assert jobs.status_line(queued) == "queued (#1)"
    assert jobs.status_line(_run("running", progress={"step": 30, "total_steps": 40})) == "running 75%"
    assert jobs.status_line(_run("running", progress={"phase": "loading model and data"})) == \
        "running (loading model and data)"
    assert jobs.status_line(_run("running")) == "running (starting)"
    assert jobs.status_line(_run("running", progress={"total_steps": 40})) == "running 0%"
    assert jobs.status_line(_run("running", progress={"step": 1, "total_steps": 3})) == "running 33%"
    assert jobs.status_line(_run("failed")) == "failed"


def test_worker_environment_hides_gpus_from_cpu_runs_and_names_the_chosen_ones(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    cpu = jobs.worker_env([], "cpu")
    assert cpu["CUDA_VISIBLE_DEVICES"] == "" and cpu["TUNEBOARD_HOME"] == str(paths.home())
    assert cpu["PYTHONUNBUFFERED"] == "1" and cpu["TOKENIZERS_PARALLELISM"] == "false"
    assert jobs.worker_env([1, 3], "cuda:1")["CUDA_VISIBLE_DEVICES"] == "1,3"
    assert "CUDA_VISIBLE_DEVICES" not in jobs.worker_env([], "auto")
    assert cpu["HF_HUB_DISABLE_TELEMETRY"] == "1"


@pytest.mark.parametrize(("slots", "threads"), [(None, 8), ("", 8), ("1", 8), ("2", 4), ("0", 8)])
def test_cpu_ranks_share_the_cores_between_ranks_and_concurrent_cpu_runs(monkeypatch, slots, threads):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(16)))
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    if slots is None:
        monkeypatch.delenv("TUNEBOARD_CPU_SLOTS", raising=False)
    else:
        monkeypatch.setenv("TUNEBOARD_CPU_SLOTS", slots)
    assert jobs.worker_env([], "cpu", processes=2)["OMP_NUM_THREADS"] == str(threads)  # 16 cores / (2 ranks x slots)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the user's own setting wins
    assert jobs.worker_env([], "cpu", processes=2)["OMP_NUM_THREADS"] == "3"


def test_summary_is_every_field_of_the_run_with_its_cli_command_and_queue_position():
    run = _run("queued", error="e", progress={"phase": "x"}, final_metrics={"accuracy": 0.5}, device="cpu",
               started_at=2.0, finished_at=3.0)
    store.update_run(run.id, parent_id="p")
    run = store.require_run(run.id)
    assert jobs.summary(run) == {
        "id": run.id, "name": "r", "status": "queued", "queue_position": 1, "error": "e",
        "progress": {"phase": "x"}, "final_metrics": {"accuracy": 0.5}, "device": "cpu",
        "created_at": run.created_at, "started_at": 2.0, "finished_at": 3.0, "parent_id": "p",
        "cli": RunConfig.from_dict(run.config).cli_command(), "info": {"dataset_name": "d"},
    }


# ---------------------------------------------------------------------------- the transition table
def test_the_store_refuses_a_transition_outside_the_table():
    run = _run("completed")
    with pytest.raises(ValueError, match="may not move from completed to running"):
        store.transition(run.id, ["completed"], "running")
    with pytest.raises(ValueError, match=r"only through store\.transition"):
        store.update_run(run.id, status="running")
    assert store.require_run(run.id).status == "completed"


def _scheduler_starts(run_id: str) -> None:
    store.transition(run_id, ["queued"], "running", started_at=time.time(), pid=999_999)


def _worker_finishes(outcome: str):
    def finish(run_id: str) -> None:
        store.transition(run_id, ["running"], outcome, finished_at=time.time())
    return finish


def _crash(exit_code: int):
    def crash(run_id: str) -> None:
        run = store.require_run(run_id)
        if run.status == "running":
            jobs.mark_crashed(run, exit_code)
    return crash


OPERATIONS = {
    "request_stop": jobs.request_stop,
    "cancel": jobs.cancel,
    "resume": jobs.resume,
    "scheduler starts": _scheduler_starts,
    "worker completes": _worker_finishes("completed"),
    "worker stops": _worker_finishes("stopped"),
    "worker fails": _worker_finishes("failed"),
    "killed": _crash(-9),
    "out of memory": _crash(OOM_EXIT_CODE),
    "reconcile": lambda run_id: jobs.reconcile(),
    "delete": jobs.delete_run,
}


@given(st.lists(st.sampled_from(sorted(OPERATIONS)), max_size=12))
def test_property_a_runs_status_only_moves_along_allowed_transitions(operations):
    run = _run("queued")
    status = run.status
    for name in operations:
        try:
            OPERATIONS[name](run.id)
        except RunError:
            assert store.require_run(run.id).status == status, f"refused {name} changed the status"
            continue
        after = store.get_run(run.id)
        if after is None:  # deleted: only ever a finished run
            assert name == "delete" and status not in store.ACTIVE_STATUSES
            return
        assert after.status == status or after.status in store.ALLOWED_TRANSITIONS[status], (name, status, after.status)
        status = after.status


def test_the_table_covers_every_status_and_finished_runs_never_restart():
    assert set(store.ALLOWED_TRANSITIONS) == set(store.STATUSES)
    assert store.ALLOWED_TRANSITIONS["completed"] == store.ALLOWED_TRANSITIONS["cancelled"] == frozenset()
    assert all(target in store.STATUSES for targets in store.ALLOWED_TRANSITIONS.values() for target in targets)
