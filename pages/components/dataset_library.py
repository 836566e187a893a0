"""Stored datasets (with delete-after-confirm), built-in examples and the Hub loader."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core import store
from core.data import library as datasets
from core.data import vocab
from core.data.examples import EXAMPLES
from core.errors import TuneboardError
from core.jobs.demo import load_example
from core.text import plural
from pages.components.safe_text import escape_markdown


def render_examples() -> None:
    """One button per built-in example."""
    for example in EXAMPLES.values():
        left, right = st.columns([4, 1])
        left.markdown(f"**{example.title}** — {example.description}")
        if right.button("Load", key=f"ex_{example.key}", icon=":material/download:"):
            record = load_example(example.key)
            st.session_state["train_dataset"] = record.id
            st.success(f"Loaded ‘{record.name}’: {plural(record.n_rows, 'row')}, {plural(len(record.labels), 'class')}.")
            st.page_link("pages/train.py", label="Train on it →", icon=":material/model_training:")


def render_hub() -> None:
    """Load a dataset from the Hugging Face Hub (needs the network)."""
    from core.data.hub import load_hub_dataset

    cols = st.columns(3)
    name = cols[0].text_input("Dataset name", placeholder="e.g. imdb or SetFit/sst2")
    config = cols[1].text_input("Config (optional)")
    split = cols[2].text_input("Split", "train")
    if st.button("Load from the Hub", disabled=not name):
        try:
            with st.spinner("Downloading…"):
                record = load_hub_dataset(name, config or None, split)
        except TuneboardError as exc:
            st.error(str(exc))
        else:
            st.success(f"Loaded ‘{record.name}’: {plural(record.n_rows, 'row')}.")


def render_library() -> None:
    """The stored datasets with a guarded delete."""
    records = store.list_datasets()
    if not records:
        st.caption("No stored datasets yet.")
        return
    frame = pd.DataFrame([{
        "name": r.name, "rows": r.n_rows, "classes": len(r.labels), "labels": ", ".join(r.labels[:8]) + (" …" if len(r.labels) > 8 else ""),
        "splits": ", ".join(f"{k} {v}" for k, v in r.splits.items()) or "split automatically",
        "source": r.meta.get("source", ""), "added": dt.datetime.fromtimestamp(r.created_at).strftime("%Y-%m-%d %H:%M"), "id": r.id,
    } for r in records])
    st.dataframe(frame, hide_index=True)
    by_id = {r.id: r for r in records}
    cols = st.columns([3, 1])
    target = cols[0].selectbox("Dataset to delete", list(by_id), format_func=lambda i: by_id[i].name, index=None,
                               placeholder="Choose a dataset to delete…")
    if target:
        used = len(store.list_runs(dataset_id=target))
        st.warning(f"Delete ‘{by_id[target].name}’? {plural(used, 'run')} used it; their results stay, "
                   "but they cannot be re-run.")
        if st.button("Yes, delete it", type="primary", key="confirm_delete_ds"):
            datasets.delete(target)
            st.rerun()


@st.cache_data(show_spinner="Checking that the model knows the data's language…", max_entries=64)
def _model_fit(dataset_id: str, model: str) -> str | None:
    return vocab.dataset_fit_warning(dataset_id, model)


def render_model_fit(dataset_id: str, model: str) -> None:
    """A warning on the Train page when the model's tokenizer does not know much of the data's text."""
    if not dataset_id or not model:
        return
    try:
        message = _model_fit(dataset_id, model)
    except TuneboardError:
        return  # a missing dataset is reported elsewhere on the page
    if message:
        st.warning(escape_markdown(message), icon=":material/translate:")
