"""A sweep's charts: each trial's score with the best so far, the completed trials on parallel coordinates, and how
much each searched setting mattered (parameter importance, computed by the sweep's driver once enough trials have
completed; until then a sentence says why there is none yet).  The figures are built in core.plots.sweep_figures.
"""

from __future__ import annotations

import streamlit as st

from core.jobs.sweep.record import Sweep
from core.jobs.sweep.study import MIN_FOR_IMPORTANCE
from core.plots import sweep_figures
from pages.components.i18n import current_language, t


def render(sweep: Sweep) -> None:
    """The three charts of ``sweep`` in tabs."""
    language = current_language()
    history, parallel, importance = st.tabs([t("sweep.chart_tab.history"), t("sweep.chart_tab.parallel"),
                                             t("sweep.chart_tab.importance")])
    with history:
        if any(r["state"] in ("complete", "pruned") for r in sweep.trials):
            st.plotly_chart(sweep_figures.history_figure(sweep.trials, sweep.metric, sweep.direction, language=language),
                            key=f"sweep_history_{sweep.id}")
        else:
            st.caption(t("sweep.view.no_scores_yet"))
    with parallel:
        fig = sweep_figures.parallel_figure(sweep.trials, sweep.space, sweep.metric, sweep.direction, language=language)
        if fig is None:
            st.caption(t("sweep.view.parallel_later"))
        else:
            st.plotly_chart(fig, key=f"sweep_parallel_{sweep.id}")
    with importance:
        if sweep.importance:
            st.plotly_chart(sweep_figures.importance_figure(sweep.importance, language=language),
                            key=f"sweep_importance_{sweep.id}")
            st.caption(t("sweep.view.importance_caption"))
        elif len(sweep.space) < 2:
            st.caption(t("sweep.view.importance_one_setting"))
        else:
            complete = sum(1 for r in sweep.trials if r["state"] == "complete")
            st.caption(t("sweep.view.importance_later", needed=MIN_FOR_IMPORTANCE, complete=complete))
