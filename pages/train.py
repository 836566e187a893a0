"""Train: choose data, model and settings, then start a run in the background."""

import json

import streamlit as st

from core import store
from core.config import RunConfig
from core.devices import detect
from core.errors import TuneboardError
from core.jobs import queue as jobs
from core.models import MODEL_CHOICES
from core.train.estimate import estimate_run
from core.train.params import count_in_subprocess
from pages.components.config_form import settings_form
from pages.components.dataset_library import render_model_fit

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
render_model_fit(dataset_id, model or "")  # warns when the model's tokenizer does not know the data's language

name = st.text_input("Run name (optional)", placeholder="e.g. minilm-lr1e-4", help="Shown in tables and charts.")
config, preset = None, {}
try:
    config, preset = settings_form(RunConfig(dataset_id=dataset_id, model=model or "", name=name))
    config.validate()
except TuneboardError as exc:
    st.error(str(exc), icon=":material/error:")
    config = None

hardware = detect()
st.caption(f"Hardware: {hardware.describe()} Runs wait in a queue until their device is free.")


@st.cache_data(show_spinner="Loading the model to count its parameters…", max_entries=32)
def _parameters(config_json: str, n_labels: int) -> dict:
    return count_in_subprocess(RunConfig.from_dict(json.loads(config_json)), n_labels)


if config is not None:
    left, right = st.columns([1, 3])
    if left.button("Count parameters", help="Loads the model once to show how many weights this run will train."):
        try:
            counts = _parameters(config.to_json(), len(by_id[dataset_id].labels))
            right.info(f"{counts['trainable']:,} of {counts['total']:,} parameters will be trained "
                       f"({100 * counts['trainable'] / counts['total']:.2f}%).")
        except TuneboardError as exc:
            right.error(str(exc))
    with st.expander("Equivalent command line"):
        st.code(config.cli_command(), language="bash")
    launch, estimate = st.columns([1, 3], vertical_alignment="center")
    try:  # from earlier runs of this model on this hardware, the data's token count and the settings above
        estimate.caption(f"Time: {estimate_run(config, auto_device=hardware.auto_device).describe()}")
    except TuneboardError as exc:
        estimate.caption(f"No time estimate: {exc}")
    if launch.button("Start training", type="primary", icon=":material/play_arrow:"):
        try:
            run = jobs.submit(config, info=preset)
        except TuneboardError as exc:
            st.error(str(exc))
        else:
            st.session_state["selected_run"] = run.id
            st.switch_page("pages/runs.py", query_params={"run": run.id})
