"""Runs through the Ray executor on a local Ray head that this module starts (`ray start --head --block`, 2 CPUs).

A tiny run completes, its metrics reach the store while it trains, its model comes back to the run folder and loads
with a `pipeline`, and the worker never opened SQLite; a stop ends the Ray job with the run *stopped* and a checkpoint
that a resume continues from; killing the worker fails the run with Ray's reason; out of memory starts a new job at
half the batch; an address nobody answers fails the run with one sentence.  Needs ray (requirements-cluster.txt): skipped without it, except under CI=true.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import paths, store
from core.config import RunConfig
from core.jobs import queue as jobs
from tests.conftest import save_sample, wait_for

pytestmark = pytest.mark.integration
HAS_RAY = importlib.util.find_spec("ray") is not None
LONG = {"model": "tiny-random-bert", "max_steps": 3000, "batch_size": 8, "eval_strategy": "steps", "eval_steps": 40}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ray_address(tmp_path_factory: pytest.TempPathFactory, in_ci_module: bool) -> Iterator[str]:
    """A local Ray head for this module; its dashboard's address (the Jobs API)."""
    if not HAS_RAY:
        message = "ray is not installed (pip install -r requirements-cluster.txt)"
        if in_ci_module:
            pytest.fail(f"{message}, and CI must run every test", pytrace=False)
        pytest.skip(message)
    from ray.job_submission import JobSubmissionClient

    temp = Path("/tmp") / f"tbray{os.getpid()}"  # short: Ray's socket paths must stay under 107 characters
    dashboard = _free_port()
    # PATH as it is: like a plain `ray start --head`, the jobs must find this environment's Python by themselves.
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    command = [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block", "--num-cpus", "2",
               "--port", str(_free_port()), "--dashboard-port", str(dashboard), "--dashboard-host", "127.0.0.1",
               "--include-dashboard", "true", "--temp-dir", str(temp), "--disable-usage-stats",
               # Ports of its own for every agent: another Ray on this machine (a developer's) must not clash.
               *[arg for flag in ("--dashboard-agent-listen-port", "--dashboard-agent-grpc-port", "--metrics-export-port",
                                  "--runtime-env-agent-port", "--node-manager-port", "--object-manager-port",
                                  "--ray-client-server-port") for arg in (flag, str(_free_port()))]]
    log = open(tmp_path_factory.mktemp("ray") / "ray.log", "wb")  # noqa: SIM115 - closed at teardown
    head = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    address = f"http://127.0.0.1:{dashboard}"
    deadline = time.time() + 90
    while True:
        try:
            JobSubmissionClient(address).list_jobs()
            break
        except Exception:
            if head.poll() is not None or time.time() > deadline:
                head.kill()
                raise AssertionError(f"the Ray head did not start: {Path(log.name).read_text()[-2000:]}") from None
            time.sleep(0.5)
    yield address
    head.send_signal(signal.SIGTERM)  # --block: the launcher stops what it started
    try:
        head.wait(30)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(head.pid, signal.SIGKILL)  # anything left in the head's session (started here, and only here)
    except ProcessLookupError:
        pass
    log.close()
    subprocess.run(["rm", "-rf", str(temp)], check=False)


@pytest.fixture(scope="module")
def in_ci_module() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def on_ray(ray_address: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TUNEBOARD_EXECUTOR", "ray")
    monkeypatch.setenv("RAY_ADDRESS", ray_address)
    return ray_address


def _job(address: str, run: store.Run):
    from ray.job_submission import JobSubmissionClient

    return JobSubmissionClient(address).get_job_info(run.info["ray"]["job_id"])


def _wait_training(run_id: str, min_step: int, timeout: float = 120) -> store.Run:
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = store.get_run(run_id)
        if run.status == "running" and run.progress.get("step", 0) >= min_step:
            return run
        assert run.status in {"queued", "running"}, (run.status, run.error)
        time.sleep(0.2)
    raise AssertionError(f"run did not train on Ray: {store.get_run(run_id)}")


def _wait_job_followed(run_id: str, timeout: float = 60) -> store.Run:
    deadline = time.time() + timeout
    while not store.get_run(run_id).info["ray"].get("ended") and time.time() < deadline:
        time.sleep(0.3)
    run = store.get_run(run_id)
    assert run.info["ray"].get("ended"), run.info["ray"]
    return run


def test_a_run_on_ray_completes_streams_its_metrics_and_brings_its_model_back(on_ray):
    from transformers import pipeline

    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=120, batch_size=8,
                                eval_strategy="steps", eval_steps=40, early_stopping_patience=0))
    running = _wait_training(run.id, min_step=5)
    seen_while_running = len(store.metric_points(running.id))
    assert store.get_run(run.id).status == "running" and seen_while_running > 0, "metrics arrive while it trains"
    done = wait_for(run.id, {"completed", "failed", "stopped"}, timeout=240)
    assert done.status == "completed", done.error
    done = _wait_job_followed(run.id)  # the worker's exit event comes after its final status
    ray_info = done.info["ray"]
    from ray.job_submission import JobSubmissionClient

    assert ray_info["job_id"] in {j.submission_id for j in JobSubmissionClient(on_ray).list_jobs()}
    assert str(_job(on_ray, done).status.value) == "SUCCEEDED" and ray_info["node"] and done.device == "ray"
    # The worker ran in a home of its own and opened no SQLite file at all (an audit hook watched sqlite3.connect).
    assert ray_info["worker"]["sqlite_opened"] == [] and ray_info["worker"]["home"] != str(paths.home())
    assert not Path(ray_info["worker"]["home"]).exists()  # removed after the files were sent back
    folder = paths.run_dir(run.id)
    for name in ("model/config.json", "report.json", "predictions.parquet", "train.log"):
        assert (folder / name).is_file(), name
    assert list((folder / "tensorboard").iterdir())
    assert done.final_metrics["accuracy"] >= 0 and len(store.metric_points(run.id, names=["loss"])) > 0
    classify = pipeline("text-classification", model=str(folder / "model"), device="cpu")
    assert classify("a great film")[0]["label"] in {"negative", "positive"}


def test_stop_ends_the_ray_job_keeps_a_checkpoint_and_resume_continues(on_ray):
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), **LONG))
    _wait_training(run.id, min_step=10)
    asked = time.time()
    assert jobs.request_stop(run.id) == "stopping"
    stopped = wait_for(run.id, {"stopped", "failed", "completed"}, timeout=60)
    assert stopped.status == "stopped", stopped.error
    assert time.time() - asked < 30
    stopped = _wait_job_followed(run.id)
    assert str(_job(on_ray, stopped).status.value) == "STOPPED"
    checkpoint = jobs.last_checkpoint(run.id)
    assert checkpoint is not None, "the checkpoint came back to the head"
    stop_step = int(checkpoint.name.split("-")[1])
    first_job = stopped.info["ray"]["job_id"]

    store.update_run(run.id, config={**stopped.config, "max_steps": stop_step + 40})  # past the next loss log (every 30 steps here)
    jobs.resume(run.id)
    done = wait_for(run.id, {"completed", "failed"}, timeout=240)
    assert done.status == "completed", done.error
    assert done.info["ray"]["job_id"] != first_job and done.progress["step"] == stop_step + 40
    steps = store.metric_points(run.id, names=["loss"], split="train")["step"].tolist()
    assert steps == sorted(steps) and len(set(steps)) == len(steps) and min(steps) < stop_step < max(steps)


def _scheduler_pid() -> int | None:
    """The scheduler process of this test's workspace (found by its command and TUNEBOARD_HOME)."""
    import psutil

    for proc in psutil.process_iter(["cmdline"]):
        try:
            if "core.jobs.scheduler" in (proc.info["cmdline"] or []) and \
                    proc.environ().get("TUNEBOARD_HOME") == str(paths.home()):
                return proc.pid
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return None


def test_a_scheduler_restart_while_the_job_runs_applies_nothing_twice(on_ray, monkeypatch):
    # >= 12 s of training: the job still runs when the scheduler is killed. Without it CI's job once finished while
    # the store showed step 20 (the log is read once a second), and that read applied everything up to "completed".
    monkeypatch.setenv("TUNEBOARD_INJECT_STEP_SECONDS", "0.08")
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=150, batch_size=8,
                                eval_strategy="steps", eval_steps=50, early_stopping_patience=0))
    running = _wait_training(run.id, min_step=20)
    seq = running.info["ray"]["seq"]
    while store.get_run(run.id).info["ray"]["seq"] == seq:  # just after a look at the log: not in the middle of one
        time.sleep(0.05)
    pid = _scheduler_pid()
    assert pid, "the scheduler of this workspace"
    os.kill(pid, signal.SIGKILL)
    time.sleep(2)  # the job trains on meanwhile; its events wait in Ray's log
    assert store.get_run(run.id).status == "running" and not jobs.reconcile()  # no local process: not "crashed"
    jobs.ensure_scheduler()
    done = wait_for(run.id, {"completed", "failed", "stopped"}, timeout=240)
    assert done.status == "completed", done.error
    for split, name in [("train", "loss"), ("validation", "accuracy")]:
        steps = store.metric_points(run.id, names=[name], split=split)["step"].tolist()
        assert len(steps) == len(set(steps)) and steps == sorted(steps), (name, steps)
    assert store.metric_points(run.id, names=["loss"], split="train")["step"].tolist() == list(range(1, 151))  # none lost


def test_killing_the_worker_fails_the_run_with_rays_reason(on_ray):
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), **LONG))
    running = _wait_training(run.id, min_step=3)
    os.kill(running.info["ray"]["worker"]["pid"], signal.SIGKILL)  # the local head's node is this machine
    failed = wait_for(run.id, {"failed", "completed", "stopped"}, timeout=60)
    assert failed.status == "failed"
    assert failed.error.startswith(f"The Ray job {running.info['ray']['job_id']} ended (failed)"), failed.error
    assert "\n" not in failed.error and "Traceback" not in failed.error
    shutil.rmtree(running.info["ray"]["worker"]["home"], ignore_errors=True)  # a killed worker cannot clean up


def test_out_of_memory_on_ray_retries_with_half_the_batch_in_a_new_job(on_ray, monkeypatch):
    monkeypatch.setenv("TUNEBOARD_INJECT_OOM", "4")  # travels with the job (TUNEBOARD_*): batches above 4 "run out"
    run = jobs.submit(RunConfig(dataset_id=save_sample(120), model="tiny-random-bert", max_steps=4, batch_size=8))
    job_ids, statuses = set(), set()
    deadline = time.time() + 240
    while (current := store.require_run(run.id)).status in {"queued", "running"} and time.time() < deadline:
        statuses.add(current.status)
        job_ids.add((current.info.get("ray") or {}).get("job_id"))
        time.sleep(0.2)
    done = wait_for(run.id, {"completed", "failed", "stopped"})
    assert done.status == "completed", done.error
    assert (done.config["batch_size"], done.config["gradient_accumulation"]) == (4, 2)
    assert [(r["from_batch_size"], r["to_batch_size"]) for r in done.info["oom_retries"]] == [(8, 4)]
    assert len(job_ids - {None}) == 2 and statuses <= {"queued", "running"}  # a second job, never failed between


def test_an_address_nobody_answers_fails_the_run_with_a_sentence(ray_address, monkeypatch):
    monkeypatch.setenv("TUNEBOARD_EXECUTOR", "ray")
    monkeypatch.setenv("RAY_ADDRESS", f"http://127.0.0.1:{_free_port()}")
    run = jobs.submit(RunConfig(dataset_id=save_sample(60), model="tiny-random-bert", max_steps=2))
    failed = wait_for(run.id, {"failed", "completed"}, timeout=60)
    assert failed.status == "failed" and failed.error.startswith("The Ray cluster at http://127.0.0.1:"), failed.error
    assert "\n" not in failed.error
