"""Scheduler placement and worker launch commands (no processes started)."""

import sys

from core import jobs
from core.scheduler import place


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
