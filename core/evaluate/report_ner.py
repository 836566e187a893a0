"""The evaluation report of a named-entity run: its test predictions in, one JSON-serialisable dict out.

Reads the predictions frame a NER run stores (``row_id, text, label, pred, confidence, word_confidence``: words,
gold tags and predicted tags joined by single spaces, :mod:`core.ner.table`) and scores **whole entities**, as the
CoNLL scorer and seqeval (default mode) do: an entity is right only when its type and both boundaries match.
Sections: summary (micro and macro precision/recall/F1, token accuracy as a secondary number), intervals (95 %
bootstrap over sentences), per type, the type confusion (which type each true entity was predicted as, plus missed
and spurious ones) with its outcome breakdown, and the sentences with mistakes.  Only JSON types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.evaluate.report import _jsonable
from core.i18n import Message, message
from core.ner import metrics as nm
from core.ner.schemes import entities
from core.ner.table import tags_of, words_of
from core.tasks import NER

__all__ = ["baseline_verdict", "build_ner_report", "error_kinds", "ner_summary", "tag_sequences"]

MAX_ERRORS = 500


def tag_sequences(predictions: pd.DataFrame) -> tuple[list[list[str]], list[list[str]]]:
    """Gold and predicted tag sequences of every stored sentence; DataError when a sentence's counts disagree."""
    missing = [c for c in ("text", "label", "pred") if c not in predictions.columns]
    if missing:
        raise DataError(message("error.evaluate.missing_columns", columns=", ".join(missing)))
    if len(predictions) == 0:
        raise DataError(message("error.evaluate.no_test_rows"))
    y_true = [tags_of(cell) for cell in predictions["label"]]
    y_pred = [tags_of(cell) for cell in predictions["pred"]]
    for number, (gold, pred) in enumerate(zip(y_true, y_pred, strict=True), 1):
        if len(gold) != len(pred):
            raise DataError(message("error.ner.tag_count_mismatch", row=number, gold=len(gold), pred=len(pred)))
    return y_true, y_pred


def ner_summary(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]]) -> dict[str, float | int]:
    """Entity-level micro and macro precision/recall/F1, token accuracy and the counts behind them."""
    p, r, f, support = nm.precision_recall_fscore_support(y_true, y_pred, average="micro")
    mp, mr, mf, _ = nm.precision_recall_fscore_support(y_true, y_pred, average="macro")
    predicted = sum(len(entities(list(tags))) for tags in y_pred)
    return {"f1": float(f), "precision": float(p), "recall": float(r), "f1_macro": float(mf),
            "precision_macro": float(mp), "recall_macro": float(mr),
            "token_accuracy": nm.accuracy_score(y_true, y_pred), "n_sentences": len(y_true),
            "n_entities": int(support), "n_predicted": int(predicted)}


def _per_type(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    types = nm.entity_types(y_true, y_pred)
    if not types:
        return []
    p, r, f, support = nm.precision_recall_fscore_support(y_true, y_pred, average=None)
    predicted: dict[str, int] = {}
    for tags in y_pred:
        for type_, _, _ in entities(list(tags)):
            predicted[type_] = predicted.get(type_, 0) + 1
    rows = [{"type": t, "precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
             "support": int(support[i]), "predicted": predicted.get(t, 0)} for i, t in enumerate(types)]
    return sorted(rows, key=lambda row: (-row["support"], row["type"]))


def _table(frame: pd.DataFrame) -> dict[str, Any]:
    return {"rows": [str(i) for i in frame.index], "columns": [str(c) for c in frame.columns],
            "matrix": frame.to_numpy().tolist()}


def error_kinds(gold: list[tuple[str, int, int]], pred: list[tuple[str, int, int]]) -> list[str]:
    """What went wrong in one sentence: ``missed``, ``spurious``, ``wrong_type``, ``boundary`` (each at most once)."""
    kinds: set[str] = set()
    pred_spans = {(s, e): t for t, s, e in pred}
    for type_, start, end in gold:
        if (start, end) in pred_spans:
            if pred_spans[start, end] != type_:
                kinds.add("wrong_type")
        elif any(min(end, e) > max(start, s) for _, s, e in pred):
            kinds.add("boundary")
        else:
            kinds.add("missed")
    for _, start, end in pred:
        if not any(min(end, e) > max(start, s) for _, s, e in gold):
            kinds.add("spurious")
    return sorted(kinds)


def _errors(predictions: pd.DataFrame, y_true: list[list[str]], y_pred: list[list[str]], limit: int) -> list[dict]:
    """Sentences with at least one wrong entity, most wrong entities first (ties: row order)."""
    confidences = predictions["word_confidence"] if "word_confidence" in predictions.columns else None
    rows = []
    for i, (gold_tags, pred_tags) in enumerate(zip(y_true, y_pred, strict=True)):
        gold, pred = entities(gold_tags), entities(pred_tags)
        wrong = len(set(gold) ^ set(pred))
        if not wrong:
            continue
        word_conf = [float(v) for v in str(confidences.iloc[i]).split()] if confidences is not None else []
        rows.append({
            "row_id": int(predictions["row_id"].iloc[i]) if "row_id" in predictions.columns else i,
            "words": words_of(predictions["text"].iloc[i]),
            "gold": [[t, s, e] for t, s, e in gold],
            "pred": [[t, s, e, round(min(word_conf[s:e]), 4) if word_conf[s:e] else None] for t, s, e in pred],
            "kinds": error_kinds(gold, pred), "n_wrong": wrong,
        })
    rows.sort(key=lambda row: -row["n_wrong"])  # stable: row order within ties
    return rows[:limit]


def build_ner_report(predictions: pd.DataFrame, *, efficiency: dict | None = None, run_info: dict | None = None,
                     max_errors: int = MAX_ERRORS) -> dict:
    """The full evaluation report of one NER run's test predictions (sections: module docstring)."""
    from core.evaluate.intervals import bootstrap_intervals

    y_true, y_pred = tag_sequences(predictions)
    confusion = nm.type_confusion(y_true, y_pred)
    try:
        intervals = bootstrap_intervals(NER, y_true, y_pred)
    except ValueError:  # an intervals module without the NER kind: the report still stands without them
        intervals = {}
    report = {
        "task": {"target": NER, "pair": False},
        "summary": ner_summary(y_true, y_pred),
        "intervals": intervals,
        "per_type": _per_type(y_true, y_pred),
        "confusion": _table(confusion.matrix),
        "outcomes": _table(confusion.outcomes),
        "errors": _errors(predictions, y_true, y_pred, max_errors),
        "efficiency": efficiency,
        "run": run_info or {},
    }
    return _jsonable(report)


def predictions_frame(test: pd.DataFrame, tags: Sequence[Sequence[str]], confidences: Sequence[np.ndarray]) -> pd.DataFrame:
    """A NER run's stored test predictions (columns: module docstring)."""
    return pd.DataFrame({
        "row_id": np.arange(len(test)),
        "text": test["text"].astype(str).tolist(),
        "label": test["label"].astype(str).tolist(),
        "pred": [" ".join(t) for t in tags],
        "confidence": [float(c.min()) if len(c) else 1.0 for c in confidences],
        "word_confidence": [" ".join(f"{v:.4f}" for v in c) for c in confidences],
    })


def baseline_verdict(report: dict) -> Message | None:
    """One sentence comparing the run's entity F1 with the lookup baseline's on the same test sentences
    (:mod:`core.ner.baseline`), or None for a report without the baseline."""
    baseline = ((report.get("baseline") or {}).get("summary") or {}).get("f1")
    model = (report.get("summary") or {}).get("f1")
    if baseline is None or model is None:
        return None
    key = "ner_report.baseline_beaten" if model > baseline else "ner_report.baseline_not_beaten"
    return message(key, baseline=f"{100 * baseline:.1f}%", model=f"{100 * model:.1f}%")
