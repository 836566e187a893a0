"""A dataset version made by the label check: its lineage (parent → this), what it changed, and retraining — the
parent's run with the same settings on the fixed data, queued — with links to the new run and to Compare with both
runs, where the gain shows.  For a dataset with versions, links to them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import store
from core.errors import TuneboardError
from core.quality import versions
from pages.components.dataset_library import split_name
from pages.components.i18n import t, tr
from pages.components.label_save import run_name
from pages.components.run_status import status_text
from pages.components.safe_text import escape_markdown


def diff_frame(dataset_id: str) -> pd.DataFrame:
    """The version's changes with translated headers, actions and split names."""
    frame = versions.diff(dataset_id)
    frame = frame.assign(action=[t(f"labels.diff.{a}") for a in frame["action"]],
                         split=[split_name(str(s)) for s in frame["split"]],
                         after=[a if isinstance(a, str) else "" for a in frame["after"]])
    return frame.rename(columns={c: t(f"labels.diff.col_{c}") for c in frame.columns})


def _versions_of(record: store.DatasetRecord) -> None:
    for child in versions.children(record.id)[:5]:
        st.page_link("pages/labels.py", label=t("labels.version.child", name=escape_markdown(child.name),
                                                   changes=len(child.meta["lineage"].get("changes") or [])),
                     icon=":material/call_split:", query_params={"dataset": child.id})


def _retrained(version_id: str) -> None:
    """Links to the runs retrained on this version and to Compare with their originals."""
    for run in store.list_runs(dataset_id=version_id):
        original = (run.info or {}).get("label_fix_of")
        if not original:
            continue
        left, right = st.columns(2)
        left.page_link("pages/runs.py", label=t("labels.retrain.open_run", name=escape_markdown(run.name),
                                                 status=status_text(run)),
                       icon=":material/model_training:", query_params={"run": run.id})
        right.page_link("pages/compare.py", label=t("labels.retrain.compare"), icon=":material/compare_arrows:",
                        query_params={"runs": f"{original},{run.id}"})


def _retrain(record: store.DatasetRecord, parent: store.DatasetRecord) -> None:
    runs = versions.split_source_runs(parent.id)
    if not runs:
        st.info(t("labels.retrain.no_runs", parent=escape_markdown(parent.name)), icon=":material/info:")
        return
    split = (record.meta.get("lineage") or {}).get("split") or {}
    same_split = [r for r in runs if all(r.config.get(k) == v for k, v in split.items())]
    by_id = {r.id: r for r in runs}
    default = list(by_id).index(same_split[0].id) if same_split else 0
    cols = st.columns([3, 2], vertical_alignment="bottom")
    run_id = cols[0].selectbox(t("labels.retrain.run", parent=escape_markdown(parent.name)), list(by_id), index=default,
                               format_func={i: run_name(r) for i, r in by_id.items()}.__getitem__, key=f"labels_retrain_run_{record.id}",
                               help=t("labels.retrain.run_help"))
    if cols[1].button(t("labels.retrain.button"), type="primary", icon=":material/replay:",
                      key=f"labels_retrain_{record.id}"):
        try:
            run = versions.retrain(run_id, record.id)
        except TuneboardError as exc:
            st.error(tr(exc), icon=":material/error:")
        else:
            st.success(t("labels.retrain.queued", id=run.id))


def render(record: store.DatasetRecord) -> None:
    """Lineage, diff and retraining of a version; links to the versions of any other dataset."""
    lineage = record.meta.get("lineage")
    if not lineage:
        _versions_of(record)
        return
    with st.container(border=True):
        st.subheader(t("labels.version.title"))
        chain = versions.lineage(record.id)
        st.markdown(" → ".join(f"**{escape_markdown(r.name)}**" if r.id == record.id else escape_markdown(r.name)
                               for r in chain))
        changes = lineage.get("changes") or []
        relabelled = sum(c.get("action") == "relabel" for c in changes)
        st.caption(t("labels.version.summary", relabelled=relabelled, excluded=len(changes) - relabelled,
                     protected=len(lineage.get("protected_test_rows") or []),
                     test=t("labels.version.test_changed" if lineage.get("test_changed") else "labels.version.test_kept")))
        with st.expander(t("labels.version.diff", n=len(changes))):
            st.dataframe(diff_frame(record.id), hide_index=True)
        parent = store.get_dataset(lineage.get("parent", ""))
        if parent is None:
            st.caption(t("labels.version.parent_gone", parent=escape_markdown(lineage.get("parent_name", ""))))
            return
        _retrain(record, parent)
        _retrained(record.id)
        _versions_of(record)
