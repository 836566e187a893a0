"""Presets, and the Auto recipe: settings chosen from the dataset's statistics, each with a one-line reason.

The fixed presets (Quick demo, Balanced, Best quality) are field values in :data:`core.config.PRESETS`.  ``Auto``
(the default) looks at the data first: how many training rows and classes, how long the texts are in the model's
tokens, whether there is a validation split, and where the run trains.  The rules come from the recipe study in
``bench/bench_recipes.py`` (numbers in BENCHMARKS.md, "Recipe study"); each rule names what it reacts to, so the
Train page and the CLI can print why a value was chosen ("77 classes → head learning rate ×20").  A reason is a
:class:`core.i18n.Message` (key ``recipe.reason.*``): ``str()`` gives the English the CLI prints and the run records,
the UI shows it in its language.

Nothing here imports torch: the Train page recomputes the recipe whenever the dataset or model changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from core.config import BUILTIN_MODEL, PRESETS, TINY_TEST_MODEL, RunConfig, fixed_preset_caveat
from core.errors import ConfigError
from core.i18n import Message, message
from core.tasks import task_of

AUTO = "Auto"
PRESET_NAMES = [AUTO, *PRESETS]
"""Every preset, Auto first (the default in the UI; the CLI's ``--preset`` choices)."""
SMALL_MODELS = {BUILTIN_MODEL, TINY_TEST_MODEL}
"""Models small enough (≈20M parameters) to take the small-model learning rate."""
SMALL_MODEL_LR = 1e-4
BASE_MODEL_LR = 3e-5
"""Encoder learning rates: small encoders such as MiniLM-L6 train best near 1e-4; base-size encoders (BERT, RoBERTa)
at the 2e-5–5e-5 of their papers."""
TARGET_STEPS_BASE = 300
TARGET_STEPS_PER_CLASS = 5
"""The step budget: optimizer updates a run should get, whatever the dataset size (more classes need more)."""
MIN_EPOCHS, MAX_EPOCHS = 1, 8
LONG_TARGET_MAX_EPOCHS = 16
"""Multi-label and regression runs may take twice the epochs (BENCHMARKS.md, "Other kinds of data"): each label of a
multi-label run is its own yes/no decision learnt from its own positives (built-in tags example, 284 training texts:
8 epochs gave test micro-F1 0.85 at the best single threshold, 16 epochs 0.94, TF-IDF one-vs-rest 0.91); a regression
head fits a number, which kept improving past 8 epochs (review scores, 3 seeds: Spearman 0.896 → 0.906, baseline
0.900).  Sentence pairs gained nothing (accuracy 0.708 → 0.700) and keep 8."""
MANY_CLASSES, MANY_CLASSES_MIN_EPOCHS = 20, 3
"""With many classes each epoch shows every class only a few times: the study's 150-intent set still gained 1.5
points of validation macro-F1 between epochs 5 and 7, so such sets get at least three epochs however large."""
LENGTH_QUANTILE = 0.95
LENGTH_STEP = 16
MAX_LENGTH_LIMIT = {"cpu": 256, "cuda": 512, "mps": 384}
MIN_MAX_LENGTH = 32
WARMUP_RATIO = 0.06
EARLY_STOPPING_PATIENCE = 2
MIN_VALIDATION_ROWS = 50
"""Below this many validation texts the score is too noisy to stop on (one text moves it by 2 points)."""


@dataclass(frozen=True)
class DataProfile:
    """What the Auto recipe looks at: the training split's size, the classes and the texts' token lengths."""

    train_rows: int
    validation_rows: int
    n_classes: int
    token_lengths: tuple[int, ...] = field(repr=False)
    target: str = "single_label"
    """The task's target (core.tasks): multi-label and regression runs get up to LONG_TARGET_MAX_EPOCHS."""

    def length_quantile(self, q: float) -> int:
        """The ``q`` quantile of the texts' token lengths (0 when there are none)."""
        if not self.token_lengths:
            return 0
        ordered = sorted(self.token_lengths)
        return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


@dataclass(frozen=True)
class Recipe:
    """Settings to apply to a RunConfig and one reason per choice."""

    settings: dict[str, Any]
    messages: list[Message]

    @property
    def reasons(self) -> list[str]:
        """The reasons in English (what the CLI prints and a run records)."""
        return [str(m) for m in self.messages]


def _fmt_lr(value: float) -> str:
    return f"{value:.0e}".replace("e-0", "e-")


def learning_rate_rule(model: str) -> tuple[float, Message]:
    """The encoder learning rate for ``model`` and why."""
    if model in SMALL_MODELS:
        return SMALL_MODEL_LR, message("recipe.reason.lr_small", model=model, lr=_fmt_lr(SMALL_MODEL_LR))
    return BASE_MODEL_LR, message("recipe.reason.lr_base", lr=_fmt_lr(BASE_MODEL_LR))


def head_multiplier_rule(n_classes: int) -> tuple[float, Message]:
    """How much faster than the encoder the new head learns, from the number of classes."""
    multiplier = 10.0 if n_classes <= MANY_CLASSES else 20.0
    return multiplier, message("recipe.reason.head", classes=n_classes, multiplier=multiplier)


def epochs_rule(train_rows: int, n_classes: int, effective_batch: int,
                max_epochs: int = MAX_EPOCHS, *, ner: bool = False) -> tuple[float, Message]:
    """Epochs that give the step budget (more classes → more steps), within MIN_EPOCHS–``max_epochs``."""
    steps_per_epoch = max(1, math.ceil(train_rows / effective_batch))
    target = TARGET_STEPS_BASE + TARGET_STEPS_PER_CLASS * n_classes
    least = MANY_CLASSES_MIN_EPOCHS if n_classes > MANY_CLASSES else MIN_EPOCHS
    epochs = min(max_epochs, max(least, math.ceil(target / steps_per_epoch)))
    # Texts, classes and steps are plural whatever the data (a stored dataset has ≥ 2 classes, so ≥ 2 training texts;
    # one step per epoch means MAX_EPOCHS epochs); only the epochs can be one.
    key = "epochs_floor" if least > MIN_EPOCHS else "epochs_one" if epochs == 1 else "epochs"
    key += "_ner" if ner else ""  # sentences and entity types, not texts and classes
    return float(epochs), message(f"recipe.reason.{key}", rows=train_rows, classes=n_classes, epochs=epochs,
                                  steps=epochs * steps_per_epoch, target=target, least=least, many=MANY_CLASSES)


def max_length_rule(profile: DataProfile, device_kind: str) -> tuple[int, Message]:
    """A max length that keeps 95% of texts whole, in steps of 16 tokens, capped for the device."""
    limit = MAX_LENGTH_LIMIT.get(device_kind, 256)
    p95 = profile.length_quantile(LENGTH_QUANTILE)
    length = min(limit, max(MIN_MAX_LENGTH, math.ceil(p95 / LENGTH_STEP) * LENGTH_STEP))
    if p95 > limit:
        return length, message("recipe.reason.length_capped", p95=p95, limit=limit, device=device_kind, length=length)
    return length, message("recipe.reason.length", p95=p95, length=length)


def early_stopping_rule(validation_rows: int, epochs: float = MAX_EPOCHS) -> tuple[dict[str, Any], Message]:
    """Early stopping on the validation macro-F1 when there are enough validation texts to trust it and enough epochs
    for it to stop before the end.

    With fewer than patience + 2 epochs it could only pick the best epoch on a small validation split, which the
    study found noisier than keeping the last one (learning rate decayed to 0): on SST-2, TREC-6 and AG News without it
    82.5 / 94.6 / 90.0 % vs 82.1 / 94.6 / 88.1 % (macro-F1 +0.01 on TREC-6), SMS 98.4 vs 98.8 %, and ~1 s faster."""
    if validation_rows < MIN_VALIDATION_ROWS:
        return {"early_stopping_patience": 0}, message("recipe.reason.no_stopping", rows=validation_rows)
    if epochs < EARLY_STOPPING_PATIENCE + 2:
        key = "no_stopping_one_epoch" if epochs == 1 else "no_stopping_short"
        return {"early_stopping_patience": 0}, message(f"recipe.reason.{key}", epochs=epochs)
    return ({"early_stopping_patience": EARLY_STOPPING_PATIENCE, "early_stopping_metric": "f1_macro",
             "eval_strategy": "epoch"},
            message("recipe.reason.stopping", rows=validation_rows, patience=EARLY_STOPPING_PATIENCE))


def auto_recipe(profile: DataProfile, *, model: str, device_kind: str, batch_size: int = 16,
                gradient_accumulation: int = 1) -> Recipe:
    """The Auto settings for a dataset ``profile``, ``model`` and device kind (cpu, cuda, mps), with reasons."""
    lr, lr_why = learning_rate_rule(model)
    head, head_why = head_multiplier_rule(profile.n_classes)
    if profile.target == "regression":  # one output, not classes
        head_why = message("recipe.reason.head_regression", multiplier=head)
    if profile.target == "ner":
        head_why = message("recipe.reason.head_ner", types=profile.n_classes, multiplier=head)
    long_target = profile.target in ("multi_label", "regression", "ner")  # ner: one decision per word and type
    epochs, epochs_why = epochs_rule(profile.train_rows, profile.n_classes, batch_size * gradient_accumulation,
                                     LONG_TARGET_MAX_EPOCHS if long_target else MAX_EPOCHS,
                                     ner=profile.target == "ner")
    length, length_why = max_length_rule(profile, device_kind)
    stopping, stopping_why = early_stopping_rule(profile.validation_rows, epochs)
    settings = {"learning_rate": lr, "head_lr_multiplier": head, "epochs": epochs, "max_length": length,
                "warmup_ratio": WARMUP_RATIO, "max_steps": 0, **stopping}
    warmup_why = message("recipe.reason.warmup", ratio=WARMUP_RATIO)
    reasons = [lr_why, head_why, epochs_why, length_why, warmup_why, stopping_why]
    if long_target:
        reasons.insert(3, message(f"recipe.reason.{profile.target}_epochs", most=LONG_TARGET_MAX_EPOCHS))
    return Recipe(settings, reasons)


def preset_caveat(config: RunConfig, preset: str) -> Message | None:
    """A warning when fixed preset ``preset`` meets data it was not tuned for, else None.

    The fixed presets were tuned on one label per text; named entities need many more epochs (BENCHMARKS.md, "Named
    entities"), so on NER data they would quietly train a model that finds few entities."""
    if preset not in PRESETS or not config.dataset_id:
        return None
    from core import store

    record = store.get_dataset(config.dataset_id)
    return fixed_preset_caveat(record is not None and task_of(record).ner, preset)


def profile_dataset(dataset_id: str, model: str, *, test_size: float, validation_size: float) -> DataProfile:
    """The :class:`DataProfile` of a stored dataset as a run with these split shares would see it."""
    from core.data import library as datasets
    from core.train import estimate

    train, validation, _ = estimate.split_sizes(dataset_id, test_size, validation_size)
    record = datasets.require(dataset_id)
    return DataProfile(train, validation, max(1, len(record.labels)), estimate.token_lengths(dataset_id, model),
                       target=task_of(record).target)


def apply_preset(config: RunConfig, preset: str, *, device_kind: str = "cpu") -> tuple[RunConfig, list[str]]:
    """``config`` with preset ``preset``'s settings on top, and the reasons in English (Auto needs ``config.dataset_id``)."""
    chosen, reasons = explain_preset(config, preset, device_kind=device_kind)
    return chosen, [str(r) for r in reasons]


def explain_preset(config: RunConfig, preset: str, *, device_kind: str = "cpu") -> tuple[RunConfig, list[Message]]:
    """:func:`apply_preset` with the reasons as messages, for the UI to show in its language."""
    if preset == AUTO:
        if not config.dataset_id:
            raise ConfigError(message("error.config.auto_needs_dataset"))
        profile = profile_dataset(config.dataset_id, config.model, test_size=config.test_size,
                                  validation_size=config.validation_size)
        recipe = auto_recipe(profile, model=config.model, device_kind=device_kind, batch_size=config.batch_size,
                             gradient_accumulation=config.gradient_accumulation)
        return config.replace(**recipe.settings), recipe.messages
    if preset not in PRESETS:
        raise ConfigError(message("error.config.unknown_preset", preset=preset, presets=", ".join([AUTO, *PRESETS])))
    return config.replace(**PRESETS[preset]), []


def apply_preset_here(config: RunConfig, preset: str) -> tuple[RunConfig, list[str]]:
    """:func:`apply_preset` for where ``config`` would train on this machine (``device=auto`` → its GPU, MPS or CPU)."""
    chosen, reasons = explain_preset_here(config, preset)
    return chosen, [str(r) for r in reasons]


def explain_preset_here(config: RunConfig, preset: str) -> tuple[RunConfig, list[Message]]:
    """:func:`apply_preset_here` with the reasons as messages, for the UI to show in its language."""
    from core.devices import detect
    from core.train.estimate import device_kind_of

    return explain_preset(config, preset, device_kind=device_kind_of(config.device, detect().auto_device))


def preset_info(preset: str, reasons: list[str] | list[Message], chosen: RunConfig, final: RunConfig) -> dict[str, Any]:
    """What a run records about its preset: the name, Auto's reasons and the settings changed after the preset
    (``chosen``: the config as the preset left it; ``final``: the one submitted).

    The reasons are recorded in English (``recipe_reasons``, as the CLI prints them); reasons given as messages are
    also kept as ``{"key", "params"}`` dicts (``recipe_reason_messages``) so the UI can show them in its language."""
    before = chosen.to_dict()
    overrides = [k for k, v in final.to_dict().items() if before[k] != v and k != "resume_from"]
    info: dict[str, Any] = {"preset": preset, "recipe_reasons": [str(r) for r in reasons], "preset_overrides": overrides}
    if reasons and all(isinstance(r, Message) for r in reasons):
        info["recipe_reason_messages"] = [r.to_dict() for r in reasons]
    return info
