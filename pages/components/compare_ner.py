"""Named-entity runs side by side: each run's entity-level numbers with their 95 % intervals in one table, so a
difference smaller than the intervals' width is not read as a win, and the test sentences on which the runs find
different entities, each run's entities written out as "words (TYPE)".  (The paired test above the tabs says whether
the difference is real on the shared sentences; per-type F1 is the shared per-class view.)

User text (words, types, run names) is only shown in table cells."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core.compare import alignment, loading, tables
from core.evaluate.intervals import N_RESAMPLES, interval_text
from core.ner.metrics import sentence_entities
from core.store import Run
from pages.components.i18n import current_language, t, tr
from pages.components.safe_text import escape_markdown

__all__ = ["disagreements", "entity_text", "summary"]
MAX_SHOWN = 1000


def summary_frame(runs: Sequence[Run], labels: dict[str, str], language: str) -> pd.DataFrame:
    """One row per run, one column per NER metric: '81.2% (95% CI 78.9–83.4%)' (the value alone without interval)."""
    rows = {}
    for run in runs:
        values = loading.run_metrics(run)
        cells = {}
        for metric in tables.NER_METRICS:
            value = values.get(metric)
            if value is None:
                cells[metric] = t("compare.metrics.missing")
                continue
            ci = interval_text(metric, loading.metric_interval(run, metric), language, bare=True)
            cells[metric] = tables.format_value(metric, value) + (f" ({ci})" if ci else "")
        rows[labels[run.id]] = cells
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(tables.NER_METRICS))
    return frame.rename(columns={m: t(f"compare.metric.{m}") for m in tables.NER_METRICS})


def summary(runs: Sequence[Run], labels: dict[str, str]) -> None:
    """The entity-level summary table with intervals, and how to read it."""
    st.caption(t("ner_compare.summary_intro"))
    frame = summary_frame(runs, labels, current_language()).rename_axis(t("ner_compare.run"))
    st.dataframe(frame, key="cmp_ner_summary")
    st.caption(t("intervals.help", n_resamples=f"{N_RESAMPLES:,}"))


def entity_text(text: object, tags: object) -> str:
    """A sentence's entities as 'Maria Pemberly (PER) · Oslo (LOC)' (stored words and tags: space-joined)."""
    words, tag_list = str(text).split(), str(tags).split()
    if len(words) != len(tag_list):
        return str(tags)
    found = sentence_entities([tag_list])[0]
    return " · ".join(f"{' '.join(words[start:end])} ({type_})" for type_, start, end in found) or "–"


def disagreements(runs: Sequence[Run], labels: dict[str, str]) -> None:
    """The shared test sentences on which the runs' entities differ, most divided first, entities written out."""
    result = alignment.disagreements(runs, {r.id: loading.load_predictions(r.id) for r in runs})
    if result.frame is None:
        st.warning(tr(result.sentence))
        return
    st.caption(escape_markdown(tr(result.sentence)))
    if result.frame.empty:
        st.success(t("ner_compare.all_agree"))
        return
    frame = result.frame.head(MAX_SHOWN)
    shown = pd.DataFrame({t("compare.disagree.row_id"): frame["row_id"] if "row_id" in frame else range(len(frame)),
                          t("ner_compare.sentence"): frame["text"],
                          t("ner_compare.true_entities"): [entity_text(x, y) for x, y in zip(frame["text"], frame["label"], strict=True)]})
    for run in runs:
        shown[t("ner_compare.run_entities", run=labels[run.id])] = [
            entity_text(x, y) for x, y in zip(frame["text"], frame[run.id], strict=True)]
    shown[t("ner_compare.n_correct")] = frame["n_correct"].to_numpy()
    if len(result.frame) > MAX_SHOWN:
        st.caption(t("compare.disagree.showing", shown=MAX_SHOWN, total=len(result.frame)))
    st.dataframe(shown, hide_index=True, key="cmp_ner_disagreements",
                 column_config={t("ner_compare.sentence"): st.column_config.TextColumn(width="large"),
                                t("ner_compare.n_correct"): st.column_config.NumberColumn(help=t("ner_compare.n_correct_help"))})
