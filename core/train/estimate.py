"""How long a run will take on this machine, before it starts.

The model: a run's wall time is a fixed overhead (starting the worker, loading the model and data, saving) plus its
work divided by a speed.  Work is counted in *token units*: each training sample costs its number of tokens (forward
and backward pass), each text that is only classified (validation, test predictions, the robustness passes) costs a
third of that, because a forward pass is about a third of a training step's arithmetic (the backward pass is about
twice the forward one).  Token counts are the dataset's real (unpadded) lengths at the run's ``max_length``.

The speed (token units per second) and the overhead come from earlier completed runs in the store with the same
model on the same kind of device (``cpu``, ``cuda``, ``mps``), preferring runs with the same PEFT method; the median
of the last ten is used, so one run slowed by a busy machine does not decide it.  With no such run the estimate is a
documented rough guess, :data:`PRIOR_TOKENS_PER_S_PER_CORE` and friends below, and says so.

Nothing here imports torch: the Train page calls it on every change of the settings.
"""

from __future__ import annotations

import functools
import math
import os
import statistics
from dataclasses import dataclass
from typing import Any

from core import models, store
from core.config import BUILTIN_MODEL, TINY_TEST_MODEL, RunConfig
from core.data.script import is_cjk
from core.errors import TuneboardError
from core.evaluate.robustness import PERTURBATIONS
from core.i18n import Message, message

FORWARD_SHARE = 1 / 3
"""Cost of classifying one text relative to training on it (forward ≈ 1/3 of forward + backward)."""
HISTORY_LIMIT = 10
"""How many of the most recent matching runs the median is taken over."""

# Prior for MiniLM-L6 on a CPU, from BENCHMARKS.md (2 cores, batch 16, SST-2 texts of ~13 tokens): ~140 samples/s
# with bf16 matrix instructions (Intel AMX / AVX-512 bf16) ≈ 1,820 tokens/s, and ~100 samples/s in fp32 ≈ 1,300.
# Per core, as the worker uses every core this run may have.
PRIOR_TOKENS_PER_S_PER_CORE = {"bf16": 910.0, "fp32": 650.0}
# GPUs and Apple MPS: not measured in this project; order-of-magnitude guesses for MiniLM at batch 16, where a step's
# fixed cost dominates.  The first real run on the device replaces them.
PRIOR_TOKENS_PER_S = {"cuda": 20_000.0, "mps": 5_000.0}
# Starting the worker, importing torch, loading model and data, saving the model and report (MiniLM, measured on the
# 2-core CPU machine: 15–25 s); other devices add CUDA/MPS initialisation.
PRIOR_OVERHEAD_S = {"cpu": 20.0, "cuda": 30.0, "mps": 30.0}
# Cost per token relative to MiniLM-L6 (~ the weights outside the embedding table: 11M for MiniLM-L6, 43M for
# DistilBERT, 86M for BERT/RoBERTa base); unknown models are assumed base-sized.
MODEL_COST = {BUILTIN_MODEL: 1.0, TINY_TEST_MODEL: 0.05, "distilbert-base-uncased": 4.0, "bert-base-uncased": 8.0,
              "roberta-base": 8.0}
UNKNOWN_MODEL_COST = 8.0
WORD_TOKENS = 1.3
"""Tokens per whitespace-separated word when the model's tokenizer is not on disk (plus 2 special tokens)."""
DEVICE_WORDS = {"cpu": "CPU", "cuda": "GPU", "mps": "Apple GPU"}
"""Device kinds the estimate names in words (catalogue keys ``recipe.estimate.on_<kind>``; others show their kind)."""


@dataclass(frozen=True)
class Workload:
    """The size of a run's data: rows per split and mean tokens per text at its ``max_length``."""

    train_rows: int
    validation_rows: int
    test_rows: int
    tokens_per_text: float


@dataclass(frozen=True)
class Measured:
    """The speed of one earlier completed run."""

    run_id: str
    model: str
    device_kind: str
    peft: str
    tokens_per_s: float
    """Token units (see the module docstring) per second of the training loop."""
    overhead_s: float
    """Wall time not explained by the work: start-up, loading, saving."""


@dataclass(frozen=True)
class Estimate:
    """A run's expected wall time and where the figures came from."""

    seconds: float
    steps: int
    work_s: float
    overhead_s: float
    device_kind: str
    model: str
    n_runs: int
    """Earlier runs the speed was measured on (0 = the rough prior)."""
    early_stopping: bool

    def describe(self) -> str:
        """One sentence for the Train page, e.g. '≈ 4 min on this CPU, from 3 earlier all-MiniLM-L6-v2 runs.'."""
        return "".join(str(part) for part in self.describe_messages())

    def describe_messages(self) -> list[Message]:
        """:meth:`describe` as the messages it is joined from (duration, device and steps, source, ending), so the
        UI can show each in its language and join them; the catalogue has no sentence-in-a-sentence."""
        kind = self.device_kind if self.device_kind in DEVICE_WORDS else "other"
        where = {"device": self.device_kind, "steps": self.steps, "model": self.model}
        if self.n_runs:
            source = message("recipe.estimate.from_runs" if self.n_runs > 1 else "recipe.estimate.from_run",
                             n=self.n_runs, model=self.model)
        else:
            source = message(f"recipe.estimate.guess_{kind}", **where)
        return [duration_message(self.seconds), message(f"recipe.estimate.on_{kind}", **where), source,
                message("recipe.estimate.sooner" if self.early_stopping else "recipe.estimate.end")]


def format_duration(seconds: float) -> str:
    """'40 s', '4 min', '1 h 05 min': rounded so it does not pretend to more precision than it has."""
    return str(duration_message(seconds)).removeprefix("≈ ")


def duration_message(seconds: float) -> Message:
    """'≈ 40 s', '≈ 4 min', '≈ 1 h 05 min' (see :func:`format_duration`) as a message."""
    if seconds < 60:
        return message("recipe.estimate.seconds", seconds=max(10, round(seconds / 10) * 10))
    minutes = round(seconds / 60)
    if minutes < 90:
        return message("recipe.estimate.minutes", minutes=minutes)
    return message("recipe.estimate.hours", hours=minutes // 60, minutes=minutes % 60)


# ---------------------------------------------------------------------------- the arithmetic (pure)
def training_steps(config: RunConfig, train_rows: int) -> int:
    """Optimizer steps the Trainer will take (``max_steps``, or epochs × updates per epoch)."""
    if config.max_steps > 0:
        return config.max_steps
    return math.ceil(config.epochs * _updates_per_epoch(config, train_rows))


def _updates_per_epoch(config: RunConfig, train_rows: int) -> int:
    return max(1, math.ceil(math.ceil(max(train_rows, 1) / config.batch_size) / config.gradient_accumulation))


def evaluations(config: RunConfig, train_rows: int, steps: int) -> int:
    """Validation passes during training (after each epoch, or every ``eval_steps``)."""
    if config.eval_strategy == "steps":
        return steps // config.eval_steps
    return math.ceil(steps / _updates_per_epoch(config, train_rows))


def work_units(config: RunConfig, workload: Workload) -> tuple[float, float]:
    """Token units done inside the training loop and after it (final validation, test predictions, robustness).

    The loop's last progress record comes before the final validation pass, so that pass counts as after the loop.
    """
    steps = training_steps(config, workload.train_rows)
    evals = evaluations(config, workload.train_rows, steps) if workload.validation_rows else 0
    tokens = workload.tokens_per_text
    in_loop = steps * config.effective_batch_size * tokens + max(evals - 1, 0) * workload.validation_rows * tokens * FORWARD_SHARE
    classified_after = min(evals, 1) * workload.validation_rows + workload.test_rows * (1 + len(PERTURBATIONS))
    return in_loop, classified_after * tokens * FORWARD_SHARE


def measure(run: store.Run, workload: Workload) -> Measured | None:
    """The speed of a completed run, or None when it did not record enough (old, resumed or odd runs)."""
    loop_s, step = run.progress.get("elapsed_s"), run.progress.get("step")
    if run.status != "completed" or not run.started_at or not run.finished_at or not loop_s or not step:
        return None
    config = RunConfig.from_dict(run.config)
    if config.resume_from:  # its loop timing covers only the resumed part
        return None
    done = config.replace(max_steps=int(step))  # the steps it really took (early stopping may have cut it short)
    in_loop, after = work_units(done, workload)
    speed = in_loop / loop_s
    overhead = max(0.0, (run.finished_at - run.started_at) - loop_s - after / speed)
    return Measured(run.id, config.model, device_kind_of(run.device or "cpu"), config.peft, speed, overhead)


def prior_tokens_per_s(device_kind: str, model: str, *, cpu_cores: int, cpu_bf16: bool) -> float:
    """The rough speed used when no earlier run of this model on this kind of device exists."""
    if device_kind == "cpu":
        base = PRIOR_TOKENS_PER_S_PER_CORE["bf16" if cpu_bf16 else "fp32"] * max(1, cpu_cores)
    else:
        base = PRIOR_TOKENS_PER_S.get(device_kind, PRIOR_TOKENS_PER_S["cuda"])
    return base / MODEL_COST.get(model, UNKNOWN_MODEL_COST)


def estimate(config: RunConfig, workload: Workload, history: list[Measured], *, device_kind: str, cpu_cores: int = 2,
             cpu_bf16: bool = False) -> Estimate:
    """Expected wall time of ``config`` on ``workload`` from the matching runs in ``history`` (else the prior)."""
    matching = [m for m in history if m.model == config.model and m.device_kind == device_kind][:HISTORY_LIMIT]
    matching = [m for m in matching if m.peft == config.peft] or matching
    if matching:
        speed = statistics.median(m.tokens_per_s for m in matching)
        overhead = statistics.median(m.overhead_s for m in matching)
    else:
        speed = prior_tokens_per_s(device_kind, config.model, cpu_cores=cpu_cores, cpu_bf16=cpu_bf16)
        overhead = PRIOR_OVERHEAD_S.get(device_kind, PRIOR_OVERHEAD_S["cuda"])
    in_loop, after = work_units(config, workload)
    work_s = (in_loop + after) / speed
    return Estimate(seconds=work_s + overhead, steps=training_steps(config, workload.train_rows), work_s=work_s,
                    overhead_s=overhead, device_kind=device_kind, model=config.model, n_runs=len(matching),
                    early_stopping=config.early_stopping_patience > 0 and workload.validation_rows > 0)


def device_kind_of(device: str, auto_device: str = "cpu") -> str:
    """'cpu', 'cuda' or 'mps' for a device setting or a run's device label (``auto`` → ``auto_device``)."""
    kind = device.strip().lower().split(":")[0]
    return auto_device if kind == "auto" else kind


# ---------------------------------------------------------------------------- reading the workspace
def dataset_workload(dataset_id: str, model: str, max_length: int, test_size: float, validation_size: float) -> Workload:
    """Split sizes and mean tokens per text (cut at ``max_length``) of a stored dataset."""
    train, validation, test = split_sizes(dataset_id, test_size, validation_size)
    lengths = token_lengths(dataset_id, model)
    mean = sum(min(n, max_length) for n in lengths) / max(len(lengths), 1)
    return Workload(train, validation, test, mean)


# Cached per dataset id: an id names fixed content (content-hashed), and the Train page asks on every settings change.
@functools.lru_cache(maxsize=64)
def split_sizes(dataset_id: str, test_size: float, validation_size: float) -> tuple[int, int, int]:
    """Rows of the train, validation and test splits a run with these shares gets from a stored dataset."""
    from core.data import library as datasets
    from core.data import splits

    parts = splits.split_frame(datasets.load_frame(dataset_id), test_size=test_size, validation_size=validation_size, seed=0)
    return len(parts["train"]), len(parts["validation"]), len(parts["test"])


@functools.lru_cache(maxsize=64)
def token_lengths(dataset_id: str, model: str) -> tuple[int, ...]:
    """Token counts (uncut) of up to 2,000 sampled texts of a stored dataset, with ``model``'s tokenizer when local.

    A pair counts both texts (one special token less than the two texts counted apart: close enough for a length)."""
    from core.data import library as datasets

    frame = datasets.load_frame(dataset_id)
    texts = frame["text"].astype(str)
    if "text_pair" in frame.columns:  # both texts of a pair go through the model together
        texts = texts + " " + frame["text_pair"].astype(str)
    sample = texts.sample(min(len(texts), 2000), random_state=0).tolist()  # the mean of 2,000 texts is plenty
    counter = _token_counter(model)
    if counter is not None:
        return tuple(counter(sample))
    if is_cjk(sample):  # unspaced text: one "word" per clause; about one token per character instead
        return tuple(len(t) + 2 for t in sample)
    return tuple(round(len(t.split()) * WORD_TOKENS) + 2 for t in sample)


@functools.lru_cache(maxsize=8)
def _token_counter(model: str) -> Any:
    return models.token_counter(model)  # the `tokenizers` library only: no torch, the tiny test model never built


def run_history(model: str, device_kind: str) -> list[Measured]:
    """Speeds of the most recent completed runs of ``model`` on ``device_kind`` whose dataset is still stored."""
    found: list[Measured] = []
    for run in store.list_runs(statuses=["completed"]):
        config = run.config or {}
        if config.get("model") != model or device_kind_of(run.device or "cpu") != device_kind or not run.dataset_id:
            continue
        sizes = run.info.get("split_sizes") or {}
        try:
            tokens = dataset_workload(run.dataset_id, model, int(config.get("max_length", 128)),
                                      float(config.get("test_size", 0.2)), float(config.get("validation_size", 0.1)))
        except (TuneboardError, OSError, ValueError):  # a deleted or unreadable dataset: one run less to learn from
            continue
        workload = Workload(int(sizes.get("train", tokens.train_rows)), int(sizes.get("validation", tokens.validation_rows)),
                            int(sizes.get("test", tokens.test_rows)), tokens.tokens_per_text)
        measured = measure(run, workload)
        if measured:
            found.append(measured)
        if len(found) >= HISTORY_LIMIT:
            break
    return found


def estimate_run(config: RunConfig, *, auto_device: str) -> Estimate:
    """The estimate for a (valid) config on this machine; ``auto_device`` is where ``device=auto`` trains."""
    from core.devices import cpu_has_bf16_units
    from core.jobs.scheduler import cpu_slots

    kind = device_kind_of(config.device, auto_device)
    workload = dataset_workload(config.dataset_id, config.model, config.max_length, config.test_size,
                                config.validation_size)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    bf16 = config.precision == "bf16" or (config.precision == "auto" and cpu_has_bf16_units())
    return estimate(config, workload, run_history(config.model, kind), device_kind=kind,
                    cpu_cores=max(1, cores // cpu_slots()), cpu_bf16=bf16)
