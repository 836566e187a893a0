"""Start here: what Tuneboard does in four steps, and a one-click demo."""

import streamlit as st

import pages.components  # noqa: F401 - makes sure the app router runs (see its docstring)
from core.errors import TuneboardError
from core.jobs.demo import DEMO_EXAMPLE, DEMO_EXAMPLE_ZH, DEMO_OTHER_KINDS, start_demo
from pages.components.i18n import current_language, t, tr

st.title(t("home.title"))
st.markdown(t("home.intro"))

steps = st.columns(4)
for column, step in zip(steps, ("step_data", "step_train", "step_watch", "step_evaluate"), strict=True):
    column.markdown(t(f"home.{step}"))

st.divider()
st.subheader(t("home.try_now"))
st.write(t("home.demo_pitch"))
choices = [DEMO_EXAMPLE_ZH if current_language() == "zh" else DEMO_EXAMPLE, *DEMO_OTHER_KINDS]
# Named through a dict made here, not t() calls later: AppTest formats options outside the script run.
titles = {key: t(f"data.example.{key}.title") for key in choices}
example = st.selectbox(t("home.demo_pick"), choices, format_func=titles.__getitem__, help=t("home.demo_pick_help"))
st.caption(t(f"data.example.{example}.description"))
if st.button(t("home.demo_button"), type="primary", icon=":material/rocket_launch:"):
    try:
        run = start_demo(example, run_name=t("home.demo_run_name"), dataset_name=t(f"data.example.{example}.title"))
    except TuneboardError as exc:
        st.error(tr(exc))
    else:
        st.switch_page("pages/runs.py", query_params={"run": run.id})

st.caption(t("home.step_by_step"))
cols = st.columns(3)
cols[0].page_link("pages/data.py", label=t("home.link_data"), icon=":material/table:")
cols[1].page_link("pages/train.py", label=t("home.link_train"), icon=":material/model_training:")
cols[2].page_link("pages/runs.py", label=t("home.link_runs"), icon=":material/monitoring:")
