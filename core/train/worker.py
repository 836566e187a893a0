"""The training worker: ``python -m core.worker RUN_ID``.

Started by the scheduler in its own session (process group), so closing the browser, refreshing,
or restarting the UI never touches it.  It owns the run while it lives: it writes a heartbeat,
honours stop requests, retries once per halving of the batch on out-of-memory, and always leaves
the run in a final state with one plain sentence in ``error`` and the traceback in ``train.log``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import traceback

from core import paths, store
from core.config import RunConfig
from core.errors import TuneboardError
from core.train.callback import StopRequested
from core.train.run import train_run

log = logging.getLogger("tuneboard.worker")
HEARTBEAT_S = 2.0


def _setup_logging(run_id: str) -> None:
    run_dir = paths.run_dir(run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(run_dir / "train.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for noisy in ("httpx", "urllib3", "filelock", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _heartbeat(run_id: str, stop: StopRequested, done: threading.Event) -> None:
    """Beat every few seconds and turn a stop request in the store into the in-process event."""
    while not done.wait(HEARTBEAT_S):
        try:
            store.update_run(run_id, heartbeat_at=time.time())
            run = store.get_run(run_id)
            if run is None or run.stop_requested_at:
                stop.set()
        except Exception:
            log.warning("heartbeat failed", exc_info=True)


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA/MPS out-of-memory or host MemoryError."""
    if isinstance(exc, MemoryError):
        return True
    name = type(exc).__name__
    return name == "OutOfMemoryError" or "out of memory" in str(exc).lower()


def explain(exc: BaseException) -> str:
    """One plain sentence for an exception that ended a run."""
    if isinstance(exc, TuneboardError):
        return str(exc)
    if is_out_of_memory(exc):
        return (
            "The run ran out of memory even with a batch size of 1; lower max_length, "
            "use LoRA or a smaller model, or free the GPU."
        )
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"Training failed with {type(exc).__name__}: {first} (the full traceback is in the run's log)."


def _halve_batch(run_id: str, exc: BaseException) -> bool:
    """After an out-of-memory error, halve the batch (keeping the effective batch); False at batch 1."""
    run = store.require_run(run_id)
    config = RunConfig.from_dict(run.config)
    if config.batch_size <= 1:
        return False
    smaller = config.replace(
        batch_size=config.batch_size // 2,
        gradient_accumulation=config.gradient_accumulation * 2,
        resume_from="",
    )
    retries = [*run.info.get("oom_retries", []), {"from_batch_size": config.batch_size, "to_batch_size": smaller.batch_size}]
    log.warning(
        "out of memory (%s); retrying with batch size %d and gradient accumulation %d",
        type(exc).__name__,
        smaller.batch_size,
        smaller.gradient_accumulation,
    )
    store.drop_metric_points_after(run_id, -1)
    store.update_run(run_id, config=smaller.to_dict(), info={**run.info, "oom_retries": retries})
    _free_accelerator_memory()
    return True


def _free_accelerator_memory() -> None:
    import gc

    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except Exception:
        pass


def main(run_id: str) -> int:
    """Run the worker for ``run_id``; returns the process exit code."""
    _setup_logging(run_id)
    if os.environ.get("LOCAL_RANK", "0") != "0":  # DDP helpers train but never own the run's state
        return _train_quietly(run_id)
    stop, done = StopRequested(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # first SIGTERM = polite stop
    store.update_run(run_id, pid=os.getpid(), heartbeat_at=time.time())
    threading.Thread(target=_heartbeat, args=(run_id, stop, done), daemon=True).start()
    log.info("worker %d started for run %s", os.getpid(), run_id)
    try:
        while True:
            try:
                status = train_run(run_id, stop)
                break
            except BaseException as exc:
                if is_out_of_memory(exc) and _halve_batch(run_id, exc):
                    continue
                raise
        store.transition(run_id, ["running"], status, finished_at=time.time(), error=None)
        log.info("run %s", status)
        return 0
    except BaseException as exc:
        log.error("run failed:\n%s", traceback.format_exc())
        store.transition(run_id, ["running"], "failed", finished_at=time.time(), error=explain(exc))
        return 1
    finally:
        done.set()


def _train_quietly(run_id: str) -> int:
    train_run(run_id, StopRequested())
    return 0
