"""The sidebar shown on every page: workspace, active runs, and the crash watchdog."""

from __future__ import annotations

import streamlit as st

from core import paths, store
from core.jobs import queue as jobs
from pages.components.i18n import language_switch, t
from pages.components.run_status import status_text
from pages.components.safe_text import escape_markdown


@st.cache_resource
def _reconcile_once() -> list[str]:
    """At app start, runs left `running` by a previous app whose worker is gone become `failed`."""
    crashed = jobs.reconcile()
    if store.list_runs(statuses=["queued"], limit=1):
        jobs.ensure_scheduler()
    return crashed


POLL_S = 2.0


def _active_runs() -> None:
    """The queued/running runs, re-read on every tick so their status never goes stale."""
    active = store.list_runs(statuses=["queued", "running"])
    if active:
        st.caption(t("sidebar.active_runs"))
        for run in active[:5]:
            st.page_link("pages/runs.py", label=f"{escape_markdown(run.name)} — {status_text(run)}",
                         icon=":material/play_circle:", query_params={"run": run.id})
    elif st.session_state.get("_sidebar_polling"):
        # The last run just ended: one full rerun redraws the page once and defines the fragment without polling.
        st.session_state["_sidebar_polling"] = False
        st.rerun()


def render() -> None:
    """Draw the shared sidebar."""
    _reconcile_once()
    polling = bool(store.list_runs(statuses=["queued", "running"], limit=1))
    st.session_state["_sidebar_polling"] = polling
    with st.sidebar:
        language_switch()
        st.fragment(_active_runs, run_every=POLL_S if polling else None)()
        st.caption(t("sidebar.workspace", path=paths.home()))
