"""The playground's answers per task kind: the summary table of every text, then one text looked at closely.

- single label (one text or a pair): the predicted class and every class's probability;
- multi-label: the labels whose probability reaches their threshold, highlighted, with a chart of every label's
  probability against its threshold and a table of both;
- regression: the predicted number (``st.metric``) with the range of the targets the model learnt from.

Word explanations (occlusion, :mod:`core.serve.explain`) cover single texts: a class's probability, the chosen
label's probability (multi-label) or the number (regression).  A pair run says plainly that they are for single texts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from core import results as runs
from core.plots.label_scores import label_scores_figure
from core.serve import card_tasks, task_output
from core.serve import loading as serving
from core.store import Run
from core.tasks import PAIR_COLUMN, Task, split_labels
from pages.components import playground_explain
from pages.components.i18n import current_language, t

Explain = Callable[[str, str, int, float], list[tuple[str, float]]]


@st.cache_data(show_spinner=False, max_entries=8)
def _target_range(run_id: str, stamp: float) -> dict[str, float] | None:
    return task_output.target_range(run_id)


def _label_list(cell: object) -> str:
    """A multi-label answer as the page shows it: the labels, or a word saying there are none."""
    labels = split_labels(cell)
    return t("serve_tasks.playground.label_separator").join(labels) if labels else t("serve_tasks.playground.no_labels")


def summary(frame: pd.DataFrame, truth: Sequence[object | None], task: Task) -> None:
    """One row per text: the text(s), the answer (and its confidence for a class), the true answer of test texts."""
    # The headers are the frame's own column names (what the page shows), so they are translated here.
    text, confidence = t("playground.single.col_text"), t("playground.single.col_confidence")
    table = pd.DataFrame({text: frame["text"]})
    config: dict[str, object] = {text: st.column_config.TextColumn(text, width="medium")}
    if task.pair:
        second = t("serve_tasks.playground.col_second_text")
        table[second] = frame[PAIR_COLUMN]
        config[second] = st.column_config.TextColumn(second, width="medium")
    if task.multi_label:
        table[t("serve_tasks.playground.col_predicted_labels")] = frame["pred"].map(_label_list)
    elif task.regression:
        predicted = t("playground.single.col_predicted")
        table[predicted] = frame["pred"].astype(float)
        config[predicted] = st.column_config.NumberColumn(predicted, format="%.3f")
    else:
        table[t("playground.single.col_predicted")] = frame["pred"]
        table[confidence] = frame["confidence"]
        # Medium widths: text + predicted + confidence fit an 800 px window without hiding the confidence.
        config[confidence] = st.column_config.ProgressColumn(confidence, min_value=0.0, max_value=1.0,
                                                             format="percent", width="medium")
    if any(value is not None for value in truth):
        _truth_column(table, truth, task)
    st.dataframe(table, hide_index=True, key="pg_summary", column_config=config)


def _truth_column(table: pd.DataFrame, truth: Sequence[object | None], task: Task) -> None:
    if task.multi_label:
        table[t("serve_tasks.playground.col_true_labels")] = ["" if v is None else _label_list(v) for v in truth]
    elif task.regression:
        table[t("serve_tasks.playground.col_true_value")] = [np.nan if v is None else float(v) for v in truth]
    else:
        table[t("playground.single.col_true_label")] = ["" if v is None else str(v) for v in truth]


def details(run: Run, frame: pd.DataFrame, model: serving.Predictor, task: Task, explain: Explain) -> None:
    """The answer for one chosen text, with its scores and (for single texts) which words mattered."""
    index = 0
    if len(frame) > 1:
        index = st.selectbox(t("playground.single.look_closer"), range(len(frame)), key="pg_pick",
                             format_func=lambda i: f"{i + 1}. {frame['text'].iloc[i][:90]}")
    row = frame.iloc[index]
    if task.regression:
        target, shown = 0, _number(run, float(row["pred"]))
    elif task.multi_label:
        target, shown = _labels(row, model)
    else:
        target, shown = _classes(row, model.labels)
    if task.pair:
        st.caption(t("serve_tasks.playground.explain_pairs"))
        return
    st.markdown(t("playground.single.which_words"))
    with st.spinner(t("playground.single.explaining")):
        stamp = serving.model_dir(run.id).stat().st_mtime
        scores = explain(run.id, str(row["text"]), target, stamp)
    playground_explain.render(scores, shown, kind=task.target)


def _classes(row: pd.Series, labels: list[str]) -> tuple[int, str]:
    """Single label: the predicted class and every class's probability; explains the predicted class."""
    # Stacked, not side by side: in a narrow column the probability bars were cut off at 800 px.
    st.metric(t("playground.single.predicted_class"), str(row["pred"]), help=t("playground.single.predicted_class_help"))
    name, probability = t("playground.single.col_class"), t("playground.single.col_probability")
    probs = pd.DataFrame({name: labels, probability: [float(row[runs.prob_column(x)]) for x in labels]})
    st.dataframe(probs.sort_values(probability, ascending=False), hide_index=True, key="pg_probs", width="stretch",
                 column_config={name: st.column_config.TextColumn(name, width="medium"),
                                probability: st.column_config.ProgressColumn(probability, min_value=0.0, max_value=1.0,
                                                                             format="percent", width="medium")})
    return labels.index(row["pred"]), str(row["pred"])


def _labels(row: pd.Series, model: serving.Predictor) -> tuple[int, str]:
    """Multi-label: the labels at or above their thresholds, a chart and a table of every label; explains the label
    the user picks (the most probable one first)."""
    labels = model.labels
    probs = np.asarray([float(row[runs.prob_column(x)]) for x in labels])
    cuts = np.full(len(labels), 0.5) if model.thresholds is None else np.asarray(model.thresholds, dtype=float)
    st.metric(t("serve_tasks.playground.predicted_labels"), _label_list(row["pred"]),
              help=t("serve_tasks.playground.predicted_labels_help"))
    st.plotly_chart(label_scores_figure(labels, probs, cuts, language=current_language()), key="pg_ml_chart")
    name, probability = t("serve_tasks.playground.col_label"), t("playground.single.col_probability")
    threshold, chosen = t("serve_tasks.playground.col_threshold"), t("serve_tasks.playground.col_chosen")
    table = pd.DataFrame({name: labels, probability: probs, threshold: cuts, chosen: probs >= cuts})
    st.dataframe(table.sort_values(probability, ascending=False), hide_index=True, key="pg_ml_probs", width="stretch",
                 column_config={name: st.column_config.TextColumn(name, width="medium"),
                                probability: st.column_config.ProgressColumn(probability, min_value=0.0, max_value=1.0,
                                                                             format="percent", width="medium"),
                                threshold: st.column_config.NumberColumn(threshold, format="%.2f"),
                                chosen: st.column_config.CheckboxColumn(chosen)})
    order = [labels[j] for j in np.argsort(-probs, kind="stable")]
    picked = st.selectbox(t("serve_tasks.playground.explain_label"), order, key="pg_ml_label")
    return labels.index(picked), str(picked)


def _number(run: Run, value: float) -> str:
    """Regression: the predicted number, with the range of the targets the model learnt from."""
    shown = card_tasks.number(value)
    st.metric(t("serve_tasks.playground.predicted_number"), shown, help=t("serve_tasks.playground.predicted_number_help"))
    found = _target_range(run.id, serving.model_dir(run.id).stat().st_mtime)
    if found:
        st.caption(t("serve_tasks.playground.target_range", low=card_tasks.number(found["low"]),
                     high=card_tasks.number(found["high"]), mean=card_tasks.number(found["mean"])))
    return shown
