"""Repeat a run with several seeds (a seed group: core.jobs.seeds), and what its group says so far."""

from __future__ import annotations

import streamlit as st

from core import store
from core.compare.groups import group_of, headline_text
from core.errors import TuneboardError
from core.jobs import seeds
from core.store import Run
from pages.components.i18n import current_language, t, tr
from pages.components.safe_text import escape_markdown as plain


def render(run: Run) -> None:
    """An expander: the run's group (if any) with its mean ± sd, and "queue the other seeds"."""
    group = group_of(run)
    with st.expander(t("groups.repeat"), icon=":material/stacked_line_chart:"):
        if group:
            st.caption(plain(t("groups.member", group=group, seeds=", ".join(map(str, run.info.get("group_seeds", []))))))
            summary = headline_text(run, store.list_runs(), current_language())
            if summary:
                st.markdown(plain(summary))
        if run.info.get("kind") == "baseline":
            return
        count = st.number_input(t("groups.repeat_count"), min_value=2, max_value=seeds.MAX_SEEDS, value=3, step=1,
                                key=f"seeds_count_{run.id}", help=t("groups.repeat_help"))
        if st.button(t("groups.repeat_button"), icon=":material/add_task:", key=f"seeds_go_{run.id}"):
            try:
                queued = seeds.repeat_with_seeds(run.id, int(count))
            except TuneboardError as exc:
                st.error(tr(exc))
                return
            st.success(t("groups.repeat_queued", n=len(queued),
                         seeds=", ".join(str(r.config.get("seed")) for r in queued)))
