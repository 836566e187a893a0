"""Train: choose data, model and settings, then start a run in the background."""

import json

import streamlit as st

from core import store
from core.config import RunConfig
from core.devices import detect
from core.errors import TuneboardError
from core.jobs import queue as jobs
from core.models import MODEL_CHOICES
from core.tasks import Task, task_of
from core.train.estimate import estimate_run
from core.train.params import count_in_subprocess
from pages.components.config_form import settings_form
from pages.components.dataset_library import render_model_fit
from pages.components.executor_settings import render as render_executor
from pages.components.i18n import t, tr
from pages.components.preset_picker import catalogue_key

st.title(t("train.title"))
datasets = store.list_datasets()
if not datasets:
    st.info(t("train.no_dataset"))
    st.page_link("pages/data.py", label=t("train.go_to_data"), icon=":material/table:")
    st.stop()

by_id = {d.id: d for d in datasets}
# Options are named through dicts made here, not t() calls later: AppTest formats them outside the script run.
shown = {i: t("train.dataset_option", name=d.name, rows=f"{d.n_rows:,}", classes=len(d.labels))
         if task_of(d) == Task() else t("train.dataset_option_ner", name=d.name, rows=f"{d.n_rows:,}",
                                        types=", ".join(d.labels)) if task_of(d).ner
         else t("train.dataset_option_kind", name=d.name, rows=f"{d.n_rows:,}", kind=t(f"task.short.{task_of(d).key}"))
         for i, d in by_id.items()}
preselect = st.session_state.get("train_dataset")
dataset_id = st.selectbox(
    t("train.dataset_label"), list(by_id), index=list(by_id).index(preselect) if preselect in by_id else 0,
    format_func=shown.__getitem__,
    help=t("train.dataset_help"))
kind = task_of(by_id[dataset_id])
if kind != Task():
    st.caption(t("train.kind", kind=t(f"task.name.{kind.key}"))
               + (" " + t("train.kind_no_classes") if kind.target != "single_label" else ""))

titles = {m.name: t(f"train.model.{catalogue_key(m.name)}.title") for m in MODEL_CHOICES} | {"other": t("train.model_other")}
left, right = st.columns([2, 3])
with left:
    choice = st.selectbox(t("train.model_label"), list(titles), format_func=titles.__getitem__, help=t("train.model_help"))
with right:
    if choice == "other":
        model = st.text_input(t("train.model_id"), placeholder=t("train.model_id_placeholder"),
                              help=t("train.model_id_help"))
    else:
        model = choice
        st.caption(t(f"train.model.{catalogue_key(choice)}.description"))
render_model_fit(dataset_id, model or "")  # warns when the model's tokenizer does not know the data's language

name = st.text_input(t("train.run_name"), placeholder=t("train.run_name_placeholder"), help=t("train.run_name_help"))
config, preset = None, {}
try:
    config, preset = settings_form(RunConfig(dataset_id=dataset_id, model=model or "", name=name))
    config.validate()
except TuneboardError as exc:
    st.error(tr(exc), icon=":material/error:")
    config = None

hardware = detect()
st.caption(t("train.hardware", hardware=tr(hardware.describe_message())))


@st.cache_data(show_spinner=t("train.counting"), max_entries=32)
def _parameters(config_json: str, n_labels: int) -> dict:
    return count_in_subprocess(RunConfig.from_dict(json.loads(config_json)), n_labels)


if config is not None:
    left, right = st.columns([1, 3])
    if left.button(t("train.count_button"), help=t("train.count_help")):
        try:
            counts = _parameters(config.to_json(), max(1, len(by_id[dataset_id].labels)))  # regression: 1 output
            right.info(t("train.count_result", trainable=f"{counts['trainable']:,}", total=f"{counts['total']:,}",
                         share=f"{100 * counts['trainable'] / counts['total']:.2f}"))
        except TuneboardError as exc:
            right.error(tr(exc))
    with st.expander(t("train.command_line")):
        st.code(config.cli_command(), language="bash")
    render_executor()
    launch, estimate = st.columns([1, 3], vertical_alignment="center")
    try:  # from earlier runs of this model on this hardware, the data's token count and the settings above
        parts = estimate_run(config, auto_device=hardware.auto_device).describe_messages()
        estimate.caption(t("train.estimate", estimate="".join(tr(part) for part in parts)))
    except TuneboardError as exc:
        estimate.caption(t("train.no_estimate", error=tr(exc)))
    if launch.button(t("train.start"), type="primary", icon=":material/play_arrow:"):
        try:
            run = jobs.submit(config, info=preset)
        except TuneboardError as exc:
            st.error(tr(exc))
        else:
            st.session_state["selected_run"] = run.id
            st.switch_page("pages/runs.py", query_params={"run": run.id})
