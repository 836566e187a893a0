"""The Data page's kind of data: the column pickers, what was detected and why, the override (asking when it could
be either), the columns each kind needs; and the kind's part of the health report (metrics and charts)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data import task_detect
from core.data.columns import ColumnGuess, detect_columns
from core.data.health import HealthReport
from core.data.label_sets import format_number
from core.data.task_detect import TaskGuess
from core.plots.health_figures import (
    label_cardinality_figure,
    label_cooccurrence_figure,
    label_distribution_figure,
    length_histogram_figure,
    pair_length_figure,
    target_histogram_figure,
)
from core.tasks import REGRESSION, SINGLE_LABEL, TASK_KEYS, Task
from pages.components.i18n import current_language, t, tr
from pages.components.safe_text import escape_markdown

SEPARATORS = ["|", ";", ",", ""]  # "" = none: JSON lists, or one label per cell
ONE_COLUMN, INDICATORS = "cell", "columns"


def kind_name(task: Task) -> str:
    """A kind's name in this session's language."""
    return t(f"task.name.{task.key}")


def choose(df: pd.DataFrame) -> TaskGuess:
    """Column pickers, the detected kind with its reason, the override and the kind's own pickers; returns the
    choice :func:`core.data.task_detect.clean_for` cleans with."""
    guess, columns = detect_columns(df), list(df.columns)
    detected = task_detect.detect_task(df, guess)
    text, label = _pick_columns(guess, detected, columns)
    default_label = detected.label or _first_label(detected, columns)
    auto = detected if (text, label) == (detected.text, default_label) else task_detect.task_for_columns(df, text, label)
    st.info(t("task_detect.ui.detected", kind=kind_name(auto.task), reason=escape_markdown(tr(auto.reason))),
            icon=":material/category:")
    if auto.ask is not None:
        answers = {SINGLE_LABEL: t("task_detect.ui.ask_classes"), REGRESSION: t("task_detect.ui.ask_numbers")}
        answer = st.radio(t("task_detect.ui.ask", label=escape_markdown(label)), list(answers), format_func=answers.get,
                          horizontal=True, help=escape_markdown(tr(auto.ask)))
        if answer == REGRESSION:
            auto = task_detect.with_task(df, auto, Task(REGRESSION, auto.task.pair))
    names = {key: t(f"task.name.{key}") for key in TASK_KEYS}  # made here, in the script run (see upload_flow)
    key = st.selectbox(t("task_detect.ui.kind"), list(TASK_KEYS), index=TASK_KEYS.index(auto.task.key),
                       format_func=names.get, help=t("task_detect.ui.kind_help"))
    choice = task_detect.with_task(df, auto, Task.from_key(key))
    if not choice.label and not choice.label_columns:
        choice.label = label  # leaving 0/1 columns for one label column: the one picked above
    if choice.task.pair:
        choice.pair = _pick_pair(df, choice, columns)
    if choice.task.multi_label:
        _pick_labels(df, choice, columns, label)
    return choice


def _first_label(detected: TaskGuess, columns: list) -> str:
    if detected.label_columns:
        return detected.label_columns[0]
    return columns[min(1, len(columns) - 1)]


def _pick_columns(guess: ColumnGuess, detected: TaskGuess, columns: list) -> tuple[str, str]:
    left, right = st.columns(2)
    text = left.selectbox(t("data.upload.text_column"), columns, index=columns.index(detected.text),
                          help=t("data.upload.text_column_help"))
    if text == guess.text:
        left.caption(escape_markdown(tr(guess.messages.get("text", ""))))
    label_default = detected.label or _first_label(detected, columns)
    label = right.selectbox(t("data.upload.label_column"), columns, index=columns.index(label_default),
                            help=t("data.upload.label_column_help"))
    if label == guess.label and detected.task.target == "single_label":  # other kinds: the "Detected" line says why
        right.caption(escape_markdown(tr(guess.messages.get("label", ""))))
    if guess.slices:
        st.caption(t("data.upload.slices", columns=", ".join(f"‘{c}’" for c in guess.slices)))
    return text, label


def _pick_pair(df: pd.DataFrame, choice: TaskGuess, columns: list) -> str:
    likely = task_detect.pair_candidates(df, choice.text, exclude={choice.label})
    options = [*likely, *(c for c in columns if c not in likely and c not in (choice.text, choice.label))] or columns
    index = options.index(choice.pair) if choice.pair in options else 0
    return st.selectbox(t("task_detect.ui.pair_column"), options, index=index, help=t("task_detect.ui.pair_column_help"))


def _pick_labels(df: pd.DataFrame, choice: TaskGuess, columns: list, label: str) -> None:
    """Where a multi-label table keeps its labels: one column (and its separator) or one 0/1 column per label."""
    sources = {ONE_COLUMN: t("task_detect.ui.label_source_cell"), INDICATORS: t("task_detect.ui.label_source_columns")}
    source = st.radio(t("task_detect.ui.label_source"), list(sources), format_func=sources.get, horizontal=True,
                      index=1 if choice.label_columns else 0)
    if source == INDICATORS:
        default = choice.label_columns or task_detect.indicator_columns(df, exclude={choice.text, choice.pair})
        options = [c for c in columns if c not in (choice.text, choice.pair)]
        choice.label_columns = st.multiselect(t("task_detect.ui.label_columns"), options,
                                              default=[c for c in default if c in options],
                                              help=t("task_detect.ui.label_columns_help"))
        choice.label, choice.separator = "", None
        return
    choice.label_columns = []
    if not choice.label:
        choice.label = label
    shown = {sep: sep for sep in SEPARATORS} | {"": t("task_detect.ui.separator_json")}
    index = SEPARATORS.index(choice.separator) if choice.separator in SEPARATORS else SEPARATORS.index("")
    picked = st.selectbox(t("task_detect.ui.separator"), SEPARATORS, index=index, format_func=shown.get,
                          help=t("task_detect.ui.separator_help"))
    choice.separator = picked or None


# ------------------------------------------------------------------ the report per kind
def metrics(report: HealthReport, column) -> None:
    """The report's second metric: classes, labels (and labels per text) or the target's range."""
    task = Task.from_dict(report.task)
    if task.regression and report.regression:
        section = report.regression
        column.metric(t("task_detect.ui.target_range"), f"{format_number(section['min'])} – {format_number(section['max'])}",
                      help=f"{t('task_detect.ui.target_mean')}: {section['mean']:.3g}")
    elif task.multi_label and report.multi_label:
        column.metric(t("task_detect.ui.labels"), len(report.label_counts),
                      help=f"{t('task_detect.ui.labels_per_text')}: {report.multi_label['mean_labels']:.2f}")
    else:
        column.metric(t("data.report.classes"), len(report.label_counts))


def charts(report: HealthReport) -> None:
    """The report's charts for its kind, two to a row."""
    language = current_language()
    figures = [
        None if report.regression else ("labels", label_distribution_figure(report, language=language)),
        ("cardinality", label_cardinality_figure(report, language=language)),
        ("cooccurrence", label_cooccurrence_figure(report, language=language)),
        ("target", target_histogram_figure(report, language=language)),
        ("pair", pair_length_figure(report, language=language)),
        ("lengths", length_histogram_figure(report, language=language)),
    ]
    shown = [(name, fig) for name, fig in filter(None, figures) if fig is not None]
    for start in range(0, len(shown), 2):
        for column, (name, fig) in zip(st.columns(2), shown[start:start + 2], strict=False):
            column.plotly_chart(fig, key=f"health_{name}")


def saved_text(record, report: HealthReport, rows: str) -> str:
    """The save message: classes, labels or the target's range."""
    task = Task.from_dict(report.task)
    name = escape_markdown(record.name)
    if task.regression and report.regression:
        return t("task_detect.save.saved_target", name=name, rows=rows, low=format_number(report.regression["min"]),
                 high=format_number(report.regression["max"]))
    if task.multi_label:
        return t("task_detect.save.saved_labels", name=name, rows=rows, n=len(record.labels))
    return ""
