"""Compare runs: 2–10 runs side by side, a leaderboard per dataset, and a one-click classical baseline.

Preselect runs with ``?runs=ID,ID`` or ``st.session_state["compare_runs"] = [ID, ...]`` (see compare_pick).
"""

import streamlit as st

from core import store
from core.compare.loading import MIN_RUNS
from pages.components import compare_leaderboard, compare_pick, compare_suites, compare_view
from pages.components.compare_view import namer
from pages.components.i18n import t

# Widget values stay these English ids in every language (tests and session state use them); the catalogue names them.
_MODES = {"Side by side": "side_by_side", "Leaderboard": "leaderboard", "Suites": "suites"}

st.title(t("compare.title"))
all_runs = store.list_runs()
if not all_runs:
    st.info(t("compare.no_runs"))
    st.page_link("pages/train.py", label=t("compare.go_train"), icon=":material/model_training:")
    st.stop()

mode_name = namer("compare.mode")
view = st.segmented_control(t("compare.view_label"), list(_MODES), default="Side by side", format_func=lambda m: mode_name(_MODES[m]),
                            key="compare_view_mode", label_visibility="collapsed")
if view == "Leaderboard":
    compare_leaderboard.render_leaderboard(all_runs)
    st.stop()
if view == "Suites":
    compare_suites.render()
    st.stop()

chosen = compare_pick.pick_runs(all_runs)
compare_pick.baseline_adder(all_runs)
if len(chosen) < MIN_RUNS:
    st.info(t("compare.pick_more"))
    st.stop()

by_id = {r.id: r for r in all_runs}
compare_view.render([by_id[i] for i in chosen])
