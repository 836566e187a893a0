"""The `transformers.Trainer` of a run: its arguments, precision, loss, metrics, samplers and gradient clipping.

Owns :class:`PerfOptions` (the training path's switchable speed-ups), :class:`Prepared` (what a Trainer is built
from), :func:`build_trainer` and the ``TuneboardTrainer`` subclass it uses (length-bucketed training batches,
in-order validation, a class-weighted loss that stays right under gradient accumulation, cheaper clipping on a CPU),
the precision choice (:func:`choose_precision`, a pure function of device, bf16 hardware and setting) and
:func:`precision_description`.  torch and transformers are imported inside the functions.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.config import RunConfig
from core.evaluate import metrics
from core.tasks import Task
from core.train.batching import EncodedSplit, LengthBucketSampler, PadCollator, pad_side
from core.train.losses import class_weight_loss, class_weight_sum, multi_label_loss
from core.train.ner_data import NerCollator, NerWindows


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
        """The options of this process: all on, except those named in ``TUNEBOARD_PERF_OFF``."""
        off = {name.strip() for name in os.environ.get("TUNEBOARD_PERF_OFF", "").split(",") if name.strip()}
        unknown = off - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ValueError(f"unknown TUNEBOARD_PERF_OFF option(s): {sorted(unknown)}")
        return cls(**{name: False for name in off})


@dataclass
class Prepared:
    """Everything training needs, built from the config (by :func:`core.train.run.prepare`)."""

    config: RunConfig
    labels: list[str]
    frames: dict[str, pd.DataFrame]
    encoded: dict[str, EncodedSplit | NerWindows]
    tokenizer: Any
    model: Any
    peft_model: bool
    task: Task = field(default_factory=Task)
    target_scale: tuple[float, float] | None = None
    """Regression: the training targets' (mean, sd); the model learns standardised targets (see core.train.heads)."""


def model_device(model: Any) -> Any:
    """The torch device ``model``'s (first) parameters are on."""
    return next(model.parameters()).device


def _on_cpu(config: RunConfig) -> bool:
    """Whether this run trains on the CPU (asked for, or no GPU/MPS to train on)."""
    import torch

    if config.device == "cpu":
        return True
    mps = getattr(torch.backends, "mps", None)
    return not torch.cuda.is_available() and not (mps and mps.is_available())


def cuda_bf16_native(capability: tuple[int, int]) -> bool:
    """Whether a CUDA GPU of compute ``capability`` has bf16 tensor cores: Ampere (8.0) and newer.

    T4 (7.5) and V100 (7.0) only *emulate* bf16, which ``torch.cuda.is_bf16_supported()`` counts by default: slow,
    and nothing gained over fp16 mixed precision.  This is ``is_bf16_supported(including_emulation=False)``'s rule.
    """
    return capability[0] >= 8


def choose_precision(setting: str, device_kind: str, bf16_native: bool) -> str:
    """'bf16', 'fp16' or 'fp32': the mixed precision a run trains in; weights and the saved model stay fp32.

    ``setting`` is the run's ``precision`` (auto, fp32, bf16, fp16); ``device_kind`` is cpu, cuda or mps;
    ``bf16_native`` says whether the device computes bf16 in hardware (CPU: AMX or AVX-512 bf16; CUDA: compute
    capability 8.0+).  On a CPU with bf16 matrix instructions ``auto`` means bf16 autocast: training runs ~1.2×
    (Intel AMX) to ~1.3× (AMD Zen 4) faster end to end with the same dev accuracy (BENCHMARKS.md); other CPUs train in
    fp32.  A GPU gets bf16 only when it is native, else fp16 (even when bf16 was asked for: emulated bf16 is slower
    than fp32 and the run's description says fp16).  MPS keeps the Trainer's default, fp32.
    """
    if setting == "fp32" or device_kind == "mps":
        return "fp32"
    if device_kind == "cpu":
        return "bf16" if setting == "bf16" or bf16_native else "fp32"
    if setting == "fp16" or not bf16_native:
        return "fp16"
    return "bf16"


def _precision_flags(config: RunConfig) -> dict[str, bool]:
    """TrainingArguments' mixed-precision switches for this run (see :func:`choose_precision`)."""
    import torch

    from core.devices import cpu_has_bf16_units

    if config.precision == "fp32":
        return {}
    if _on_cpu(config):
        chosen = choose_precision(config.precision, "cpu", cpu_has_bf16_units())
    elif torch.cuda.is_available():
        chosen = choose_precision(config.precision, "cuda", torch.cuda.is_bf16_supported(including_emulation=False))
    else:
        chosen = choose_precision(config.precision, "mps", False)
    return {} if chosen == "fp32" else {chosen: True}


def precision_description(config: RunConfig) -> str:
    """'bf16 mixed precision', 'fp16 mixed precision' or 'fp32', as this run trains."""
    flags = _precision_flags(config)
    return "bf16 mixed precision" if flags.get("bf16") else "fp16 mixed precision" if flags.get("fp16") else "fp32"


def _logging_steps(n_train: int, config: RunConfig) -> int:
    steps_per_epoch = max(1, math.ceil(n_train / config.effective_batch_size))
    total = config.max_steps or math.ceil(steps_per_epoch * config.epochs)
    return max(1, min(50, total // 100))


def _validation_metrics(task: Task, logits: np.ndarray, y_true: np.ndarray) -> dict[str, float]:
    """Validation scores of a multi-label or regression run (their curves in the live view; early stopping's score)."""
    from core.evaluate import metrics_multilabel as ml
    from core.evaluate import metrics_regression as reg

    if task.multi_label:
        y_pred = (logits > 0).astype(int)  # sigmoid > 0.5: the tuned thresholds come at the end of the run
        y_true = y_true.astype(int)
        return {"f1_micro": ml.f1_score(y_true, y_pred, average="micro"),
                "f1_macro": ml.f1_score(y_true, y_pred, average="macro"),
                "subset_accuracy": ml.accuracy_score(y_true, y_pred)}
    y_pred, y_true = logits.reshape(-1), y_true.reshape(-1)  # standardised: correlations do not care, MSE is in sds
    return {"spearman": reg.spearmanr(y_true, y_pred) or 0.0, "pearson": reg.pearsonr(y_true, y_pred) or 0.0,
            "mse": reg.mean_squared_error(y_true, y_pred)}


def best_model_metric(task: Task, setting: str) -> str:
    """The validation score early stopping watches: the setting, or the regression's Spearman for a class metric."""
    if task.regression and setting != "loss":
        return "spearman"
    if task.multi_label and setting == "accuracy":
        return "subset_accuracy"
    if task.ner and setting != "loss":  # entity F1: what the report scores
        return "f1"
    return setting


def validation_scorer(labels: list[str], task: Task | None = None) -> Any:
    """The ``compute_metrics`` of the Trainer: validation scores that draw the live curves and that early stopping
    and the best-checkpoint choice read (macro-F1 over every label, so a rare class counts as much as a common one)."""

    def compute(eval_pred: Any) -> dict[str, float]:
        logits, y_true = eval_pred.predictions, eval_pred.label_ids
        if isinstance(logits, tuple):
            logits = logits[0]
        if task is not None and task.ner:
            from core.train.ner_data import ner_validation_scores

            return ner_validation_scores(np.asarray(logits), np.asarray(y_true), labels)
        if task is not None and task != Task() and not (task.pair and task.target == "single_label"):
            return _validation_metrics(task, np.asarray(logits, dtype=np.float64), np.asarray(y_true))
        y_pred = np.asarray(logits).argmax(-1)
        return {
            "accuracy": metrics.accuracy_score(y_true, y_pred),
            "f1_macro": metrics.f1_score(y_true, y_pred, average="macro", labels=list(range(len(labels)))),
        }

    return compute


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


def head_parameter_names(model: Any) -> set[str]:
    """Names of the parameters outside the pretrained base model: the newly initialised classification head.

    Every transformers ``*ForSequenceClassification`` keeps its encoder under ``base_model_prefix`` (``bert.``,
    ``roberta.``, ``model.``) and its head beside it (``classifier``, ``pre_classifier``, ``score``).
    """
    prefix = getattr(model, "base_model_prefix", "") + "."
    return {name for name, _ in model.named_parameters() if prefix == "." or not name.startswith(prefix)}


def split_head_groups(optimizer: Any, model: Any, multiplier: float) -> None:
    """Give the head's parameters ``multiplier`` × the learning rate of the group they were in (before any step).

    The Trainer builds its optimizer groups by weight decay only; splitting them afterwards keeps its choice of
    optimizer and decay, and the scheduler (created after the optimizer) scales every group from its own rate.
    """
    head = {id(p) for name, p in model.named_parameters() if name in head_parameter_names(model)}
    groups = []
    for group in optimizer.param_groups:
        for params, scale in (([p for p in group["params"] if id(p) not in head], 1.0),
                              ([p for p in group["params"] if id(p) in head], multiplier)):
            if params:
                groups.append({**group, "params": params, "lr": group["lr"] * scale})
    optimizer.param_groups.clear()
    for group in groups:
        optimizer.add_param_group(group)


_TRAINER_CLASS: Any = None


def _argmax_logits(logits: Any, labels: Any) -> Any:
    """NER validation keeps each sub-token's best tag id instead of its logits (windows × length × tags adds up)."""
    if isinstance(logits, tuple):
        logits = logits[0]
    return logits.argmax(-1)


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
        head_lr_multiplier = 1.0  # set by build_trainer: the new head's learning rate ÷ the encoder's

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
            if self.perf.tight_buckets and isinstance(dataset, EncodedSplit | NerWindows) and self.args.world_size <= 1:
                return LengthBucketSampler(dataset.lengths, self.args.train_batch_size * self.args.gradient_accumulation_steps)
            return super()._get_train_sampler(train_dataset)

        def _get_eval_sampler(self, eval_dataset: Any) -> Any:
            if self.perf.sequential_eval and isinstance(eval_dataset, EncodedSplit | NerWindows) and self.args.world_size <= 1:
                return SequentialSampler(eval_dataset)
            return super()._get_eval_sampler(eval_dataset)

        def create_optimizer(self, model: Any = None) -> Any:
            optimizer = super().create_optimizer(model)
            if self.head_lr_multiplier != 1.0:
                split_head_groups(optimizer, self.model if model is None else model, self.head_lr_multiplier)
            return optimizer

        def _clip_grad_norm(self, model: Any) -> Any:
            if self.perf.lazy_clip and self.args.world_size <= 1 and model_device(model).type == "cpu":
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
    best_metric = best_model_metric(prep.task, c.early_stopping_metric)
    single_label = prep.task.target == "single_label"  # label smoothing and class weights are about classes of one
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
        label_smoothing_factor=0.0 if c.class_weighted_loss or not single_label else c.label_smoothing,
        seed=c.seed,
        data_seed=c.seed,
        eval_strategy=eval_strategy,
        eval_steps=c.eval_steps if eval_strategy == "steps" else None,
        save_strategy=eval_strategy if eval_strategy != "no" else "epoch",
        save_steps=c.eval_steps if eval_strategy == "steps" else None,
        save_total_limit=2,
        load_best_model_at_end=best,
        metric_for_best_model=("eval_" + best_metric) if best else None,
        greater_is_better=(best_metric != "loss") if best else None,
        logging_strategy="steps",
        logging_steps=_logging_steps(len(prep.encoded["train"]), c),
        train_sampling_strategy="group_by_length",  # similar lengths per batch (TuneboardTrainer tightens it)
        report_to="none",
        disable_tqdm=True,
        use_cpu=_on_cpu(c),
        dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(),  # pinning only helps host→GPU copies
        remove_unused_columns=False,
        # With several processes, averaging over all ranks' items makes transformers multiply each rank's loss by the
        # world size, and that product is what it logs (a 2-process run showed twice its loss). One text is one item
        # and every rank's batch is the same size, so DDP's mean of per-rank means is the same gradient.
        average_tokens_across_devices=False,
        **_precision_flags(c),
    )
    callbacks = [callback]
    if best:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=c.early_stopping_patience))
    loss_func = weights = None
    if c.class_weighted_loss and single_label:
        counts = prep.frames["train"]["label"].value_counts()
        freq = np.array([counts.get(label, 0) for label in prep.labels], dtype=np.float64)
        weights = torch.tensor(
            len(freq) and freq.sum() / (len(freq) * np.maximum(freq, 1)),
            dtype=torch.float32,
        )
        loss_func = class_weight_loss(weights, c.label_smoothing)
    elif prep.task.multi_label:
        loss_func = multi_label_loss(len(prep.labels))
    if prep.task.ner:  # pads labels with -100 too (ignored by the loss)
        collator = NerCollator(prep.tokenizer.pad_token_id or 0, pad_side(prep.tokenizer))
    elif perf.fast_collator:
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
        compute_metrics=validation_scorer(prep.labels, prep.task),
        preprocess_logits_for_metrics=_argmax_logits if prep.task.ner else None,
        callbacks=callbacks,
        compute_loss_func=loss_func,
    )
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # our callback logs; raw dicts on stdout are noise
    trainer.perf = perf
    # PEFT wraps the model (its head sits in modules_to_save), and adapters already train at a high rate.
    trainer.head_lr_multiplier = 1.0 if prep.peft_model else c.head_lr_multiplier
    trainer.class_weights = weights  # the step's weighted item count (TuneboardTrainer._get_num_items_in_batch)
    return trainer
