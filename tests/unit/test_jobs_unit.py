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
           ("--query-gpu=name", "--format=csv,noheader"): ["NVIDIA H200", "NVIDIA H200"]}
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
