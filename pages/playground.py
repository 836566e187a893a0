"""Playground: try a completed run's model on your own texts (with word-level explanations) or on a whole file.

Preselect a run with ``?run=RUN_ID``.  A run that cannot be opened here (unfinished, deleted, model files
missing) is named with the reason; another run's model is never loaded in its place.
"""

import streamlit as st

from core import store
from core.serve import loading as serving
from pages.components import playground_batch, playground_single

st.title("Playground")
available = [r for r in store.list_runs(statuses=["completed"]) if serving.playground_problem(r.id) is None]
wanted = st.query_params.get("run")
problem = serving.playground_problem(wanted) if wanted else None
if not available:
    if problem:
        st.warning(problem, icon=":material/warning:")
    st.info("No finished model yet. Train one (or press the demo button on the start page), then try it here.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()

by_id = {r.id: r for r in available}
ids = list(by_id)
if wanted != st.session_state.get("_pg_run_applied"):  # a new ?run= (a link) wins once over the widget's state
    st.session_state["_pg_run_applied"] = wanted
    if wanted in by_id:
        st.session_state["pg_run"] = wanted
    elif problem:
        st.session_state["pg_run"] = None  # nothing preselected: the user chooses, we never guess
if st.session_state.get("pg_run") not in (*ids, None):
    del st.session_state["pg_run"]  # a run deleted since; the widget would fail on it
run_id = st.selectbox("Model (a completed run)", ids, index=0 if "pg_run" not in st.session_state else None, key="pg_run",
                      format_func=lambda i: f"{by_id[i].name} · {i}", placeholder="Choose a run")
if run_id is None:
    if problem:
        st.warning(problem + " Pick another run above.", icon=":material/warning:")
    st.stop()
st.query_params["run"] = st.session_state["_pg_run_applied"] = run_id
run = by_id[run_id]
metrics = run.final_metrics or {}
st.caption(f"Model `{run.config.get('model')}` · {run.info.get('dataset_name', '')} · test accuracy "
           f"{metrics.get('accuracy', float('nan')):.1%} · macro F1 {metrics.get('f1_macro', float('nan')):.3f}")

tab_try, tab_batch = st.tabs(["Try texts", "Batch prediction"])
with tab_try:
    playground_single.render(run)
with tab_batch:
    if serving.is_baseline(run):
        st.info("Batch prediction runs transformer models only; this run is a TF-IDF + logistic regression baseline.")
    else:
        playground_batch.render(run)
