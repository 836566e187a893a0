"""Streamlit rendering of an evaluation report (see :mod:`core.evaluate.report`).

All numbers come from the report dict; ``predictions`` (the run's
``predictions.parquet`` frame) is only used to list examples and to recompute
binary metrics at a chosen threshold.  User text (example texts, label names)
is only shown through ``st.dataframe`` / ``st.text`` or with Markdown escaped --
never as HTML.  No torch/transformers here: rendering must stay fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core.evaluate import metrics
from core.evaluate.explanations import report_explanations
from core.evaluate.report import format_metric
from core.plots import classification_figures, confusion, reliability_figures
from core.plots.class_layout import confusion_subset
from core.plots.report_words import metric_name, perturbation_description, perturbation_name
from core.results import prob_column
from pages.components import report_efficiency, report_guard
from pages.components.i18n import current_language, t, tr

__all__ = ["render_report"]

_TILE_KEYS = (
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "mcc",
    "cohen_kappa",
    "log_loss",
    "ece",
    "precision_macro",
    "recall_macro",
    "f1_weighted",
)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")

# A table column: (its catalogue key under report.col, how to show it given its header).
Column = tuple[str, Callable[[str], Any]]


def _text(name: str) -> Any:
    return st.column_config.TextColumn(name)


def _number(name: str) -> Any:
    return st.column_config.NumberColumn(name)


def _percent(name: str) -> Any:
    return st.column_config.NumberColumn(name, format="percent")


def _points(name: str) -> Any:
    return st.column_config.NumberColumn(name, format="%.1f")


def _plain(text: str) -> str:
    """Escape Markdown so label names inside our sentences render literally."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _na(what: str) -> None:
    """'<section> is not available for this run.' (``what``: a key of ``report.na``)."""
    st.info(t(f"report.na.{what}"))


def _table(frame: pd.DataFrame, columns: dict[str, Column], *, key: str) -> None:
    """``frame``'s ``columns`` (those it has, in that order) under headers in this session's language.

    The frame itself gets the translated headers, not only the column config, so every view of the
    table (sorting, download, AppTest) shows the same words.
    """
    present = [c for c in columns if c in frame.columns]
    names = {c: t(f"report.col.{columns[c][0]}") for c in present}
    config = {names[c]: columns[c][1](names[c]) for c in present}
    st.dataframe(frame[present].rename(columns=names), hide_index=True, key=key, column_config=config)


def _metric_value(key: str, value: float | None) -> str:
    """A summary metric as the tiles show it (core's format; its few words in this language)."""
    if value is None:
        return t("report.na_value")
    if key == "ece":
        return t("report.ece_points", value=f"{100 * value:.1f}")
    return format_metric(key, value)


def _str_frame(predictions: pd.DataFrame | None) -> pd.DataFrame:
    """Predictions with label/pred as strings (the report keys labels as strings)."""
    if predictions is None or len(predictions) == 0:
        return pd.DataFrame(columns=["row_id", "text", "label", "pred", "confidence"])
    frame = predictions.copy()
    for column in ("label", "pred"):
        frame[column] = frame[column].astype(str)
    if "row_id" not in frame:
        frame["row_id"] = range(len(frame))
    return frame


def _show_examples(frame: pd.DataFrame, *, key: str) -> None:
    """Examples most confident first, text as plain cells."""
    shown = frame.sort_values("confidence", ascending=False) if "confidence" in frame else frame
    _table(shown, {
        "row_id": ("row", _number),
        "text": ("text", lambda name: st.column_config.TextColumn(name, width="large")),
        "label": ("true_label", _text),
        "pred": ("predicted", _text),
        "confidence": ("confidence", _percent),
    }, key=key)


# --------------------------------------------------------------------------- overview


def _overview(report: dict, *, key: str) -> None:
    summary, explanations = report["summary"], report.get("explanations", {})
    language = current_language()
    noun = report.get("dataset_noun", "texts")  # core's English noun; "texts" (the default) has a translation
    noun = t("report.noun_texts") if noun == "texts" else noun
    st.text(t("report.overview.counts", n_test=summary["n_test"], noun=noun, n_errors=summary.get("n_errors", 0)))
    keys = [k for k in _TILE_KEYS if k in summary]
    columns = st.columns(4)
    for i, metric_key in enumerate(keys):
        with columns[i % 4]:
            st.metric(
                metric_name(language, metric_key),
                _metric_value(metric_key, summary[metric_key]),
                help=_plain(explanations.get(metric_key, "")) or None,
                border=True,
            )
    with st.expander(t("report.overview.meaning")):
        for metric_key, sentence in explanations.items():
            st.text(t("report.overview.explanation_line", metric=metric_name(language, metric_key), sentence=sentence))
    st.subheader(t("report.overview.per_class"))
    per_class = pd.DataFrame(report["per_class"])
    _table(per_class, {
        "label": ("class", _text),
        "precision": ("precision", _percent),
        "recall": ("recall", _percent),
        "f1": ("f1", _percent),
        "support": ("support", lambda name: st.column_config.NumberColumn(name, help=t("report.col.support_help"))),
        "n_predicted": ("n_predicted",
                        lambda name: st.column_config.NumberColumn(name, help=t("report.col.n_predicted_help"))),
    }, key=f"{key}-per-class")
    _class_sentences(per_class, key=key)
    st.plotly_chart(classification_figures.per_class_f1_figure(report, language=language), key=f"{key}-f1-chart")


def _class_sentences(per_class: pd.DataFrame, *, key: str) -> None:
    """Plain-language recall/precision for one chosen class."""
    if "recall_explanation" not in per_class:
        return
    label = st.selectbox(t("report.overview.explain_class"), per_class["label"].tolist(), key=f"{key}-explain-class")
    row = per_class[per_class["label"] == label].iloc[0]
    for column in ("recall_explanation", "precision_explanation", "f1_explanation"):
        if column in row:
            st.text(str(row[column]))


# --------------------------------------------------------------------------- confusion matrix


def _selected_cell(event: Any) -> tuple[str, str] | None:
    """(true, predicted) of the clicked cell, from the scatter layer's customdata."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or []:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)) and len(data) >= 2:
            return str(data[0]), str(data[1])
        if "x" in point and "y" in point:
            return str(point["y"]), str(point["x"])
    return None


def _default_cell(report: dict) -> tuple[str, str]:
    """Most frequent confusion, or the first diagonal cell when there are none."""
    top = report["confusion"].get("top_confusions") or []
    labels = report["confusion"]["labels"]
    return (str(top[0][0]), str(top[0][1])) if top else (labels[0], labels[0])


def _apply_click(event: Any, *, key: str) -> None:
    """A new click on a cell moves the True/Predicted pickers to it (they are drawn after the chart).

    Only a *changed* selection is applied: the chart keeps its selection across reruns, and
    re-applying it would undo every later change the user makes with the pickers.
    """
    cell = _selected_cell(event)
    if cell is None or cell == st.session_state.get(f"{key}-cm-clicked"):
        return
    st.session_state[f"{key}-cm-clicked"] = cell
    st.session_state[f"{key}-cm-true"], st.session_state[f"{key}-cm-pred"] = cell


def _confusion(report: dict, frame: pd.DataFrame, *, key: str) -> None:
    labels, language = report["confusion"]["labels"], current_language()
    normalized = st.toggle(t("report.confusion.normalized"), key=f"{key}-cm-norm")
    max_classes, picked = 30, []
    if len(labels) > 30:
        left, right = st.columns([1, 2])
        max_classes = left.slider(t("report.confusion.classes_shown"), 2, min(len(labels), 100), 30, key=f"{key}-cm-max")
        picked = right.multiselect(t("report.confusion.pick_classes"), labels, key=f"{key}-cm-classes",
                                   placeholder=t("report.confusion.pick_placeholder"), help=t("report.confusion.pick_help"))
    fig = confusion.confusion_matrix_figure(report, normalized=normalized, max_classes=max_classes, classes=picked,
                                            language=language)
    note = confusion_subset(report, max_classes, picked, language=language)[1]
    if note:
        st.caption(note)
    # A matrix too wide for the page keeps its size (readable labels); the page scrolls sideways.
    event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key=f"{key}-cm-chart",
                            width="content" if fig.layout.width else "stretch")
    st.caption(t("report.confusion.click_hint"))
    _apply_click(event, key=key)
    for name, default in zip(("true", "pred"), _default_cell(report), strict=True):
        if st.session_state.get(f"{key}-cm-{name}") not in labels:
            st.session_state[f"{key}-cm-{name}"] = default
    left, right = st.columns(2)
    true_label = left.selectbox(t("report.confusion.true_label"), labels, key=f"{key}-cm-true")
    pred_label = right.selectbox(t("report.confusion.predicted_label"), labels, key=f"{key}-cm-pred")
    cell = frame[(frame["label"] == true_label) & (frame["pred"] == pred_label)]
    st.text(t("report.confusion.cell", true=true_label, pred=pred_label, examples=_examples(len(cell))))
    if len(cell):
        _show_examples(cell, key=f"{key}-cm-examples")


def _examples(n: int, what: str = "test_example") -> str:
    """'1 test example', '3 test examples' (``what``: test_example or misclassified_example)."""
    return t(f"report.count.{what}_{'one' if n == 1 else 'other'}", n=f"{n:,}")


# --------------------------------------------------------------------------- errors


def _errors(report: dict, frame: pd.DataFrame, *, key: str) -> None:
    # Without predictions fall back to the (capped) list stored in the report.
    wrong = frame[frame["label"] != frame["pred"]] if len(frame) else pd.DataFrame(report.get("errors") or [])
    if wrong.empty:
        st.success(t("report.errors.none"))
        return
    left, right = st.columns(2)
    true_filter = left.multiselect(t("report.confusion.true_label"), sorted(wrong["label"].unique()), key=f"{key}-err-true")
    pred_filter = right.multiselect(t("report.confusion.predicted_label"), sorted(wrong["pred"].unique()),
                                    key=f"{key}-err-pred")
    if true_filter:
        wrong = wrong[wrong["label"].isin(true_filter)]
    if pred_filter:
        wrong = wrong[wrong["pred"].isin(pred_filter)]
    st.text(t("report.errors.listed", examples=_examples(len(wrong), "misclassified_example")))
    _show_examples(wrong, key=f"{key}-err-table")


# --------------------------------------------------------------------------- binary


def _threshold_block(binary: dict, frame: pd.DataFrame, *, key: str) -> None:
    """Slider that recomputes precision/recall/F1 and the 2x2 matrix at a threshold."""
    positive, negative = binary["positive"], binary["negative"]
    column = prob_column(positive)
    if column not in frame:
        st.info(t("report.binary.needs_probabilities"))
        return
    threshold = st.slider(
        t("report.binary.threshold", positive=positive),
        0.0,
        1.0,
        0.5,
        0.01,
        key=f"{key}-threshold",
    )
    result = metrics.threshold_metrics(
        frame["label"],
        frame[column].astype(float),
        positive=positive,
        negative=negative,
        threshold=threshold,
    )
    cols = st.columns(4)
    for col, name in zip(cols, ("precision", "recall", "f1", "accuracy"), strict=True):
        col.metric(t(f"report.binary.metric.{name}"), f"{100 * result[name]:.1f}%")
    matrix = pd.DataFrame(
        result["confusion_matrix"],
        index=[t("report.binary.true_row", label=label) for label in (negative, positive)],
        columns=[t("report.binary.predicted_column", label=label) for label in (negative, positive)],
    )
    st.dataframe(matrix, key=f"{key}-threshold-cm")
    st.text(t("report.binary.flags", threshold=f"{threshold:.2f}", flagged=result["tp"] + result["fp"], positive=positive,
              tp=result["tp"], fp=result["fp"], fn=result["fn"]))


def _binary(report: dict, frame: pd.DataFrame, *, key: str) -> None:
    binary = report.get("binary")
    if not binary:
        _na("binary")
        return
    left, right = st.columns(2)
    with left:
        st.plotly_chart(classification_figures.roc_figure(report, language=current_language()), key=f"{key}-roc")
    with right:
        st.plotly_chart(classification_figures.pr_figure(report, language=current_language()), key=f"{key}-pr")
    _threshold_block(binary, frame, key=key)


# --------------------------------------------------------------------------- other tabs


def _calibration(report: dict, *, key: str) -> None:
    if not report.get("calibration"):
        _na("calibration")
        return
    st.text(report.get("explanations", {}).get("ece", ""))
    language = current_language()
    left, right = st.columns(2)
    with left:
        st.plotly_chart(reliability_figures.reliability_figure(report, language=language), key=f"{key}-reliability")
    with right:
        st.plotly_chart(reliability_figures.confidence_histogram_figure(report, language=language),
                        key=f"{key}-confidence")


def _robustness(report: dict, *, key: str) -> None:
    rows = report.get("robustness")
    if not rows:
        _na("robustness")
        return
    language = current_language()
    st.plotly_chart(reliability_figures.robustness_figure(report, language=language), key=f"{key}-robustness")
    frame = pd.DataFrame(rows)
    if "description" in frame:  # core's fixed sentence per perturbation, in this language
        frame["description"] = [perturbation_description(language, name, text)
                                for name, text in zip(frame["perturbation"], frame["description"], strict=True)]
    frame["perturbation"] = [perturbation_name(language, name) for name in frame["perturbation"]]
    _table(frame, {
        "perturbation": ("perturbation", _text),
        "description": ("description", _text),
        "accuracy": ("accuracy", _percent),
        "drop": ("drop", _points),
        "changed_share": ("changed_share", _percent),
        "texts_modified_share": ("texts_modified_share", _percent),
        "n_texts": ("n_texts", _number),
    }, key=f"{key}-robustness-table")


def _slices(report: dict, *, key: str) -> None:
    slices = report.get("slices") or []
    for skipped in report.get("slices_skipped") or []:
        # The stored message shows in this language; an older report has only the English reason.
        st.text(t("report.slices.skipped", column=skipped["column"], reason=tr(skipped.get("message") or skipped["reason"])))
    if not slices:
        _na("slices")
        return
    columns = [s["column"] for s in slices]
    column = st.selectbox(t("report.slices.slice_by"), columns, key=f"{key}-slice-col")
    st.plotly_chart(reliability_figures.slice_figure(report, column, language=current_language()),
                    key=f"{key}-slice-chart")
    block = next(s for s in slices if s["column"] == column)
    _table(pd.DataFrame(block["values"]), {
        "value": ("value", _text),
        "n": ("n", _number),
        "accuracy": ("accuracy", _percent),
        "f1_macro": ("f1_macro", _percent),
        "gap_points": ("gap_points", lambda name: st.column_config.NumberColumn(name, format="%+.1f")),
    }, key=f"{key}-slice-table")


# --------------------------------------------------------------------------- entry point


def render_report(report: dict, predictions: pd.DataFrame | None, *, key: str) -> None:
    """Render every section of ``report`` in tabs; ``key`` must be unique on the page.

    Sections the run lacks (binary, robustness, efficiency, slices ...) show
    "not available for this run" instead of failing.
    """
    frame = _str_frame(predictions)
    # The saved sentences are English: in another language they are written again from the report's own numbers.
    explanations, per_class = report_explanations(report, language=current_language())
    report = {**report, "explanations": explanations, "per_class": per_class}
    report_guard.render(report)  # would the TF-IDF baseline have won? (above the tabs: users must not miss it)
    names = ["overview", "confusion", "errors"]
    if report.get("binary"):
        names.append("binary")
    names += ["calibration", "robustness", "efficiency", "slices"]
    tabs = dict(zip(names, st.tabs([t(f"report.tab.{name}") for name in names]), strict=True))
    with tabs["overview"]:
        _overview(report, key=key)
    with tabs["confusion"]:
        _confusion(report, frame, key=key)
    with tabs["errors"]:
        _errors(report, frame, key=key)
    if "binary" in tabs:
        with tabs["binary"]:
            _binary(report, frame, key=key)
    with tabs["calibration"]:
        _calibration(report, key=key)
    with tabs["robustness"]:
        _robustness(report, key=key)
    with tabs["efficiency"]:
        report_efficiency.render(report, key=key)
    with tabs["slices"]:
        _slices(report, key=key)
