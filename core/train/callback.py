"""The live link between a training run and the store: progress, losses, validation metrics and stop requests.

Owns :class:`StopRequested` (the in-process event the worker's heartbeat sets when the user asks a run to stop) and
:func:`make_callback`, the `transformers.TrainerCallback` that writes the run's progress (step, epoch, speed, time
left, GPU memory) and its metric points into the store and stops training, keeping a checkpoint, on a stop request —
on every rank at the same step when several processes train (:func:`stop_agreed`).
transformers and torch are imported inside the functions.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from typing import Any

from core import store

log = logging.getLogger("tuneboard.training")


class StopRequested(threading.Event):
    """Set by the heartbeat thread when the user asked the run to stop."""


def reset_gpu_memory_peaks() -> None:
    """Start the GPU memory peaks at training start (model loading and earlier attempts do not count)."""
    import torch

    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for index in range(torch.cuda.device_count()):
            torch.cuda.reset_peak_memory_stats(index)


def gpu_memory() -> dict[str, Any]:
    """Peak GPU memory *reserved* since training began, per GPU this process uses, for the run's progress.

    Reserved, not allocated: the caching allocator's reserve is what the GPU cannot give anyone else (close to what
    nvidia-smi shows, less the CUDA context).  ``gpu_mem_gb`` is the largest, ``gpu_mem_by_device`` has each (keyed by
    the CUDA_VISIBLE_DEVICES entry, i.e. the scheduler's GPU number or a MIG UUID).  Only rank 0 writes progress and
    its allocator knows its own GPU only, so in a multi-process run the figures are rank 0's (``gpu_mem_scope``).
    Empty when CUDA is not in use.
    """
    import torch

    if not (torch.cuda.is_available() and torch.cuda.is_initialized()):
        return {}
    names = [e.strip() for e in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if e.strip()]
    per_device = {}
    for index in range(torch.cuda.device_count()):
        reserved = torch.cuda.max_memory_reserved(index)
        if reserved:  # devices this process never allocated on (other ranks' GPUs) stay out
            per_device[names[index] if index < len(names) else str(index)] = round(reserved / 1e9, 3)
    if not per_device:
        return {}
    out: dict[str, Any] = {"gpu_mem_gb": max(per_device.values()), "gpu_mem_by_device": per_device}
    world = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if world > 1:
        out["gpu_mem_scope"] = f"rank 0 of {world} processes"
    return out


def stop_agreed(requested: bool, device: Any = None) -> bool:
    """Whether any rank was asked to stop: one all-reduce (MAX) of a flag when several processes train, else as is.

    Only rank 0 reads the stop request; if it alone stopped, it would enter the checkpoint save (which begins with a
    collective) while the other ranks wait in the next step's gradient all-reduce: a hang.  Agreeing every step makes
    all ranks stop, and save, at the same step.
    """
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() <= 1:
        return requested
    import torch

    flag = torch.tensor([1.0 if requested else 0.0], device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item() > 0)


def log_metrics(logs: dict[str, Any]) -> list[tuple[str, str, float]]:
    """The metric points in one of the Trainer's log dicts, as ``(split, name, value)``: the training loss, learning
    rate and gradient norm ("train"), and the validation scores ("validation", ``eval_`` dropped; timings left out).
    Non-numbers and non-finite values are left out.  Shared by the store's callback and the trackers (core.train.tracking).
    """
    points = []
    for key, value in logs.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            continue
        if key.startswith("eval_"):
            name = key[5:]
            if name not in {"runtime", "samples_per_second", "steps_per_second"}:
                points.append(("validation", name, float(value)))
        elif key in {"loss", "learning_rate", "grad_norm"}:
            points.append(("train", key, float(value)))
    return points


def _inject_test_faults(batch_size: int) -> None:
    """Faults the tests ask for through the environment (it travels with local and Ray jobs alike).

    ``TUNEBOARD_INJECT_OOM=N``: batches above N "run out of memory" (``TUNEBOARD_INJECT_OOM_RANK``: on that rank only).
    ``TUNEBOARD_INJECT_STEP_SECONDS=S``: every step lasts at least S seconds more, so a test that acts while a run
    trains does not race a tiny model that would otherwise finish first.
    """
    rank = os.environ.get("RANK", "0")
    if os.environ.get("TUNEBOARD_INJECT_OOM") and batch_size > int(os.environ["TUNEBOARD_INJECT_OOM"]) and \
            os.environ.get("TUNEBOARD_INJECT_OOM_RANK", rank) == rank:
        raise MemoryError("injected out-of-memory for tests")
    if os.environ.get("TUNEBOARD_INJECT_STEP_SECONDS"):
        time.sleep(float(os.environ["TUNEBOARD_INJECT_STEP_SECONDS"]))


def make_callback(run_id: str, stop: StopRequested, total_samples_per_step: int) -> Any:
    """A `TrainerCallback` streaming run ``run_id``'s progress and metrics into the store and honouring ``stop``.

    ``total_samples_per_step`` (the effective batch size) turns steps per second into samples per second.
    """
    from transformers import TrainerCallback

    class StoreCallback(TrainerCallback):
        """Writes losses, evaluation metrics and progress into the store; honours stop requests."""

        def __init__(self) -> None:
            self.started = time.time()
            self.last_progress = 0.0
            self.stopped_by_user = False

        def on_train_begin(self, args, state, control, **kwargs):
            self.started = time.time()
            self.first_step = state.global_step
            reset_gpu_memory_peaks()

        def on_step_end(self, args, state, control, **kwargs):
            _inject_test_faults(args.per_device_train_batch_size)
            now = time.time()
            if state.is_world_process_zero and (now - self.last_progress > 0.5 or state.global_step == state.max_steps):
                self.last_progress = now
                done = state.global_step - self.first_step
                elapsed = now - self.started
                rate = done / elapsed if elapsed > 0 else 0.0
                remaining = (state.max_steps - state.global_step) / rate if rate > 0 else None
                store.update_run(
                    run_id,
                    progress={
                        "step": state.global_step,
                        "total_steps": state.max_steps,
                        "epoch": state.epoch,
                        "elapsed_s": elapsed,
                        "eta_s": remaining,
                        "steps_per_s": rate,
                        "samples_per_s": rate * total_samples_per_step,
                        "phase": "training",
                        **gpu_memory(),
                    },
                )
            if stop_agreed(stop.is_set(), args.device):
                self.stopped_by_user = True
                control.should_save = True  # keep a checkpoint to resume from
                control.should_training_stop = True
            return control

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs:
                return
            points = [(state.global_step, state.epoch, split, name, value) for split, name, value in log_metrics(logs)]
            store.add_metric_points(run_id, points)
            if "loss" in logs:
                log.info(
                    "step %d/%d epoch %.2f loss %.4f",
                    state.global_step,
                    state.max_steps,
                    state.epoch or 0,
                    logs["loss"],
                )
            elif "eval_loss" in logs:
                log.info(
                    "validation at step %d: %s",
                    state.global_step,
                    {k: round(v, 4) for k, v in logs.items() if isinstance(v, float)},
                )

    return StoreCallback()
