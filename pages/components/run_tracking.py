"""Where else a run can be seen: its TensorBoard event files (the command that shows every run) and its MLflow run
(a link for a tracking server; the store and ids for a file or database store), and how to turn on what is off."""

from __future__ import annotations

import streamlit as st

from core.store import Run
from core.train import tracking
from pages.components.i18n import t
from pages.components.safe_text import escape_markdown


def render(run: Run) -> None:
    """A small expander, only when the run was logged somewhere."""
    logged = (run.info or {}).get("mlflow") or {}
    has_tensorboard = tracking.has_tensorboard(run.id)  # a folder listing: once per draw
    if not has_tensorboard and not logged:
        return
    with st.expander(t("runs.tracking.title")):
        if has_tensorboard:
            st.caption(t("runs.tracking.tensorboard"))
            st.code(tracking.tensorboard_command(), language="bash")
            if not tracking.tensorboard_viewer_installed():
                st.caption(t("runs.tracking.tensorboard_missing"))
        url = tracking.mlflow_run_url(run)
        if url:
            st.link_button(t("runs.tracking.mlflow_open"), url, icon=":material/open_in_new:")
        elif logged:
            st.caption(t("runs.tracking.mlflow_store", uri=escape_markdown(str(logged.get("tracking_uri", ""))),
                         run_id=escape_markdown(str(logged.get("run_id", "")))))
        else:  # say how to get the next runs into MLflow
            st.caption(t(f"runs.tracking.mlflow_{tracking.mlflow_setup()}"))
