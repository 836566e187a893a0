"""The parts of a model card and of its usage code that differ per task kind (multi-label, regression, pairs).

:func:`core.serve.export.model_card` writes the card; for a plain single-label run it stays as it always was, and for
the other kinds it asks this module for: the intro and a line naming the kind, the data table (examples per label,
or the target's range), the test metrics (multi-label micro/macro F1, subset accuracy, Hamming loss; regression
MSE/MAE/Pearson/Spearman), the label thresholds, intended use and limits, and the ``pipeline(...)`` call that answers
in the kind's shape.  Report layouts are :mod:`core.evaluate.report_multilabel` / :mod:`core.evaluate.report_regression`.
Every phrase is a catalogue string (section ``serve_tasks.card``), so the card reads the same in every language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from core.i18n import translate
from core.tasks import Task, split_labels

KIND_TAGS = {"multi_label": "multi-label-classification", "regression": "text-regression"}
MULTI_LABEL_METRICS = ("f1_micro", "f1_macro", "f1_samples", "subset_accuracy", "hamming_loss", "roc_auc_macro")
REGRESSION_METRICS = ("mse", "rmse", "mae", "r2", "pearson", "spearman", "baseline_mse")
_PERCENT = {"f1_micro", "f1_macro", "f1_samples", "subset_accuracy", "hamming_loss"}


def say(language: str, key: str, **params: object) -> str:
    """One phrase of the per-kind card (catalogue section ``serve_tasks.card``)."""
    return translate(language, f"serve_tasks.card.{key}", **params)


def kind_key(task: Task) -> str:
    """The catalogue key of the kind in words: ``serve_tasks.kind.<key>``, ``serve_ner.kind`` for NER."""
    return "serve_ner.kind" if task.ner else f"serve_tasks.kind.{task.key}"


def kind_name(task: Task, language: str) -> str:
    """The kind in words (:func:`kind_key`)."""
    return translate(language, kind_key(task))


def pct(value: Any) -> str:
    return f"{100 * value:.1f}%" if isinstance(value, int | float) else "–"


def number(value: Any) -> str:
    """A metric or target value: thousands with separators, else three decimals; ``–`` when unknown."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not np.isfinite(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"


# ---------------------------------------------------------------------------- head of the card
def tags(task: Task) -> list[str]:
    """Extra front-matter tags naming the kind (the Hub's filters read them)."""
    extra = [f"- {KIND_TAGS[task.target]}"] if task.target in KIND_TAGS else []
    return extra + (["- sentence-pair-classification"] if task.pair else [])


def intro(task: Task, language: str, **params: object) -> list[str]:
    """The card's first paragraph and the line that names the kind."""
    return [say(language, f"intro_{task.key}", **params), "", say(language, "kind_line", kind=kind_name(task, language))]


# ---------------------------------------------------------------------------- data
def label_counts(cells: Sequence[Any], labels: Sequence[str]) -> tuple[dict[str, int], int]:
    """Texts carrying each label, and texts carrying none, in stored multi-label cells."""
    counts = dict.fromkeys(labels, 0)
    empty = 0
    for cell in cells:
        found = split_labels(cell)
        empty += not found
        for label in found:
            if label in counts:
                counts[label] += 1
    return counts, empty


def data_table(task: Task, language: str, values: Sequence[Any] | None, labels: Sequence[str],
               report: dict[str, Any], counted_on: str) -> list[str]:
    """Examples per label (multi-label) or the target's range (regression), from ``values`` (the label column of
    the whole dataset or of the test split); the report's test counts when no values are known."""
    counted = translate(language, f"export.card.counted_{counted_on.replace(' ', '_')}")
    if task.multi_label:
        if values is not None:
            counts, empty = label_counts(values, labels)
        else:
            counts = {row["label"]: int(row.get("support", 0)) for row in report.get("per_label", [])}
            empty = None
        lines = [say(language, "label_header", counted_on=counted), "|---|---:|"]
        lines += [f"| {label} | {counts.get(label, 0):,} |" for label in labels]
        return lines + ([f"| {say(language, 'no_label')} | {empty:,} |"] if empty is not None else [])
    numbers = np.asarray([float(v) for v in values or [] if _is_number(v)], dtype=float)
    if not len(numbers):
        return []
    rows = [("target_texts", f"{len(numbers):,}"), ("target_low", number(numbers.min())),
            ("target_mean", number(numbers.mean())), ("target_median", number(float(np.median(numbers)))),
            ("target_high", number(numbers.max()))]
    return [say(language, "target_header", counted_on=counted), "|---|---:|",
            *(f"| {say(language, key)} | {value} |" for key, value in rows)]


def _is_number(value: Any) -> bool:
    try:
        return bool(np.isfinite(float(value)))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------- results
def metric_lines(task: Task, language: str, summary: dict[str, Any]) -> list[str]:
    """The metric table rows of the kind's headline metrics."""
    keys = MULTI_LABEL_METRICS if task.multi_label else REGRESSION_METRICS
    return [f"| {say(language, f'metric_{key}')} | {pct(summary[key]) if key in _PERCENT else number(summary[key])} |"
            for key in keys if key in summary]


def per_label_lines(language: str, report: dict[str, Any]) -> list[str]:
    """Multi-label: precision, recall, F1, threshold and test support per label."""
    rows = report.get("per_label") or []
    if not rows:
        return []
    lines = ["", say(language, "per_label_header"), "|---|---:|---:|---:|---:|---:|"]
    return lines + [f"| {r['label']} | {pct(r.get('precision'))} | {pct(r.get('recall'))} | {pct(r.get('f1'))} | "
                    f"{number(r.get('threshold'))} | {r.get('support', 0)} |" for r in rows]


def threshold_lines(language: str, labels: Sequence[str], thresholds: Sequence[float]) -> list[str]:
    """Multi-label: the rule and each label's threshold (the numbers in ``config.json``'s ``label_thresholds``)."""
    lines = ["", say(language, "thresholds"), "", say(language, "thresholds_text"), "", say(language, "threshold_header"),
             "|---|---:|"]
    return lines + [f"| {label} | {float(t):.4g} |" for label, t in zip(labels, thresholds, strict=True)]


# ---------------------------------------------------------------------------- use and limits
def use_text(task: Task, language: str, dataset: str, labels: Sequence[str], value_range: dict | None) -> str:
    """The 'Intended use' paragraph of the kind."""
    separator = translate(language, "export.card.separator")
    quoted = separator.join(translate(language, "export.card.class_quote", label=x) for x in labels)
    if task.regression:
        low, high = (number(value_range["low"]), number(value_range["high"])) if value_range else ("–", "–")
        return say(language, f"use_{task.key}", dataset=dataset, low=low, high=high)
    return say(language, f"use_{task.key}", dataset=dataset, labels=quoted)


def length_limit(task: Task, language: str, max_length: int) -> str:
    """Truncation: one text, or the two texts of a pair together."""
    key = "limit_length_pair" if task.pair else None
    words = int(max_length * 0.75)
    if key:
        return say(language, key, max_length=max_length, words=words)
    return translate(language, "export.card.limit_length", max_length=max_length, words=words)


def limits(task: Task, language: str, report: dict[str, Any], labels: Sequence[str], max_length: int,
           value_range: dict | None) -> list[str]:
    """Plain-language limits of a multi-label or regression run, from its own numbers (the shared lines of the
    single-label card: small test set, tiny test model, bias, are added by the caller)."""
    summary = report.get("summary", {})
    if task.multi_label:
        lines = [say(language, "limit_labels", k=len(labels)), length_limit(task, language, max_length)]
        if isinstance(summary.get("subset_accuracy"), int | float) and isinstance(summary.get("hamming_loss"), int | float):
            lines.append(say(language, "limit_subset", subset=pct(summary["subset_accuracy"]),
                             hamming=pct(summary["hamming_loss"])))
        rows = sorted(report.get("per_label") or [], key=lambda row: row.get("f1", 0))
        if len(rows) > 1 and rows[0].get("f1", 1) < rows[-1].get("f1", 0) - 0.1:
            lines.append(translate(language, "export.card.limit_weakest", worst=rows[0]["label"],
                                   worst_f1=pct(rows[0]["f1"]), best=rows[-1]["label"], best_f1=pct(rows[-1]["f1"])))
        return lines
    low, high = (number(value_range["low"]), number(value_range["high"])) if value_range else ("–", "–")
    lines = [say(language, "limit_number", low=low, high=high), length_limit(task, language, max_length)]
    if isinstance(summary.get("mae"), int | float):
        lines.append(say(language, "limit_error", mae=number(summary["mae"]), rmse=number(summary.get("rmse")),
                         spearman=number(summary.get("spearman"))))
    mse, baseline = summary.get("mse"), summary.get("baseline_mse")
    if isinstance(mse, int | float) and isinstance(baseline, int | float) and mse >= baseline:
        lines.append(say(language, "limit_mean", mean=number(summary.get("target_mean"))))
    return lines


# ---------------------------------------------------------------------------- usage code
def pipeline_call(task: Task, example: str, pair_example: str | None, *, peft: bool = False) -> list[str]:
    """The lines after ``classifier = pipeline(...)`` that answer in the kind's shape (``example`` and
    ``pair_example`` are ``repr`` strings).  A prompt-tuning adapter has no ``config.json`` of its own, so its
    multi-label thresholds are read from the zip's ``thresholds.json``."""
    lines: list[str] = []
    if task.pair:
        lines.append(f"pair = {{\"text\": {example}, \"text_pair\": {pair_example}}}  # the two texts of one pair")
        example = "pair"
    if task.multi_label:
        source = 'json.load(open("thresholds.json"))' if peft else "classifier.model.config.label_thresholds"
        lines += [
            f"thresholds = {source}  # one per label, tuned on the validation split",
            f'scores = classifier({example}, top_k=None, function_to_apply="sigmoid")  # every label, its probability',
            'print([s["label"] for s in scores if s["score"] >= thresholds[s["label"]]])  # the predicted labels',
        ]
    elif task.regression:
        shape = '{"label": "score", "score": 3.7}' if task.pair else '[{"label": "score", "score": 3.7}]'
        lines.append(f'print(classifier({example}, function_to_apply="none"))  # {shape}: the predicted number')
    else:
        lines.append(f"print(classifier({example}, top_k=None))  # every class with its probability")
    return lines
