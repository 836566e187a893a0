"""What hardware this machine offers, found without importing torch (the UI process stays light).

The one place that probes hardware: GPUs (``CUDA_VISIBLE_DEVICES``, else ``nvidia-smi``; MIG slices count as GPUs of
their own), Apple's MPS, and whether the CPU multiplies bf16 matrices in hardware.  The scheduler places runs with it,
the config validates precision with it and the Train page describes it; it imports nothing from the rest of core
but :mod:`core.i18n`, for its sentences (keys ``recipe.hardware.*`` and ``recipe.device.*``).

A GPU has a Tuneboard number (the ``N`` of a ``cuda:N`` device label) and the ``CUDA_VISIBLE_DEVICES`` entry that
selects it in a child process: its nvidia-smi index, or its UUID (``GPU-…``/``MIG-…``) when the user named GPUs by
UUID or the device is a MIG slice, which CUDA only selects by UUID.  Processes started for runs and jobs get
``CUDA_DEVICE_ORDER=PCI_BUS_ID`` (:data:`CUDA_ORDER`), so CUDA numbers GPUs the way nvidia-smi does.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from core.i18n import Message, message

CUDA_ORDER = {"CUDA_DEVICE_ORDER": "PCI_BUS_ID"}  # CUDA's default order (fastest first) differs from nvidia-smi's
_SMI_TTL_S = 10.0  # nvidia-smi can take a second on a box without persistence mode; placement asks often
_smi_cache: dict[tuple[str, ...], tuple[float, list[str]]] = {}
_UUID_ENTRY = re.compile(r"^(GPU|MIG)-[0-9A-Za-z][0-9A-Za-z/-]*$")
_SMI_GPU = re.compile(r"^GPU (\d+): (.+?)(?: \(UUID: ([^)\s]+)\))?$")
_SMI_MIG = re.compile(r"^MIG (\S+)\s+Device\s+(\d+): \(UUID: (MIG-[^)\s]+)\)")
# The device label a run records (core.train.run: device_description() + ", " + precision_description()).
_RUN_DEVICE = re.compile(r"^(?:(?P<count>\d+) × CUDA GPU \((?P<names>.*)\)|(?P<mps>Apple MPS)|CPU \((?P<threads>[\d,]+) threads?\))"
                         r", (?:(?P<precision>bf16|fp16) mixed precision|fp32)$")


@dataclass(frozen=True)
class Gpu:
    """One device a run can train on: a whole GPU or a MIG slice."""

    id: int  # Tuneboard's number: device labels are cuda:<id>
    visible: str  # the CUDA_VISIBLE_DEVICES entry that selects it: "3", "GPU-…" or "MIG-…"
    name: str = ""

    @property
    def mig(self) -> bool:
        """Whether this is a MIG slice of a GPU (CUDA addresses those by UUID only)."""
        return self.visible.startswith("MIG-")


@dataclass(frozen=True)
class SmiGpu:
    """A physical GPU as ``nvidia-smi`` lists it, with its MIG slices (profile, UUID) when MIG is on."""

    index: int
    name: str
    uuid: str
    migs: tuple[tuple[str, str], ...] = ()
    mig_enabled: bool = False


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
        """E.g. '2 × NVIDIA H200 — runs train on a free GPU …' (English: see :meth:`describe_message`)."""
        return str(self.describe_message())

    def describe_message(self) -> Message:
        """One sentence on where runs train here, as a message the UI shows in its language."""
        if self.gpus:
            names = ", ".join(sorted(set(self.gpu_names))) or "NVIDIA GPU"
            return message("recipe.hardware.gpus", count=len(self.gpus), names=names)
        if self.mps:
            return message("recipe.hardware.mps")
        return message("recipe.hardware.cpu_bf16" if cpu_has_bf16_units() else "recipe.hardware.cpu")

    def device_options(self) -> list[str]:
        """Choices for the device field: auto, cpu, each GPU, and all GPUs together."""
        options = ["auto", "cpu"] + (["mps"] if self.mps else []) + [f"cuda:{g}" for g in self.gpus]
        if len(self.gpus) > 1:
            options.append("cuda:" + ",".join(map(str, self.gpus)))
        return options


def run_device_message(label: str) -> Message | str:
    """The device label a run recorded (``info["device"]``, e.g. 'CPU (2 threads), fp32') as a message the UI shows
    in its language; a label of another form (another version's) comes back as it is, shown as recorded."""
    found = _RUN_DEVICE.match(label or "")
    if not found:
        return label
    precision = found["precision"]
    suffix = "mixed" if precision else "fp32"
    if found["count"]:
        return message(f"recipe.device.cuda_{suffix}", count=int(found["count"]), names=found["names"], precision=precision)
    if found["mps"]:
        return message(f"recipe.device.mps_{suffix}", precision=precision)
    threads = int(found["threads"].replace(",", ""))
    made = message(f"recipe.device.cpu_{'one_' if threads == 1 else ''}{suffix}", threads=threads, precision=precision)
    return made if str(made) == label else label  # e.g. '1 threads', which no run wrote: show it as recorded


# ---------------------------------------------------------------------------- parsing (pure functions, tested on recorded outputs)
def parse_visible_devices(value: str) -> list[str]:
    """The entries of a ``CUDA_VISIBLE_DEVICES`` value as CUDA reads them: indices, ``GPU-…`` or ``MIG-…`` UUIDs.

    CUDA ignores everything from the first entry it cannot read (``-1``, ``NoDevFiles``, a typo), so an empty or
    ``-1`` value hides every GPU; a repeated entry counts once.
    """
    entries: list[str] = []
    for raw in value.split(","):
        entry = raw.strip()
        if not (entry.isdigit() or _UUID_ENTRY.match(entry)):
            break
        if entry not in entries:
            entries.append(entry)
    return entries


def parse_smi_list(lines: list[str]) -> list[SmiGpu]:
    """The GPUs (and MIG slices under them) in the output of ``nvidia-smi -L``.

    ``GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-…)`` lines, each followed by its ``MIG 3g.20gb Device 0: (UUID: MIG-…)``
    lines when MIG is on; anything else (a driver error message) is ignored.
    """
    gpus: list[SmiGpu] = []
    for line in (raw.strip() for raw in lines):
        if m := _SMI_GPU.match(line):
            gpus.append(SmiGpu(int(m[1]), m[2].strip(), m[3] or ""))
        elif (m := _SMI_MIG.match(line)) and gpus:
            last = gpus[-1]
            gpus[-1] = SmiGpu(last.index, last.name, last.uuid, (*last.migs, (m[1], m[3])), mig_enabled=True)
    return gpus


def parse_smi_query(lines: list[str]) -> dict[int, bool]:
    """GPU index → MIG mode on, from ``nvidia-smi --query-gpu=index,mig.mode.current --format=csv,noheader``.

    A GPU without MIG answers ``[N/A]`` (or ``Disabled``); unreadable lines (an old driver without the field) are skipped.
    """
    modes: dict[int, bool] = {}
    for line in lines:
        fields = [f.strip() for f in line.split(",")]
        if len(fields) >= 2 and fields[0].isdigit():
            modes[int(fields[0])] = fields[-1].lower() == "enabled"
    return modes


def smi_devices(list_lines: list[str], query_lines: list[str] | None = None) -> list[Gpu]:
    """The devices runs can use on a machine whose ``nvidia-smi -L`` (and MIG-mode query) printed these lines.

    A GPU in MIG mode is not usable whole: each of its MIG slices is a device of its own (selected by its UUID), and
    with MIG on but no slice created it offers none.  Devices are numbered 0, 1, … in nvidia-smi's order, so
    without MIG Tuneboard's numbers are nvidia-smi's.
    """
    modes = parse_smi_query(query_lines or [])
    found: list[tuple[str, str]] = []
    for gpu in parse_smi_list(list_lines):
        if gpu.migs or modes.get(gpu.index):
            found += [(uuid, f"{gpu.name} MIG {profile}") for profile, uuid in gpu.migs]
        else:
            found.append((str(gpu.index), gpu.name))
    return [Gpu(i, visible, name) for i, (visible, name) in enumerate(found)]


def visible_gpus(entries: list[str], smi_gpus: list[SmiGpu]) -> list[Gpu]:
    """The devices a ``CUDA_VISIBLE_DEVICES`` list selects, named from nvidia-smi where it can tell.

    Entries that are all indices keep them as Tuneboard's numbers (``2,3`` → GPUs 2 and 3, as nvidia-smi numbers them);
    a list with UUIDs is numbered by position, since a UUID has no number.  Either way a child process is given back
    the entry itself.
    """
    numbered = all(e.isdigit() for e in entries)
    return [Gpu(int(e) if numbered else i, e, _smi_name(e, smi_gpus)) for i, e in enumerate(entries)]


def _smi_name(entry: str, smi_gpus: list[SmiGpu]) -> str:
    for gpu in smi_gpus:
        if (entry.isdigit() and int(entry) == gpu.index) or (entry.startswith("GPU-") and gpu.uuid.startswith(entry)):
            return gpu.name
        for profile, uuid in gpu.migs:
            if entry.startswith("MIG-") and uuid.startswith(entry):
                return f"{gpu.name} MIG {profile}"
    return ""


# ---------------------------------------------------------------------------- this machine
def gpu_table() -> list[Gpu]:
    """The GPUs runs may use here: ``TUNEBOARD_GPUS`` (tests), else ``CUDA_VISIBLE_DEVICES``, else ``nvidia-smi``.

    No ``nvidia-smi`` (or one that fails: no driver) means no GPU.  A ``CUDA_VISIBLE_DEVICES`` set by the user is
    trusted as CUDA would read it, nvidia-smi only naming the devices.
    """
    override = os.environ.get("TUNEBOARD_GPUS")
    if override is not None:
        return [Gpu(int(x), x.strip()) for x in override.split(",") if x.strip().isdigit()]
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        entries = parse_visible_devices(visible)
        return visible_gpus(entries, parse_smi_list(_nvidia_smi("-L"))) if entries else []
    listing = _nvidia_smi("-L")
    if not listing:
        return []
    return smi_devices(listing, _nvidia_smi("--query-gpu=index,mig.mode.current", "--format=csv,noheader"))


def available_gpus() -> list[int]:
    """Tuneboard numbers of the GPUs this machine offers (see :func:`gpu_table`)."""
    return [g.id for g in gpu_table()]


def visible_devices_value(gpu_ids: list[int]) -> str:
    """The ``CUDA_VISIBLE_DEVICES`` value that shows a child process exactly these GPUs (UUIDs where needed)."""
    table = {g.id: g.visible for g in gpu_table()}
    return ",".join(table.get(g, str(g)) for g in gpu_ids)


def process_cuda_index(gpu_id: int) -> int | None:
    """The ``N`` of ``cuda:N`` under which *this* process reaches GPU ``gpu_id``; None when it cannot (use the CPU).

    With ``CUDA_VISIBLE_DEVICES`` set, CUDA numbers the listed devices 0, 1, …; without it, whole GPUs keep
    nvidia-smi's index (given ``CUDA_DEVICE_ORDER=PCI_BUS_ID`` before CUDA starts), while a MIG slice cannot be picked
    by index at all.
    """
    table = gpu_table()
    gpu = next((g for g in table if g.id == gpu_id), None)
    if gpu is None:
        return None
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        entries = parse_visible_devices(visible)
        return entries.index(gpu.visible) if gpu.visible in entries else None
    if gpu.visible.isdigit() and not any(g.mig for g in table):
        return int(gpu.visible)
    return None


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
    """The non-empty output lines of ``nvidia-smi ARGS`` (kept a few seconds); none when it is missing or fails."""
    cached = _smi_cache.get(args)
    if cached and time.monotonic() - cached[0] < _SMI_TTL_S:
        return cached[1]
    lines: list[str] = []
    if shutil.which("nvidia-smi"):
        try:
            proc = subprocess.run(["nvidia-smi", *args], capture_output=True, text=True, timeout=10)
            # A failing nvidia-smi (no driver loaded) prints its complaint on stdout: it lists no GPU.
            lines = [line.strip() for line in proc.stdout.splitlines() if line.strip()] if proc.returncode == 0 else []
        except (OSError, subprocess.SubprocessError):
            lines = []
    _smi_cache[args] = (time.monotonic(), lines)
    return lines


def detect() -> Hardware:
    """Probe the machine (CUDA_VISIBLE_DEVICES / nvidia-smi for CUDA; Apple silicon for MPS)."""
    table = gpu_table()
    return Hardware(gpus=[g.id for g in table], gpu_names=[g.name for g in table if g.name], mps=has_mps())
