"""GPU discovery (core.devices) from recorded nvidia-smi outputs and CUDA_VISIBLE_DEVICES values; no GPU needed.

The samples are what nvidia-smi prints on those machines (driver 535+ format; the R450 MIG line format too).  A fake
``nvidia-smi`` on PATH runs the real subprocess path; the others replace the call itself.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from core import devices
from core.jobs import queue as jobs
from core.jobs.scheduler import place, torch_device

H100_X2_LIST = """\
GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-4c5e6f70-8192-a3b4-c5d6-e7f8091a2b3c)
GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-9d8c7b6a-5f4e-3d2c-1b0a-f9e8d7c6b5a4)
"""
H100_X2_QUERY = "0, Disabled\n1, Disabled\n"

# GPU 0 split into three MIG slices, GPU 1 whole (MIG off).
A100_MIG_LIST = """\
GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-5e8a9f3b-2c1d-4e6f-a7b8-9c0d1e2f3a4b)
  MIG 3g.20gb     Device  0: (UUID: MIG-a1b2c3d4-e5f6-5a7b-8c9d-0e1f2a3b4c5d)
  MIG 2g.10gb     Device  1: (UUID: MIG-b2c3d4e5-f6a7-5b8c-9d0e-1f2a3b4c5d6e)
  MIG 1g.5gb      Device  2: (UUID: MIG-c3d4e5f6-a7b8-5c9d-0e1f-2a3b4c5d6e7f)
GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0)
"""
A100_MIG_QUERY = "0, Enabled\n1, Disabled\n"
MIG_1 = "MIG-b2c3d4e5-f6a7-5b8c-9d0e-1f2a3b4c5d6e"

# R450 drivers named MIG devices by GPU UUID / GPU instance / compute instance.
A100_MIG_R450_LIST = """\
GPU 0: A100-SXM4-40GB (UUID: GPU-5e8a9f3b-2c1d-4e6f-a7b8-9c0d1e2f3a4b)
  MIG 1g.5gb Device 0: (UUID: MIG-GPU-5e8a9f3b-2c1d-4e6f-a7b8-9c0d1e2f3a4b/7/0)
  MIG 1g.5gb Device 1: (UUID: MIG-GPU-5e8a9f3b-2c1d-4e6f-a7b8-9c0d1e2f3a4b/8/0)
"""

NO_DRIVER = ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest "
             "NVIDIA driver is installed and running.")


@pytest.fixture(autouse=True)
def _no_gpu_settings(monkeypatch):
    """No GPU variables from the machine running the tests, and no cached nvidia-smi answer."""
    for name in ("TUNEBOARD_GPUS", "CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(devices, "_smi_cache", {})


def fake_smi(monkeypatch, listing: str, query: str = "") -> list[tuple[str, ...]]:
    """Make ``nvidia-smi -L`` / the MIG-mode query print the recorded text; returns the calls made."""
    calls: list[tuple[str, ...]] = []

    def run(*args: str) -> list[str]:
        calls.append(args)
        text = listing if args == ("-L",) else query if args[0].startswith("--query-gpu=") else ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    monkeypatch.setattr(devices, "_nvidia_smi", run)
    return calls


# ---------------------------------------------------------------------------- CUDA_VISIBLE_DEVICES
@pytest.mark.parametrize(("value", "entries"), [
    ("0,1", ["0", "1"]),
    (" 2 , 3 ", ["2", "3"]),
    ("GPU-4c5e6f70-8192-a3b4-c5d6-e7f8091a2b3c,GPU-9d8c7b6a", ["GPU-4c5e6f70-8192-a3b4-c5d6-e7f8091a2b3c", "GPU-9d8c7b6a"]),
    (MIG_1, [MIG_1]),
    ("MIG-GPU-5e8a9f3b-2c1d-4e6f-a7b8-9c0d1e2f3a4b/7/0", ["MIG-GPU-5e8a9f3b-2c1d-4e6f-a7b8-9c0d1e2f3a4b/7/0"]),
    ("", []),
    ("-1", []),
    ("NoDevFiles", []),
    ("0,-1,2", ["0"]),  # CUDA stops at the first entry it cannot read
    ("1,1,0", ["1", "0"]),
])
def test_visible_devices_are_read_as_cuda_reads_them(value, entries):
    assert devices.parse_visible_devices(value) == entries


def test_uuid_visible_devices_give_gpus_named_from_nvidia_smi(monkeypatch):
    fake_smi(monkeypatch, H100_X2_LIST, H100_X2_QUERY)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "GPU-9d8c7b6a,GPU-4c5e6f70-8192-a3b4-c5d6-e7f8091a2b3c")  # a prefix is enough
    table = devices.gpu_table()
    assert [g.id for g in table] == [0, 1]  # numbered by position: a UUID has no number
    assert [g.name for g in table] == ["NVIDIA H100 80GB HBM3"] * 2
    env = jobs.worker_env([1], "cuda:1")
    assert env["CUDA_VISIBLE_DEVICES"] == "GPU-4c5e6f70-8192-a3b4-c5d6-e7f8091a2b3c"  # the user's own entry, not "1"
    assert env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert devices.process_cuda_index(1) == 1 and torch_device(("cuda:1", [1])) == "cuda:1"


def test_numeric_visible_devices_keep_their_numbers(monkeypatch):
    fake_smi(monkeypatch, H100_X2_LIST, H100_X2_QUERY)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    assert devices.gpu_table() == [devices.Gpu(1, "1", "NVIDIA H100 80GB HBM3")]
    assert jobs.worker_env([1], "cuda:1")["CUDA_VISIBLE_DEVICES"] == "1"
    assert devices.process_cuda_index(1) == 0  # in this process GPU 1 is cuda:0


def test_a_mig_slice_in_visible_devices_is_one_gpu(monkeypatch):
    fake_smi(monkeypatch, A100_MIG_LIST, A100_MIG_QUERY)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", MIG_1)
    assert devices.gpu_table() == [devices.Gpu(0, MIG_1, "NVIDIA A100-SXM4-40GB MIG 2g.10gb")]
    assert jobs.worker_env([0], "cuda:0")["CUDA_VISIBLE_DEVICES"] == MIG_1
    assert devices.process_cuda_index(0) == 0


def test_hidden_gpus_mean_no_gpu(monkeypatch):
    calls = fake_smi(monkeypatch, H100_X2_LIST, H100_X2_QUERY)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert devices.available_gpus() == [] and calls == []
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert devices.detect().gpus == []


# ---------------------------------------------------------------------------- nvidia-smi
def test_two_h100s_from_nvidia_smi(monkeypatch):
    fake_smi(monkeypatch, H100_X2_LIST, H100_X2_QUERY)
    hardware = devices.detect()
    assert hardware.gpus == [0, 1] and hardware.gpu_names == ["NVIDIA H100 80GB HBM3"] * 2
    assert hardware.describe().startswith("2 × NVIDIA H100 80GB HBM3")
    assert hardware.device_options() == ["auto", "cpu", "cuda:0", "cuda:1", "cuda:0,1"]
    env = jobs.worker_env([1], "cuda:1")
    assert env["CUDA_VISIBLE_DEVICES"] == "1" and env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert jobs.worker_env([0, 1], "cuda:0,1")["CUDA_VISIBLE_DEVICES"] == "0,1"
    assert devices.process_cuda_index(1) == 1  # whole GPUs keep nvidia-smi's index (PCI bus order)


def test_mig_slices_are_separate_gpus(monkeypatch):
    fake_smi(monkeypatch, A100_MIG_LIST, A100_MIG_QUERY)
    table = devices.gpu_table()
    assert [g.id for g in table] == [0, 1, 2, 3]  # three slices of GPU 0, then GPU 1 whole
    assert [g.name for g in table] == ["NVIDIA A100-SXM4-40GB MIG 3g.20gb", "NVIDIA A100-SXM4-40GB MIG 2g.10gb",
                                       "NVIDIA A100-SXM4-40GB MIG 1g.5gb", "NVIDIA A100-SXM4-40GB"]
    assert [g.mig for g in table] == [True, True, True, False]
    assert jobs.worker_env([1], "cuda:1")["CUDA_VISIBLE_DEVICES"] == MIG_1  # CUDA selects a slice by UUID only
    assert jobs.worker_env([3], "cuda:3")["CUDA_VISIBLE_DEVICES"] == "1"
    gpus = devices.available_gpus()
    assert place("auto", ["cuda:0"], gpus) == ("cuda:1", [1])  # one run per slice
    assert place("auto", ["cuda:0", "cuda:1", "cuda:2"], gpus) == ("cuda:3", [3])
    # Without CUDA_VISIBLE_DEVICES this process cannot pick a slice by index: in-process use goes to the CPU.
    assert devices.process_cuda_index(1) is None and devices.process_cuda_index(3) is None


def test_mig_on_without_slices_offers_no_device(monkeypatch):
    fake_smi(monkeypatch, A100_MIG_LIST.splitlines()[0], "0, Enabled")
    assert devices.available_gpus() == []


def test_older_drivers_mig_lines(monkeypatch):
    fake_smi(monkeypatch, A100_MIG_R450_LIST, "0, Enabled")
    table = devices.gpu_table()
    assert [g.visible for g in table] == ["MIG-GPU-5e8a9f3b-2c1d-4e6f-a7b8-9c0d1e2f3a4b/7/0",
                                          "MIG-GPU-5e8a9f3b-2c1d-4e6f-a7b8-9c0d1e2f3a4b/8/0"]
    assert table[0].name == "A100-SXM4-40GB MIG 1g.5gb"


def test_mig_mode_query_missing_on_an_old_driver_counts_whole_gpus(monkeypatch):
    fake_smi(monkeypatch, H100_X2_LIST, 'Field "mig.mode.current" is not a valid field to query.')
    assert devices.available_gpus() == [0, 1]


def test_no_nvidia_smi_means_no_gpu(monkeypatch):
    monkeypatch.setattr(devices.shutil, "which", lambda name: None)
    assert devices.gpu_table() == [] and devices.process_cuda_index(0) is None
    assert devices.detect().describe().startswith("No GPU found")
    assert jobs.worker_env([], "cpu")["CUDA_VISIBLE_DEVICES"] == ""


def _install_fake_nvidia_smi(folder: Path, listing: str, query: str, code: int = 0) -> None:
    (folder / "smi_list.txt").write_text(listing)
    (folder / "smi_query.txt").write_text(query)
    script = folder / "nvidia-smi"
    script.write_text(f'#!/bin/sh\ncase "$1" in\n  -L) cat "{folder}/smi_list.txt" ;;\n'
                      f'  --query-gpu=*) cat "{folder}/smi_query.txt" ;;\nesac\nexit {code}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_real_subprocess_path_with_a_recorded_nvidia_smi(monkeypatch, tmp_path):
    _install_fake_nvidia_smi(tmp_path, A100_MIG_LIST, A100_MIG_QUERY)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    assert devices.available_gpus() == [0, 1, 2, 3]
    assert devices.visible_devices_value([0, 3]) == "MIG-a1b2c3d4-e5f6-5a7b-8c9d-0e1f2a3b4c5d,1"


def test_a_failing_nvidia_smi_means_no_gpu(monkeypatch, tmp_path):
    _install_fake_nvidia_smi(tmp_path, NO_DRIVER, "", code=9)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    assert devices.available_gpus() == []


# ---------------------------------------------------------------------------- what child processes see
def test_mps_and_cpu_runs_hide_every_gpu(monkeypatch):
    fake_smi(monkeypatch, H100_X2_LIST, H100_X2_QUERY)
    assert jobs.worker_env([], "mps")["CUDA_VISIBLE_DEVICES"] == ""  # device=mps on Linux: no DataParallel over GPUs
    assert jobs.worker_env([], "cpu")["CUDA_VISIBLE_DEVICES"] == ""
    assert jobs.worker_env([], "mps")["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"


# ---------------------------------------------------------------------------- bench/gpu_check.sh on a machine without a GPU
GPU_CHECK = Path(__file__).resolve().parents[2] / "bench" / "gpu_check.sh"


def test_gpu_check_script_parses_and_its_python_compiles():
    import subprocess

    assert subprocess.run(["bash", "-n", str(GPU_CHECK)], capture_output=True).returncode == 0
    text = GPU_CHECK.read_text()
    body = text.split("<<'PY'\n")[-1].split("\nPY\n")[0]  # the checks themselves (the last Python block)
    assert "def _train" in body and "def _stop" in body and "def _oom" in body and "def _bench" in body
    compile(body, "gpu_check.sh:checks", "exec")


def test_gpu_check_fails_fast_and_says_why_without_a_gpu(tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    (tmp_path / "dirname").symlink_to(shutil.which("dirname"))
    env["PATH"] = str(tmp_path)  # no nvidia-smi to find, whatever machine runs the test
    proc = subprocess.run(["/bin/bash", str(GPU_CHECK)], capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 2 and "no CUDA device: nothing to check" in proc.stdout
    # A GPU named but none usable (a CPU build of torch here): still a clear sentence, not a traceback.
    env.update(PATH=os.environ["PATH"], CUDA_VISIBLE_DEVICES="0", PYTHON=sys.executable)
    proc = subprocess.run(["bash", str(GPU_CHECK)], capture_output=True, text=True, env=env, timeout=120)
    import torch

    if not torch.cuda.is_available():
        assert proc.returncode == 2 and "no CUDA device: nothing to check" in proc.stdout, proc.stdout + proc.stderr


# ---------------------------------------------------------------------------- GPU memory in a run's progress (item 8)
def test_gpu_memory_is_the_reserved_peak_per_device_since_training_began(monkeypatch):
    import torch

    from core.train import callback

    reserved = {0: 0, 1: int(3.25e9)}  # this rank allocated on its own GPU only (the other is another rank's)
    resets: list[int] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "max_memory_reserved", lambda index: reserved[index])
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda index=None: 1)  # not what is reported
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats", resets.append)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", f"2,{MIG_1}")
    monkeypatch.setenv("WORLD_SIZE", "2")
    callback.reset_gpu_memory_peaks()
    assert resets == [0, 1]
    assert callback.gpu_memory() == {"gpu_mem_gb": 3.25, "gpu_mem_by_device": {MIG_1: 3.25},
                                     "gpu_mem_scope": "rank 0 of 2 processes"}
    monkeypatch.setenv("WORLD_SIZE", "1")
    reserved[0] = int(1e9)
    assert callback.gpu_memory()["gpu_mem_by_device"] == {"2": 1.0, MIG_1: 3.25}
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)  # CPU run / CUDA never started: nothing
    assert callback.gpu_memory() == {}
