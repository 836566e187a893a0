"""Label check: find rows whose label is probably wrong (and near-duplicates, outliers), review them, save the
decisions as a new dataset version, retrain on it with the same settings and compare — the label-error loop.

Open a dataset with ``?dataset=ID``.  The check runs in its own process (core.quality.job); this page starts it,
follows it in a polling fragment, and lays out its result with the components ``label_*``.
"""

import streamlit as st

from core import store
from core.data import library
from core.quality import findings
from core.tasks import PAIR_COLUMN, task_of
from pages.components import label_check, label_results, label_review, label_save, label_version
from pages.components.i18n import t

st.title(t("labels.title"))
st.caption(t("labels.intro"))
records = store.list_datasets()
if not records:
    st.info(t("labels.no_datasets"), icon=":material/info:")
    st.page_link("pages/data.py", label=t("labels.to_data"), icon=":material/table:")
    st.stop()

by_id = {r.id: r for r in records}
goto = st.session_state.pop(label_save.GOTO, None)
wanted = goto or st.query_params.get("dataset")
if wanted in by_id and (goto or "labels_dataset" not in st.session_state):
    st.session_state["labels_dataset"] = wanted
if st.session_state.get("labels_dataset") not in by_id:
    st.session_state.pop("labels_dataset", None)
shown = {i: t("labels.pick_option", name=r.name, rows=f"{r.n_rows:,}", id=i) for i, r in by_id.items()}
dataset_id = st.selectbox(t("labels.pick"), list(by_id), key="labels_dataset", format_func=shown.__getitem__)
st.query_params["dataset"] = dataset_id
record = by_id[dataset_id]
if saved := st.session_state.pop(label_save.SAVED, None):
    st.success(saved, icon=":material/check_circle:")
label_version.render(record)

task = task_of(record)
if not task.is_classification or task.multi_label:
    st.info(t("labels.single_label_only", kind=t(f"task.short.{task.key}")), icon=":material/info:")
    st.stop()

st.subheader(t("labels.check.title"))
result = findings.latest_result(dataset_id)
label_check.render(dataset_id, checked=result is not None)
if result is None:
    st.caption(t("labels.no_result"))
    st.stop()
rows, summary = result
label_results.render(summary)
frame = library.load_frame(dataset_id)
texts = frame["text"].fillna("").astype(str)
if PAIR_COLUMN in frame.columns:
    texts = texts + " ‖ " + frame[PAIR_COLUMN].fillna("").astype(str)
if len(texts) != len(rows):  # the check is of other data than stored now (cannot happen: ids are content hashes)
    st.warning(t("labels.stale"), icon=":material/warning:")
    st.stop()
chosen = label_review.render(dataset_id, rows, texts)
label_save.render(dataset_id, rows, chosen)
