"""The sidebar shown on every page: workspace, active runs, and the crash watchdog."""

from __future__ import annotations

import streamlit as st

from core import jobs, paths, store
from pages.components.safe_text import escape_markdown


@st.cache_resource
def _reconcile_once() -> list[str]:
    """At app start, runs left `running` by a previous app whose worker is gone become `failed`."""
    crashed = jobs.reconcile()
    if store.list_runs(statuses=["queued"], limit=1):
        jobs.ensure_scheduler()
    return crashed


def render() -> None:
    """Draw the shared sidebar."""
    _reconcile_once()
    with st.sidebar:
        active = store.list_runs(statuses=["queued", "running"])
        if active:
            st.caption("Active runs")
            for run in active[:5]:
                st.page_link("pages/runs.py", label=f"{escape_markdown(run.name)} — {jobs.status_line(run)}",
                             icon=":material/play_circle:", query_params={"run": run.id})
        st.caption(f"Workspace: `{paths.home()}`")
