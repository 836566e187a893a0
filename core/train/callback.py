"""The live link between a training run and the store: progress, losses, validation metrics and stop requests.

Owns :class:`StopRequested` (the in-process event the worker's heartbeat sets when the user asks a run to stop) and
:func:`make_callback`, the `transformers.TrainerCallback` that writes the run's progress (step, epoch, speed, time
left, GPU memory) and its metric points into the store and stops training, keeping a checkpoint, on a stop request.
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


def _gpu_memory_gb() -> float | None:
    import torch

    return torch.cuda.max_memory_allocated() / 1e9 if torch.cuda.is_available() else None


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

        def on_step_end(self, args, state, control, **kwargs):
            if os.environ.get("TUNEBOARD_INJECT_OOM") and args.per_device_train_batch_size > int(
                os.environ["TUNEBOARD_INJECT_OOM"]
            ):
                raise MemoryError("injected out-of-memory for tests")
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
                        "gpu_mem_gb": _gpu_memory_gb(),
                    },
                )
            if stop.is_set():
                self.stopped_by_user = True
                control.should_save = True  # keep a checkpoint to resume from
                control.should_training_stop = True
            return control

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs:
                return
            points = []
            for key, value in logs.items():
                if not isinstance(value, int | float) or not math.isfinite(value):
                    continue
                if key.startswith("eval_"):
                    name = key[5:]
                    if name in {"runtime", "samples_per_second", "steps_per_second"}:
                        continue
                    points.append((state.global_step, state.epoch, "validation", name, value))
                elif key in {"loss", "learning_rate", "grad_norm"}:
                    points.append((state.global_step, state.epoch, "train", key, value))
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
