"""Out-of-memory: recognising it, and arranging the retry in a fresh process.

Retrying inside the ``except`` block that caught an out-of-memory error frees nothing: the traceback still holds the
trainer, the model, the activations (and accelerate's wrapped ``forward`` keeps a reference cycle), so such retries
tend to fail all the way down to batch size 1.  Instead the process that ran out of memory halves the run's batch in
the store, leaves :data:`core.errors.OOM_MARKER` in the run folder and exits with :data:`core.errors.OOM_EXIT_CODE`;
the scheduler sees the marker when it reaps the worker (``core.jobs.queue.mark_crashed``) and queues the run again,
so it restarts in a new process with all memory returned.  The marker, not the exit code, carries the news through
``torchrun``, which exits 1 whichever rank failed; creating it exclusively makes sure that when several ranks run
out of memory at once the batch is halved once.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from core import paths, store
from core.config import RunConfig
from core.errors import OOM_MARKER

log = logging.getLogger("tuneboard.worker")

# Lower-case fragments of the messages an out-of-memory error carries.  CUDA's caching allocator says "CUDA out of
# memory", MPS "MPS backend out of memory"; cuBLAS/cuDNN fail handle or workspace allocation with *_ALLOC_FAILED
# (often the first thing to fail when the allocator's cache holds the rest); NCCL wraps the CUDA error
# ("Cuda failure 'out of memory'", "Failed to CUDA calloc ..." in its warnings, cudaErrorMemoryAllocation).
OOM_MESSAGES = (
    "out of memory",
    "cublas_status_alloc_failed",
    "cudnn_status_alloc_failed",
    "cusolver_status_alloc_failed",
    "cudaerrormemoryallocation",
    "failed to cuda calloc",
    "failed to cuda malloc",
    "failed to cuda host alloc",
)


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it was raised from) is a GPU/MPS/NCCL out-of-memory or a host MemoryError."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MemoryError) or type(current).__name__ == "OutOfMemoryError":
            return True
        text = str(current).lower()
        if any(fragment in text for fragment in OOM_MESSAGES):
            return True
        current = current.__cause__ or current.__context__
    return False


def free_accelerator_memory() -> None:
    """Collect garbage and hand the CUDA allocator's cached blocks back (after the failing frames are gone)."""
    import gc

    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except Exception:
        log.debug("could not empty the CUDA cache", exc_info=True)


def marker_path(run_id: str) -> Path:
    """The file a rank that ran out of memory leaves in the run folder."""
    return paths.run_dir(run_id) / OOM_MARKER


def retry_pending(run_id: str) -> bool:
    """Whether some process of this run ran out of memory and the run is to start again with a smaller batch."""
    return marker_path(run_id).exists()


def clear_marker(run_id: str) -> None:
    """Remove a marker left by an earlier attempt (a new attempt starts clean)."""
    marker_path(run_id).unlink(missing_ok=True)


def arrange_retry(run_id: str, exc: BaseException) -> bool:
    """After an out-of-memory error: halve the batch (same effective batch), record it and leave the marker.

    Returns True when the caller should exit with ``OOM_EXIT_CODE`` (this process or another rank arranged the
    retry), False when there is nothing smaller to try (batch size 1): the run then fails with one sentence.
    """
    run = store.require_run(run_id)
    config = RunConfig.from_dict(run.config)
    marker = marker_path(run_id)
    if marker.exists():
        return True  # another rank ran out of memory first and has halved the batch already
    if config.batch_size <= 1:
        return False
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return True
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"rank {os.environ.get('RANK', '0')} pid {os.getpid()}: {type(exc).__name__}\n")
    smaller = config.replace(
        batch_size=config.batch_size // 2,
        gradient_accumulation=config.gradient_accumulation * 2,
        resume_from="",  # the retry starts from scratch: a checkpoint's data order belongs to the old batch size
    )
    retry = {"from_batch_size": config.batch_size, "to_batch_size": smaller.batch_size, "pid": os.getpid()}
    log.warning(
        "out of memory (%s); starting again in a new process with batch size %d and gradient accumulation %d",
        type(exc).__name__,
        smaller.batch_size,
        smaller.gradient_accumulation,
    )
    store.drop_metric_points_after(run_id, -1)
    store.update_run(run_id, config=smaller.to_dict(),
                     info={**run.info, "oom_retries": [*run.info.get("oom_retries", []), retry]})
    return True
