"""Train: choose data, model and settings, then start a run in the background."""

import streamlit as st

from core import jobs, store
from core.config import RunConfig
from core.errors import TuneboardError
from core.models import MODEL_CHOICES
from core.scheduler import available_gpus
from pages.components.config_form import settings_form

st.title("Train a classifier")
datasets = store.list_datasets()
if not datasets:
    st.info("There is no dataset yet. Upload one or load a built-in example first.")
    st.page_link("pages/data.py", label="Go to Data", icon=":material/table:")
    st.stop()

by_id = {d.id: d for d in datasets}
preselect = st.session_state.get("train_dataset")
dataset_id = st.selectbox(
    "Dataset", list(by_id), index=list(by_id).index(preselect) if preselect in by_id else 0,
    format_func=lambda i: f"{by_id[i].name} — {by_id[i].n_rows:,} rows, {len(by_id[i].labels)} classes",
    help="Stored datasets from the Data page.")

titles = {m.name: m.title for m in MODEL_CHOICES}
left, right = st.columns([2, 3])
with left:
    choice = st.selectbox("Model", [*titles, "other"], format_func=lambda n: titles.get(n, "Another Hub id or local folder…"),
                          help="The pretrained model to fine-tune.")
with right:
    if choice == "other":
        model = st.text_input("Hugging Face model id or folder", placeholder="e.g. distilroberta-base or /models/my-bert",
                              help="Any model on the Hugging Face Hub (needs the network) or a folder saved with save_pretrained.")
    else:
        model = choice
        st.caption(next(m.description for m in MODEL_CHOICES if m.name == choice))

name = st.text_input("Run name (optional)", placeholder="e.g. minilm-lr1e-4", help="Shown in tables and charts.")
config = None
try:
    config = settings_form(RunConfig(dataset_id=dataset_id, model=model or "", name=name))
    config.validate()
except TuneboardError as exc:
    st.error(str(exc), icon=":material/error:")
    config = None

gpus = available_gpus()
st.caption(f"Hardware: {f'{len(gpus)} NVIDIA GPU(s) — runs use one GPU each unless you pick several' if gpus else 'no GPU found — training runs on the CPU'}. "
           "Runs wait in a queue until their device is free.")

if config is not None:
    with st.expander("Equivalent command line"):
        st.code(config.cli_command(), language="bash")
    if st.button("Start training", type="primary", icon=":material/play_arrow:"):
        try:
            run = jobs.submit(config)
        except TuneboardError as exc:
            st.error(str(exc))
        else:
            st.session_state["selected_run"] = run.id
            st.switch_page("pages/runs.py", query_params={"run": run.id})
