"""Scheduler placement and worker launch commands (no processes started)."""

import sys

from core.jobs import queue as jobs
from core.jobs.scheduler import place


def test_single_gpu_and_cpu_commands():
    assert jobs.worker_command("r1", []) == [sys.executable, "-m", "core.worker", "r1"]
    assert jobs.worker_command("r1", [3]) == [sys.executable, "-m", "core.worker", "r1"]
    assert jobs.worker_env([3], "cuda:3")["CUDA_VISIBLE_DEVICES"] == "3"
    assert jobs.worker_env([], "cpu")["CUDA_VISIBLE_DEVICES"] == ""


def test_multi_gpu_uses_torchrun_with_one_process_per_gpu():
    cmd = jobs.worker_command("r2", [0, 2])
    assert cmd[:3] == [sys.executable, "-m", "torch.distributed.run"]
    assert "--nproc_per_node=2" in cmd and "--standalone" in cmd
    assert cmd[-3:] == ["-m", "core.worker", "r2"]
    assert jobs.worker_env([0, 2], "cuda:0,2")["CUDA_VISIBLE_DEVICES"] == "0,2"


def test_placement_one_run_per_gpu_and_cpu_slots(monkeypatch):
    monkeypatch.setenv("TUNEBOARD_CPU_SLOTS", "1")
    assert place("auto", [], []) == ("cpu", [])
    assert place("auto", ["cpu"], []) is None
    assert place("auto", ["cuda:0"], [0, 1]) == ("cuda:1", [1])
    assert place("auto", ["cuda:0", "cuda:1"], [0, 1]) is None
    assert place("cuda:0,1", ["cuda:1"], [0, 1]) is None
    assert place("cuda:0,1", [], [0, 1]) == ("cuda:0,1", [0, 1])
    assert place("cuda:5", [], [0, 1]) == ("error", [5])
    monkeypatch.setenv("TUNEBOARD_CPU_SLOTS", "2")
    assert place("cpu", ["cpu"], []) == ("cpu", [])


def test_describe_exit():
    assert jobs.describe_exit(-9) == "killed by signal 9 (SIGKILL)"
    assert jobs.describe_exit(3) == "exit code 3"


# ---------------------------------------------------------------------------- side jobs (batch prediction, int8)
def test_side_jobs_take_a_gpu_no_run_holds_else_the_cpu():
    from core.jobs.scheduler import place_side_job

    assert place_side_job(busy=["cuda:0"], gpus=[0, 1]) == ("cuda:1", [1])
    assert place_side_job(busy=["cuda:0,1"], gpus=[0, 1]) == ("cpu", [])  # every GPU trains: the CPU, never a wait
    assert place_side_job(busy=["cpu"], gpus=[]) == ("cpu", [])  # no GPU: the CPU even when a CPU run is busy
    assert place_side_job(busy=[], gpus=[2]) == ("cuda:2", [2])
    assert place_side_job(gpu=False, busy=[], gpus=[0]) == ("cpu", [])


def test_torch_device_renumbers_by_visible_devices(monkeypatch):
    from core.jobs.scheduler import torch_device

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    assert torch_device(("cuda:3", [3])) == "cuda:1"
    assert torch_device(("cpu", [])) == "cpu"
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    assert torch_device(("cuda:1", [1])) == "cuda:1"


def _completed_run_with_model() -> str:
    from core import paths, store

    run = store.create_run({"model": "m", "max_length": 32}, name="done", dataset_id=None, status="completed")
    model = paths.run_dir(run.id) / "model"
    model.mkdir(parents=True)
    (model / "config.json").write_text('{"id2label": {"0": "a", "1": "b"}}')
    return run.id


def _launched_env(monkeypatch) -> list[dict]:
    """Capture the environment of every process the code would start (nothing is started)."""
    seen: list[dict] = []

    class Proc:
        pid = 999_999

    def fake_spawn(command, log_file, env):
        seen.append(env)
        return Proc()

    monkeypatch.setattr(jobs, "spawn_detached", fake_spawn)
    return seen


def test_batch_prediction_and_int8_jobs_avoid_the_gpu_a_run_trains_on(monkeypatch):
    import pandas as pd

    from core import devices, store
    from core.serve import predict, quantize

    monkeypatch.setattr(devices, "available_gpus", lambda: [0, 1])
    envs = _launched_env(monkeypatch)
    run_id = _completed_run_with_model()
    training = store.create_run({"model": "m"}, name="training", dataset_id=None, status="running")
    store.update_run(training.id, device="cuda:0")

    job = predict.start_job(run_id, pd.DataFrame({"text": ["x", "y"]}), "text")
    assert envs[-1]["CUDA_VISIBLE_DEVICES"] == "1" and predict.job_info(job)["device"] == "cuda:1"

    store.update_run(training.id, device="cuda:0,1")  # now every GPU trains
    job = predict.start_job(run_id, pd.DataFrame({"text": ["x"]}), "text")
    assert envs[-1]["CUDA_VISIBLE_DEVICES"] == "" and predict.job_info(job)["device"] == "cpu"

    store.update_run(training.id, device="cuda:1")
    quantize.start_job(run_id)  # int8 is CPU work: it sees no GPU at all, free or not
    assert envs[-1]["CUDA_VISIBLE_DEVICES"] == ""


# ---------------------------------------------------------------------------- hardware detection (core.devices)
def test_gpu_list_comes_from_the_override_then_visible_devices_then_nvidia_smi(monkeypatch):
    from core import devices

    monkeypatch.setenv("TUNEBOARD_GPUS", "0,2")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "5")
    assert devices.available_gpus() == [0, 2]
    monkeypatch.delenv("TUNEBOARD_GPUS")
    assert devices.available_gpus() == [5]
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    smi = {("-L",): ["GPU 0: NVIDIA H200 (UUID: a)", "GPU 1: NVIDIA H200 (UUID: b)"],
           ("--query-gpu=index,mig.mode.current", "--format=csv,noheader"): ["0, [N/A]", "1, [N/A]"]}
    monkeypatch.setattr(devices, "_nvidia_smi", lambda *args: smi[args])
    hardware = devices.detect()
    assert hardware.gpus == [0, 1] and hardware.gpu_names == ["NVIDIA H200", "NVIDIA H200"]
    assert hardware.device_options()[-1] == "cuda:0,1" and hardware.describe().startswith("2 × NVIDIA H200")
    monkeypatch.setattr(devices, "_nvidia_smi", lambda *args: [])  # no nvidia-smi: no GPU
    assert devices.available_gpus() == [] and devices.detect().gpu_names == []


def test_auto_placement_without_a_gpu_follows_mps_detection(monkeypatch):
    from core import devices

    monkeypatch.setenv("TUNEBOARD_CPU_SLOTS", "1")
    monkeypatch.setattr(devices, "has_mps", lambda: True)
    assert place("auto", [], []) == ("mps", [])
    monkeypatch.setattr(devices, "has_mps", lambda: False)
    assert place("auto", ["mps"], []) == ("cpu", [])


# ---------------------------------------------------------------------------- models used in-process (playground, predict CLI)
def _gpus_as_in_a_shell(monkeypatch, tuneboard_gpus: str | None) -> None:
    """GPUs faked through TUNEBOARD_GPUS; no CUDA variables from the machine running the tests."""
    for name in ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "TUNEBOARD_GPUS"):
        monkeypatch.delenv(name, raising=False)
    if tuneboard_gpus is not None:
        monkeypatch.setenv("TUNEBOARD_GPUS", tuneboard_gpus)


def test_in_process_models_take_a_gpu_no_run_holds_else_the_cpu(monkeypatch):
    import os

    from core import store
    from core.serve import loading as serving

    _gpus_as_in_a_shell(monkeypatch, "0,1")
    assert serving.local_device() == "cuda:0"
    assert os.environ["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"  # set before CUDA starts: cuda:N is nvidia-smi's GPU N
    training = store.create_run({"model": "m"}, name="training", dataset_id=None, status="running")
    store.update_run(training.id, device="cuda:0")
    assert serving.local_device() == "cuda:1"
    store.update_run(training.id, device="cuda:0,1")
    assert serving.local_device() == "cpu"  # every GPU trains: the CPU, never a wait
    _gpus_as_in_a_shell(monkeypatch, "")
    assert serving.local_device() == "cpu"  # no GPU at all
    _gpus_as_in_a_shell(monkeypatch, None)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")  # this process sees GPUs 2 and 3 as cuda:0 and cuda:1
    store.update_run(training.id, device="cuda:2")
    assert serving.local_device() == "cuda:1"


def test_playground_loads_on_first_use_and_leaves_a_gpu_a_run_takes(monkeypatch):
    from core import store
    from core.serve import loading as serving
    from pages.components import playground_single

    loads: list[str | None] = []
    released: list[bool] = []

    def fake_load(run_id, *, device=None):
        loads.append(device)
        return serving.Predictor(lambda texts: None, ["a", "b"])

    monkeypatch.setattr(serving, "load_predictor", fake_load)
    monkeypatch.setattr(serving, "release_gpu_memory", lambda: released.append(True))
    playground_single._predictor.clear()
    monkeypatch.setattr(playground_single, "_last_device", {})
    _gpus_as_in_a_shell(monkeypatch, "0")
    run_id = _completed_run_with_model()
    assert loads == []  # nothing is loaded before the first Classify
    playground_single._model(run_id)
    playground_single._model(run_id)
    assert loads == ["cuda:0"]  # the free GPU, loaded once
    training = store.create_run({"model": "m"}, name="training", dataset_id=None, status="running")
    store.update_run(training.id, device="cuda:0")
    playground_single._model(run_id)
    assert loads == ["cuda:0", "cpu"] and released == [True]  # moved off the GPU the run now trains on
    playground_single._predictor.clear()


def test_a_prediction_job_placed_on_the_cpu_loads_its_model_there(monkeypatch, tmp_path):
    import pandas as pd

    from core.serve import loading as serving
    from core.serve import predict, predict_worker

    devices_asked: list[str | None] = []

    def fake_load(run_id, *, device=None):
        devices_asked.append(device)
        raise RuntimeError("stop here")

    monkeypatch.setattr(serving, "load_run_model", fake_load)
    pd.DataFrame({"text": ["x"]}).to_parquet(tmp_path / "input.parquet")
    for placed, expected in (("cpu", "cpu"), ("cuda:1", None)):  # None: the one GPU the job's process sees
        predict.write_json(tmp_path / "job.json", {"run_id": "r", "text_column": "text", "n_rows": 1, "device": placed})
        assert predict_worker.main(tmp_path) == 1
        assert devices_asked[-1] == expected


# ---------------------------------------------------------------------------- several processes (issue 23)
TORCHRUN_SUMMARY = """
============================================================
core.worker FAILED
------------------------------------------------------------
Failures:
[1]:
  time      : 2026-12-02_04:08:47
  host      : localhost
  rank      : 1 (local_rank: 1)
  exitcode  : -9 (pid: 4242)  (SIGKILL)
  error_file: <N/A>
  traceback : Signal 9 (SIGKILL) received by PID 4242
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-02_04:08:47
  host      : localhost
  rank      : 0 (local_rank: 0)
  exitcode  : 1 (pid: 4241)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
============================================================
"""  # torch 2.13's ChildFailedError.format_msg() when rank 1 was killed and rank 0 then failed in the same second


def test_cpu_processes_launch_through_torchrun_with_the_cores_shared_out(monkeypatch):
    from core.jobs import ranks

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("TUNEBOARD_CPU_SLOTS", "1")
    cmd = jobs.worker_command("r3", [], processes=2)
    assert cmd == [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                   "-m", "core.worker", "r3"]
    assert jobs.worker_command("r3", [0, 1], processes=1) == ranks.torchrun_command("r3", 2)  # one per GPU
    env = jobs.worker_env([], "cpu", processes=2)
    assert env["CUDA_VISIBLE_DEVICES"] == ""
    assert env["OMP_NUM_THREADS"] == str(ranks.cpu_threads_per_rank(2)) and int(env["OMP_NUM_THREADS"]) >= 1
    assert "OMP_NUM_THREADS" not in jobs.worker_env([], "cpu")
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the user's setting wins
    assert jobs.worker_env([], "cpu", processes=2)["OMP_NUM_THREADS"] == "3"


def test_processes_setting_needs_cpu_or_several_gpus_and_is_a_cli_flag():
    import pytest

    from core.cli import build_parser
    from core.config import RunConfig
    from core.errors import ConfigError
    from core.jobs.commands import config_from_args

    RunConfig(dataset_id="x", device="cpu", processes=2).validate()
    RunConfig(dataset_id="x", device="cuda:0,1", processes=2).validate()
    for device, processes, fragment in (("auto", 2, "needs device cpu"), ("cuda:0", 2, "needs device cpu"),
                                        ("cuda:0,1", 3, "one process per GPU"), ("cpu", 0, "processes = 0")):
        with pytest.raises(ConfigError, match=fragment):
            RunConfig(dataset_id="x", device=device, processes=processes).validate()
    args = build_parser().parse_args(["train", "--example", "x", "--device", "cpu", "--processes", "2"])
    config = config_from_args(args)
    assert config.processes == 2 and "--processes 2" in config.cli_command()


def test_torchrun_summary_names_the_killed_rank_even_when_another_is_the_root_cause():
    from core.jobs import ranks

    failures = ranks.parse_failures("training output\n" + TORCHRUN_SUMMARY)
    assert failures == [(0, 1, 4241), (1, -9, 4242)]  # torchrun's root cause first
    sentence = ranks.failure_sentence(failures)
    assert str(sentence).startswith("Worker rank 1 was killed (SIGKILL)")
    assert sentence.in_language("zh").startswith("工作进程 rank 1 被终止（SIGKILL）")
    assert str(ranks.failure_sentence([(1, 3, 77)])).startswith("Worker rank 1 ended with exit code 3")
    assert ranks.failure_sentence(ranks.parse_failures("no summary here")) is None


def test_launcher_exit_replaces_rank_0s_broken_collective_with_the_rank_that_was_killed():
    from core import paths, store
    from core.jobs import ranks

    run = store.create_run({}, name="ddp", dataset_id=None, status="running")
    ranks.prepare_launch(run.id, 2)
    (paths.run_dir(run.id) / "worker.out").write_text("[rank0] gloo: connection closed by peer\n" + TORCHRUN_SUMMARY)
    store.transition(run.id, ["running"], "failed", error="Training failed with DistBackendError: connection closed")
    jobs.launcher_exited(run.id, 1)
    assert store.get_run(run.id).error.startswith("Worker rank 1 was killed (SIGKILL)")

    still_running = store.create_run({}, name="ddp2", dataset_id=None, status="running")  # the launcher itself died
    ranks.prepare_launch(still_running.id, 2)
    jobs.launcher_exited(still_running.id, -9)
    assert "ended unexpectedly (killed by signal 9 (SIGKILL))" in store.get_run(still_running.id).error


def _session_sleeper():
    import subprocess

    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)


def test_stop_signals_reach_every_rank_in_its_own_session(monkeypatch):
    import json
    import signal
    import time

    from core import paths, store
    from core.jobs import ranks

    launcher, rank0, rank1 = _session_sleeper(), _session_sleeper(), _session_sleeper()
    try:
        run = store.create_run({}, name="ddp", dataset_id=None, status="running")
        store.update_run(run.id, pid=launcher.pid, pid_started_at=jobs.process_start_time(launcher.pid))
        ranks.prepare_launch(run.id, 2)
        for rank, proc in enumerate((rank0, rank1)):
            entry = {"rank": rank, "pid": proc.pid, "started_at": jobs.process_start_time(proc.pid)}
            (paths.run_dir(run.id) / ranks.RANKS_DIR / f"rank-{rank}.json").write_text(json.dumps(entry))
        jobs.signal_run(store.get_run(run.id), signal.SIGTERM)  # the polite stop: rank 0 only, it tells the others
        assert rank0.wait(10) == -signal.SIGTERM
        time.sleep(0.3)
        assert launcher.poll() is None and rank1.poll() is None
        jobs.signal_run(store.get_run(run.id), signal.SIGKILL)
        assert launcher.wait(10) == -signal.SIGKILL and rank1.wait(10) == -signal.SIGKILL
    finally:
        for proc in (launcher, rank0, rank1):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
