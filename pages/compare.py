"""Compare runs: 2–10 runs side by side, a leaderboard per dataset, and a one-click classical baseline.

Preselect runs with ``?runs=ID,ID`` or ``st.session_state["compare_runs"] = [ID, ...]`` (see compare_pick).
"""

import streamlit as st

from core import store
from core.compare.loading import MIN_RUNS
from pages.components import compare_leaderboard, compare_pick, compare_view

st.title("Compare runs")
all_runs = store.list_runs()
if not all_runs:
    st.info("No runs yet. Train two models (or one model and a baseline) and compare them here.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()

view = st.segmented_control("View", ["Side by side", "Leaderboard"], default="Side by side", key="compare_view_mode",
                            label_visibility="collapsed")
if view == "Leaderboard":
    compare_leaderboard.render_leaderboard(all_runs)
    st.stop()

chosen = compare_pick.pick_runs(all_runs)
compare_pick.baseline_adder(all_runs)
if len(chosen) < MIN_RUNS:
    st.info("Pick at least two runs above to see their curves, metrics, settings and predictions side by side.")
    st.stop()

by_id = {r.id: r for r in all_runs}
compare_view.render([by_id[i] for i in chosen])
