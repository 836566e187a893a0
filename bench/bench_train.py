"""Training throughput: Tuneboard's real training path vs a reference PyTorch loop vs plain `transformers.Trainer`.

Same model, data, epochs, batch size, learning rate, seed and max length for every contender; each
contender trains in a fresh process (its own peak memory, no shared allocator state), one after another.

    python -m bench.bench_train                 # reference, plain Trainer, Tuneboard (2,000 SST-2 rows, 2 epochs)
    python -m bench.bench_train --long          # + Trainer with length grouping, Tuneboard before/ablations,
                                                #   UI polling, time to 85 % dev accuracy
    python -m bench.bench_train --time-to-acc   # only the time-to-85 % race
    python -m bench.bench_train --time-to-acc --seeds 0,1,2,3,4
                                                # the race over seeds: median speed-up, MLPerf trimmed mean,
                                                #   crossing of the seed-averaged curves
    python -m bench.bench_train --profile       # where a Tuneboard training step's time goes, by operator family
    python -m bench.bench_train --ablation      # only the ablation: each speed-up switched off in turn (~9 min)
    python -m bench.bench_train --smoke         # seconds: 64 rows, tiny random model, in one process
    python -m bench.bench_train --seeds 0,1,2 --contenders trainer,tuneboard
                                                # accuracy parity: mean dev accuracy and speed-up over seeds
    python -m bench.bench_train --seeds 0,1,2 --contenders tuneboard --set precision=fp32
                                                # the same with a run setting changed (--set is repeatable;
                                                #   --perf-off NAME,… switches PerfOptions off)

Contenders
  reference        pad every text to 128 tokens, constant LR, torch AdamW, random order: a plain PyTorch loop
  trainer          `Trainer` defaults: dynamic padding per batch (DataCollatorWithPadding), random order
  trainer_grouped  `Trainer` + train_sampling_strategy="group_by_length"
  tuneboard        the worker's path: core.train.run.prepare → build_trainer → train(), with its store callback
                   writing progress/metrics into a real (temporary) workspace database and the heartbeat thread
  tuneboard_before the same with every core.train.trainer.PerfOptions switched off (the path before this work)

samples/s counts training only (epochs × rows / seconds in train()); Tuneboard's in-training
validation passes and checkpoint saves are timed separately and shown as "eval+save s".
Dev accuracy: every model is scored the same way on sst2/validation.csv (core.train.inference.predict_proba).
"floor": the useful-work floor — FLOPs of the real (unpadded) tokens divided by the measured
2048×384×1536 float32 matmul rate in the Tuneboard contender's process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import common

POLL_S = 1.5
CLEAN = 0.1  # a run during which other processes took less than this share of the CPU counts as clean


@dataclass
class Options:
    """One benchmark setting, shared by every contender."""

    model: str = common.BUILTIN
    rows: int = 2000
    dev_rows: int | None = None  # None = all 872
    epochs: float = 2.0
    batch_size: int = 16
    lr: float = 1e-4
    seed: int = 0
    max_length: int = 128
    process_settings: bool = True  # apply core.train.run.configure_process (off in --smoke: it runs inside pytest)
    target_acc: float = 0.85  # time-to-accuracy race
    profile: bool = False  # torch.profiler around train(): where a step's time goes (slows the step ~25 %)
    race_full: bool = False  # keep training after the target (the multi-seed race averages whole curves)
    eval_steps: int = 50
    perf_off: str = ""  # TUNEBOARD_PERF_OFF for the tuneboard contender
    poll: str = ""  # "", "reads" or "page": a process polling the store like the live page
    extra: dict[str, Any] = field(default_factory=dict)  # more RunConfig fields for the tuneboard contender
    trainer_args: dict[str, Any] = field(default_factory=dict)  # more TrainingArguments for the plain Trainer


# ---------------------------------------------------------------------------- shared helpers
def _data(opts: Options) -> tuple[Any, Any, Any]:
    train = common.sst2_train(opts.rows, opts.seed)
    test = common.sst2_train(min(200, max(8, opts.rows // 10)), opts.seed, exclude=opts.rows)
    return train, common.sst2_dev(opts.dev_rows), test


def _labels(train: Any) -> list[str]:
    return sorted(train["label"].astype(str).unique().tolist())


def _dev_accuracy(model: Any, tokenizer: Any, dev: Any, labels: list[str]) -> float:
    from core.train.inference import predict_proba

    proba = predict_proba(model, tokenizer, dev["text"].astype(str).tolist(), device="cpu" if _cpu_only() else None)
    truth = dev["label"].astype(str).map({label: i for i, label in enumerate(labels)}).to_numpy()
    return float((proba.argmax(1) == truth).mean())


def _cpu_only() -> bool:
    import torch

    return not torch.cuda.is_available()


def _token_lengths(tokenizer: Any, texts: list[str], max_length: int) -> list[int]:
    return [len(x) for x in tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]]


class Timers:
    """Time spent in evaluation and checkpoint saving inside train(), and tokens the collator produced."""

    def __init__(self) -> None:
        self.started = 0.0
        self.eval_s = 0.0
        self.save_s = 0.0
        self.eval_started: float | None = None
        self.padded_tokens = 0
        self.real_tokens = 0

    def train_seconds(self, now: float | None = None) -> float:
        """Training time so far: wall time in train() minus evaluation and saving."""
        now = self.eval_started if self.eval_started is not None else (now or time.perf_counter())
        return now - self.started - self.eval_s - self.save_s


def _instrument(trainer: Any) -> Timers:
    """Wrap the trainer's evaluate, checkpoint save and collator to time and count them (behaviour unchanged)."""
    timers = Timers()
    evaluate, save, collate = trainer.evaluate, trainer._save_checkpoint, trainer.data_collator

    def timed_evaluate(*args: Any, **kwargs: Any) -> Any:
        timers.eval_started = time.perf_counter()
        try:
            return evaluate(*args, **kwargs)
        finally:
            timers.eval_s += time.perf_counter() - timers.eval_started
            timers.eval_started = None

    def timed_save(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return save(*args, **kwargs)
        finally:
            timers.save_s += time.perf_counter() - started

    def counting_collate(features: list[dict[str, Any]]) -> Any:
        batch = collate(features)
        if timers.eval_started is None:
            timers.padded_tokens += int(batch["input_ids"].numel())
            timers.real_tokens += int(batch["attention_mask"].sum())
        return batch

    trainer.evaluate, trainer._save_checkpoint, trainer.data_collator = timed_evaluate, timed_save, counting_collate
    return timers


class StopAtAccuracy:
    """Trainer callback: record (step, training seconds, accuracy) at each evaluation; stop at the target."""

    def __init__(self, timers: Timers, target: float, *, stop: bool = True) -> None:
        self.timers, self.target, self.stop = timers, target, stop
        self.curve: list[dict[str, float]] = []
        self.reached: dict[str, float] | None = None

    def callback(self) -> Any:
        from transformers import TrainerCallback

        outer = self

        class _Callback(TrainerCallback):
            def on_evaluate(self, args, state, control, metrics=None, **kwargs):
                acc = (metrics or {}).get("eval_accuracy")
                if acc is None:
                    return control
                point = {"step": state.global_step, "samples": state.global_step * args.train_batch_size,
                         "train_s": outer.timers.train_seconds(), "wall_s": time.perf_counter() - outer.timers.started,
                         "accuracy": float(acc)}
                outer.curve.append(point)
                if acc >= outer.target and outer.reached is None:
                    outer.reached = point
                    control.should_training_stop = outer.stop
                return control

        return _Callback()


def _finish_row(name: str, opts: Options, *, samples: float, train_s: float, wall_s: float, acc: float,
                lengths: list[int], model: Any, gflops: float | None, mem: common.PeakMemory, cpu: common.CpuMonitor,
                **extra: Any) -> dict[str, Any]:
    row = {
        "contender": name,
        "samples": samples,
        "train_s": train_s,
        "wall_s": wall_s,
        "samples_per_s": samples / train_s if train_s > 0 else None,
        "dev_accuracy": acc,
        "peak_rss_mb": common.max_rss_mb(),
        "train_peak_rss_mb": mem.peak_mb,
        "other_cpu": cpu.other_share,
        "matmul_gflops": gflops,
        "useful_flops": common.training_flops(lengths, model) * opts.epochs,
        **extra,
    }
    import torch

    if torch.cuda.is_available():
        row["gpu_peak_mb"] = torch.cuda.max_memory_allocated() / 1e6
    if gflops:
        floor_s = row["useful_flops"] / (gflops * 1e9)
        row["floor_samples_per_s"] = samples / floor_s
        row["floor_fraction"] = row["samples_per_s"] / row["floor_samples_per_s"] if row["samples_per_s"] else None
    return row


# ---------------------------------------------------------------------------- contenders
def run_reference(opts: Options) -> dict[str, Any]:
    """A plain PyTorch loop: every text padded to max_length, constant LR, AdamW, random order."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, set_seed

    from core.train import models

    train, dev, _ = _data(opts)
    labels = _labels(train)
    source = models.model_source(opts.model)
    tokenizer = AutoTokenizer.from_pretrained(source)
    set_seed(opts.seed)
    model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=len(labels))
    texts = train["text"].astype(str).tolist()
    enc = tokenizer(texts, truncation=True, max_length=opts.max_length, padding="max_length", return_tensors="pt")
    y = torch.tensor(train["label"].astype(str).map({label: i for i, label in enumerate(labels)}).to_numpy())
    optimizer = torch.optim.AdamW(model.parameters(), lr=opts.lr)
    generator = torch.Generator().manual_seed(opts.seed)
    n, steps_per_epoch = len(texts), math.ceil(len(texts) / opts.batch_size)
    total_steps = math.ceil(steps_per_epoch * opts.epochs)
    model.train()
    step = 0
    with common.PeakMemory() as mem, common.CpuMonitor() as cpu:
        started = time.perf_counter()
        while step < total_steps:
            perm = torch.randperm(n, generator=generator)
            for i in range(0, n, opts.batch_size):
                if step >= total_steps:
                    break
                idx = perm[i : i + opts.batch_size]
                out = model(input_ids=enc["input_ids"][idx], attention_mask=enc["attention_mask"][idx], labels=y[idx])
                out.loss.backward()
                optimizer.step()
                optimizer.zero_grad()
                step += 1
        train_s = time.perf_counter() - started
    samples = min(total_steps * opts.batch_size, n * opts.epochs)
    acc = _dev_accuracy(model, tokenizer, dev, labels)
    lengths = _token_lengths(tokenizer, texts, opts.max_length)
    return _finish_row("reference", opts, samples=samples, train_s=train_s, wall_s=train_s, acc=acc, lengths=lengths,
                       model=model, gflops=None, mem=mem, cpu=cpu, padded_tokens=samples * opts.max_length,
                       real_tokens=sum(lengths) * opts.epochs)


def _plain_trainer(opts: Options, *, grouped: bool, eval_race: bool = False) -> tuple[Any, Any, Timers, Any, Any]:
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from core.train import models

    train, dev, _ = _data(opts)
    labels = _labels(train)
    label_ids = {label: i for i, label in enumerate(labels)}
    source = models.model_source(opts.model)
    tokenizer = AutoTokenizer.from_pretrained(source)
    set_seed(opts.seed)
    model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=len(labels))

    def encode(frame: Any) -> list[dict[str, Any]]:
        enc = tokenizer(frame["text"].astype(str).tolist(), truncation=True, max_length=opts.max_length)
        ys = frame["label"].astype(str).map(label_ids).tolist()
        return [{**{k: enc[k][i] for k in enc}, "labels": ys[i]} for i in range(len(ys))]

    kwargs: dict[str, Any] = {}
    if grouped:
        kwargs["train_sampling_strategy"] = "group_by_length"
    if eval_race:
        kwargs.update(eval_strategy="steps", eval_steps=opts.eval_steps)
    args = TrainingArguments(
        output_dir=tempfile.mkdtemp(prefix="tuneboard-bench-trainer-"),
        num_train_epochs=opts.epochs,
        per_device_train_batch_size=opts.batch_size,
        learning_rate=opts.lr,
        seed=opts.seed,
        report_to="none",
        disable_tqdm=True,
        save_strategy="no",
        **kwargs,
        **opts.trainer_args,
    )

    def accuracy(pred: Any) -> dict[str, float]:
        logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
        return {"accuracy": float((logits.argmax(-1) == pred.label_ids).mean())}

    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=encode(train),
        eval_dataset=encode(dev) if eval_race else None,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
        compute_metrics=accuracy if eval_race else None,
    )
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)
    return trainer, tokenizer, _instrument(trainer), (train, dev, labels), model


def run_trainer(opts: Options, *, grouped: bool = False) -> dict[str, Any]:
    """Plain `transformers.Trainer` defaults (optionally with length grouping)."""
    trainer, tokenizer, timers, (train, dev, labels), model = _plain_trainer(opts, grouped=grouped)
    with common.PeakMemory() as mem, common.CpuMonitor() as cpu:
        timers.started = time.perf_counter()
        trainer.train()
        wall_s = time.perf_counter() - timers.started
    acc = _dev_accuracy(trainer.model, tokenizer, dev, labels)
    lengths = _token_lengths(tokenizer, train["text"].astype(str).tolist(), opts.max_length)
    return _finish_row("trainer_grouped" if grouped else "trainer", opts, samples=len(train) * opts.epochs,
                       train_s=timers.train_seconds(), wall_s=wall_s, acc=acc, lengths=lengths, model=model, gflops=None,
                       mem=mem, cpu=cpu, padded_tokens=timers.padded_tokens, real_tokens=timers.real_tokens)


@contextlib.contextmanager
def _workspace(opts: Options) -> Any:
    """A temporary TUNEBOARD_HOME (and TUNEBOARD_PERF_OFF) for the Tuneboard contender; restored after."""
    saved = {k: os.environ.get(k) for k in ("TUNEBOARD_HOME", "TUNEBOARD_PERF_OFF")}
    home = tempfile.mkdtemp(prefix="tuneboard-bench-home-")
    os.environ["TUNEBOARD_HOME"] = home
    os.environ["TUNEBOARD_PERF_OFF"] = opts.perf_off
    try:
        yield Path(home)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        import shutil

        shutil.rmtree(home, ignore_errors=True)


def _poller(home: str, run_id: str, mode: str, stop_file: str) -> None:
    """What the live page does every POLL_S seconds while a run trains (in its own process)."""
    os.environ["TUNEBOARD_HOME"] = home
    from core import results as runs
    from core import store

    figures = None
    if mode == "page":
        from core.plots import curves as charts

        figures = (charts.loss_figure, charts.validation_metrics_figure, charts.learning_rate_figure)
    while not os.path.exists(stop_file):
        started = time.perf_counter()
        store.get_run(run_id)
        history = store.metric_series(run_id)  # what the live view reads
        if figures and not history.empty:
            for make in figures:
                make(history)
            runs.log_tail(run_id)
        time.sleep(max(0.0, POLL_S - (time.perf_counter() - started)))


def run_tuneboard(opts: Options, *, name: str = "tuneboard", race: bool = False) -> dict[str, Any]:
    """Tuneboard's real training path, as the worker runs it."""
    import subprocess

    import pandas as pd
    from transformers import set_seed

    from core import paths, store
    from core.config import RunConfig
    from core.data import library as datasets
    from core.train import run as train_run
    from core.train import trainer as train_setup
    from core.train import worker
    from core.train.callback import StopRequested, make_callback

    with _workspace(opts) as home:
        train, dev, test = _data(opts)
        frame = pd.concat(
            [train.assign(split="train"), dev.assign(split="validation"), test.assign(split="test")], ignore_index=True
        )
        record = datasets.save_frame(frame, name="bench-sst2")
        settings = {"eval_strategy": "steps", "eval_steps": opts.eval_steps} if race else {}
        config = RunConfig(dataset_id=record.id, model=opts.model, epochs=opts.epochs, batch_size=opts.batch_size,
                           learning_rate=opts.lr, seed=opts.seed, max_length=opts.max_length, **settings, **opts.extra)
        run = store.create_run(config.to_dict(), name=name, dataset_id=record.id, status="running")
        perf = train_setup.PerfOptions.from_env()
        if opts.process_settings:
            train_run.configure_process(perf)
        set_seed(opts.seed)
        prep, prepare_s = common.timed(lambda: train_run.prepare(config, perf))
        gflops = _floor_rate(prep.model)
        stop, done = StopRequested(), threading.Event()
        threading.Thread(target=worker._heartbeat, args=(run.id, stop, done), daemon=True).start()
        callback = make_callback(run.id, stop, config.effective_batch_size)
        trainer = train_setup.build_trainer(prep, paths.run_dir(run.id), callback, perf)
        timers = _instrument(trainer)
        race_cb = StopAtAccuracy(timers, opts.target_acc, stop=not opts.race_full) if race else None
        if race_cb:
            trainer.add_callback(race_cb.callback())
        poller, stop_file = None, str(home / "stop-polling")
        if opts.poll:
            code = f"from bench.bench_train import _poller; _poller({str(home)!r}, {run.id!r}, {opts.poll!r}, {stop_file!r})"
            poller = subprocess.Popen([sys.executable, "-c", code], cwd=common.ROOT)
        profiler = _profiler() if opts.profile else contextlib.nullcontext()
        if opts.profile:
            _mark_not_training(trainer)
        try:
            with common.PeakMemory() as mem, common.CpuMonitor() as cpu, profiler as prof:
                timers.started = time.perf_counter()
                trainer.train()
                wall_s = time.perf_counter() - timers.started
        finally:
            done.set()
            if poller:
                Path(stop_file).touch()
                poller.wait(timeout=30)
        train_s = timers.train_seconds(timers.started + wall_s)
        acc = _dev_accuracy(trainer.model, prep.tokenizer, dev, prep.labels)
        lengths = [int(n) for n in prep.encoded["train"].lengths]
        samples = trainer.state.global_step * config.effective_batch_size if race else len(train) * opts.epochs
        points = len(store.metric_points(run.id))
        row = _finish_row(name, opts, samples=min(samples, len(train) * opts.epochs), train_s=train_s, wall_s=wall_s,
                          acc=acc, lengths=lengths, model=trainer.model, gflops=gflops, mem=mem, cpu=cpu,
                          eval_save_s=timers.eval_s + timers.save_s, eval_s=timers.eval_s, save_s=timers.save_s,
                          prepare_s=prepare_s, padded_tokens=timers.padded_tokens, real_tokens=timers.real_tokens,
                          metric_points=points, perf_off=opts.perf_off, poll=opts.poll)
        if race_cb:
            row.update(race=_race_summary(race_cb))
        if opts.profile:
            row["step_profile"] = step_profile(prof, trainer.state.global_step, train_s)
        return row


NOT_TRAINING = "bench::evaluate_or_save"


def _mark_not_training(trainer: Any) -> None:
    """Run the trainer's evaluation and checkpoint saves inside a profiler scope, so the step profile leaves them out."""
    from torch.profiler import record_function

    def scoped(fn: Any) -> Any:
        def inner(*args: Any, **kwargs: Any) -> Any:
            with record_function(NOT_TRAINING):
                return fn(*args, **kwargs)

        return inner

    trainer.evaluate, trainer._save_checkpoint = scoped(trainer.evaluate), scoped(trainer._save_checkpoint)


def _training_self_us(prof: Any) -> dict[str, float]:
    """Self CPU time per op name over the training steps only (events under NOT_TRAINING are left out)."""
    totals: dict[str, float] = {}
    for event in prof.events():
        parent, skip = event, False
        while parent is not None and not skip:
            skip = parent.name == NOT_TRAINING
            parent = parent.cpu_parent
        if not skip:
            totals[event.name] = totals.get(event.name, 0.0) + event.self_cpu_time_total
    return totals


def _profiler() -> Any:
    from torch.profiler import ProfilerActivity, profile

    return profile(activities=[ProfilerActivity.CPU])


# Operator families of one training step, by aten op name (self time, so nothing is counted twice).
STEP_PARTS = {
    "matmuls (mm, addmm, bmm)": ("aten::mm", "aten::addmm", "aten::bmm"),
    "dtype casts and copies (bf16 autocast)": ("aten::copy_",),
    "AdamW update (fused)": ("aten::_fused_adamw_",),
    "dropout masks": ("aten::bernoulli_",),
    "gradient-norm clipping": ("aten::linalg_vector_norm", "aten::_foreach_norm"),
    "GELU, softmax, LayerNorm (forward + backward)": (
        "aten::gelu", "aten::gelu_backward", "aten::_softmax", "aten::_softmax_backward_data",
        "aten::native_layer_norm", "aten::native_layer_norm_backward",
    ),
}


def step_profile(prof: Any, steps: int, train_s: float) -> list[dict[str, Any]]:
    """Milliseconds per training step by operator family, the other ops, and what no op accounts for (Python,
    Trainer, data loading and the profiler's own overhead), from a torch.profiler run around ``trainer.train()``."""
    self_us = _training_self_us(prof)
    total_ms = sum(self_us.values()) / 1000
    rows, named = [], 0.0
    for part, ops in STEP_PARTS.items():
        ms = sum(self_us.get(op, 0.0) for op in ops) / 1000
        named += ms
        rows.append({"part": part, "ms_per_step": ms / steps})
    rows.append({"part": "every other op (elementwise, views, allocation)", "ms_per_step": (total_ms - named) / steps})
    rows.append({"part": "outside ops (Python, Trainer, data, profiler)", "ms_per_step": max(0.0, train_s * 1000 - total_ms) / steps})
    step_ms = sum(r["ms_per_step"] for r in rows)
    for row in rows:
        row["share"] = row["ms_per_step"] / step_ms if step_ms else None
    return rows


def _floor_rate(model: Any) -> float:
    """The matmul rate the floor is measured against: 2048×384×1536 float32 on the CPU; on a GPU an
    8192×hidden×4·hidden matmul in the autocast type (bf16, or fp16 where bf16 is missing)."""
    import torch

    if torch.cuda.is_available():
        hidden = model.config.hidden_size
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported(including_emulation=False) else torch.float16
        return common.matmul_gflops(8192, hidden, 4 * hidden, device="cuda", dtype=dtype)
    return common.matmul_gflops()


def _race_summary(cb: StopAtAccuracy) -> dict[str, Any]:
    return {"target": cb.target, "reached": cb.reached, "curve": cb.curve,
            "best_accuracy": max((p["accuracy"] for p in cb.curve), default=None)}


def run_trainer_race(opts: Options) -> dict[str, Any]:
    """Plain Trainer defaults, evaluated every eval_steps, stopped at the target accuracy."""
    trainer, tokenizer, timers, (train, dev, labels), model = _plain_trainer(opts, grouped=False, eval_race=True)
    cb = StopAtAccuracy(timers, opts.target_acc, stop=not opts.race_full)
    trainer.add_callback(cb.callback())
    with common.PeakMemory() as mem, common.CpuMonitor() as cpu:
        timers.started = time.perf_counter()
        trainer.train()
        wall_s = time.perf_counter() - timers.started
    acc = _dev_accuracy(trainer.model, tokenizer, dev, labels)
    lengths = _token_lengths(tokenizer, train["text"].astype(str).tolist(), opts.max_length)
    row = _finish_row("trainer", opts, samples=trainer.state.global_step * opts.batch_size,
                      train_s=timers.train_seconds(timers.started + wall_s), wall_s=wall_s, acc=acc, lengths=lengths,
                      model=model, gflops=None, mem=mem, cpu=cpu, eval_save_s=timers.eval_s + timers.save_s)
    row.update(race=_race_summary(cb))
    return row


CONTENDERS = {
    "reference": lambda o: run_reference(o),
    "trainer": lambda o: run_trainer(o),
    "trainer_grouped": lambda o: run_trainer(o, grouped=True),
    "tuneboard": lambda o: run_tuneboard(o, name="tuneboard"),
    "tuneboard_race": lambda o: run_tuneboard(o, name="tuneboard", race=True),
    "trainer_race": lambda o: run_trainer_race(o),
}


def parse_settings(items: list[str]) -> dict[str, Any]:
    """``["precision=fp32", "train_word_embeddings=true"]`` → RunConfig fields; a VALUE that is not JSON is a string."""
    settings: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"--set expects FIELD=VALUE, got {item!r}")
        try:
            settings[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            settings[key.strip()] = raw
    return settings


def run_contender(name: str, opts: Options, *, isolated: bool) -> dict[str, Any]:
    """Run one contender, in a fresh process when ``isolated``."""
    if isolated:
        common.wait_for_quiet(max_wait=float(os.environ.get("BENCH_QUIET_WAIT", "60")))
        return common.run_isolated("bench.bench_train", ["--worker", name, "--options", json.dumps(asdict(opts))])
    common.quiet_hf_logging()
    return CONTENDERS[name](opts)


# ---------------------------------------------------------------------------- reports
COLUMNS = [
    ("contender", "contender", 0),
    ("samples_per_s", "samples/s", 1),
    ("speedup_vs_reference", "× ref", 2),
    ("speedup_vs_trainer", "× Trainer", 2),
    ("dev_accuracy", "dev acc", 3),
    ("peak_rss_mb", "peak RSS MB", 0),
    ("pad_overhead", "padded/real", 2),
    ("floor_fraction", "of floor", 2),
    ("eval_save_s", "eval+save s", 1),
    ("other_cpu", "other CPU", 2),
]


def _add_ratios(rows: list[dict[str, Any]]) -> None:
    by = {r["contender"]: r for r in rows}
    for row in rows:
        for base, key in (("reference", "speedup_vs_reference"), ("trainer", "speedup_vs_trainer")):
            if base in by and by[base].get("samples_per_s") and row.get("samples_per_s"):
                row[key] = row["samples_per_s"] / by[base]["samples_per_s"]
        if row.get("padded_tokens") and row.get("real_tokens"):
            row["pad_overhead"] = row["padded_tokens"] / row["real_tokens"]
    tb = by.get("tuneboard")
    if tb and tb.get("matmul_gflops"):  # floor fraction of every contender against the same measured rate
        for row in rows:
            if row.get("floor_fraction") is None and row.get("samples_per_s") and tb.get("floor_samples_per_s"):
                row["floor_fraction"] = row["samples_per_s"] / tb["floor_samples_per_s"]


def throughput(opts: Options, names: list[str], *, isolated: bool, repeat: int = 1) -> list[dict[str, Any]]:
    """The side-by-side throughput table; with ``repeat`` > 1 the contenders alternate (A B C A B C …) and each
    row shows the median of its clean runs (other processes took < 10 % of the CPU); the ratios are medians of the
    ratios within clean rounds (the machine's speed drifts, so ratios within a round are the fairer comparison)."""
    rounds: list[list[dict[str, Any]]] = []
    for r in range(repeat):
        rows = []
        for name in names:
            print(f"  training: {name}" + (f" (round {r + 1}/{repeat})" if repeat > 1 else "") + " …", flush=True)
            rows.append(run_contender(name, opts, isolated=isolated))
        _add_ratios(rows)
        rounds.append(rows)
    if repeat == 1:
        return rounds[0]
    merged = []
    clean_rounds = [rnd for rnd in rounds if all((row["other_cpu"] or 0) < CLEAN for row in rnd)] or rounds
    for i in range(len(names)):
        clean = [rnd[i] for rnd in rounds if (rnd[i]["other_cpu"] or 0) < CLEAN] or [rnd[i] for rnd in rounds]
        runs = sorted(clean, key=lambda row: row["samples_per_s"])
        row = dict(runs[len(runs) // 2])
        row["samples_per_s_runs"] = [rnd[i]["samples_per_s"] for rnd in rounds]
        row["other_cpu_runs"] = [rnd[i]["other_cpu"] for rnd in rounds]
        row["dev_accuracy_runs"] = [rnd[i]["dev_accuracy"] for rnd in rounds]
        row["clean_runs"] = sum((rnd[i]["other_cpu"] or 0) < CLEAN for rnd in rounds)
        for key in ("speedup_vs_reference", "speedup_vs_trainer"):
            values = sorted(rnd[i][key] for rnd in clean_rounds if rnd[i].get(key) is not None)
            if values:
                row[key] = values[len(values) // 2]
                row[key + "_range"] = [values[0], values[-1]]
        merged.append(row)
    _add_ratios_floor(merged)
    return merged


def _add_ratios_floor(rows: list[dict[str, Any]]) -> None:
    tb = next((r for r in rows if r["contender"] == "tuneboard"), None)
    if tb and tb.get("floor_samples_per_s"):
        for row in rows:
            row["floor_fraction"] = row["samples_per_s"] / tb["floor_samples_per_s"]


ABLATIONS = ["tight_buckets", "fast_collator", "sequential_eval", "allocator", "lazy_clip"]


# Defaults of the run settings that buy speed (RunConfig fields, unlike the PerfOptions above, because they change
# what is computed: they are checked against dev accuracy by --seeds).
SETTING_ABLATIONS = [("tuneboard −frozen word embeddings", {"train_word_embeddings": True}),
                     ("tuneboard −bf16 (fp32)", {"precision": "fp32"})]


def ablation(opts: Options, *, isolated: bool, quick: bool = False) -> list[dict[str, Any]]:
    """Tuneboard with each speed-up switched off in turn, and with all off (the path before this work)."""
    rows = []
    before = {"train_word_embeddings": True, "precision": "fp32"}
    variants = [("tuneboard", "", {}), *((f"tuneboard −{n}", n, {}) for n in ABLATIONS),
                *((label, "", extra) for label, extra in SETTING_ABLATIONS),
                ("tuneboard_before", ",".join([*ABLATIONS, "token_cache"]), before)]
    if quick:
        variants = [variants[0], variants[-1]]
    for label, off, extra in variants:
        print(f"  ablation: {label} …", flush=True)
        perf_off = ",".join(filter(None, [opts.perf_off, off]))  # --perf-off stays off in every variant
        row = run_contender("tuneboard", Options(**{**asdict(opts), "perf_off": perf_off, "extra": {**opts.extra, **extra}}),
                            isolated=isolated)
        row["contender"] = label
        rows.append(row)
    base = rows[0]["samples_per_s"]
    for row in rows:
        row["relative"] = row["samples_per_s"] / base if base and row.get("samples_per_s") else None
        if row.get("padded_tokens") and row.get("real_tokens"):
            row["pad_overhead"] = row["padded_tokens"] / row["real_tokens"]
    return rows


def _print_ablation(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    print(common.table(rows, [("contender", "variant", 0), ("samples_per_s", "samples/s", 1), ("relative", "relative", 2),
                              ("pad_overhead", "padded/real", 3), ("peak_rss_mb", "peak RSS MB", 0),
                              ("eval_s", "eval s", 2), ("prepare_s", "prepare s", 2), ("other_cpu", "other CPU", 2)]))
    return rows


def seeds(opts: Options, names: list[str], seed_list: list[int], *, isolated: bool) -> list[dict[str, Any]]:
    """Accuracy parity over several seeds: one seed's dev accuracy moves by about a point from the data order alone,
    so "within 1 point of plain Trainer" is judged on the mean.  Per contender: mean samples/s and dev accuracy, the
    per-seed accuracies, and the mean of the within-seed speed-ups."""
    per_seed = []
    for seed in seed_list:
        print(f"  seed {seed}:", flush=True)
        per_seed.append(throughput(Options(**{**asdict(opts), "seed": seed}), names, isolated=isolated))
    rows = []
    for i, name in enumerate(names):
        runs = [rnd[i] for rnd in per_seed]
        accs = [r["dev_accuracy"] for r in runs]
        row = {"contender": name, "seeds": seed_list, "dev_accuracy_runs": accs,
               "dev_accuracy": sum(accs) / len(accs),
               "samples_per_s": sum(r["samples_per_s"] for r in runs) / len(runs),
               "other_cpu": max(r["other_cpu"] or 0 for r in runs)}
        for key in ("speedup_vs_reference", "speedup_vs_trainer"):
            values = [r[key] for r in runs if r.get(key) is not None]
            if values:
                row[key] = sum(values) / len(values)
        rows.append(row)
    trainer = next((r for r in rows if r["contender"] == "trainer"), None)
    for row in rows:
        if trainer:
            row["accuracy_vs_trainer_pts"] = 100 * (row["dev_accuracy"] - trainer["dev_accuracy"])
        row["accuracies"] = " ".join(f"{a:.3f}" for a in row["dev_accuracy_runs"])
    return rows


def polling(opts: Options, *, isolated: bool, repeats: int = 2, modes: tuple[str, ...] = ("", "reads", "page")) -> list[dict[str, Any]]:
    """Tuneboard's throughput with nobody watching vs a process polling the store like the live page."""
    rows = []
    for rep in range(repeats):
        for mode in modes:
            label = {"": "no poller", "reads": "poll: run + metric points", "page": "poll: + live-page figures"}[mode]
            print(f"  polling ({rep + 1}/{repeats}): {label} …", flush=True)
            row = run_contender("tuneboard", Options(**{**asdict(opts), "poll": mode}), isolated=isolated)
            row["contender"] = label
            row["repeat"] = rep
            rows.append(row)
    return rows


def race(opts: Options, *, isolated: bool) -> list[dict[str, Any]]:
    """Time to reach the target dev accuracy: Tuneboard vs plain Trainer defaults (evaluation time excluded)."""
    rows = []
    for name in ("tuneboard_race", "trainer_race"):
        print(f"  time to {opts.target_acc:.0%}: {name} …", flush=True)
        row = run_contender(name, opts, isolated=isolated)
        row["contender"] = name.replace("_race", "")
        reached = row["race"]["reached"]
        row["to_target_s"] = reached["train_s"] if reached else None
        row["to_target_wall_s"] = reached["wall_s"] if reached else None
        row["to_target_samples"] = reached["samples"] if reached else None
        row["best_accuracy"] = row["race"]["best_accuracy"]
        rows.append(row)
    if len(rows) == 2 and rows[0]["to_target_s"] and rows[1]["to_target_s"]:
        rows[0]["race_speedup"] = rows[1]["to_target_s"] / rows[0]["to_target_s"]
    return rows


def _mlperf_time(times: list[float | None]) -> float | None:
    """MLPerf's way to score a noisy time-to-accuracy: drop the fastest and the slowest run, average the rest
    (a run that never reached the target counts as the slowest; None if a kept run never reached it)."""
    ranked = sorted(times, key=lambda t: math.inf if t is None else t)
    kept = ranked[1:-1] if len(ranked) >= 3 else ranked
    return None if any(t is None for t in kept) else sum(kept) / len(kept)


def _median_speedup(pairs: list[tuple[float | None, float | None]]) -> float | None:
    """Median over seeds of Trainer's time / Tuneboard's time; a seed where only Trainer reached the target counts
    as 0 (a loss), one where only Tuneboard did as infinite (a win); seeds where neither did are left out."""
    ratios = sorted(0.0 if tb is None else math.inf if tr is None else tr / tb
                    for tb, tr in pairs if tb is not None or tr is not None)
    if not ratios:
        return None
    mid = len(ratios) // 2
    return ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2


def _mean_curve_crossing(curves: list[list[dict[str, float]]], target: float) -> dict[str, float] | None:
    """Average the seeds' accuracy at each evaluation step (steps every seed evaluated) and return the first step
    where that mean reaches the target, with the mean training seconds to it — one seed's ±1-point wobble averaged."""
    steps = sorted(set.intersection(*({p["step"] for p in c} for c in curves))) if curves else []
    for step in steps:
        points = [next(p for p in c if p["step"] == step) for c in curves]
        accuracy = sum(p["accuracy"] for p in points) / len(points)
        if accuracy >= target:
            return {"step": step, "accuracy": accuracy, "train_s": sum(p["train_s"] for p in points) / len(points)}
    return None


def race_seeds(opts: Options, seed_list: list[int], *, isolated: bool) -> dict[str, Any]:
    """The time-to-accuracy race over several seeds, both contenders trained to the end of the epoch so that their
    whole curves can be averaged.  Three scores: the median of the per-seed speed-ups, MLPerf's trimmed mean of
    the per-seed times, and the crossing of the seed-averaged curves."""
    per_seed = []
    for seed in seed_list:
        print(f"  seed {seed}:", flush=True)
        per_seed.append(race(Options(**{**asdict(opts), "seed": seed, "race_full": True}), isolated=isolated))
    summary = []
    for i, name in enumerate(("tuneboard", "trainer")):
        runs = [rows[i] for rows in per_seed]
        crossing = _mean_curve_crossing([r["race"]["curve"] for r in runs], opts.target_acc)
        summary.append({
            "contender": name,
            "to_target_s_runs": [r["to_target_s"] for r in runs],
            "mlperf_s": _mlperf_time([r["to_target_s"] for r in runs]),
            "mean_curve_step": crossing and crossing["step"],
            "mean_curve_s": crossing and crossing["train_s"],
            "best_accuracy_mean": sum(r["best_accuracy"] for r in runs) / len(runs),
            "final_accuracy_mean": sum(r["dev_accuracy"] for r in runs) / len(runs),
            "other_cpu": max(r["other_cpu"] or 0 for r in runs),
        })
    tb, tr = summary
    for key in ("mlperf", "mean_curve"):
        if tb[f"{key}_s"] and tr[f"{key}_s"]:
            tb[f"{key}_speedup"] = tr[f"{key}_s"] / tb[f"{key}_s"]
    tb["median_seed_speedup"] = _median_speedup([(rows[0]["to_target_s"], rows[1]["to_target_s"]) for rows in per_seed])
    for row in summary:
        row["times"] = " ".join("—" if t is None else f"{t:.1f}" for t in row["to_target_s_runs"])
    return {"seeds": seed_list, "per_seed": per_seed, "summary": summary}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_train", description=__doc__.split("\n")[0])
    parser.add_argument("--long", action="store_true", help="also ablations, UI polling and the time-to-85%% race")
    parser.add_argument("--time-to-acc", action="store_true", help="only the time-to-accuracy race")
    parser.add_argument("--ablation", action="store_true", help="only the ablation: each speed-up switched off in turn")
    parser.add_argument("--smoke", action="store_true", help="tiny and fast, in one process (tests)")
    parser.add_argument("--contenders", default="reference,trainer,tuneboard")
    parser.add_argument("--repeat", type=int, default=1, help="alternate the contenders this many rounds; report medians")
    parser.add_argument("--profile", action="store_true", help="profile Tuneboard's training step: where its time goes")
    parser.add_argument("--seeds", default="", help="comma-separated seeds: accuracy parity as the mean over seeds "
                        "(e.g. --seeds 0,1,2 --contenders trainer,tuneboard)")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=common.BUILTIN)
    parser.add_argument("--race-rows", type=int, default=8000, help="training rows available to the race (its cap)")
    parser.add_argument("--target", type=float, default=0.85)
    parser.add_argument("--eval-steps", type=int, default=50)
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="settings",
                        help="a RunConfig field for the tuneboard contender (repeatable; VALUE is JSON or a string), "
                        "e.g. --set precision=fp32 --set train_word_embeddings=true")
    parser.add_argument("--perf-off", default="", help="PerfOptions to switch off for the tuneboard contender, "
                        "comma-separated core.train.trainer.PerfOptions names, e.g. tight_buckets or tight_buckets,fast_collator")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default bench/results)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--options", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:  # one contender inside a fresh process
        common.quiet_hf_logging()
        row = CONTENDERS[args.worker](Options(**json.loads(args.options)))
        Path(args.result).write_text(json.dumps(row, default=str))
        return row

    common.quiet_hf_logging()
    if args.smoke:
        opts = Options(model=common.TINY, rows=64, dev_rows=64, epochs=1, batch_size=16, lr=args.lr, seed=args.seed,
                       process_settings=False, eval_steps=2, target_acc=1.01)
    else:
        opts = Options(model=args.model, rows=args.rows, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                       seed=args.seed, target_acc=args.target, eval_steps=args.eval_steps)
    opts.extra = parse_settings(args.settings)
    opts.perf_off = args.perf_off
    isolated = not args.smoke
    results: dict[str, Any] = {"options": asdict(opts)}
    seed_list = [int(x) for x in args.seeds.split(",") if x.strip()]
    race_options = Options(**{**asdict(opts), "rows": args.race_rows, "epochs": 1.0})  # the race: 1 epoch over more rows
    if args.profile:
        prof_opts = Options(**{**asdict(opts), "profile": True, "epochs": 1.0})  # 125 steps: enough, and a small trace
        print(f"bench_train --profile: Tuneboard, {prof_opts.model}, {prof_opts.rows} SST-2 rows × {prof_opts.epochs:g} epochs, "
              f"batch {prof_opts.batch_size} (under torch.profiler, so ~25 % slower than unprofiled)", flush=True)
        row = run_contender("tuneboard", prof_opts, isolated=isolated)
        results["profile"] = row
        print(common.table(row["step_profile"], [("part", "part of a training step", 0), ("ms_per_step", "ms/step", 1),
                                                 ("share", "share", 2)]))
        print(f"{row['samples_per_s']:.1f} samples/s under the profiler")
        file = common.write_results("train_profile", results, args.out)
        print(f"wrote {file}")
        return results
    if args.ablation:
        print(f"bench_train --ablation: {opts.model}, {opts.rows} SST-2 rows × {opts.epochs:g} epochs", flush=True)
        results["ablation"] = _print_ablation(ablation(opts, isolated=isolated, quick=args.smoke))
        file = common.write_results("train_ablation", results, args.out)
        print(f"wrote {file}")
        return results
    if args.seeds and args.time_to_acc:
        race_opts = opts if args.smoke else race_options
        print(f"time to {race_opts.target_acc:.0%} dev accuracy over seeds {seed_list}: {race_opts.model}, "
              f"{race_opts.rows} SST-2 rows (1 epoch), batch {race_opts.batch_size}, lr {race_opts.lr:g}, "
              f"evaluated every {race_opts.eval_steps} steps", flush=True)
        results["time_to_accuracy_seeds"] = out = race_seeds(race_opts, seed_list, isolated=isolated)
        print(common.table(out["summary"], [
            ("contender", "contender", 0), ("times", "s to target per seed", 0), ("median_seed_speedup", "median speed-up", 2),
            ("mlperf_s", "trimmed mean s", 1), ("mlperf_speedup", "speed-up", 2), ("mean_curve_step", "mean-curve step", 0),
            ("mean_curve_s", "mean-curve s", 1), ("mean_curve_speedup", "speed-up", 2),
            ("final_accuracy_mean", "final acc (mean)", 4), ("other_cpu", "other CPU", 2)]))
        file = common.write_results("train_race_seeds", results, args.out)
        print(f"wrote {file}")
        return results
    if args.seeds:
        print(f"bench_train: accuracy parity over seeds {seed_list}: {opts.model}, {opts.rows} SST-2 rows × {opts.epochs:g} "
              f"epochs, batch {opts.batch_size}, lr {opts.lr:g}", flush=True)
        rows = seeds(opts, args.contenders.split(","), seed_list, isolated=isolated)
        results["seeds"] = rows
        print(common.table(rows, [("contender", "contender", 0), ("samples_per_s", "mean samples/s", 1),
                                  ("speedup_vs_trainer", "× Trainer (mean)", 2), ("dev_accuracy", "mean dev acc", 4),
                                  ("accuracy_vs_trainer_pts", "vs Trainer (pts)", 2), ("accuracies", "per seed", 0),
                                  ("other_cpu", "other CPU", 2)]))
        file = common.write_results("train_seeds", results, args.out)
        print(f"wrote {file}")
        return results
    if not args.time_to_acc:
        print(f"bench_train: {opts.model}, {opts.rows} SST-2 rows × {opts.epochs:g} epochs, batch {opts.batch_size}, "
              f"lr {opts.lr:g}, seed {opts.seed}", flush=True)
        names = args.contenders.split(",")
        if args.long:
            names = [*names, "trainer_grouped"] if "trainer_grouped" not in names else names
        rows = throughput(opts, names, isolated=isolated, repeat=args.repeat)
        results["throughput"] = rows
        print(common.table(rows, COLUMNS))
        tb = next((r for r in rows if r["contender"] == "tuneboard"), None)
        if tb and tb.get("floor_samples_per_s"):
            print(f"useful-work floor: {tb['floor_samples_per_s']:.0f} samples/s "
                  f"(matmul {tb['matmul_gflops']:.0f} GFLOP/s, {tb['useful_flops'] / tb['samples'] / 1e6:.0f} MFLOP/sample)")
    if args.long or args.smoke:
        results["ablation"] = _print_ablation(ablation(opts, isolated=isolated, quick=args.smoke))
        poll_opts = Options(**{**asdict(opts), "epochs": 1.0})
        rows = polling(poll_opts, isolated=isolated, repeats=1 if args.smoke else 2, modes=("page",) if args.smoke else ("", "reads", "page"))
        results["polling"] = rows
        print(common.table(rows, [("contender", "UI", 0), ("samples_per_s", "samples/s", 1), ("other_cpu", "other CPU", 2)]))
    if args.long or args.time_to_acc or args.smoke:
        race_opts = opts if args.smoke else race_options
        print(f"time to {race_opts.target_acc:.0%} dev accuracy: {race_opts.model}, up to {race_opts.rows} SST-2 rows (1 epoch), "
              f"batch {race_opts.batch_size}, lr {race_opts.lr:g}, seed {race_opts.seed}, evaluated every {race_opts.eval_steps} steps",
              flush=True)
        rows = race(race_opts, isolated=isolated)
        results["time_to_accuracy"] = rows
        print(common.table(rows, [("contender", "contender", 0), ("to_target_s", f"s to {race_opts.target_acc:.0%}", 1),
                                  ("to_target_samples", "samples", 0), ("to_target_wall_s", "wall s (with evals)", 1),
                                  ("best_accuracy", "best acc", 3), ("race_speedup", "speed-up", 2), ("other_cpu", "other CPU", 2)]))
        if not any(r["to_target_s"] for r in rows):
            print(f"target {race_opts.target_acc:.0%} not reached within {race_opts.rows} rows")
    file = common.write_results("train_smoke" if args.smoke else "train_long" if args.long else "train_race" if args.time_to_acc else "train", results, args.out)
    print(f"wrote {file}")
    return results


if __name__ == "__main__":
    main()
