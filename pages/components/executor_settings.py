"""Where a workspace's runs train: this machine or a Ray cluster (the executor setting, saved in the workspace).

A small expander on the Train page.  When ``TUNEBOARD_EXECUTOR`` is set the environment decides, and the expander
only says so; when Ray is missing it says how to install it.
"""

from __future__ import annotations

import streamlit as st

from core.jobs import executor
from pages.components.i18n import t


def render() -> None:
    """The executor expander (collapsed: most workspaces never change it)."""
    current = executor.current()
    with st.expander(t("runs.ray.settings_title"), icon=":material/hub:"):
        if executor.from_environment():
            st.caption(t("runs.ray.from_env", kind=current["kind"]))
            if current["kind"] == "ray" and current["address"]:
                st.code(current["address"], language=None)
            return
        names = {kind: t(f"runs.ray.{kind}") for kind in executor.KINDS}
        kind = st.radio(t("runs.ray.executor"), list(executor.KINDS), index=list(executor.KINDS).index(current["kind"]),
                        format_func=names.__getitem__, horizontal=True, key="executor_kind")
        address = st.text_input(t("runs.ray.address"), value=current["address"], help=t("runs.ray.address_help"),
                                disabled=kind != "ray", key="executor_address")
        if kind == "ray" and not executor.ray_installed():
            st.info(t("runs.ray.missing"))
        if st.button(t("runs.ray.save"), key="executor_save"):
            executor.save(kind, address if kind == "ray" else "")
            st.success(t("runs.ray.saved", where=names[kind]))
        st.caption(t("runs.ray.explain"))
