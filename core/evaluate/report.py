"""The evaluation report: predictions in, one JSON-serialisable dict out.

:func:`build_report` reads the ``predictions.parquet`` frame the trainer writes
(``row_id, text, label, pred, confidence, prob::<label>...`` plus slice columns)
and computes every section the UI and the HTML export show.  Every metric comes
with a plain-language sentence using this run's own numbers, so a reader who
does not know what "macro F1" means still learns what the model does.

The dict holds only JSON types (str, int, float, bool, None, list, dict), so
``json.loads(report_to_json(r)) == r``.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.evaluate import metrics

__all__ = ["build_report", "report_to_html", "report_to_json"]

PROB_PREFIX = "prob::"
_REQUIRED = ("label", "pred")
_POSITIVE_NAMES = {"positive", "pos", "spam", "1", "true", "yes"}
_MAX_TOP_CONFUSIONS = 50
_MAX_SLICE_VALUES = 50
_CALIBRATION_BINS = 15
_HISTOGRAM_BINS = 20


# --------------------------------------------------------------------------- formatting helpers


def _pct(x: float, digits: int = 1) -> str:
    """0.8583 -> '85.8%'."""
    return f"{100.0 * x:.{digits}f}%"


def _q(label: str) -> str:
    """Quote a class name the way the sentences do: ‘refund’."""
    return f"‘{label}’"


def _jsonable(value: Any) -> Any:
    """Recursively convert numpy / pandas scalars, tuples and NaN/inf to JSON types."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [_jsonable(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


# --------------------------------------------------------------------------- inputs


def _validate(predictions: pd.DataFrame, labels: Sequence[Any]) -> None:
    """Fail with one sentence when the frame cannot be reported on."""
    missing = [c for c in _REQUIRED if c not in predictions.columns]
    if missing:
        raise DataError(f"The predictions file lacks the column(s) {', '.join(missing)}; re-run the evaluation.")
    if len(predictions) == 0:
        raise DataError("The test set has no rows, so there is nothing to evaluate; use a larger test split.")
    if len(labels) == 0:
        raise DataError("The model has no class labels, so its predictions cannot be evaluated.")


def _all_labels(labels: Sequence[Any], y_true: np.ndarray, y_pred: np.ndarray) -> list[str]:
    """Model labels (as str) plus any class seen in the data but unknown to the model, at the end."""
    out = [str(x) for x in labels]
    known = set(out)
    extra = sorted((set(y_true.tolist()) | set(y_pred.tolist())) - known)
    return out + extra


def _proba_matrix(predictions: pd.DataFrame, model_labels: Sequence[Any], labels: list[str]) -> np.ndarray | None:
    """(n, k) probabilities in ``labels`` order, or None when prob columns are missing.

    Classes unknown to the model (test-only labels) get probability 0.
    """
    columns = [f"{PROB_PREFIX}{label}" for label in model_labels]
    if not all(c in predictions.columns for c in columns):
        return None
    proba = predictions[columns].to_numpy(dtype=np.float64)
    extra = len(labels) - proba.shape[1]
    return np.hstack([proba, np.zeros((len(proba), extra))]) if extra else proba


def _confidence(predictions: pd.DataFrame, proba: np.ndarray | None) -> np.ndarray | None:
    """Probability of the predicted label, from the column or the matrix."""
    if "confidence" in predictions.columns:
        return predictions["confidence"].to_numpy(dtype=np.float64)
    return None if proba is None else proba.max(axis=1)


# --------------------------------------------------------------------------- sections


def _per_class(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> list[dict]:
    """Per-class precision/recall/F1/support plus how often each class was predicted."""
    frame = metrics.per_class_report(y_true, y_pred, labels=labels)
    predicted = pd.Series(y_pred).value_counts()
    frame["n_predicted"] = [int(predicted.get(label, 0)) for label in labels]
    frame["n_correct"] = [int(np.sum((y_true == label) & (y_pred == label))) for label in labels]
    return frame.to_dict(orient="records")


def _confusion(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    """Counts, row-normalised shares and the most frequent off-diagonal cells."""
    counts = metrics.confusion_matrix(y_true, y_pred, labels=labels)
    normalized = metrics.confusion_matrix(y_true, y_pred, labels=labels, normalize="true")
    off = [(int(counts[i, j]), i, j) for i, j in zip(*np.nonzero(counts), strict=True) if i != j]
    # Ties broken by label order so the list is stable across runs.
    off.sort(key=lambda t: (-t[0], t[1], t[2]))
    top = [[labels[i], labels[j], c] for c, i, j in off[:_MAX_TOP_CONFUSIONS]]
    return {
        "labels": labels,
        "counts": counts.tolist(),
        "normalized": normalized.tolist(),
        "top_confusions": top,
    }


def _errors(predictions: pd.DataFrame, y_true: np.ndarray, y_pred: np.ndarray, max_errors: int) -> list[dict]:
    """Misclassified rows, most confident first (the most surprising mistakes)."""
    frame = pd.DataFrame(
        {
            "row_id": predictions["row_id"].to_numpy() if "row_id" in predictions else np.arange(len(predictions)),
            "text": predictions["text"].astype(str).to_numpy() if "text" in predictions else "",
            "label": y_true,
            "pred": y_pred,
            "confidence": predictions["confidence"].to_numpy(dtype=float) if "confidence" in predictions else np.nan,
        }
    )
    wrong = frame[frame["label"] != frame["pred"]]
    wrong = wrong.sort_values(["confidence", "row_id"], ascending=[False, True], kind="stable")
    return wrong.head(max_errors).to_dict(orient="records")


def _positive_label(labels: list[str], y_true: np.ndarray) -> str:
    """Class treated as 'positive' in a binary task.

    A name such as positive/spam/1/true wins; otherwise the rarer class, since
    that is usually the one the user wants to find (fraud, spam, churn ...).
    """
    for label in labels:
        if label.strip().lower() in _POSITIVE_NAMES:
            return label
    counts = [int(np.sum(y_true == label)) for label in labels]
    return labels[1] if counts[1] <= counts[0] else labels[0]


def _binary(y_true: np.ndarray, proba: np.ndarray | None, labels: list[str]) -> dict | None:
    """ROC / PR curves for 2-class tasks with probabilities; None otherwise."""
    if len(labels) != 2 or proba is None:
        return None
    positive = _positive_label(labels, y_true)
    negative = labels[1 - labels.index(positive)]
    scores = proba[:, labels.index(positive)]
    curves = metrics.binary_curves(y_true, scores, positive=positive)
    return {
        "positive": positive,
        "negative": negative,
        "positive_share": float(np.mean(y_true == positive)),
        "roc": curves["roc"],
        "pr": curves["pr"],
        "auc": curves["roc"]["auc"] if curves["roc"] else None,
        "average_precision": curves["pr"]["average_precision"] if curves["pr"] else None,
        "at_threshold_0_5": metrics.threshold_metrics(y_true, scores, positive=positive, negative=negative, threshold=0.5),
    }


def _calibration(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    confidence: np.ndarray | None,
    labels: list[str],
) -> dict | None:
    """ECE, reliability bins and confidence histograms for right vs wrong predictions."""
    if proba is None:
        return None
    conf = confidence if confidence is not None else proba.max(axis=1)
    correct = y_true == y_pred
    edges = np.linspace(0.0, 1.0, _HISTOGRAM_BINS + 1)
    return {
        "ece": metrics.expected_calibration_error(y_true, proba, n_bins=_CALIBRATION_BINS, labels=labels),
        "n_bins": _CALIBRATION_BINS,
        "reliability": metrics.reliability_curve(y_true, proba, n_bins=_CALIBRATION_BINS, labels=labels),
        "mean_confidence": float(np.mean(conf)),
        "accuracy": float(np.mean(correct)),
        "histogram": {
            "bin_edges": edges.tolist(),
            "correct": np.histogram(conf[correct], bins=edges)[0].tolist(),
            "wrong": np.histogram(conf[~correct], bins=edges)[0].tolist(),
        },
    }


def _slice_values(column: pd.Series) -> pd.Series:
    """Slice keys as strings, with missing values grouped as '(missing)'."""
    return column.astype(object).where(column.notna(), "(missing)").astype(str)


def _slices(
    predictions: pd.DataFrame,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    slice_columns: Sequence[str],
    overall: float,
) -> tuple[list[dict], list[dict]]:
    """Per-value accuracy / macro-F1 for each usable slice column, and the skipped ones.

    Slice F1 averages over the classes present in that slice (sklearn's default),
    because averaging in absent classes as 0 would punish small slices.
    """
    out, skipped = [], []
    for column in slice_columns:
        if column not in predictions.columns:
            skipped.append(
                {
                    "column": str(column),
                    "reason": "The column is not in the predictions.",
                }
            )
            continue
        keys = _slice_values(predictions[column]).to_numpy()
        distinct = pd.unique(keys)
        if not 2 <= len(distinct) <= _MAX_SLICE_VALUES:
            reason = f"It has {len(distinct)} distinct values; slices need 2 to {_MAX_SLICE_VALUES}."
            skipped.append({"column": str(column), "reason": reason})
            continue
        rows = []
        for value in distinct:
            mask = keys == value
            acc = metrics.accuracy_score(y_true[mask], y_pred[mask])
            rows.append(
                {
                    "value": str(value),
                    "n": int(mask.sum()),
                    "accuracy": acc,
                    "f1_macro": metrics.f1_score(y_true[mask], y_pred[mask], average="macro"),
                    "gap_points": (acc - overall) * 100.0,
                }
            )
        rows.sort(key=lambda r: (r["accuracy"], -r["n"], r["value"]))  # worst slice first
        out.append({"column": str(column), "values": rows})
    return out, skipped


# --------------------------------------------------------------------------- explanations


def _kappa_chance(counts: np.ndarray) -> float:
    """Agreement expected by chance given the true and predicted label frequencies."""
    n = counts.sum()
    return float((counts.sum(axis=1) * counts.sum(axis=0)).sum() / (n * n)) if n else 0.0


def _prior_log_loss(y_true: np.ndarray, labels: list[str]) -> float:
    """Log loss of a model that always predicts the test-set class frequencies."""
    freq = np.array([np.mean(y_true == label) for label in labels])
    freq = freq[freq > 0]
    return float(-(freq * np.log(freq)).sum())


def _strength(value: float) -> str:
    """Rough verbal scale for correlation-like scores."""
    if value >= 0.7:
        return "a strong"
    if value >= 0.4:
        return "a moderate"
    if value >= 0.1:
        return "a weak"
    return "almost no"


def _headline_explanations(s: dict, n: int, k: int, noun: str, per_class: list[dict]) -> dict[str, str]:
    """Accuracy, balanced accuracy and the macro averages."""
    n_correct = round(s["accuracy"] * n)
    by_f1 = sorted(per_class, key=lambda r: r["f1"])
    worst, best = by_f1[0], by_f1[-1]
    return {
        "accuracy": f"The model labelled {n_correct} of {n} test {noun} correctly ({_pct(s['accuracy'])}).",
        "balanced_accuracy": (
            f"Giving each of the {k} classes equal weight, however many test {noun} it has, the model finds "
            f"{_pct(s['balanced_accuracy'])} of each class on average"
            + (
                "; that is well below accuracy, so smaller classes are missed more often."
                if s["balanced_accuracy"] < s["accuracy"] - 0.05
                else "."
            )
        ),
        "precision_macro": (
            f"Averaged over the {k} classes with each counting equally, when the model names a class it is right "
            f"{_pct(s['precision_macro'])} of the time."
        ),
        "recall_macro": (
            f"Averaged over the {k} classes with each counting equally, the model finds "
            f"{_pct(s['recall_macro'])} of the {noun} that belong to each class."
        ),
        "f1_macro": (
            f"F1 combines precision and recall into one score (100% is perfect); with every class counting "
            f"equally it is {_pct(s['f1_macro'])}, lowest for {_q(worst['label'])} ({_pct(worst['f1'], 0)}) "
            f"and highest for {_q(best['label'])} ({_pct(best['f1'], 0)})."
        ),
    }


def _singular(noun: str) -> str:
    """'texts' -> 'text', 'reviews' -> 'review' (good enough for dataset nouns)."""
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def _average_explanations(s: dict, noun: str) -> dict[str, str]:
    """Micro and weighted averages (which big classes dominate)."""
    one = _singular(noun)
    micro = (
        f"Counting every test {one} once instead of every class once; "
        f"when each {one} has exactly one label this equals accuracy ({_pct(s['accuracy'])})."
    )
    weighted = "Per-class {m} averaged with each class weighted by its number of test {noun}: {v}, so big classes dominate."
    out = {
        "precision_micro": f"Micro precision is {_pct(s['precision_micro'])}. {micro}",
        "recall_micro": f"Micro recall is {_pct(s['recall_micro'])}. {micro}",
        "f1_micro": f"Micro F1 is {_pct(s['f1_micro'])}. {micro}",
    }
    for m in ("precision", "recall", "f1"):
        key = f"{m}_weighted"
        out[key] = weighted.format(m="F1" if m == "f1" else m, noun=noun, v=_pct(s[key]))
    return out


def _agreement_explanations(s: dict, counts: np.ndarray, noun: str) -> dict[str, str]:
    """MCC and Cohen's kappa in words."""
    chance = _kappa_chance(counts)
    return {
        "mcc": (
            f"Matthews correlation is {s['mcc']:.2f} on a scale from -1 (always wrong) through 0 (no better than "
            f"guessing) to 1 (perfect): {_strength(s['mcc'])} link between predictions and true labels, "
            "and it stays honest when some classes are much bigger than others."
        ),
        "cohen_kappa": (
            f"The model agrees with the true labels on {_pct(s['accuracy'])} of {noun}, where guessing with the "
            f"same label frequencies would agree on {_pct(chance)}; Cohen's kappa of {s['cohen_kappa']:.2f} means it "
            f"closes {_pct(max(s['cohen_kappa'], 0.0), 0)} of the gap between chance and perfect agreement."
        ),
    }


def _probability_explanations(s: dict, y_true: np.ndarray, labels: list[str], calibration: dict | None) -> dict[str, str]:
    """Log loss and ECE in words (only when probabilities exist)."""
    out: dict[str, str] = {}
    if "log_loss" in s:
        out["log_loss"] = (
            f"Log loss is {s['log_loss']:.3f} (lower is better, 0 is perfect): on average the model gave the true "
            f"label a probability of {_pct(math.exp(-s['log_loss']), 0)} (geometric mean). A model that only knew "
            f"how common each class is would score {_prior_log_loss(y_true, labels):.3f}."
        )
    if "ece" in s and calibration is not None:
        mean_conf, acc = calibration["mean_confidence"], calibration["accuracy"]
        if abs(mean_conf - acc) < 0.01:
            tendency = "on the whole its confidence matches its accuracy"
        elif mean_conf > acc:
            tendency = f"overall it is overconfident (average confidence {_pct(mean_conf)} vs accuracy {_pct(acc)})"
        else:
            tendency = f"overall it is underconfident (average confidence {_pct(mean_conf)} vs accuracy {_pct(acc)})"
        out["ece"] = (
            f"Expected calibration error is {100 * s['ece']:.1f} percentage points: when the model says how sure it "
            f"is, it is off from how often it is actually right by that much on average (0 = perfectly honest); "
            f"{tendency}."
        )
    return out


def _class_explanations(row: dict, noun: str) -> dict[str, str]:
    """Recall / precision / F1 sentences for one class."""
    label, support, n_pred = row["label"], row["support"], row["n_predicted"]
    if support:
        recall = (
            f"Of the {support} test {noun} that really are {_q(label)}, the model found {row['n_correct']} "
            f"({_pct(row['recall'], 0)})."
        )
    else:
        recall = f"No test {noun} are labelled {_q(label)}, so recall cannot be measured."
    if n_pred:
        precision = f"When the model says {_q(label)} ({n_pred} times), it is right {_pct(row['precision'], 0)} of the time."
    else:
        precision = f"The model never predicted {_q(label)}."
    f1 = f"F1 for {_q(label)} is {_pct(row['f1'], 0)}, the balance of the two numbers above."
    return {
        "recall_explanation": recall,
        "precision_explanation": precision,
        "f1_explanation": f1,
    }


def _explanations(
    summary: dict,
    per_class: list[dict],
    counts: np.ndarray,
    y_true: np.ndarray,
    labels: list[str],
    calibration: dict | None,
    noun: str,
) -> dict[str, str]:
    """One sentence per summary metric, using this run's numbers."""
    n, k = summary["n_test"], len(labels)
    out = _headline_explanations(summary, n, k, noun, per_class)
    out.update(_average_explanations(summary, noun))
    out.update(_agreement_explanations(summary, counts, noun))
    out.update(_probability_explanations(summary, y_true, labels, calibration))
    return out


# --------------------------------------------------------------------------- public API


def build_report(
    predictions: pd.DataFrame,
    labels: list[str],
    *,
    slice_columns: Sequence[str] = (),
    robustness: list[dict] | None = None,
    efficiency: dict | None = None,
    run_info: dict | None = None,
    dataset_noun: str = "texts",
    max_errors: int = 1000,
) -> dict:
    """Build the full evaluation report for one run's test predictions.

    ``labels`` is the model's id2label order (matching the ``prob::<label>``
    columns).  Sections: summary, explanations, per_class, confusion, errors
    (at most ``max_errors``, most confident first), binary (2 classes only,
    else None), calibration, robustness, efficiency, slices (+ slices_skipped)
    and run.  Missing optional inputs give None sections, never an error.
    """
    _validate(predictions, labels)
    y_true = predictions["label"].astype(str).to_numpy()
    y_pred = predictions["pred"].astype(str).to_numpy()
    all_labels = _all_labels(labels, y_true, y_pred)
    proba = _proba_matrix(predictions, labels, all_labels)
    summary: dict[str, Any] = metrics.summary_metrics(y_true, y_pred, labels=all_labels, y_proba=proba)
    summary["n_test"] = len(predictions)
    summary["n_errors"] = int(np.sum(y_true != y_pred))
    per_class = _per_class(y_true, y_pred, all_labels)
    for row in per_class:
        row.update(_class_explanations(row, dataset_noun))
    confusion = _confusion(y_true, y_pred, all_labels)
    calibration = _calibration(y_true, y_pred, proba, _confidence(predictions, proba), all_labels)
    slices, skipped = _slices(predictions, y_true, y_pred, slice_columns, summary["accuracy"])
    report = {
        "labels": all_labels,
        "dataset_noun": dataset_noun,
        "summary": summary,
        "explanations": _explanations(
            summary,
            per_class,
            np.asarray(confusion["counts"]),
            y_true,
            all_labels,
            calibration,
            dataset_noun,
        ),
        "per_class": per_class,
        "confusion": confusion,
        "errors": _errors(predictions, y_true, y_pred, max_errors),
        "binary": _binary(y_true, proba, all_labels),
        "calibration": calibration,
        "robustness": robustness,
        "efficiency": efficiency,
        "slices": slices,
        "slices_skipped": skipped,
        "run": run_info or {},
    }
    return _jsonable(report)


def report_to_json(report: dict) -> str:
    """Strict JSON (no NaN) for saving next to the run."""
    return json.dumps(_jsonable(report), ensure_ascii=False, indent=2, allow_nan=False)


# --------------------------------------------------------------------------- HTML export

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
color:#1f2933;padding:0 1rem;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #e4e7eb;padding-bottom:.3rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem;width:100%}
th,td{border:1px solid #e4e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f7fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.text{max-width:520px;white-space:pre-wrap;word-break:break-word}
.tiles{display:flex;flex-wrap:wrap;gap:.8rem}.tile{border:1px solid #e4e7eb;border-radius:8px;padding:.7rem;
flex:1 1 260px}.tile .v{font-size:1.6rem;font-weight:600}.tile .n{color:#52606d;font-size:.85rem}
.muted{color:#7b8794}.fig{margin:1rem 0}
"""

_TILE_KEYS = (
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "mcc",
    "cohen_kappa",
    "log_loss",
    "ece",
)
METRIC_NAMES = {
    "accuracy": "Accuracy",
    "balanced_accuracy": "Balanced accuracy",
    "precision_macro": "Precision (macro)",
    "recall_macro": "Recall (macro)",
    "f1_macro": "F1 (macro)",
    "precision_micro": "Precision (micro)",
    "recall_micro": "Recall (micro)",
    "f1_micro": "F1 (micro)",
    "precision_weighted": "Precision (weighted)",
    "recall_weighted": "Recall (weighted)",
    "f1_weighted": "F1 (weighted)",
    "mcc": "Matthews correlation (MCC)",
    "cohen_kappa": "Cohen's kappa",
    "log_loss": "Log loss",
    "ece": "Expected calibration error",
}
_PERCENT_METRICS = {k for k in METRIC_NAMES if k not in ("mcc", "cohen_kappa", "log_loss")}


def format_metric(key: str, value: float | None) -> str:
    """Display string for a summary metric: percentages for rates, decimals otherwise."""
    if value is None:
        return "n/a"
    if key == "ece":
        return f"{100 * value:.1f} pts"
    return _pct(value) if key in _PERCENT_METRICS else f"{value:.3f}"


def _e(value: Any) -> str:
    """HTML-escape anything (user text, label names, run names)."""
    return html.escape("" if value is None else str(value), quote=True)


def _cell(value: Any, fmt: str | None) -> str:
    """One <td>, numbers right-aligned, long text wrapped."""
    if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<td class="num">{_e(format(value, fmt))}</td>'
    if fmt == "text":
        return f'<td class="text">{_e(value)}</td>'
    return f"<td>{_e(value)}</td>"


def _table(rows: Sequence[dict], columns: Sequence[tuple[str, str, str | None]]) -> str:
    """HTML table; columns are (key, header, format) with format a format-spec, 'text' or None."""
    head = "".join(f"<th>{_e(h)}</th>" for _, h, _ in columns)
    body = "".join("<tr>" + "".join(_cell(r.get(k), f) for k, _, f in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Figures:
    """Embeds plotly figures; the plotly.js bundle is inlined with the first one only."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, fig: Any) -> str:
        include = "inline" if self.count == 0 else False
        self.count += 1
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=include,
            div_id=f"fig-{self.count}",
            config={"displaylogo": False, "responsive": True},
        )
        return f'<div class="fig">{div}</div>'


def _na(section: str) -> str:
    return f'<p class="muted">{_e(section)} is not available for this run.</p>'


def _html_summary(report: dict) -> str:
    s, ex = report["summary"], report["explanations"]
    tiles = "".join(
        f'<div class="tile"><div>{_e(METRIC_NAMES[k])}</div><div class="v">{_e(format_metric(k, s[k]))}</div>'
        f'<div class="n">{_e(ex.get(k, ""))}</div></div>'
        for k in _TILE_KEYS
        if k in s
    )
    rows = [{"name": METRIC_NAMES[k], "value": format_metric(k, s[k]), "ex": ex.get(k, "")} for k in METRIC_NAMES if k in s]
    table = _table(
        rows,
        [
            ("name", "Metric", None),
            ("value", "Value", None),
            ("ex", "What it means here", None),
        ],
    )
    noun = report.get("dataset_noun", "texts")
    intro = f"<p>{_e(s['n_test'])} test {_e(noun)}, {_e(s['n_errors'])} misclassified.</p>"
    return f"<h2>Summary</h2>{intro}<div class='tiles'>{tiles}</div><h3>All metrics</h3>{table}"


def _html_per_class(report: dict, fig: _Figures) -> str:
    from core.plots import report_figures as figures

    cols = [
        ("label", "Class", None),
        ("precision", "Precision", ".3f"),
        ("recall", "Recall", ".3f"),
        ("f1", "F1", ".3f"),
        ("support", "Support", "d"),
        ("recall_explanation", "Recall in words", None),
        ("precision_explanation", "Precision in words", None),
    ]
    return f"<h2>Per class</h2>{fig(figures.per_class_f1_figure(report))}{_table(report['per_class'], cols)}"


def _html_confusion(report: dict, fig: _Figures) -> str:
    from core.plots import report_figures as figures

    top = [{"true": t, "pred": p, "count": c} for t, p, c in report["confusion"]["top_confusions"][:20]]
    cols = [
        ("true", "True label", None),
        ("pred", "Predicted as", None),
        ("count", "Count", "d"),
    ]
    return (
        "<h2>Confusion matrix</h2>"
        + fig(figures.confusion_matrix_figure(report))
        + fig(figures.confusion_matrix_figure(report, normalized=True))
        + "<h3>Most frequent confusions</h3>"
        + (_table(top, cols) if top else "<p>No confusions: every test example was labelled correctly.</p>")
    )


def _html_errors(report: dict, limit: int = 100) -> str:
    errors = report["errors"][:limit]
    if not errors:
        return "<h2>Errors</h2><p>No misclassified examples.</p>"
    cols = [
        ("row_id", "Row", None),
        ("text", "Text", "text"),
        ("label", "True label", None),
        ("pred", "Predicted", None),
        ("confidence", "Confidence", ".3f"),
    ]
    note = f"<p>The {len(errors)} most confident mistakes (of {report['summary']['n_errors']}).</p>"
    return f"<h2>Errors</h2>{note}{_table(errors, cols)}"


def _html_binary(report: dict, fig: _Figures) -> str:
    from core.plots import report_figures as figures

    if not report.get("binary"):
        return ""
    b = report["binary"]
    intro = f"<p>Positive class: {_e(b['positive'])}. ROC AUC {_e(_fmt(b['auc']))}, average precision {_e(_fmt(b['average_precision']))}.</p>"
    return f"<h2>Binary curves</h2>{intro}{fig(figures.roc_figure(report))}{fig(figures.pr_figure(report))}"


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def _html_calibration(report: dict, fig: _Figures) -> str:
    from core.plots import report_figures as figures

    if not report.get("calibration"):
        return "<h2>Calibration</h2>" + _na("Calibration")
    text = report["explanations"].get("ece", "")
    return f"<h2>Calibration</h2><p>{_e(text)}</p>{fig(figures.reliability_figure(report))}{fig(figures.confidence_histogram_figure(report))}"


def _html_robustness(report: dict, fig: _Figures) -> str:
    from core.plots import report_figures as figures

    if not report.get("robustness"):
        return "<h2>Robustness</h2>" + _na("A robustness check")
    cols = [
        ("perturbation", "Perturbation", None),
        ("description", "What changes", None),
        ("accuracy", "Accuracy", ".3f"),
        ("drop", "Drop (points)", ".1f"),
        ("changed_share", "Predictions changed", ".1%"),
    ]
    return f"<h2>Robustness</h2>{fig(figures.robustness_figure(report))}{_table(report['robustness'], cols)}"


def _html_efficiency(report: dict) -> str:
    eff = report.get("efficiency")
    if not eff:
        return "<h2>Efficiency</h2>" + _na("Efficiency measurement")
    rows = [{"k": k, "v": v} for k, v in eff.items()]
    return "<h2>Efficiency</h2>" + _table(rows, [("k", "Measure", None), ("v", "Value", ",.2f")])


def _html_slices(report: dict, fig: _Figures) -> str:
    from core.plots import report_figures as figures

    if not report.get("slices"):
        return "<h2>Slices</h2>" + _na("A slice analysis")
    cols = [
        ("value", "Value", None),
        ("n", "Examples", "d"),
        ("accuracy", "Accuracy", ".3f"),
        ("f1_macro", "F1 (macro)", ".3f"),
        ("gap_points", "Gap to overall (points)", "+.1f"),
    ]
    parts = ["<h2>Slices</h2>"]
    for sl in report["slices"]:
        parts.append(f"<h3>{_e(sl['column'])}</h3>{fig(figures.slice_figure(report, sl['column']))}{_table(sl['values'], cols)}")
    return "".join(parts)


def _html_run(report: dict) -> str:
    run = report.get("run") or {}
    if not run:
        return ""
    rows = [
        {
            "k": k,
            "v": json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v,
        }
        for k, v in run.items()
    ]
    return "<h2>Run</h2>" + _table(rows, [("k", "Setting", None), ("v", "Value", None)])


def report_to_html(report: dict, *, title: str) -> str:
    """One standalone, offline HTML file: plotly.js inlined once, every user string escaped."""
    fig = _Figures()
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "".join(
        [
            f"<h1>{_e(title)}</h1><p class='muted'>Evaluation report generated by Tuneboard on {_e(created)}.</p>",
            _html_summary(report),
            _html_per_class(report, fig),
            _html_confusion(report, fig),
            _html_errors(report),
            _html_binary(report, fig),
            _html_calibration(report, fig),
            _html_robustness(report, fig),
            _html_efficiency(report),
            _html_slices(report, fig),
            _html_run(report),
        ]
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{_e(title)}</title>"
        f"<style>{_CSS}</style></head><body>{body}</body></html>"
    )


def safe_filename(name: str) -> str:
    """File-system-safe version of a run name for the downloaded report."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "report"
