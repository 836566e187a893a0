"""The report's confusion-matrix tab (click a cell to list its examples) and its misclassified-examples tab."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.plots import confusion as confusion_plot
from core.plots.class_layout import confusion_subset
from pages.components import report_tables as tables
from pages.components.i18n import current_language, t


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


def confusion(report: dict, frame: pd.DataFrame, *, key: str) -> None:
    labels, language = report["confusion"]["labels"], current_language()
    normalized = st.toggle(t("report.confusion.normalized"), key=f"{key}-cm-norm")
    max_classes, picked = 30, []
    if len(labels) > 30:
        left, right = st.columns([1, 2])
        max_classes = left.slider(t("report.confusion.classes_shown"), 2, min(len(labels), 100), 30, key=f"{key}-cm-max")
        picked = right.multiselect(t("report.confusion.pick_classes"), labels, key=f"{key}-cm-classes",
                                   placeholder=t("report.confusion.pick_placeholder"), help=t("report.confusion.pick_help"))
    fig = confusion_plot.confusion_matrix_figure(report, normalized=normalized, max_classes=max_classes, classes=picked,
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
        tables.show_examples(cell, key=f"{key}-cm-examples")


def _examples(n: int, what: str = "test_example") -> str:
    """'1 test example', '3 test examples' (``what``: test_example or misclassified_example)."""
    return t(f"report.count.{what}_{'one' if n == 1 else 'other'}", n=f"{n:,}")


# --------------------------------------------------------------------------- errors


def errors(report: dict, frame: pd.DataFrame, *, key: str) -> None:
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
    tables.show_examples(wrong, key=f"{key}-err-table")
