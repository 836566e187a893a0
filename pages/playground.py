"""Playground: try a completed run's model on your own texts (with word-level explanations) or on a whole file.

Preselect a run with ``?run=RUN_ID``.
"""

import streamlit as st

from core import serving, store
from pages.components import playground_batch, playground_single

st.title("Playground")
available = [r for r in store.list_runs(statuses=["completed"]) if serving.has_model(r.id)]
if not available:
    st.info("No finished model yet. Train one (or press the demo button on the start page), then try it here.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()

by_id = {r.id: r for r in available}
ids = list(by_id)
wanted = st.query_params.get("run")
run_id = st.selectbox("Model (a completed run)", ids, index=ids.index(wanted) if wanted in by_id else 0, key="pg_run",
                      format_func=lambda i: f"{by_id[i].name} · {i}")
st.query_params["run"] = run_id
run = by_id[run_id]
metrics = run.final_metrics or {}
st.caption(f"Model `{run.config.get('model')}` · {run.info.get('dataset_name', '')} · test accuracy "
           f"{metrics.get('accuracy', float('nan')):.1%} · macro F1 {metrics.get('f1_macro', float('nan')):.3f}")

tab_try, tab_batch = st.tabs(["Try texts", "Batch prediction"])
with tab_try:
    playground_single.render(run)
with tab_batch:
    playground_batch.render(run)
