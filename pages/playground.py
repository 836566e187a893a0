"""Playground: try a completed run's model on your own texts (with word-level explanations) or on a whole file.

Preselect a run with ``?run=RUN_ID``.  A run that cannot be opened here (unfinished, deleted, model files
missing) is named with the reason; another run's model is never loaded in its place.
"""

import streamlit as st

from core import store
from core.serve import loading as serving
from core.tasks import Task, task_of
from pages.components import playground_batch, playground_ner, playground_single
from pages.components.i18n import t, tr

st.title(t("playground.title"))
available = [r for r in store.list_runs(statuses=["completed"]) if serving.playground_problem(r.id) is None]
wanted = st.query_params.get("run")
problem = tr(serving.playground_problem_message(wanted)) if wanted else None  # '' when it can open
if not available:
    if problem:
        st.warning(problem, icon=":material/warning:")
    st.info(t("playground.no_model"))
    st.page_link("pages/train.py", label=t("playground.go_to_train"), icon=":material/model_training:")
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
run_id = st.selectbox(t("playground.run_label"), ids, index=0 if "pg_run" not in st.session_state else None, key="pg_run",
                      format_func=lambda i: f"{by_id[i].name} · {i}", placeholder=t("playground.run_placeholder"))
if run_id is None:
    if problem:
        st.warning(t("playground.pick_another", problem=problem), icon=":material/warning:")
    st.stop()
st.query_params["run"] = st.session_state["_pg_run_applied"] = run_id
run = by_id[run_id]
metrics = run.final_metrics or {}
task = task_of(run)
if task.ner:  # entity-level scores: whole entities right (words and type)
    nan = float("nan")
    st.caption(t("serve_ner.playground.caption", model=run.config.get("model"), dataset=run.info.get("dataset_name", ""),
                 f1=f"{metrics.get('f1', nan):.3f}", precision=f"{metrics.get('precision', nan):.3f}",
                 recall=f"{metrics.get('recall', nan):.3f}"))
elif task == Task():
    st.caption(t("playground.caption", model=run.config.get("model"), dataset=run.info.get("dataset_name", ""),
                 accuracy=f"{metrics.get('accuracy', float('nan')):.1%}", f1=f"{metrics.get('f1_macro', float('nan')):.3f}"))
else:  # the kind in words and its headline test metrics
    nan = float("nan")
    scores = {"accuracy": f"{metrics.get('accuracy', nan):.1%}", "f1": f"{metrics.get('f1_macro', nan):.3f}",
              "f1_micro": f"{metrics.get('f1_micro', nan):.3f}", "subset": f"{metrics.get('subset_accuracy', nan):.1%}",
              "spearman": f"{metrics.get('spearman', nan):.3f}", "mae": f"{metrics.get('mae', nan):.3g}"}
    st.caption(t(f"serve_tasks.playground.caption.{task.target}", model=run.config.get("model"),
                 dataset=run.info.get("dataset_name", ""), kind=t(f"serve_tasks.kind_short.{task.key}"), **scores))

tab_try, tab_batch = st.tabs([t("playground.tab_try"), t("playground.tab_batch")])
with tab_try:
    if task.ner:
        playground_ner.render(run)
    else:
        playground_single.render(run)
with tab_batch:
    if serving.is_baseline(run):
        st.info(t("playground.baseline_no_batch"))
    else:
        playground_batch.render(run)
