"""What hardware this machine offers, found without importing torch (the UI process stays light).

The one place that probes hardware: GPU indices and names (``nvidia-smi``), Apple's MPS, and whether the CPU
multiplies bf16 matrices in hardware.  The scheduler places runs with it, the config validates precision with it and
the Train page describes it; it imports nothing from the rest of core.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Hardware:
    """GPUs found and a one-line description of where `device=auto` will train."""

    gpus: list[int]
    gpu_names: list[str]
    mps: bool

    @property
    def auto_device(self) -> str:
        """Where a run with device=auto goes."""
        return "cuda" if self.gpus else "mps" if self.mps else "cpu"

    def describe(self) -> str:
        """E.g. '2 × NVIDIA H200 — each run uses one GPU unless you pick several'."""
        if self.gpus:
            names = ", ".join(sorted(set(self.gpu_names))) or "NVIDIA GPU"
            precision = "bf16/fp16 mixed precision where supported"
            return f"{len(self.gpus)} × {names} — runs train on a free GPU with {precision}; pick one or several under Advanced."
        if self.mps:
            return "Apple GPU (MPS) — runs train on it, one at a time."
        bf16 = " in bf16 mixed precision" if cpu_has_bf16_units() else ""
        return f"No GPU found — runs train on the CPU{bf16}, one at a time (small models such as MiniLM are fine)."

    def device_options(self) -> list[str]:
        """Choices for the device field: auto, cpu, each GPU, and all GPUs together."""
        options = ["auto", "cpu"] + (["mps"] if self.mps else []) + [f"cuda:{g}" for g in self.gpus]
        if len(self.gpus) > 1:
            options.append("cuda:" + ",".join(map(str, self.gpus)))
        return options


def available_gpus() -> list[int]:
    """GPU indices this machine offers (``TUNEBOARD_GPUS`` overrides, e.g. for tests)."""
    override = os.environ.get("TUNEBOARD_GPUS")
    if override is not None:
        return [int(x) for x in override.split(",") if x.strip()]
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [int(x) for x in visible.split(",") if x.strip().isdigit()]
    return list(range(sum(1 for line in _nvidia_smi("-L") if line.startswith("GPU "))))


def has_mps() -> bool:
    """Whether this is a Mac whose GPU torch can train on (``mps``)."""
    return sys.platform == "darwin" and platform.machine() == "arm64"


@functools.cache
def cpu_has_bf16_units() -> bool:
    """Whether this CPU multiplies bf16 matrices in hardware, where bf16 autocast trains faster than fp32.

    Intel AMX (bf16 matmuls ~10× fp32) and the AVX-512 bf16 instructions (AMD Zen 4: ~2.7× fp32, training ~1.3×
    faster end to end; BENCHMARKS.md) both count.  Read from ``/proc/cpuinfo`` (Linux) so the UI can ask without
    importing torch; elsewhere (macOS, Windows) the answer is False.
    """
    try:
        return cpuinfo_has_bf16_units(Path("/proc/cpuinfo").read_text(errors="replace"))
    except OSError:
        return False


def cpuinfo_has_bf16_units(cpuinfo: str) -> bool:
    """Whether the text of a ``/proc/cpuinfo`` lists bf16 matrix instructions (AMX or AVX-512 bf16)."""
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
    return ("amx_bf16" in flags and "amx_tile" in flags) or "avx512_bf16" in flags


def _nvidia_smi(*args: str) -> list[str]:
    """The non-empty output lines of ``nvidia-smi ARGS``; none when it is missing or fails (no NVIDIA GPU)."""
    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(["nvidia-smi", *args], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def detect() -> Hardware:
    """Probe the machine (nvidia-smi for CUDA; Apple silicon for MPS)."""
    gpus = available_gpus()
    return Hardware(gpus=gpus, gpu_names=_nvidia_smi("--query-gpu=name", "--format=csv,noheader") if gpus else [],
                    mps=has_mps())
