"""Stored datasets (with delete-after-confirm), built-in examples and the Hub loader."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core import store
from core.data import library as datasets
from core.data import vocab
from core.data.examples import EXAMPLES, NER_EXAMPLES, load_ner_example
from core.errors import TuneboardError
from core.i18n import Message
from core.jobs.demo import load_example
from core.ner.formats import FORMATS as NER_FORMATS
from core.tasks import task_of
from pages.components.i18n import t, tr
from pages.components.safe_text import escape_markdown

COUNTED_NOUNS = ("row", "class", "run")
SPLITS = ("train", "validation", "test")


def counted(n: int, noun: str) -> str:
    """``n`` with ``noun`` (one of :data:`COUNTED_NOUNS`) in this session's language: "1 row", "2,000 rows", "2,000 行"."""
    return t(f"data.count.{noun}_{'one' if n == 1 else 'other'}", n=f"{n:,}")


def split_name(split: str) -> str:
    """A split's name in this session's language (a split column's own, unknown values are shown as they are)."""
    return t(f"data.split.{split}") if split in SPLITS else split


def render_examples() -> None:
    """One button per built-in example (the named-entity ones last, loaded through the NER upload path)."""
    for example in [*EXAMPLES.values(), *NER_EXAMPLES.values()]:
        left, right = st.columns([4, 1])
        # The example's words come from the catalogue (core/data/examples.py keeps the English ones for the CLI).
        left.markdown(f"**{t(f'data.example.{example.key}.title')}** — {t(f'data.example.{example.key}.description')}")
        if right.button(t("data.examples.load"), key=f"ex_{example.key}", icon=":material/download:"):
            load = load_ner_example if example.key in NER_EXAMPLES else load_example
            record = load(example.key, name=t(f"data.example.{example.key}.title"))
            st.session_state["train_dataset"] = record.id
            st.success(loaded_sentence(record))
            st.page_link("pages/train.py", label=t("data.train_link"), icon=":material/model_training:")


def loaded_sentence(record: store.DatasetRecord) -> str:
    """"Loaded ‘name’: 636 rows, 8 classes." — or its kind instead of classes for a dataset without classes."""
    task = task_of(record)
    if task.ner:
        return t("data.examples.loaded", name=record.name, rows=sentences_text(record.n_rows),
                 classes=t("ner_library.types", n=len(record.labels), names=", ".join(record.labels)))
    if task.regression:
        return t("data.examples.loaded", name=record.name, rows=counted(record.n_rows, "row"),
                 classes=t(f"task.short.{task.key}"))
    return t("data.examples.loaded", name=record.name, rows=counted(record.n_rows, "row"),
             classes=counted(len(record.labels), "class"))


def render_hub() -> None:
    """Load a dataset from the Hugging Face Hub (needs the network)."""
    from core.data.hub import load_hub_dataset

    cols = st.columns(3)
    name = cols[0].text_input(t("data.hub.name"), placeholder=t("data.hub.name_placeholder"))
    config = cols[1].text_input(t("data.hub.config"))
    split = cols[2].text_input(t("data.hub.split"), "train")
    if st.button(t("data.hub.button"), disabled=not name):
        try:
            with st.spinner(t("data.hub.downloading")):
                record = load_hub_dataset(name, config or None, split)
        except TuneboardError as exc:
            st.error(tr(exc))
        else:
            st.success(t("data.hub.loaded", name=record.name, rows=counted(record.n_rows, "row")))


def _library_frame(records: list) -> pd.DataFrame:
    rows = [{
        "name": r.name, "kind": t(f"task.short.{task_of(r).key}"), "rows": r.n_rows, "classes": len(r.labels), "labels": ", ".join(r.labels[:8]) + (" …" if len(r.labels) > 8 else ""),
        "splits": ", ".join(f"{split_name(k)} {v}" for k, v in r.splits.items()) or t("data.library.split_auto"),
        "source": r.meta.get("source", ""), "added": dt.datetime.fromtimestamp(r.created_at).strftime("%Y-%m-%d %H:%M"), "id": r.id,
    } for r in records]
    frame = pd.DataFrame(rows)
    return frame.rename(columns={c: t(f"data.library.col_{c}") for c in frame.columns})


def _version_links(records: list, limit: int = 5) -> None:
    """Label-check versions (newest first): which dataset each fixes, and a link to it on the Label check page."""
    for r in [r for r in records if r.meta.get("lineage")][:limit]:
        lineage = r.meta["lineage"]
        st.page_link("pages/labels.py", icon=":material/call_split:", query_params={"dataset": r.id},
                     label=t("labels.library.version", name=escape_markdown(r.name),
                             parent=escape_markdown(lineage.get("parent_name", "")), changes=len(lineage.get("changes") or [])))


def sentences_text(n: int) -> str:
    """"1 sentence" / "300 sentences" in this session's language."""
    return t(f"ner_upload.sentence_{'one' if n == 1 else 'other'}", n=f"{n:,}")


def _ner_summaries(records: list, limit: int = 5) -> None:
    """Named-entity datasets (newest first): sentences, words, entities per type, format and scheme, tag problems."""
    if not records:
        return
    with st.expander(t("ner_library.title")):
        for r in records[:limit]:
            health, ner = r.meta.get("health") or {}, r.meta.get("ner") or {}
            counts = health.get("entity_counts") or {}
            scheme = ner.get("scheme", "BIO")
            fmt = r.meta.get("format", "")
            st.markdown(t("ner_library.summary", name=escape_markdown(r.name), sentences=sentences_text(r.n_rows),
                          words=f"{health.get('n_words', 0):,}",
                          types=escape_markdown(", ".join(f"{k} {v:,}" for k, v in counts.items()) or "—"),
                          format=t(f"ner_upload.format.{fmt}") if fmt in NER_FORMATS else escape_markdown(fmt),
                          scheme=t("ner_library.converted", scheme=scheme) if scheme != "BIO" else scheme))
            # The health report kept at import (core.data.ner_health.summary): its findings' titles, worst first.
            titles = [tr(f["messages"]["title"]) for f in health.get("findings") or [] if f.get("severity") != "info"]
            if titles:
                st.caption(t("ner_library.findings", findings=escape_markdown(" · ".join(titles))))
            if ner.get("n_scheme_problems"):
                st.caption(t("ner_library.problems", n=ner["n_scheme_problems"]))


def render_library() -> None:
    """The stored datasets with a guarded delete."""
    records = store.list_datasets()
    if not records:
        st.caption(t("data.library.empty"))
        return
    st.dataframe(_library_frame(records), hide_index=True)
    _version_links(records)
    _ner_summaries([r for r in records if task_of(r).ner])
    by_id = {r.id: r for r in records}
    cols = st.columns([3, 1])
    target = cols[0].selectbox(t("data.library.delete"), list(by_id), format_func=lambda i: by_id[i].name, index=None,
                               placeholder=t("data.library.delete_placeholder"))
    if target:
        used = len(store.list_runs(dataset_id=target))
        st.warning(t("data.library.delete_warning", name=by_id[target].name, runs=counted(used, "run")))
        if st.button(t("data.library.confirm"), type="primary", key="confirm_delete_ds"):
            datasets.delete(target)
            st.rerun()


@st.cache_data(show_spinner=False, max_entries=64)
def _model_fit(dataset_id: str, model: str) -> Message | None:
    return vocab.dataset_fit_message(dataset_id, model)


def render_model_fit(dataset_id: str, model: str) -> None:
    """A warning on the Train page when the model's tokenizer does not know much of the data's text."""
    if not dataset_id or not model:
        return
    try:
        with st.spinner(t("data.model_fit.checking")):
            message = _model_fit(dataset_id, model)
    except TuneboardError:
        return  # a missing dataset is reported elsewhere on the page
    if message:
        st.warning(escape_markdown(tr(message)), icon=":material/translate:")
