"""Sweeps: search hyperparameters with Optuna — start a sweep, watch its trials live, see which settings matter, and
train a normal run with the best settings.

Open a sweep with ``?sweep=ID``.  A sweep runs in its own driver process (core.jobs.sweep.driver) and its trials are
ordinary runs, so the page only reads: the sweep's panel is a fragment that polls while the sweep runs.
"""

import streamlit as st

from core.jobs.sweep import record
from pages.components import sweep_form, sweep_view
from pages.components.i18n import t
from pages.components.safe_text import escape_markdown

# Widget values stay these English ids in every language (tests and session state use them); the catalogue names them.
_MODES = ("results", "new")

st.title(t("sweep.title"))
st.caption(t("sweep.intro"))
sweeps = record.list_sweeps()
if st.session_state.pop("_sweep_started", None):
    st.session_state["sweep_mode"] = "results"
if "sweep_mode" not in st.session_state:
    st.session_state["sweep_mode"] = "results" if sweeps else "new"
names = {m: t(f"sweep.mode.{m}") for m in _MODES}
mode = st.segmented_control(t("sweep.mode_label"), _MODES, format_func=names.__getitem__, key="sweep_mode",
                            label_visibility="collapsed") or "results"

if mode == "new":
    started = sweep_form.render()
    if started:
        st.query_params["sweep"] = started
        st.session_state["_sweep_started"] = True
        st.rerun()
    st.stop()

if not sweeps:
    st.info(t("sweep.empty"))
    st.stop()

by_id = {s.id: s for s in sweeps}
wanted = st.query_params.get("sweep")
shown = {i: t("sweep.pick_option", name=s.name, id=i, status=t(f"sweep.status.{record.state(s)}")) for i, s in by_id.items()}
sweep_id = st.selectbox(t("sweep.pick_label"), list(by_id), index=list(by_id).index(wanted) if wanted in by_id else 0,
                        format_func=shown.__getitem__)
st.query_params["sweep"] = sweep_id
sweep = by_id[sweep_id]
st.subheader(escape_markdown(sweep.name))
active = record.state(sweep) == "running"
st.fragment(run_every=sweep_view.POLL_S if active else None)(sweep_view.panel)(sweep_id, active)
with st.expander(t("sweep.reproduce")):
    st.code(sweep.cli, language="bash")
