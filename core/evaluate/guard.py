"""The baseline check at the end of a run: would TF-IDF + logistic regression have beaten this model?

Users must not find out by themselves that a linear model beats their fine-tuned transformer (issue 16, item 4).
At the end of every run the worker fits the same pipeline as :mod:`core.evaluate.baseline` on the run's own train
split, scores it on the run's test split (:func:`baseline_scores`) and, when it wins on accuracy or macro-F1,
:func:`baseline_verdict` says so in one sentence with suggestions drawn from facts about the run (:func:`run_facts`).
:func:`summary_line` is the one-line result the UI, the HTML report and ``python -m core show`` print.

Cost (measured on a busy 2-core CPU): a few hundred texts take 0.1 s; 50,000 two-class texts 9 s; 50,000 texts in
77 classes 38 s.  scikit-learn's default lbfgs took 71 s for 8,000 texts in 77 classes where saga takes 9 s with the
same accuracy (both minimise the same regularised loss), so the check fits with saga.  Larger train splits are
sampled down to :data:`MAX_TRAIN_ROWS` texts (seeded).  Everything here is plain numpy/scikit-learn: no torch.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.config import RunConfig
from core.evaluate import metrics
from core.train.recipe import SMALL_MODELS, head_multiplier_rule

MAX_TRAIN_ROWS = 50_000
SOLVER, SOLVER_MAX_ITER = "saga", 100
AUTO_HINT = "Try the Auto preset, which picks these from the data."

# What makes a setting look like the reason the model lost (each rule's number is printed with its suggestion).
LOSS_HIGH_SHARE = 0.5
"""A final training loss above this share of ln(n_classes) (the loss of a model that guesses) is still high."""
VALIDATION_RISE = 0.005
"""The last validation macro-F1 above the one before by this much: the model was still improving."""
MANY_CLASSES = 5
"""From this many classes a head learning at the encoder's rate is too slow (the Auto preset's rule)."""
SMALL_MODEL_LR_FLOOR, SMALL_MODEL_LR = 1e-4, 2e-4
BASE_MODEL_LR_FLOOR, BASE_MODEL_LR = 2e-5, 3e-5
TRUNCATED_SHARE = 0.10
"""This share of training texts cut at max_length or more loses words the baseline still sees."""
LONGEST_MAX_LENGTH = 512


def baseline_scores(train: pd.DataFrame, test: pd.DataFrame, labels: Sequence[str], *, class_weighted: bool = False,
                    seed: int = 0, max_rows: int = MAX_TRAIN_ROWS) -> dict[str, Any]:
    """Fit TF-IDF + logistic regression on ``train`` (columns text, label) and score it on ``test``.

    Returns accuracy, macro-F1 (over ``labels``), fit seconds, the rows fitted on and, when the train split had more
    than ``max_rows`` texts, ``sampled: True`` with a note saying the fit used a seeded sample of ``max_rows``.
    """
    from sklearn.exceptions import ConvergenceWarning

    from core.evaluate.baseline import build_pipeline  # here: the UI imports this module for summary_line alone

    total = len(train)
    sampled = total > max_rows
    if sampled:
        train = train.sample(n=max_rows, random_state=seed)
    pipeline = build_pipeline(train["text"].astype(str).tolist(), class_weighted=class_weighted, seed=seed)
    pipeline.set_params(logisticregression__solver=SOLVER, logisticregression__max_iter=SOLVER_MAX_ITER)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the fit is still usable; its scores say how good
        pipeline.fit(train["text"].astype(str).tolist(), train["label"].astype(str).tolist())
    fit_seconds = time.perf_counter() - started
    y_true = test["label"].astype(str).to_numpy()
    y_pred = np.asarray(pipeline.predict(test["text"].astype(str).tolist())).astype(str)
    out: dict[str, Any] = {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "f1_macro": metrics.f1_score(y_true, y_pred, average="macro", labels=list(labels)),
        "fit_seconds": round(fit_seconds, 2),
        "n_train": len(train),
        "n_test": len(test),
        "sampled": sampled,
    }
    if sampled:
        out["note"] = f"Fitted on a seeded sample of {max_rows:,} of the {total:,} training texts."
    return out


def run_facts(history: pd.DataFrame, train_lengths: Sequence[int] | np.ndarray, *, max_length: int,
              n_classes: int) -> dict[str, Any]:
    """What :func:`baseline_verdict` looks at, from a run's metric history (``store.metric_points``: split, name,
    value, ordered by step) and its training texts' token lengths (already cut at ``max_length``)."""
    def series(split: str, name: str) -> list[float]:
        if history is None or history.empty:
            return []
        rows = history[(history["split"] == split) & (history["name"] == name)]
        return [float(v) for v in rows["value"].tolist()]

    losses = series("train", "loss")
    lengths = np.asarray(train_lengths)
    return {
        "n_classes": int(n_classes),
        "final_train_loss": losses[-1] if losses else None,
        "validation_f1": series("validation", "f1_macro"),
        "truncated_share": float(np.mean(lengths >= max_length)) if len(lengths) else 0.0,
    }


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _lr(value: float) -> str:
    return f"{value:.0e}".replace("e-0", "e-")


def _suggestions(config: RunConfig, facts: dict[str, Any]) -> list[str]:
    """One sentence per setting that looks like it held the model back, each with the number behind it."""
    out = []
    k = int(facts.get("n_classes") or 0)
    loss = facts.get("final_train_loss")
    more = (f"set max steps to 0 (it stopped at {config.max_steps:,} steps) and train for more epochs"
            if config.max_steps > 0 else f"train for more epochs than {config.epochs:g}")
    if loss is not None and k >= 2 and loss > LOSS_HIGH_SHARE * math.log(k):
        out.append(f"The final training loss was {loss:.3f}, still {loss / math.log(k):.0%} of the {math.log(k):.3f} "
                   f"of guessing among {k} classes: {more}.")
    val = [float(v) for v in facts.get("validation_f1") or []]
    if len(val) >= 2 and val[-1] - val[-2] >= VALIDATION_RISE:
        out.append(f"The validation macro-F1 was still rising at the end ({val[-2]:.3f} → {val[-1]:.3f}): {more}.")
    peft = str(getattr(config, "peft", "none") or "none") != "none"
    head = float(getattr(config, "head_lr_multiplier", 1.0))
    if k >= MANY_CLASSES and head <= 1 and not peft:
        target, _ = head_multiplier_rule(k)  # what the Auto preset would choose
        out.append(f"With {k} classes the new classification head learns at only ×{head:g} the encoder's learning "
                   f"rate: raise the head learning rate multiplier to about {target:g}.")
    small = config.model in SMALL_MODELS
    floor, better = (SMALL_MODEL_LR_FLOOR, SMALL_MODEL_LR) if small else (BASE_MODEL_LR_FLOOR, BASE_MODEL_LR)
    if not peft and config.learning_rate < floor:
        size = f"a small model such as {config.model}" if small else "full fine-tuning"
        out.append(f"The learning rate {_lr(config.learning_rate)} is low for {size}: try {_lr(better)}.")
    cut = float(facts.get("truncated_share") or 0.0)
    if cut >= TRUNCATED_SHARE and config.max_length < LONGEST_MAX_LENGTH:
        longer = min(LONGEST_MAX_LENGTH, 2 * config.max_length)
        out.append(f"{_pct(cut)} of the training texts were cut at the max length of {config.max_length} tokens, "
                   f"while the baseline reads every word: try a max length of {longer}.")
    return out


def baseline_verdict(model_scores: dict[str, float], baseline: dict[str, float], *, config: RunConfig,
                     facts: dict[str, Any]) -> dict[str, Any] | None:
    """None when the model is at least as good as the baseline on both accuracy and macro-F1; otherwise
    ``{"sentence": ..., "suggestions": [...]}``: what happened in one sentence, and what to try (from ``facts``:
    n_classes, final_train_loss, validation_f1 (in order), truncated_share — see :func:`run_facts`)."""
    if (model_scores["accuracy"] >= baseline["accuracy"]
            and model_scores["f1_macro"] >= baseline["f1_macro"]):
        return None
    sentence = (f"The TF-IDF baseline beat this model on this split: accuracy {_pct(baseline['accuracy'])} vs "
                f"{_pct(model_scores['accuracy'])}, macro-F1 {baseline['f1_macro']:.3f} vs {model_scores['f1_macro']:.3f}.")
    suggestions = _suggestions(config, facts)
    if suggestions:
        suggestions.append(AUTO_HINT)
    else:
        suggestions = ["None of this run's settings stands out: on this data the words alone may decide the label, "
                       "so the baseline (python -m core baseline RUN_ID) may be all you need."]
    return {"sentence": sentence, "suggestions": suggestions}


def skipped(reason: str) -> dict[str, Any]:
    """The check's record when it could not run: one line saying why (the run itself is unaffected)."""
    line = (str(reason).strip().splitlines() or [""])[0][:300]
    return {"status": "skipped", "reason": line or "unknown error", "verdict": None}


def summary_line(check: dict[str, Any] | None) -> str:
    """The check in one line: the verdict's sentence, the model's lead, or why it was skipped ('' when absent)."""
    if not check:
        return ""
    if check.get("status") == "skipped":
        return f"The TF-IDF baseline check was skipped: {check.get('reason', '')}"
    if check.get("verdict"):
        return str(check["verdict"]["sentence"])
    base, model = check.get("baseline") or {}, check.get("model") or {}
    if not base or not model:
        return ""
    acc = 100 * (model["accuracy"] - base["accuracy"])
    f1 = model["f1_macro"] - base["f1_macro"]
    return (f"TF-IDF baseline on the same split: accuracy {_pct(base['accuracy'])}, macro-F1 {base['f1_macro']:.3f} "
            f"(fit in {base.get('fit_seconds', 0):.1f} s) — this model is ahead by {acc:.1f} points of accuracy "
            f"and {f1:.3f} macro-F1.")


def baseline_check(train: pd.DataFrame, test: pd.DataFrame, labels: Sequence[str], model_scores: dict[str, float], *,
                   config: RunConfig, history: Callable[[], pd.DataFrame],
                   train_lengths: Sequence[int] | np.ndarray) -> dict[str, Any]:
    """The whole check as the end of a run records it (report.json and the run's info, key ``baseline_check``):
    ``status`` "done" with the baseline's and the model's scores, the facts looked at and the verdict (None when the
    model won) — or ``status`` "skipped" with a one-line reason.  ``history`` loads the run's metric history
    (called inside the check, so a failure there is caught too).  Never raises: a failed check must not fail a run."""
    try:
        scores = baseline_scores(train, test, labels, class_weighted=config.class_weighted_loss, seed=config.seed)
        facts = run_facts(history(), train_lengths, max_length=config.max_length, n_classes=len(labels))
        model = {"accuracy": float(model_scores["accuracy"]), "f1_macro": float(model_scores["f1_macro"])}
        return {"status": "done", "baseline": scores, "model": model, "facts": facts,
                "verdict": baseline_verdict(model, scores, config=config, facts=facts)}
    except Exception as exc:  # any failure of this optional check is recorded, never raised
        return skipped(f"{type(exc).__name__}: {exc}")
