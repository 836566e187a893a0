"""Named-entity runs side by side: each run's entity-level numbers with their 95 % intervals in one table, so a
difference smaller than the intervals' width is not read as a win.  (The paired test above the tabs says whether
the difference is real on the shared sentences; per-type F1 is the shared per-class view.)"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core.compare import loading, tables
from core.evaluate.intervals import N_RESAMPLES, interval_text
from core.store import Run
from pages.components.i18n import current_language, t

__all__ = ["summary"]


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
