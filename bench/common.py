"""Shared pieces of the benchmarks: data, memory and CPU-contention measurement, tables, results.

Every benchmark prints a table and writes ``bench/results/<name>.json`` (git-ignored).  Numbers
measured while other processes used the CPU are flagged (column ``other CPU``): on a small
shared machine a busy neighbour slows a run several-fold, so check that column before quoting.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "bench" / "results"
SST2_TRAIN = SHARED / "sst2" / "train.csv"
SST2_DEV = SHARED / "sst2" / "validation.csv"
BUILTIN = "all-MiniLM-L6-v2"
TINY = "tiny-random-bert"


# ---------------------------------------------------------------------------- data
def sst2_train(rows: int, seed: int = 0, *, exclude: int = 0) -> Any:
    """``rows`` random SST-2 training rows (seeded); ``exclude`` skips the first rows of that same order."""
    import pandas as pd

    df = pd.read_csv(SST2_TRAIN)
    return df.sample(frac=1.0, random_state=seed).iloc[exclude : exclude + rows].reset_index(drop=True)


def sst2_dev(rows: int | None = None) -> Any:
    """The SST-2 validation set (872 rows), or its first ``rows``."""
    import pandas as pd

    df = pd.read_csv(SST2_DEV)
    return df if rows is None else df.head(rows).reset_index(drop=True)


# ---------------------------------------------------------------------------- measurement
def rss_mb() -> float:
    """Resident memory of this process now, in MB."""
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def max_rss_mb() -> float:
    """The high-water resident memory of this process since it started, in MB (Linux: ru_maxrss is KB)."""
    scale = 1 if platform.system() == "Darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


class PeakMemory:
    """Samples this process's RSS every ``interval`` s in a thread; ``peak_mb`` is the highest seen."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self.start_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> PeakMemory:
        self.start_mb = self.peak_mb = rss_mb()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.peak_mb = max(self.peak_mb, rss_mb())


def _cpu_jiffies() -> tuple[int, int] | None:
    try:
        with open("/proc/stat") as handle:
            values = [int(v) for v in handle.readline().split()[1:9]]
    except OSError:
        return None
    return sum(values), values[3] + values[4]  # total, idle + iowait


class CpuMonitor:
    """Share of the machine's CPU used by *other* processes while the block ran (Linux; else None)."""

    def __init__(self) -> None:
        self.other_share: float | None = None

    def __enter__(self) -> CpuMonitor:
        self._start = _cpu_jiffies()
        self._own = _own_cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        end = _cpu_jiffies()
        if self._start is None or end is None:
            return
        total = end[0] - self._start[0]
        busy = total - (end[1] - self._start[1])
        own = (_own_cpu_seconds() - self._own) * os.sysconf("SC_CLK_TCK")
        self.other_share = max(0.0, min(1.0, (busy - own) / total)) if total > 0 else 0.0


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def wait_for_quiet(max_wait: float = 120.0, idle_share: float = 0.9, window: float = 2.0) -> float | None:
    """Wait (at most ``max_wait`` s) until the CPU is ≥ ``idle_share`` idle over ``window`` s; returns the last idle share."""
    deadline = time.time() + max_wait
    idle = None
    while True:
        start = _cpu_jiffies()
        if start is None:
            return None
        time.sleep(window)
        end = _cpu_jiffies()
        total = end[0] - start[0]
        idle = (end[1] - start[1]) / total if total else 1.0
        if idle >= idle_share or time.time() >= deadline:
            return idle


def matmul_gflops(m: int = 2048, k: int = 384, n: int = 1536, repeats: int = 20, device: str = "cpu", dtype: Any = None) -> float:
    """Measured rate of one ``m×k @ k×n`` matmul in GFLOP/s (median of ``repeats``), in this process."""
    import torch

    dtype = dtype or torch.float32
    a = torch.randn(m, k, device=device, dtype=dtype)
    b = torch.randn(k, n, device=device, dtype=dtype)
    times = []
    for i in range(repeats + 3):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        started = time.perf_counter()
        a @ b
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        if i >= 3:
            times.append(time.perf_counter() - started)
    times.sort()
    return 2 * m * k * n / times[len(times) // 2] / 1e9


def encoder_matmul_params(model: Any) -> int:
    """Weights of the per-token matmuls (every nn.Linear except the per-text pooler/classifier heads)."""
    import torch

    skip = ("classifier", "pooler", "score", "pre_classifier")
    return sum(
        module.weight.numel()
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and not any(part in skip for part in name.split("."))
    )


def training_flops(lengths: Sequence[int], model: Any) -> float:
    """Useful FLOPs of one training pass (forward + backward) over texts with these real token counts.

    Per token: 6 × the encoder matmul weights, plus attention scores and weighted sums
    (2 × 2 × L × hidden per layer forward, × 3 with the backward).  Padding is not useful work.
    """
    config = model.config
    params = encoder_matmul_params(model)
    hidden = getattr(config, "hidden_size", 0)
    layers = getattr(config, "num_hidden_layers", 0)
    total = 0.0
    for n in lengths:
        total += n * (6 * params + 12 * n * hidden * layers)
    return total


# ---------------------------------------------------------------------------- output
def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
    }
    try:
        import transformers

        info["transformers"] = transformers.__version__
    except ImportError:
        pass
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def fmt(value: Any, digits: int = 1) -> str:
    """A table cell."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str, int]]) -> str:
    """A plain-text table: ``columns`` are (key, header, digits)."""
    cells = [[header for _, header, _ in columns]]
    cells += [[fmt(row.get(key), digits) for key, _, digits in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_results(name: str, payload: dict[str, Any], out_dir: Path | None = None) -> Path:
    """Write ``<out_dir or bench/results>/<name>.json`` and return its path."""
    folder = Path(out_dir) if out_dir else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{name}.json"
    payload = {"benchmark": name, "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(), **payload}
    file.write_text(json.dumps(payload, indent=2, default=str))
    return file


# ---------------------------------------------------------------------------- isolation
def run_isolated(module: str, args: list[str], timeout: float = 3600, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m module args --result FILE`` in a fresh process and return the JSON it wrote.

    A fresh process per contender keeps one contender's allocator state, caches and peak memory
    from leaking into the next one's numbers.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tuneboard-bench-") as tmp:
        result = Path(tmp) / "result.json"
        env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
        proc = subprocess.run(
            [sys.executable, "-m", module, *args, "--result", str(result)],
            cwd=ROOT,
            env=env,
            timeout=timeout,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0 or not result.is_file():
            tail = (proc.stderr or proc.stdout)[-3000:]
            raise RuntimeError(f"{module} {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
        return json.loads(result.read_text())


def quiet_hf_logging() -> None:
    """Silence transformers' progress bars and load reports."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        pass


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(fn(), seconds)``."""
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def train_auto(dataset_id: str, seed: int, what: str) -> tuple[Any, Any, float]:
    """Train a stored dataset with the Auto preset through the real queue and worker (what the UI and CLI do) and
    wait for it: ``(finished run, its config, wall seconds)``; RuntimeError naming ``what`` if it did not complete."""
    import time

    from core.config import RunConfig
    from core.jobs import queue as jobs
    from core.store import require_run
    from core.train import recipe

    config, _ = recipe.apply_preset(RunConfig(dataset_id=dataset_id, seed=seed), recipe.AUTO, device_kind="cpu")
    started = time.time()
    run = jobs.submit(config)
    while require_run(run.id).is_active:
        time.sleep(2)
    done = require_run(run.id)
    if done.status != "completed":
        raise RuntimeError(f"{what}: {done.status} {done.error}")
    return done, config, time.time() - started
