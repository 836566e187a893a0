"""Saving reviewed decisions as a new dataset version: which run's test split the version keeps (so a retrained run
is judged on the same test rows), whether test rows may change too, and the Save button.  The page then opens the
new version (its lineage, what changed, and the retrain button: label_version)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.config import RunConfig
from core.errors import TuneboardError
from core.quality import versions
from pages.components.i18n import t, tr
from pages.components.label_review import RELABEL
from pages.components.safe_text import escape_markdown

GOTO = "_labels_goto"  # the dataset the page opens on its next run (a new version)
SAVED = "_labels_saved"  # the success sentence it shows then


def decision_frame(chosen: dict[int, str]) -> pd.DataFrame:
    """The session's decision codes as core's decisions (row, action, label), kept rows left out."""
    rows = []
    for row, code in sorted(chosen.items()):
        if code.startswith(RELABEL):
            rows.append((row, "relabel", code[len(RELABEL):]))
        elif code in ("accept", "exclude"):
            rows.append((row, code, ""))
    return pd.DataFrame(rows, columns=["row", "action", "label"])


def run_name(run) -> str:
    when = dt.datetime.fromtimestamp(run.created_at).strftime("%Y-%m-%d %H:%M")
    return t("labels.save.run_option", name=run.name, id=run.id, when=when)


def render(dataset_id: str, rows: pd.DataFrame, chosen: dict[int, str]) -> None:
    """The save form; on success the page switches to the new version."""
    st.subheader(t("labels.save.title"))
    decided = decision_frame(chosen)
    counts = decided["action"].value_counts()
    st.caption(t("labels.save.pending", accept=int(counts.get("accept", 0)), relabel=int(counts.get("relabel", 0)),
                 exclude=int(counts.get("exclude", 0))))
    runs = versions.split_source_runs(dataset_id)
    split_run = None
    if runs:
        by_id = {r.id: r for r in runs}
        names = {i: run_name(r) for i, r in by_id.items()}
        split_run = by_id[st.selectbox(t("labels.save.split_run"), list(by_id), format_func=names.__getitem__,
                                       key=f"labels_split_run_{dataset_id}", help=t("labels.save.split_run_help"))]
    else:
        st.caption(t("labels.save.no_runs"))
    change_test = st.checkbox(t("labels.save.change_test"), value=False, key=f"labels_change_test_{dataset_id}",
                              help=t("labels.save.change_test_help"))
    if not st.button(t("labels.save.button"), type="primary", icon=":material/save:", key="labels_save",
                     disabled=decided.empty):
        return
    config = RunConfig.from_dict(split_run.config) if split_run is not None else None
    suggestions = rows.set_index("row")["suggested"]
    try:
        version = versions.apply_decisions(dataset_id, decided, split_config=config, suggestions=suggestions,
                                           change_test=change_test)
    except TuneboardError as exc:
        st.error(tr(exc), icon=":material/error:")
        return
    relabelled = sum(c["action"] == "relabel" for c in version.changes)
    st.session_state[SAVED] = t("labels.save.saved", name=escape_markdown(version.record.name), relabelled=relabelled,
                                excluded=len(version.changes) - relabelled, protected=len(version.protected_test_rows))
    st.session_state.pop(f"labels_decisions_{dataset_id}", None)
    st.session_state[GOTO] = version.record.id
    st.rerun()
