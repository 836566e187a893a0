"""One training run from stored config to final metrics, as the worker process runs it.

Owns :func:`train_run` (the whole flow: load the stored dataset → seeded stratified split → tokenise once → model
(+ freezing / PEFT) → Trainer with length-grouped batches and dynamic padding → test predictions, report, model),
:func:`prepare` (data, tokens and model for a config), the worker's process settings (:func:`configure_process`:
CPU threads, allocator) and what a run records about where it ran (:func:`versions`, :func:`device_description`).
Called only inside the worker process (``python -m core.worker RUN_ID``); torch is imported inside the functions.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core import paths, store
from core.config import RunConfig
from core.data import library as datasets
from core.tasks import PAIR_COLUMN, REGRESSION_LABEL, Task, distinct_labels, label_matrix, task_of
from core.text import plural
from core.train import models, tokencache
from core.train.batching import EncodedSplit
from core.train.callback import StopRequested, make_callback
from core.train.tracking import Tracker
from core.train.trainer import PerfOptions, Prepared, build_trainer, precision_description

log = logging.getLogger("tuneboard.training")


def label_targets(frame: pd.DataFrame, task: Task, labels: list[str],
                  target_scale: tuple[float, float] | None = None) -> np.ndarray:
    """What the loss compares the model's outputs with: class ids, 0/1 rows per label, or standardised numbers."""
    if task.multi_label:
        return label_matrix(frame["label"], labels)
    if task.regression:
        mean, sd = target_scale or (0.0, 1.0)
        return ((frame["label"].astype(float).to_numpy() - mean) / sd).astype(np.float32)
    label_ids = {label: i for i, label in enumerate(labels)}
    return frame["label"].map(label_ids).to_numpy(dtype=np.int64)


def _encode_frame(tokenizer: Any, frame: pd.DataFrame, targets: np.ndarray, max_length: int, *,
                  use_cache: bool) -> EncodedSplit:
    pairs = frame[PAIR_COLUMN].astype(str).tolist() if PAIR_COLUMN in frame.columns else None
    tokens = tokencache.encode(tokenizer, frame["text"].astype(str).tolist(), max_length, use_cache=use_cache,
                               pairs=pairs)
    return EncodedSplit(tokens, targets)


def task_labels(df: pd.DataFrame, task: Task) -> list[str]:
    """The model's outputs, in order: the classes (each label for multi-label), or the one score of a regression."""
    if task.regression:
        return [REGRESSION_LABEL]
    if task.multi_label:
        return distinct_labels(df["label"])
    return sorted(df["label"].unique().tolist())


def target_scale_of(train: pd.DataFrame) -> tuple[float, float]:
    """Mean and sd of the training targets: MSE on standardised targets trains alike for 0–5 scores and for prices."""
    values = train["label"].astype(float).to_numpy()
    sd = float(values.std()) if len(values) > 1 else 1.0
    return float(values.mean()), sd if sd > 1e-12 else 1.0


def prepare(config: RunConfig, perf: PerfOptions | None = None) -> Prepared:
    """Load data, split it, tokenise it once (cached) and build the model."""
    from core.data.splits import split_frame

    perf = perf or PerfOptions.from_env()
    task = task_of(datasets.require(config.dataset_id))
    df = datasets.load_frame(config.dataset_id)
    df["label"] = df["label"].astype(float) if task.regression else df["label"].fillna("").astype(str)
    frames = split_frame(df, test_size=config.test_size, validation_size=config.validation_size, seed=config.seed,
                         task=task)
    if task.ner:  # sentences of words → sub-token windows and a token classifier (core.train.ner_run)
        from core.train.ner_run import prepare_ner

        return prepare_ner(config, frames, task)
    labels = task_labels(df, task)
    scale = target_scale_of(frames["train"]) if task.regression else None
    source = config.model
    tokenizer = models.load_tokenizer(source, trust_remote_code=config.trust_remote_code)
    encoded = {
        name: _encode_frame(tokenizer, frame, label_targets(frame, task, labels, scale), config.max_length,
                            use_cache=perf.token_cache)
        for name, frame in frames.items()
    }
    # Evaluation batches are cheapest when similar lengths sit together (less padding).
    encoded["validation"] = encoded["validation"].sorted_by_length()
    model = models.load_classifier(source, labels, trust_remote_code=config.trust_remote_code,
                                   problem_type=task.problem_type)
    from core.train.adapters import apply_freezing, apply_peft

    apply_freezing(model, config)
    model, is_peft = apply_peft(model, config)
    log.info("task %s; split sizes: %s; labels: %s", task.key, {k: len(v) for k, v in frames.items()}, labels)
    return Prepared(config, labels, frames, encoded, tokenizer, model, is_peft, task=task, target_scale=scale)


def versions() -> dict[str, str]:
    """Library versions recorded with each run (reproducibility)."""
    import platform

    import peft
    import sklearn
    import torch
    import transformers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "scikit-learn": sklearn.__version__,
    }


def device_description() -> str:
    """Human-readable description of the device this process trains on."""
    import torch

    if torch.cuda.is_available():
        names = {torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())}
        return f"{torch.cuda.device_count()} × CUDA GPU ({', '.join(sorted(names))})"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "Apple MPS"
    return f"CPU ({plural(torch.get_num_threads(), 'thread')})"


def set_cpu_threads() -> None:
    """One intra-op thread per core this run may use: all cores, shared out between concurrent CPU runs.

    Two runs each using every core make OpenMP threads spin against each other, which on a 2-core
    machine slows both several-fold; ``TUNEBOARD_CPU_SLOTS`` runs share the cores instead.
    ``OMP_NUM_THREADS`` set by the user wins.
    """
    import torch

    if not os.environ.get("OMP_NUM_THREADS"):
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        slots = max(1, int(os.environ.get("TUNEBOARD_CPU_SLOTS", "1") or 1))
        torch.set_num_threads(max(1, cores // slots))


def tune_allocator() -> bool:
    """glibc only: serve big tensors from the heap and keep freed memory, instead of mmap/munmap each time.

    Every training step frees and re-allocates the gradients (the word-embedding gradient alone is
    47 MB for MiniLM); with glibc's defaults each of those is a fresh mmap whose pages fault in again
    (~19,000 page faults and tens of ms of kernel time per step).  Keeping the memory makes that 0.
    The process holds on to its peak heap until it exits, which a worker process does after its run.
    Returns whether the setting was applied.
    """
    import ctypes
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_max = -1, -4
    return bool(libc.mallopt(m_mmap_max, 0)) and bool(libc.mallopt(m_trim_threshold, 2**31 - 1))


def configure_process(perf: PerfOptions | None = None) -> None:
    """Process-wide settings of a training worker (threads, allocator); call before training."""
    perf = perf or PerfOptions.from_env()
    set_cpu_threads()
    if perf.allocator:
        tune_allocator()


def train_run(run_id: str, stop: StopRequested) -> str:
    """Train run ``run_id`` to the end; returns the final status ("completed" or "stopped")."""
    run = store.require_run(run_id)
    config = RunConfig.from_dict(run.config)
    run_dir = paths.run_dir(run_id)
    perf = PerfOptions.from_env()
    configure_process(perf)
    store.update_run(run_id, progress={"phase": "loading model and data"})
    prep = prepare(config, perf)
    from core.evaluate.efficiency import count_parameters

    params = count_parameters(prep.model)
    store.update_run(
        run_id,
        info={
            **run.info,
            "versions": versions(),
            "device": f"{device_description()}, {precision_description(config)}",
            "parameters": params,
            # NER: the entity types (the model's BIO tags are in its config); other kinds: the model's outputs
            "labels": sorted({tag[2:] for tag in prep.labels if tag != "O"}) if prep.task.ner else prep.labels,
            "task": prep.task.to_dict(),
            "split_sizes": {k: len(v) for k, v in prep.frames.items()},
        },
    )
    log.info(
        "parameters: %s total, %s trainable",
        f"{params['total']:,}",
        f"{params['trainable']:,}",
    )
    callback = make_callback(run_id, stop, config.effective_batch_size)
    trainer = build_trainer(prep, run_dir, callback, perf)
    resume = config.resume_from or None
    step = None
    if resume:
        step = json.loads((Path(resume) / "trainer_state.json").read_text()).get("global_step", 0)
        store.drop_metric_points_after(run_id, step)
        log.info("resuming from %s (step %d)", resume, step)
    tracker = Tracker.start(run_id, config, resume_step=step)  # TensorBoard, MLflow (rank 0; never fails the run)
    trainer.add_callback(tracker.callback())
    status = "failed"
    try:
        status = _train_and_finish(run_id, prep, trainer, callback, run_dir, resume, tracker)
    finally:
        tracker.close(status)
    return status


def _train_and_finish(run_id: str, prep: Prepared, trainer: Any, callback: Any, run_dir: Path, resume: str | None,
                      tracker: Tracker) -> str:
    """Train, then (rank 0) evaluate, save and report; returns the final status."""
    started = time.time()
    trainer.train(resume_from_checkpoint=resume)
    train_seconds = time.time() - started
    if callback.stopped_by_user:
        log.info("stopped by the user at step %d", trainer.state.global_step)
        return "stopped"
    if int(os.environ.get("RANK", "0")) != 0:  # with DDP, rank 0 alone evaluates and saves
        return "completed"
    if prep.task == Task():
        from core.train.finish import finish_run
    elif prep.task.ner:
        from core.train.finish_ner import finish_ner_run as finish_run
    else:  # multi-label, regression and pairs end without the checks that perturb or featurise one text
        from core.train.finish_tasks import finish_task_run as finish_run
    final = finish_run(prep, trainer, run_id, run_dir, train_seconds)
    store.update_run(run_id, final_metrics=final)
    tracker.log_final(final, trainer.state.global_step)
    log.info("final test metrics: %s", json.dumps({k: round(v, 4) for k, v in final.items()}))
    return "completed"
