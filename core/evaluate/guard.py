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

Every sentence is a catalogue message (``guard.*`` in core/locales): the record keeps the English text it always had
and, beside it, the message dicts (``messages``), so the UI and the HTML report can show it in Chinese too
(:func:`verdict_texts`, :func:`summary_message`).
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
from core.i18n import Message, message
from core.train.recipe import SMALL_MODELS, head_multiplier_rule

MAX_TRAIN_ROWS = 50_000
SOLVER, SOLVER_MAX_ITER = "saga", 100
BASELINE_COMMAND = "python -m core baseline RUN_ID"
"""The command that trains the baseline as a run of its own (code: the same in every language)."""
AUTO_HINT = "Try the Auto preset, which picks these from the data."
"""The English of ``guard.tip.auto_preset``, the last suggestion whenever another one was made."""

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
        note = message("guard.sampled_note", max_rows=max_rows, total=total)
        out["note"], out["messages"] = str(note), {"note": note.to_dict()}
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


def _lr(value: float) -> str:
    return f"{value:.0e}".replace("e-0", "e-")


def _suggestions(config: RunConfig, facts: dict[str, Any]) -> list[Message]:
    """One sentence per setting that looks like it held the model back, each with the number behind it."""
    out = []
    k = int(facts.get("n_classes") or 0)
    loss = facts.get("final_train_loss")
    # "Train longer" names the step limit when one stopped the run (one key per case: params stay plain values).
    longer_by, more = (("steps", {"max_steps": config.max_steps}) if config.max_steps > 0
                       else ("epochs", {"epochs": config.epochs}))
    if loss is not None and k >= 2 and loss > LOSS_HIGH_SHARE * math.log(k):
        out.append(message(f"guard.tip.loss_high_{longer_by}", loss=loss, share=loss / math.log(k),
                           guess_loss=math.log(k), n_classes=k, **more))
    val = [float(v) for v in facts.get("validation_f1") or []]
    if len(val) >= 2 and val[-1] - val[-2] >= VALIDATION_RISE:
        out.append(message(f"guard.tip.still_rising_{longer_by}", before=val[-2], last=val[-1], **more))
    peft = str(getattr(config, "peft", "none") or "none") != "none"
    head = float(getattr(config, "head_lr_multiplier", 1.0))
    if k >= MANY_CLASSES and head <= 1 and not peft:
        target, _ = head_multiplier_rule(k)  # what the Auto preset would choose
        out.append(message("guard.tip.head_multiplier", n_classes=k, head=head, target=target))
    small = config.model in SMALL_MODELS
    floor, better = (SMALL_MODEL_LR_FLOOR, SMALL_MODEL_LR) if small else (BASE_MODEL_LR_FLOOR, BASE_MODEL_LR)
    if not peft and config.learning_rate < floor:
        rates = {"learning_rate": _lr(config.learning_rate), "better": _lr(better)}
        out.append(message("guard.tip.low_lr_small_model", model=config.model, **rates) if small
                   else message("guard.tip.low_lr_full", **rates))
    cut = float(facts.get("truncated_share") or 0.0)
    if cut >= TRUNCATED_SHARE and config.max_length < LONGEST_MAX_LENGTH:
        longer = min(LONGEST_MAX_LENGTH, 2 * config.max_length)
        out.append(message("guard.tip.truncated", share=cut, max_length=config.max_length, longer=longer))
    return out


def baseline_verdict(model_scores: dict[str, float], baseline: dict[str, float], *, config: RunConfig,
                     facts: dict[str, Any]) -> dict[str, Any] | None:
    """None when the model is at least as good as the baseline on both accuracy and macro-F1; otherwise
    ``{"sentence": ..., "suggestions": [...], "messages": {"sentence": ..., "suggestions": [...]}}``: what happened
    in one sentence and what to try (from ``facts``: n_classes, final_train_loss, validation_f1 (in order),
    truncated_share — see :func:`run_facts`), in English, and the same as message dicts for other languages."""
    if (model_scores["accuracy"] >= baseline["accuracy"]
            and model_scores["f1_macro"] >= baseline["f1_macro"]):
        return None
    sentence = message("guard.verdict", baseline_accuracy=float(baseline["accuracy"]),
                       model_accuracy=float(model_scores["accuracy"]), baseline_f1=float(baseline["f1_macro"]),
                       model_f1=float(model_scores["f1_macro"]))
    suggestions = _suggestions(config, facts)
    if suggestions:
        suggestions.append(message("guard.tip.auto_preset"))
    else:
        suggestions = [message("guard.tip.nothing_stands_out", command=BASELINE_COMMAND)]
    return {"sentence": str(sentence), "suggestions": [str(tip) for tip in suggestions],
            "messages": {"sentence": sentence.to_dict(), "suggestions": [tip.to_dict() for tip in suggestions]}}


def _stored(english: Any, stored: Any) -> Any:
    """A stored message dict that falls back to its English text (a key a later version renamed), else the text."""
    if isinstance(stored, dict) and "key" in stored:
        return {**stored, "fallback": str(english)}
    return str(english)


def verdict_texts(verdict: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The verdict's sentence and suggestions as values :func:`core.i18n.localize` shows in any language: the stored
    message dicts, or the English text for reports made before the check had messages."""
    stored = verdict.get("messages") or {}
    tips = [str(tip) for tip in verdict.get("suggestions") or []]
    stored_tips = stored.get("suggestions") or []
    if len(stored_tips) != len(tips):  # not this verdict's messages: the English text is the truth
        stored_tips = [None] * len(tips)
    return (_stored(verdict.get("sentence", ""), stored.get("sentence")),
            [_stored(tip, stored_tip) for tip, stored_tip in zip(tips, stored_tips, strict=True)])


def skipped(reason: str) -> dict[str, Any]:
    """The check's record when it could not run: one line saying why (the run itself is unaffected)."""
    line = (str(reason).strip().splitlines() or [""])[0][:300]
    return {"status": "skipped", "reason": line or "unknown error", "verdict": None}


def summary_message(check: dict[str, Any] | None) -> Any:
    """The check in one line, as a value :func:`core.i18n.localize` shows in any language: the verdict's sentence,
    the model's lead, or why it was skipped (the reason stays as the error said it); '' when absent."""
    if not check:
        return ""
    if check.get("status") == "skipped":
        return message("guard.skipped", reason=check.get("reason", ""))
    if check.get("verdict"):
        return verdict_texts(check["verdict"])[0]
    base, model = check.get("baseline") or {}, check.get("model") or {}
    if not base or not model:
        return ""
    return message("guard.ahead", baseline_accuracy=base["accuracy"], baseline_f1=base["f1_macro"],
                   fit_seconds=base.get("fit_seconds", 0), accuracy_points=100 * (model["accuracy"] - base["accuracy"]),
                   f1_lead=model["f1_macro"] - base["f1_macro"])


def sampling_note(check: dict[str, Any] | None) -> Any:
    """The note that the baseline was fitted on a sample of a large train split, as a value
    :func:`core.i18n.localize` shows in any language ('' when it used every text)."""
    base = (check or {}).get("baseline") or {}
    if not base.get("note"):
        return ""
    return _stored(base["note"], (base.get("messages") or {}).get("note"))


def summary_line(check: dict[str, Any] | None) -> str:
    """The check in one line in English (the log and ``python -m core show``): see :func:`summary_message`."""
    if check and check.get("status") != "skipped" and check.get("verdict"):
        return str(check["verdict"]["sentence"])  # as recorded, whatever the catalogue says today
    return str(summary_message(check))


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
