"""The one typed configuration of a training run.

`RunConfig` is built by the Train page form, by the CLI (`python -m core train`, whose options
are generated from the fields below) and from a saved ``run.json``; the worker reads it back
from the store.  Each field carries its plain-language help text in ``metadata["help"]`` so
the form tooltips, the CLI ``--help`` and the docs say the same thing.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shlex
from dataclasses import dataclass, field
from typing import Any

from core import devices
from core.errors import ConfigError
from core.i18n import Message, catalogue, message

BUILTIN_MODEL = "all-MiniLM-L6-v2"
TINY_TEST_MODEL = "tiny-random-bert"

LR_SCHEDULERS = ("linear", "cosine", "constant", "constant_with_warmup", "polynomial")
EVAL_STRATEGIES = ("epoch", "steps")
PEFT_METHODS = ("none", "lora", "adalora", "prompt_tuning")
FREEZE_MODES = ("none", "encoder", "lower")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
EARLY_STOPPING_METRICS = ("f1_macro", "accuracy", "loss")


def _f(default: Any, help: str, **extra: Any) -> Any:
    """A dataclass field with its help text (and optional CLI ``choices``) in metadata."""
    return field(default=default, metadata={"help": help, **extra})


@dataclass
class RunConfig:
    """Everything that defines a fine-tuning run.  Defaults give a sensible quick run."""

    dataset_id: str = _f(
        "",
        "Stored dataset to train on (its id from the Data page or `python -m core datasets`).",
    )
    model: str = _f(
        BUILTIN_MODEL,
        "Pretrained model: the built-in all-MiniLM-L6-v2 (offline), a Hugging Face Hub id such as "
        "distilbert-base-uncased, or a local folder with a Hugging Face model.",
    )
    name: str = _f("", "A name for the run, shown in tables and charts (optional).")
    text_column: str = _f("text", "Column that holds the texts to classify.")
    label_column: str = _f("label", "Column that holds the class of each text.")
    test_size: float = _f(
        0.2,
        "Share of the data held back for the final test (0.05–0.5); ignored when the dataset has its own test split.",
    )
    validation_size: float = _f(
        0.1,
        "Share of the data used to check progress during training (0–0.5); ignored when the dataset has its own validation split.",
    )
    epochs: float = _f(
        3.0,
        "How many times the model reads the whole training set. More epochs can fit better but take longer.",
    )
    learning_rate: float = _f(
        1e-4,
        "How big each update step is. Typical values: 1e-5 to 1e-4 for full fine-tuning, 1e-4 to 1e-3 for LoRA.",
    )
    head_lr_multiplier: float = _f(
        1.0,
        "Learning rate of the new classification head = learning rate × this (1 = same as the encoder). The head starts "
        "from random weights while the encoder is pretrained, so a higher rate for the head helps, most with many classes. "
        "Ignored with PEFT.",
    )
    batch_size: int = _f(16, "Texts per training step. Larger is faster on a GPU but needs more memory.")
    gradient_accumulation: int = _f(
        1,
        "Add up the gradients of this many batches before each update (a larger effective batch without more memory).",
    )
    max_length: int = _f(
        128,
        "Longest text in tokens; longer texts are cut. Check the data health report for how many would be cut.",
    )
    weight_decay: float = _f(0.01, "Gentle pull of the weights towards zero to reduce overfitting (0–0.3).")
    warmup_ratio: float = _f(
        0.0,
        "Share of the steps over which the learning rate ramps up from zero (0–0.5; 0 = start at full rate). "
        "A warm-up can steady large learning rates or long runs; in short runs it delays learning.",
    )
    lr_scheduler: str = _f("linear", "How the learning rate changes over training.", choices=LR_SCHEDULERS)
    seed: int = _f(
        42,
        "Random seed: the same seed, data and settings give the same split and the same model.",
    )
    max_steps: int = _f(
        0,
        "Stop after this many steps (0 = train for the full number of epochs). Useful for quick tries.",
    )
    eval_strategy: str = _f(
        "epoch",
        "When to measure the validation set: after every epoch or every N steps.",
        choices=EVAL_STRATEGIES,
    )
    eval_steps: int = _f(50, "With evaluation every N steps: the N.")
    early_stopping_patience: int = _f(
        0,
        "Stop when the validation score has not improved for this many evaluations (0 = off).",
    )
    early_stopping_metric: str = _f(
        "f1_macro",
        "Validation score watched by early stopping and used to keep the best checkpoint.",
        choices=EARLY_STOPPING_METRICS,
    )
    calibrate: bool = _f(
        True,
        "After training, fit a temperature on the validation split so the probabilities match how often the model is "
        "right (predictions and accuracy do not change; the saved model carries it).",
    )
    class_weighted_loss: bool = _f(
        False,
        "Weigh rare classes more in the loss, so an imbalanced dataset does not teach the model to ignore them.",
    )
    label_smoothing: float = _f(0.0, "Soften the targets a little (0–0.3) so the model is less over-confident.")
    freeze: str = _f(
        "none",
        "Keep pretrained layers fixed: none, the whole encoder (train only the classifier head) or the lower layers.",
        choices=FREEZE_MODES,
    )
    freeze_layers: int = _f(0, "With freeze=lower: how many of the lowest encoder layers stay fixed.")
    train_word_embeddings: bool = _f(
        False,
        "Also fine-tune the word-embedding table. Off by default: the table is a large share of small models' weights "
        "(half of MiniLM's) and keeping it fixed trains about 20% faster with less memory, at no measured accuracy cost.",
    )
    peft: str = _f(
        "none",
        "Parameter-efficient fine-tuning: train a small adapter (LoRA, AdaLoRA) or soft prompt instead of all weights.",
        choices=PEFT_METHODS,
    )
    lora_r: int = _f(
        8,
        "LoRA rank: size of the adapter matrices (4–64). Larger learns more but trains more parameters.",
    )
    lora_alpha: int = _f(16, "LoRA scaling (usually 2 × rank).")
    lora_dropout: float = _f(0.1, "Dropout inside the LoRA adapter (0–0.5).")
    lora_target_modules: str = _f(
        "",
        "Comma-separated layer names that get adapters (empty = a sensible default for the architecture, e.g. query,value for BERT).",
    )
    prompt_tokens: int = _f(20, "With prompt tuning: number of trainable virtual tokens.")
    device: str = _f(
        "auto",
        "Where to train: auto (GPU if there is one), cpu, mps, cuda:0, or several GPUs as cuda:0,1.",
    )
    processes: int = _f(
        1,
        "Training processes for one run (DDP through torchrun): with device cpu, several processes share the cores "
        "(useful on multi-socket servers); with several GPUs there is one per GPU. 1 = a single process.",
    )
    precision: str = _f(
        "auto",
        "Number format: auto (bf16/fp16 on GPUs that support it, bf16 on CPUs with bf16 instructions such as Intel AMX "
        "or AVX-512 bf16, else fp32), fp32, bf16 or fp16.",
        choices=PRECISIONS,
    )
    trust_remote_code: bool = _f(
        False,
        "Allow the model repository to run its own Python code. Only for models you trust.",
    )
    resume_from: str = _f("", "Internal: checkpoint folder to continue from (set by Resume).")

    # ------------------------------------------------------------------ helpers
    @classmethod
    def field_help(cls, name: str) -> str:
        """Plain-language help for field ``name`` (used for tooltips and CLI help)."""
        return cls.__dataclass_fields__[name].metadata["help"]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """The config as pretty JSON (what ``--config run.json`` reads back)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        """Build a config from a dict, rejecting unknown keys with a clear message."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(message("error.config.unknown_settings", names=", ".join(unknown)))
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                kwargs[f.name] = _coerce(f, data[f.name])
        return cls(**kwargs)

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def changed_fields(self) -> dict[str, Any]:
        """Fields whose value differs from the default (what the CLI command needs)."""
        default = RunConfig()
        return {k: v for k, v in self.to_dict().items() if getattr(default, k) != v}

    def validate(self) -> RunConfig:
        """Raise :class:`ConfigError` with one clear sentence for the first impossible value."""
        for check in _CHECKS:
            problem = check(self)
            if problem is not None:
                raise ConfigError(problem)
        return self

    def cli_command(self) -> str:
        """The equivalent ``python -m core train`` command line for this run."""
        parts = ["python", "-m", "core", "train"]
        for key, value in self.changed_fields().items():
            if key == "resume_from":
                continue
            flag = "--" + key.replace("_", "-")
            if isinstance(value, bool):
                parts.append(flag if value else f"--no-{key.replace('_', '-')}")
            else:
                parts += [flag, _fmt(value)]
        return shlex.join(parts)

    @property
    def effective_batch_size(self) -> int:
        """Texts per optimizer update."""
        return self.batch_size * self.gradient_accumulation

    @property
    def lora_targets(self) -> list[str]:
        """Parsed ``lora_target_modules`` (empty list = architecture default)."""
        return [m.strip() for m in self.lora_target_modules.split(",") if m.strip()]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return repr(value) if not value.is_integer() or abs(value) < 1e-3 else str(int(value))
    return str(value)


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    """Convert JSON/CLI values to the field's type, or raise a clear ConfigError."""
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    try:
        if kind == "bool":
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"true", "false", "1", "0", "yes", "no"}:
                    raise ValueError(value)
                return lowered in {"true", "1", "yes"}
            return bool(value)
        if kind == "int":
            number = float(value)
            if not number.is_integer():
                raise ValueError(value)
            return int(number)
        if kind == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        key = f"train.field.{f.name}.help"  # the catalogue's help (in the UI's language) when it says the same
        explained = message(key) if catalogue("en").get(key) == f.metadata["help"] else f.metadata["help"]
        raise ConfigError(message("error.config.bad_value", value=str(value), name=f.name, kind=kind, help=explained)) from None


def _between(name: str, lo: float, hi: float, *, lo_open: bool = False, hint: str = "in_range") -> Any:
    """A check that ``name`` lies in [lo, hi] (or (lo, hi]); ``hint`` is a key of ``error.config.hint``."""
    def check(c: RunConfig) -> Message | None:
        value = getattr(c, name)
        if isinstance(value, float) and not math.isfinite(value):
            return message("error.config.not_finite", name=name)
        bad = value <= lo if lo_open else value < lo
        if bad or value > hi:
            return message("error.config.out_of_range", name=name, value=value, left="(" if lo_open else "[", lo=lo, hi=hi,
                           hint=message(f"error.config.hint.{hint}"))
        return None

    return check


def _choice(name: str, choices: tuple[str, ...]) -> Any:
    def check(c: RunConfig) -> Message | None:
        value = getattr(c, name)
        if value not in choices:
            return message("error.config.not_a_choice", name=name, value=str(value), choices=", ".join(choices))
        return None

    return check


def _check_model(c: RunConfig) -> Message | None:
    return None if c.model.strip() else message("error.config.no_model")


def _check_splits(c: RunConfig) -> Message | None:
    if c.test_size + c.validation_size >= 0.8:
        return message("error.config.splits_too_large", total=c.test_size + c.validation_size)
    return None


def _check_device(c: RunConfig) -> Message | None:
    d = c.device.strip().lower()
    if d in {"auto", "cpu", "mps", "cuda"}:
        return None
    if d.startswith("cuda:"):
        ids = d[5:].split(",")
        if all(i.strip().isdigit() for i in ids) and len(set(ids)) == len(ids):
            return None
    return message("error.config.bad_device", device=c.device)


def _check_processes(c: RunConfig) -> Message | None:
    if c.processes == 1:
        return None
    d = c.device.strip().lower()
    gpus = d[5:].split(",") if d.startswith("cuda:") else []
    if d == "cpu" or (len(gpus) > 1 and c.processes == len(gpus)):
        return None
    if len(gpus) > 1:
        return message("error.config.processes_gpus", processes=c.processes, gpus=len(gpus), device=c.device)
    return message("error.config.processes_device", processes=c.processes)


def _check_freeze(c: RunConfig) -> Message | None:
    if c.freeze == "lower" and c.freeze_layers < 1:
        return message("error.config.freeze_layers_needed")
    if c.freeze != "none" and c.peft != "none":
        return message("error.config.freeze_with_peft")
    return None


def _check_early_stopping(c: RunConfig) -> Message | None:
    if c.early_stopping_patience and c.validation_size == 0:
        return message("error.config.early_stopping_validation")
    return None


def _check_precision(c: RunConfig) -> Message | None:
    if c.device.strip().lower() != "cpu":
        return None
    if c.precision == "fp16":
        return message("error.config.fp16_on_cpu")
    if c.precision == "bf16" and not devices.cpu_has_bf16_units():
        return message("error.config.bf16_slow_cpu")
    return None


_CHECKS = [
    _check_model,
    _between("test_size", 0.05, 0.5),
    _between("validation_size", 0.0, 0.5),
    _check_splits,
    _between("epochs", 0.0, 1000, lo_open=True, hint="epochs"),
    _between("learning_rate", 0.0, 1.0, lo_open=True, hint="learning_rate"),
    _between("head_lr_multiplier", 0.01, 1000, hint="head_lr_multiplier"),
    _between("batch_size", 1, 4096, hint="batch_size"),
    _between("gradient_accumulation", 1, 1024),
    _between("max_length", 8, 8192, hint="max_length"),
    _between("weight_decay", 0.0, 1.0),
    _between("warmup_ratio", 0.0, 0.9),
    _choice("lr_scheduler", LR_SCHEDULERS),
    _between("seed", 0, 2**32 - 1),
    _between("max_steps", 0, 10_000_000),
    _choice("eval_strategy", EVAL_STRATEGIES),
    _between("eval_steps", 1, 10_000_000),
    _between("early_stopping_patience", 0, 1000),
    _choice("early_stopping_metric", EARLY_STOPPING_METRICS),
    _between("label_smoothing", 0.0, 0.5),
    _choice("freeze", FREEZE_MODES),
    _between("freeze_layers", 0, 1000),
    _check_freeze,
    _choice("peft", PEFT_METHODS),
    _between("lora_r", 1, 1024),
    _between("lora_alpha", 1, 4096),
    _between("lora_dropout", 0.0, 0.9),
    _between("prompt_tokens", 1, 512),
    _check_device,
    _between("processes", 1, 256, hint="processes"),
    _check_processes,
    _choice("precision", PRECISIONS),
    _check_precision,
    _check_early_stopping,
]

PRESETS: dict[str, dict[str, Any]] = {
    # One short epoch: a warm-up delays learning (measured in BENCHMARKS.md).
    "Quick demo": {"epochs": 1.0, "learning_rate": 1e-4, "batch_size": 16, "max_length": 64, "warmup_ratio": 0.0},
    # Head ×20: 150 intents 57.9 → 82.1 % (Balanced), 62.3 → 84.2 % (Best; baseline 81.0 %), no cost on 2–6 classes;
    # Quick demo keeps ×1 (one epoch without warm-up: 51.5 → 43.9 %). BENCHMARKS.md, recipe study.
    "Balanced": {"epochs": 3.0, "learning_rate": 8e-5, "head_lr_multiplier": 20.0, "batch_size": 16, "max_length": 128,
                 "warmup_ratio": 0.06},
    "Best quality": {"epochs": 5.0, "learning_rate": 5e-5, "head_lr_multiplier": 20.0, "batch_size": 16,
                     "max_length": 256, "warmup_ratio": 0.1, "early_stopping_patience": 2, "eval_strategy": "epoch"},
}
PRESET_HELP = {  # what each preset does; how long it takes is estimated for the data and hardware on the Train page
    "Auto": "Picks the learning rates, epochs, max length and early stopping from the data's size, classes and text lengths, and says why.",
    "Quick demo": "One epoch over texts cut to 64 tokens, no warm-up: the fastest way to a first score, good for trying things out.",
    "Balanced": "Three epochs at up to 128 tokens with a short warm-up and a fast-learning new output layer: "
                "a solid model for most datasets.",
    "Best quality": "Up to five epochs at up to 256 tokens with a fast-learning new output layer, stopping early when "
                    "the validation score stops improving: slower, sometimes a little better than Auto.",
}


def fixed_preset_caveat(is_ner: bool, preset: str) -> Message | None:
    """The warning a fixed preset gets on data it was not tuned for: tuned on one label per text, it trains too few
    epochs for named entities (BENCHMARKS.md, "Named entities"); None for Auto and for other data."""
    return message("recipe.caveat.ner_fixed_preset") if is_ner and preset in PRESETS else None
