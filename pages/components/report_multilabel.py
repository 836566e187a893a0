"""The evaluation report of a multi-label run (see :mod:`core.evaluate.report_multilabel`): headline measures with a
plain sentence each, results per label, which labels occur together and which get mixed up, the texts with a wrong
label set, and slices.

Every number comes from the report dict.  User text (texts, label names) is only shown in table cells
(``st.dataframe``) or through ``st.text``, never as Markdown or HTML.  The headline tiles and the slice table are
shared with the regression view (:mod:`pages.components.report_regression`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.evaluate.intervals import N_RESAMPLES, interval_text
from core.plots import task_figures
from core.tasks import split_labels
from pages.components import report_efficiency, report_guard
from pages.components import report_tables as tables
from pages.components.i18n import current_language, t, tr

__all__ = ["headline", "interval", "interval_caption", "metric_value", "render", "slices"]

_HEADLINE = ("f1_micro", "f1_macro", "f1_samples", "subset_accuracy", "hamming_loss")
_MORE = ("precision_micro", "recall_micro", "precision_macro", "recall_macro", "jaccard_samples", "roc_auc_macro")
_RATIOS = {"roc_auc_macro"}  # shown as a number between 0 and 1, not as a percentage


# ------------------------------------------------------------------ shared with the regression view


def metric_value(value: float | None, *, percent: bool = True, digits: str = ".3f") -> str:
    """A measure as a tile shows it: ``81.2%`` or ``0.812`` (``digits``), 'n/a' when the report has none."""
    if value is None:
        return t("report.na_value")
    return f"{100 * value:.1f}%" if percent else f"{value:{digits}}"


def interval(report: dict, metric: str) -> str:
    """The metric's 95 % bootstrap interval as its tile writes numbers ('95% CI 81.2–84.9%'); '' when the report
    has none (reports saved before intervals existed, a measure without one)."""
    return interval_text(metric, (report.get("intervals") or {}).get(metric), current_language())


def interval_caption(text: str) -> None:
    """An interval under its tile, with what it means on hover (so a 0.5-point lead is not read as a win)."""
    if text:
        st.caption(text, help=t("intervals.help", n_resamples=f"{N_RESAMPLES:,}"))


def headline(tiles: list[tuple[str, str, str, str]], *, per_row: int = 3) -> None:
    """``(name, value, sentence, interval)`` as metric tiles, each with its interval ('' for none) and its one-line
    plain explanation under it."""
    columns = st.columns(per_row)
    for i, (name, value, sentence, ci) in enumerate(tiles):
        with columns[i % per_row]:
            st.metric(name, value, border=True)
            interval_caption(ci)
            st.caption(sentence)


_SLICE_COLUMNS: dict[str, tables.Column] = {
    "value": ("value", tables.text),
    "n": ("n", tables.number),
    "f1_micro": ("report_ui.col.f1_micro", tables.percent),
    "subset_accuracy": ("report_ui.col.subset_accuracy", tables.percent),
    "mae": ("report_ui.col.mae", lambda name: st.column_config.NumberColumn(name, format="%.4g")),
    "spearman": ("report_ui.col.spearman", lambda name: st.column_config.NumberColumn(name, format="%.3f")),
    "gap_points": ("report_ui.col.gap_points", lambda name: st.column_config.NumberColumn(name, format="%+.1f")),
}


def slices(report: dict, *, key: str) -> None:
    """The slice table (each value of a chosen column: its size and the kind's measures) and the skipped columns."""
    for skipped in report.get("slices_skipped") or []:
        st.text(t("report.slices.skipped", column=skipped["column"], reason=tr(skipped.get("message") or skipped["reason"])))
    blocks = report.get("slices") or []
    if not blocks:
        tables.na("slices")
        return
    column = st.selectbox(t("report.slices.slice_by"), [b["column"] for b in blocks], key=f"{key}-slice-col")
    block = next(b for b in blocks if b["column"] == column)
    tables.table(pd.DataFrame(block["values"]), _SLICE_COLUMNS, key=f"{key}-slice-table")


# ------------------------------------------------------------------ multi-label


def _name(metric: str) -> str:
    return t(f"report_ui.metric.{metric}")


def _overview(report: dict, *, key: str) -> None:
    summary = report["summary"]
    st.text(t("report_ui.ml.counts", n_test=f"{summary.get('n_test', 0):,}", n_errors=f"{summary.get('n_errors', 0):,}"))
    tiles = [(_name(m), metric_value(summary.get(m)), t(f"report_ui.explain.{m}"), interval(report, m))
             for m in _HEADLINE if m in summary]
    true, pred = summary.get("label_cardinality_true"), summary.get("label_cardinality_pred")
    if true is not None and pred is not None:
        tiles.append((_name("label_cardinality"), f"{true:.2f} / {pred:.2f}", t("report_ui.explain.label_cardinality"), ""))
    headline(tiles)
    more = [m for m in _MORE if m in summary]
    if more:
        with st.expander(t("report_ui.ml.more_measures")):
            frame = pd.DataFrame({"measure": [_name(m) for m in more],
                                  "value": [metric_value(summary[m], percent=m not in _RATIOS) for m in more]})
            tables.table(frame, {"measure": ("report_ui.col.measure", tables.text),
                                 "value": ("value", tables.text)}, key=f"{key}-ml-more")
    st.subheader(t("report_ui.ml.per_label"))
    tables.table(pd.DataFrame(report.get("per_label") or []), {
        "label": ("report_ui.col.label", tables.text),
        "precision": ("precision", tables.percent),
        "recall": ("recall", tables.percent),
        "f1": ("f1", tables.percent),
        "support": ("report_ui.col.support",
                    lambda name: st.column_config.NumberColumn(name, help=t("report_ui.col.support_help"))),
        "predicted": ("report_ui.col.predicted",
                      lambda name: st.column_config.NumberColumn(name, help=t("report_ui.col.predicted_help"))),
        "threshold": ("report_ui.col.threshold",
                      lambda name: st.column_config.NumberColumn(name, format="%.2f",
                                                                 help=t("report_ui.col.threshold_help"))),
        "roc_auc": ("report_ui.col.roc_auc",
                    lambda name: st.column_config.NumberColumn(name, format="%.3f", help=t("report_ui.col.roc_auc_help"))),
    }, key=f"{key}-per-label")
    st.plotly_chart(task_figures.per_label_f1_figure(report, language=current_language()), key=f"{key}-ml-f1")


def _pattern(row: dict) -> str:
    """One error pattern in words: '‘A’ taken for ‘B’' (an unknown kind: the two labels)."""
    kind = row.get("kind", "confused")
    name = f"report_ui.ml.pattern_{kind}" if kind in ("confused", "missed_together") else "report_ui.ml.pattern_other"
    return t(name, a=row["label_a"], b=row["label_b"])


def _cooccurrence(report: dict, *, key: str) -> None:
    st.plotly_chart(task_figures.cooccurrence_figure(report, language=current_language()), key=f"{key}-ml-cooc")
    st.caption(t("report_ui.ml.cooccurrence_help"))
    st.subheader(t("report_ui.ml.patterns"))
    rows = report.get("cooccurrence_errors") or []
    if not rows:
        st.info(t("report_ui.ml.no_patterns"))
        return
    st.caption(t("report_ui.ml.patterns_help"))
    frame = pd.DataFrame({"pattern": [_pattern(r) for r in rows], "n": [r["n"] for r in rows]})
    tables.table(frame, {"pattern": ("report_ui.col.pattern", tables.text),
                         "n": ("report_ui.col.pattern_n", tables.number)}, key=f"{key}-ml-patterns")


def _labels_cell(value: Any) -> str:
    """A label set as one cell: 'a, b' ('(none)' for an empty set); lists or stored 'a|b' cells."""
    labels = [str(x) for x in value] if isinstance(value, list | tuple) else split_labels(value)
    return ", ".join(labels) if labels else t("report_ui.ml.no_labels")


def _errors(report: dict, *, key: str) -> None:
    rows = report.get("errors") or []
    if not rows:
        st.success(t("report_ui.ml.no_errors"))
        return
    chosen = st.multiselect(t("report_ui.ml.filter"), [str(x) for x in report.get("labels") or []],
                            key=f"{key}-ml-err-labels", help=t("report_ui.ml.filter_help"),
                            placeholder=t("report_ui.ml.filter_placeholder"))
    if chosen:
        wanted = set(chosen)
        rows = [r for r in rows if wanted & {str(x) for x in [*(r.get("missing") or []), *(r.get("extra") or [])]}]
    count = "one" if len(rows) == 1 else "other"
    st.text(t(f"report_ui.ml.errors_listed_{count}", n=f"{len(rows):,}"))
    if not rows:
        return
    frame = pd.DataFrame(rows)
    for column in ("label", "pred", "missing", "extra"):
        if column in frame:
            frame[column] = [_labels_cell(v) for v in frame[column]]
    wide = lambda name: st.column_config.TextColumn(name, width="large")  # noqa: E731
    tables.table(frame, {
        "row_id": ("row", tables.number),
        "text": ("text", wide),
        "text_pair": ("report_ui.col.text_pair", wide),
        "label": ("report_ui.col.true_labels", tables.text),
        "pred": ("report_ui.col.predicted_labels", tables.text),
        "missing": ("report_ui.col.missing", tables.text),
        "extra": ("report_ui.col.extra", tables.text),
    }, key=f"{key}-ml-errors")


def render(report: dict, predictions: pd.DataFrame | None = None, *, key: str) -> None:
    """Render a multi-label report in tabs; ``key`` must be unique on the page.  (``predictions`` is unused: every
    number and the error list are in the report.)"""
    report_guard.render(report)
    names = ["overview", "cooccurrence", "errors", "efficiency", "slices"]
    labels = [t(f"report_ui.tab.{name}") if name == "cooccurrence" else t(f"report.tab.{name}") for name in names]
    tabs = dict(zip(names, st.tabs(labels), strict=True))
    with tabs["overview"]:
        _overview(report, key=key)
    with tabs["cooccurrence"]:
        _cooccurrence(report, key=key)
    with tabs["errors"]:
        _errors(report, key=key)
    with tabs["efficiency"]:
        report_efficiency.render(report, key=key)
    with tabs["slices"]:
        slices(report, key=key)
