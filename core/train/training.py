"""Fine-tuning one run with `transformers.Trainer`, streaming its progress into the store.

Called only inside the worker process (``python -m core.worker RUN_ID``).  The flow:
load the stored dataset → seeded stratified split → tokenise once → model (+ freezing / PEFT)
→ Trainer with length-grouped batches and dynamic padding → test predictions, report, model.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core import paths, store
from core.config import RunConfig
from core.data import library as datasets
from core.evaluate import metrics
from core.serve.inference import pad_ids, pad_side
from core.train import models, tokencache

log = logging.getLogger("tuneboard.training")


class StopRequested(threading.Event):
    """Set by the heartbeat thread when the user asked the run to stop."""


@dataclass
class PerfOptions:
    """Speed-ups of the training path; each can be switched off to measure what it buys.

    ``TUNEBOARD_PERF_OFF=name,name`` switches options off for one process (the benchmark's ablation).
    All keep the model, data, optimizer, schedule and dropout; ``tight_buckets`` changes which texts share a batch,
    so it was checked against dev accuracy over six seeds (BENCHMARKS.md).
    """

    token_cache: bool = True  # tokenise once per dataset + tokenizer + max_length (core.train.tokencache)
    tight_buckets: bool = True  # batches of similar length: sort within chunks of 16 batches, shuffle the batches
    fast_collator: bool = True  # pad a batch with numpy instead of tokenizer.pad
    sequential_eval: bool = True  # validation is sorted by length once; evaluate it in that order
    allocator: bool = True  # glibc: keep freed memory instead of mmap/munmap per step (no page faults)
    lazy_clip: bool = True  # on a CPU: skip clipping's multiply-by-1.0 when the gradient norm is under the limit

    @classmethod
    def from_env(cls) -> PerfOptions:
        off = {name.strip() for name in os.environ.get("TUNEBOARD_PERF_OFF", "").split(",") if name.strip()}
        unknown = off - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ValueError(f"unknown TUNEBOARD_PERF_OFF option(s): {sorted(unknown)}")
        return cls(**{name: False for name in off})


@dataclass
class Prepared:
    """Everything training needs, built from the config."""

    config: RunConfig
    labels: list[str]
    frames: dict[str, pd.DataFrame]
    encoded: dict[str, EncodedSplit]
    tokenizer: Any
    model: Any
    peft_model: bool


# ---------------------------------------------------------------------------- data
class EncodedSplit:
    """Tokenised examples of one split (a map-style dataset): item ``i`` is ``{"input_ids", "labels"}``.

    Token ids live in one flat array (see :class:`core.train.tokencache.TokenizedTexts`); ``order`` maps item
    positions to texts, so sorting by length costs no copy.
    """

    def __init__(self, tokens: tokencache.TokenizedTexts, labels: np.ndarray, order: np.ndarray | None = None) -> None:
        self.tokens = tokens
        self.label_ids = np.asarray(labels, dtype=np.int64)
        self.order = np.arange(len(tokens)) if order is None else np.asarray(order)

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, i: int) -> dict[str, Any]:
        j = int(self.order[i])
        return {"input_ids": self.tokens[j], "labels": int(self.label_ids[j])}

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per item, in item order."""
        return self.tokens.lengths[self.order]

    def sorted_by_length(self) -> EncodedSplit:
        """The same items, shortest first (evaluation batches then pad little)."""
        return EncodedSplit(self.tokens, self.label_ids, self.order[np.argsort(self.lengths, kind="stable")])


class PadCollator:
    """Pads a batch to its longest item (dynamic padding) with numpy; what DataCollatorWithPadding does, faster.

    Pads on ``side`` with :func:`core.serve.inference.pad_ids`, the function inference pads with too.
    """

    def __init__(self, pad_id: int, side: str = "right") -> None:
        self.pad_id = pad_id
        self.side = side

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        ids, mask = pad_ids([f["input_ids"] for f in features], self.pad_id, self.side)
        return {
            "input_ids": torch.from_numpy(ids),
            "attention_mask": torch.from_numpy(mask),
            "labels": torch.tensor([f["labels"] for f in features], dtype=torch.long),
        }


class LengthBucketSampler:
    """Training order with similar lengths in each batch and random batches.

    Every epoch: the ``n % batch_size`` shortest texts (random among equal lengths) make the one
    short batch, which goes last; the rest, in random order, is cut into chunks of ``chunk_batches``
    batches, each chunk stably sorted by length and cut into batches; the batches are shuffled and
    the longest goes first (an out-of-memory error shows at once).

    Sorting only within chunks keeps batches varied: a global sort (every batch one length, the same
    neighbours every epoch) cost 1.1 points of dev accuracy against plain Trainer over six seeds on
    2,000 SST-2 rows; chunks of 16 batches cost none (BENCHMARKS.md).  Padding is ~13 % of the real
    tokens on SST-2 at batch 16, against ~165 % for random batches.
    Randomness comes from torch's global generator, which the Trainer seeds and checkpoints.
    """

    def __init__(self, lengths: np.ndarray, batch_size: int, chunk_batches: int = 16) -> None:
        self.lengths = np.asarray(lengths)
        self.batch_size = max(1, int(batch_size))
        self.chunk_batches = max(1, int(chunk_batches))

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Any:
        import torch

        n, size = len(self.lengths), self.batch_size
        perm = torch.randperm(n).numpy()
        by_length = perm[np.argsort(self.lengths[perm], kind="stable")]
        # The short batch: the shortest texts. np.sort: the chunks then depend only on the next draw, not on tie order.
        tail, rest = by_length[: n % size], np.sort(by_length[n % size :])
        rest = rest[torch.randperm(len(rest)).numpy()]
        step = size * self.chunk_batches
        chunks = [rest[i : i + step] for i in range(0, len(rest), step)]
        ordered = tail
        if chunks:
            full = np.concatenate([c[np.argsort(self.lengths[c], kind="stable")] for c in chunks]).reshape(-1, size)
            groups = full[torch.randperm(len(full)).numpy()]
            longest = int(np.argmax(self.lengths[groups].max(axis=1)))
            groups[[0, longest]] = groups[[longest, 0]]
            ordered = np.concatenate([groups.reshape(-1), tail])
        return iter(ordered.tolist())


def _encode_frame(tokenizer: Any, frame: pd.DataFrame, label_ids: dict[str, int], max_length: int, *, use_cache: bool) -> EncodedSplit:
    tokens = tokencache.encode(tokenizer, frame["text"].astype(str).tolist(), max_length, use_cache=use_cache)
    return EncodedSplit(tokens, frame["label"].map(label_ids).to_numpy(dtype=np.int64))


def prepare(config: RunConfig, perf: PerfOptions | None = None) -> Prepared:
    """Load data, split it, tokenise it once (cached) and build the model."""
    from core.data.splits import split_frame

    perf = perf or PerfOptions.from_env()
    df = datasets.load_frame(config.dataset_id)
    df["label"] = df["label"].astype(str)
    frames = split_frame(
        df,
        test_size=config.test_size,
        validation_size=config.validation_size,
        seed=config.seed,
    )
    labels = sorted(df["label"].unique().tolist())
    label_ids = {label: i for i, label in enumerate(labels)}
    source = config.model
    tokenizer = models.load_tokenizer(source, trust_remote_code=config.trust_remote_code)
    encoded = {
        name: _encode_frame(tokenizer, frame, label_ids, config.max_length, use_cache=perf.token_cache)
        for name, frame in frames.items()
    }
    # Evaluation batches are cheapest when similar lengths sit together (less padding).
    encoded["validation"] = encoded["validation"].sorted_by_length()
    model = models.load_classifier(source, labels, trust_remote_code=config.trust_remote_code)
    from core.train.adapters import apply_freezing, apply_peft

    apply_freezing(model, config)
    model, is_peft = apply_peft(model, config)
    log.info("split sizes: %s; labels: %s", {k: len(v) for k, v in frames.items()}, labels)
    return Prepared(config, labels, frames, encoded, tokenizer, model, is_peft)


# ---------------------------------------------------------------------------- callback
def _gpu_memory_gb() -> float | None:
    import torch

    return torch.cuda.max_memory_allocated() / 1e9 if torch.cuda.is_available() else None


def _make_callback(run_id: str, stop: StopRequested, total_samples_per_step: int) -> Any:
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


# ---------------------------------------------------------------------------- trainer
def _on_cpu(config: RunConfig) -> bool:
    """Whether this run trains on the CPU (asked for, or no GPU/MPS to train on)."""
    import torch

    if config.device == "cpu":
        return True
    mps = getattr(torch.backends, "mps", None)
    return not torch.cuda.is_available() and not (mps and mps.is_available())


def _precision_flags(config: RunConfig) -> dict[str, bool]:
    """TrainingArguments' mixed-precision switches for this run; weights and the saved model stay fp32.

    On a CPU with bf16 matrix instructions ``auto`` means bf16 autocast: training runs ~1.2× (Intel AMX) to ~1.3×
    (AMD Zen 4, AVX-512 bf16) faster end to end with the same dev accuracy (BENCHMARKS.md); other CPUs train in fp32.
    """
    import torch

    from core.devices import cpu_has_bf16_units

    if config.precision == "fp32":
        return {}
    if _on_cpu(config):
        return {"bf16": True} if config.precision == "bf16" or cpu_has_bf16_units() else {}
    if not torch.cuda.is_available():  # MPS: Trainer's own defaults
        return {}
    if config.precision == "fp16":
        return {"fp16": True}
    if config.precision == "bf16" or torch.cuda.is_bf16_supported():
        return {"bf16": True}
    return {"fp16": True}


def precision_description(config: RunConfig) -> str:
    """'bf16 mixed precision', 'fp16 mixed precision' or 'fp32', as this run trains."""
    flags = _precision_flags(config)
    return "bf16 mixed precision" if flags.get("bf16") else "fp16 mixed precision" if flags.get("fp16") else "fp32"


def _logging_steps(n_train: int, config: RunConfig) -> int:
    steps_per_epoch = max(1, math.ceil(n_train / config.effective_batch_size))
    total = config.max_steps or math.ceil(steps_per_epoch * config.epochs)
    return max(1, min(50, total // 100))


def _compute_metrics(labels: list[str]) -> Any:
    def compute(eval_pred: Any) -> dict[str, float]:
        logits, y_true = eval_pred.predictions, eval_pred.label_ids
        if isinstance(logits, tuple):
            logits = logits[0]
        y_pred = np.asarray(logits).argmax(-1)
        return {
            "accuracy": metrics.accuracy_score(y_true, y_pred),
            "f1_macro": metrics.f1_score(y_true, y_pred, average="macro", labels=list(range(len(labels)))),
        }

    return compute


def _class_weight_loss(weights: Any, smoothing: float) -> Any:
    """Class-weighted cross-entropy for ``Trainer(compute_loss_func=...)``: the weighted mean over the whole step.

    The Trainer treats a ``compute_loss_func`` loss as already normalised over all micro-batches of a step and does
    not divide it by the gradient accumulation steps; a per-micro-batch mean would make the loss and the gradients
    k times too large with k accumulation steps.  So each micro-batch returns its *sum* of weighted losses divided by
    ``num_items_in_batch``, which TuneboardTrainer makes the sum of class weights of the step's labels (not their
    count): the micro-batches then add up to exactly what ``cross_entropy(weight=...)`` gives on the full batch.
    """
    import torch

    def loss_fn(outputs: Any, labels: Any, num_items_in_batch: Any = None) -> Any:
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs.logits
        weight = weights.to(logits.device)
        if num_items_in_batch is None:  # a lone batch: its own weighted mean
            return torch.nn.functional.cross_entropy(logits.float(), labels, weight=weight, label_smoothing=smoothing)
        total = torch.nn.functional.cross_entropy(
            logits.float(), labels, weight=weight, label_smoothing=smoothing, reduction="sum"
        )
        return total / num_items_in_batch

    return loss_fn


def class_weight_sum(weights: Any, labels: Any) -> Any:
    """Sum of the class weights of ``labels`` (ignored labels, -100, count 0): the weighted "number of items"."""
    import torch

    labels = labels.to(weights.device)
    valid = labels.ne(-100)
    return torch.where(valid, weights[labels.clamp(min=0)], torch.zeros((), dtype=weights.dtype)).sum()


_TRAINER_CLASS: Any = None


def _trainer_class() -> Any:
    """`transformers.Trainer` with Tuneboard's samplers (built once, on first use: it needs torch)."""
    global _TRAINER_CLASS
    if _TRAINER_CLASS is not None:
        return _TRAINER_CLASS
    from torch.utils.data import SequentialSampler
    from transformers import Trainer

    class TuneboardTrainer(Trainer):
        """Length-bucketed training batches; validation (already sorted by length) evaluated in order."""

        perf = PerfOptions()
        class_weights: Any = None  # set by build_trainer with the class-weighted loss

        def _get_num_items_in_batch(self, batch_samples: list, device: Any) -> Any:
            # With class weights the loss is a weighted mean, so a step's "items" are its summed label weights.
            if self.class_weights is None or self.args.n_gpu > 1 or not batch_samples or "labels" not in batch_samples[0]:
                return super()._get_num_items_in_batch(batch_samples, device)
            total = sum(class_weight_sum(self.class_weights, batch["labels"]) for batch in batch_samples).to(device)
            if self.args.average_tokens_across_devices and self.args.world_size > 1:
                total = self.accelerator.gather(total).sum()  # DDP: every rank divides by the global weight sum
            return total

        def _get_train_sampler(self, train_dataset: Any = None) -> Any:
            dataset = self.train_dataset if train_dataset is None else train_dataset
            if self.perf.tight_buckets and isinstance(dataset, EncodedSplit) and self.args.world_size <= 1:
                return LengthBucketSampler(dataset.lengths, self.args.train_batch_size * self.args.gradient_accumulation_steps)
            return super()._get_train_sampler(train_dataset)

        def _get_eval_sampler(self, eval_dataset: Any) -> Any:
            if self.perf.sequential_eval and isinstance(eval_dataset, EncodedSplit) and self.args.world_size <= 1:
                return SequentialSampler(eval_dataset)
            return super()._get_eval_sampler(eval_dataset)

        def _clip_grad_norm(self, model: Any) -> Any:
            if self.perf.lazy_clip and self.args.world_size <= 1 and _device_of(model).type == "cpu":
                return clip_grad_norm_cpu(model.parameters(), self.args.max_grad_norm)
            return super()._clip_grad_norm(model)

    _TRAINER_CLASS = TuneboardTrainer
    return TuneboardTrainer


def build_trainer(prep: Prepared, run_dir: Path, callback: Any, perf: PerfOptions | None = None) -> Any:
    """A configured `transformers.Trainer` for a prepared run."""
    import torch
    from transformers import (
        DataCollatorWithPadding,
        EarlyStoppingCallback,
        TrainingArguments,
    )

    perf = perf or PerfOptions.from_env()
    c = prep.config
    has_val = len(prep.encoded["validation"]) > 0
    eval_strategy = c.eval_strategy if has_val else "no"
    best = has_val and c.early_stopping_patience > 0
    args = TrainingArguments(
        output_dir=str(run_dir / "checkpoints"),
        num_train_epochs=c.epochs,
        max_steps=c.max_steps or -1,
        per_device_train_batch_size=c.batch_size,
        per_device_eval_batch_size=max(64, c.batch_size * 4),
        gradient_accumulation_steps=c.gradient_accumulation,
        learning_rate=c.learning_rate,
        weight_decay=c.weight_decay,
        warmup_steps=c.warmup_ratio,
        lr_scheduler_type=c.lr_scheduler,
        label_smoothing_factor=0.0 if c.class_weighted_loss else c.label_smoothing,
        seed=c.seed,
        data_seed=c.seed,
        eval_strategy=eval_strategy,
        eval_steps=c.eval_steps if eval_strategy == "steps" else None,
        save_strategy=eval_strategy if eval_strategy != "no" else "epoch",
        save_steps=c.eval_steps if eval_strategy == "steps" else None,
        save_total_limit=2,
        load_best_model_at_end=best,
        metric_for_best_model=("eval_" + c.early_stopping_metric) if best else None,
        greater_is_better=(c.early_stopping_metric != "loss") if best else None,
        logging_strategy="steps",
        logging_steps=_logging_steps(len(prep.encoded["train"]), c),
        train_sampling_strategy="group_by_length",  # similar lengths per batch (TuneboardTrainer tightens it)
        report_to="none",
        disable_tqdm=True,
        use_cpu=_on_cpu(c),
        dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(),  # pinning only helps host→GPU copies
        remove_unused_columns=False,
        **_precision_flags(c),
    )
    callbacks = [callback]
    if best:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=c.early_stopping_patience))
    loss_func = weights = None
    if c.class_weighted_loss:
        counts = prep.frames["train"]["label"].value_counts()
        freq = np.array([counts.get(label, 0) for label in prep.labels], dtype=np.float64)
        weights = torch.tensor(
            len(freq) and freq.sum() / (len(freq) * np.maximum(freq, 1)),
            dtype=torch.float32,
        )
        loss_func = _class_weight_loss(weights, c.label_smoothing)
    if perf.fast_collator:
        collator = PadCollator(prep.tokenizer.pad_token_id or 0, pad_side(prep.tokenizer))
    else:
        collator = DataCollatorWithPadding(prep.tokenizer)
    trainer_class = _trainer_class()
    trainer = trainer_class(
        model=prep.model,
        args=args,
        train_dataset=prep.encoded["train"],
        eval_dataset=prep.encoded["validation"] if has_val else None,
        data_collator=collator,
        processing_class=prep.tokenizer,
        compute_metrics=_compute_metrics(prep.labels),
        callbacks=callbacks,
        compute_loss_func=loss_func,
    )
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # our callback logs; raw dicts on stdout are noise
    trainer.perf = perf
    trainer.class_weights = weights  # the step's weighted item count (TuneboardTrainer._get_num_items_in_batch)
    return trainer


def clip_grad_norm_cpu(parameters: Any, max_norm: float) -> Any:
    """``torch.nn.utils.clip_grad_norm_`` for CPU tensors, skipping the multiply by 1.0 when nothing is clipped.

    torch multiplies every gradient by ``min(1, max_norm / norm)`` on every step to avoid a device sync on GPUs; on a
    CPU there is no sync to avoid, and the norm is under the limit on most steps. Same norm, same gradients.
    """
    import torch

    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norm = torch.nn.utils.get_total_norm(grads, norm_type=2.0)
    coef = max_norm / (float(norm) + 1e-6)  # clip_grad_norm_'s formula
    if coef < 1.0:
        torch._foreach_mul_(grads, coef)
    return norm


# ---------------------------------------------------------------------------- finishing
def _save_model(prep: Prepared, trainer: Any, run_dir: Path) -> Path:
    """Save a plain Hugging Face model folder (merged for LoRA; the adapter next to it)."""
    model_dir = run_dir / "model"
    model = trainer.model
    if prep.peft_model:
        from core.train.adapters import save_peft

        model = save_peft(model, run_dir)
    model.config.id2label = dict(enumerate(prep.labels))
    model.config.label2id = {label: i for i, label in enumerate(prep.labels)}
    model.save_pretrained(model_dir, safe_serialization=True)
    prep.tokenizer.save_pretrained(model_dir)
    return model_dir


def _device_of(model: Any) -> Any:
    return next(model.parameters()).device


def finish(prep: Prepared, trainer: Any, run_id: str, run_dir: Path, train_seconds: float) -> dict[str, Any]:
    """Test predictions, metrics, report and the saved model; returns the final metrics.

    The work, its phases (shown live) and their timings live in :mod:`core.train.finish`.
    """
    from core.train.finish import finish_run

    final, timings = finish_run(prep, trainer, run_id, run_dir, train_seconds, save_model=_save_model)
    run = store.require_run(run_id)
    store.update_run(run_id, info={**run.info, "finish_seconds": {k: round(v, 2) for k, v in timings.items()}})
    return final


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
    return f"CPU ({torch.get_num_threads()} threads)"


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
            "labels": prep.labels,
            "split_sizes": {k: len(v) for k, v in prep.frames.items()},
        },
    )
    log.info(
        "parameters: %s total, %s trainable",
        f"{params['total']:,}",
        f"{params['trainable']:,}",
    )
    callback = _make_callback(run_id, stop, config.effective_batch_size)
    trainer = build_trainer(prep, run_dir, callback, perf)
    resume = config.resume_from or None
    if resume:
        step = json.loads((Path(resume) / "trainer_state.json").read_text()).get("global_step", 0)
        store.drop_metric_points_after(run_id, step)
        log.info("resuming from %s (step %d)", resume, step)
    started = time.time()
    trainer.train(resume_from_checkpoint=resume)
    train_seconds = time.time() - started
    if callback.stopped_by_user:
        log.info("stopped by the user at step %d", trainer.state.global_step)
        return "stopped"
    if int(os.environ.get("RANK", "0")) != 0:  # with DDP, rank 0 alone evaluates and saves
        return "completed"
    final = finish(prep, trainer, run_id, run_dir, train_seconds)
    store.update_run(run_id, final_metrics=final)
    log.info("final test metrics: %s", json.dumps({k: round(v, 4) for k, v in final.items()}))
    return "completed"
