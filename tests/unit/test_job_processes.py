"""Submitting runs and starting processes: the queued record, the worker's command line and environment, the
scheduler's lock, signals — exact values, with process launches captured instead of performed where they would
start training."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys

import pandas as pd
import pytest

from core import paths, store
from core.config import RunConfig
from core.data import library
from core.errors import ConfigError
from core.jobs import queue as jobs
from core.jobs import ranks


@pytest.fixture
def dataset_id() -> str:
    frame = pd.DataFrame({"text": [f"text {i}" for i in range(20)], "label": ["x", "y"] * 10})
    return library.save_frame(frame, name="Reviews").id


def test_submit_queues_a_named_run_with_its_config_file_and_cli(dataset_id, monkeypatch):
    started = []
    monkeypatch.setattr(jobs, "ensure_scheduler", lambda: started.append(True))
    config = RunConfig(dataset_id=dataset_id, model="/models/org/tiny-bert/", epochs=2)
    run = jobs.submit(config, info={"preset": "fast"})
    assert run.status == "queued" and run.name == "tiny-bert · Reviews" and run.dataset_id == dataset_id
    stored = store.require_run(run.id)
    assert stored.info == {"preset": "fast", "dataset_name": "Reviews", "cli": config.cli_command()}
    assert RunConfig.from_dict(json.loads((paths.run_dir(run.id) / "config.json").read_text())) == config
    assert started == [True]


def test_submit_keeps_a_given_name_and_can_leave_the_scheduler_alone(dataset_id, monkeypatch):
    monkeypatch.setattr(jobs, "ensure_scheduler", lambda: pytest.fail("no scheduler wanted"))
    run = jobs.submit(RunConfig(dataset_id=dataset_id, model="tiny-random-bert", name="  mine "), parent_id="p-1",
                      start_scheduler=False)
    assert (run.name, run.parent_id) == ("mine", "p-1")


def test_submit_refuses_an_invalid_config_before_queuing_anything(dataset_id):
    with pytest.raises(ConfigError, match=r"^learning_rate = -1.0 is out of range"):
        jobs.submit(RunConfig(dataset_id=dataset_id, model="tiny-random-bert", learning_rate=-1.0),
                    start_scheduler=False)
    assert store.list_runs() == []


def test_the_scheduler_is_alive_exactly_while_someone_holds_its_lock():
    lock = jobs.scheduler_lock_path()
    assert lock == paths.home() / "scheduler.lock"
    assert not jobs.scheduler_alive()  # no lock file yet
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as held:
        assert not jobs.scheduler_alive()  # a file nobody locks: a scheduler that died
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code = "import sys; from core.jobs import queue; sys.exit(0 if queue.scheduler_alive() else 1)"
        other = subprocess.run([sys.executable, "-c", code], cwd=paths.PROJECT_ROOT, env=os.environ.copy(), check=False)
        assert other.returncode == 0  # another process sees the lock held
        fcntl.flock(held, fcntl.LOCK_UN)
    assert not jobs.scheduler_alive()


def test_ensure_scheduler_starts_one_only_when_none_is_alive(monkeypatch):
    spawned = []
    monkeypatch.setattr(jobs, "spawn_detached", lambda command, log, env: spawned.append((command, log, env)))
    monkeypatch.setattr(jobs, "scheduler_alive", lambda: True)
    jobs.ensure_scheduler()
    assert spawned == []
    monkeypatch.setattr(jobs, "scheduler_alive", lambda: False)
    jobs.ensure_scheduler()
    [(command, log, env)] = spawned
    assert command == [sys.executable, "-m", "core.jobs.scheduler"]
    assert log == paths.home() / "scheduler.log" and env["TUNEBOARD_HOME"] == str(paths.home())


def test_spawn_detached_runs_in_its_own_session_and_appends_to_its_log(tmp_path):
    log = tmp_path / "deep" / "out.log"
    log.parent.mkdir()
    log.write_text("before\n")
    code = "import os; print(os.getsid(0) == os.getpid(), os.getcwd())"
    proc = jobs.spawn_detached([sys.executable, "-c", code], log, {**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.wait(timeout=30) == 0
    assert log.read_text() == f"before\nTrue {paths.PROJECT_ROOT}\n"


def test_spawn_detached_makes_the_log_folder():
    log = paths.home() / "new" / "folder" / "x.log"
    jobs.spawn_detached([sys.executable, "-c", "print('hi')"], log, dict(os.environ)).wait(timeout=30)
    assert log.read_text() == "hi\n"


def test_launch_worker_starts_the_worker_command_with_its_environment_and_log(monkeypatch):
    captured = {}
    monkeypatch.setattr(jobs, "spawn_detached", lambda command, log, env: captured.update(command=command, log=log,
                                                                                          env=env) or "proc")
    assert jobs.launch_worker("r-1", [], "cpu") == "proc"
    assert captured["command"] == [sys.executable, "-m", "core.worker", "r-1"]
    assert captured["log"] == paths.run_dir("r-1") / "worker.out"
    assert captured["env"]["CUDA_VISIBLE_DEVICES"] == ""
    assert json.loads((paths.run_dir("r-1") / "ranks" / ranks.LAUNCH_FILE).read_text())["processes"] == 1


def test_signal_run_does_nothing_without_a_pid_and_sends_to_the_run_otherwise(monkeypatch):
    sent = []
    monkeypatch.setattr(ranks, "signal_run", lambda run_id, pid, started, sig: sent.append((run_id, pid, started, sig)))
    run = store.create_run({}, name="r", dataset_id=None, status="running")
    jobs.signal_run(run, signal.SIGTERM)
    assert sent == []
    store.update_run(run.id, pid=4321, pid_started_at=12.5)
    jobs.signal_run(store.require_run(run.id), signal.SIGTERM)
    assert sent == [(run.id, 4321, 12.5, signal.SIGTERM)]


def test_kill_group_ends_a_process_group_and_ignores_one_already_gone():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    jobs.kill_group(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL
    jobs.kill_group(proc.pid, signal.SIGKILL)  # reaped: no such process, no error


def test_cli_command_of_a_run_is_its_configs():
    config = RunConfig(dataset_id="ds-1", model="tiny-random-bert", epochs=4)
    run = store.create_run(config.to_dict(), name="r", dataset_id="ds-1")
    assert jobs.cli_command(run) == config.cli_command()
    assert "--epochs 4" in jobs.cli_command(run)
