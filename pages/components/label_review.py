"""Reviewing a label check's flagged rows: filters (given class, kind of finding), one table row per flagged row with
the text, the given and suggested labels, the model's confidence, one sentence saying why it was flagged, and an
editable decision; bulk buttons set the decision of every row shown.

Decisions live in ``st.session_state`` per dataset (``{row: code}``), so filtering never loses them.  Codes:
``keep``, ``accept`` (the suggested label), ``exclude`` and ``to:<class>`` (relabel to that class).  User text is
shown only in the table (st.data_editor shows cells as text, never as Markdown or HTML).
"""

from __future__ import annotations

import zlib

import pandas as pd
import streamlit as st

from core.quality import detect
from pages.components.i18n import t

KINDS = ("label_issue", "near_duplicate", "outlier")
RELABEL = "to:"


def decisions(dataset_id: str) -> dict[int, str]:
    """This session's decisions on the dataset's rows (a live dict: changes stick)."""
    return st.session_state.setdefault(f"labels_decisions_{dataset_id}", {})


def _bump(dataset_id: str) -> None:
    """A new table widget after a bulk change, so its own remembered edits cannot undo the change."""
    key = f"labels_generation_{dataset_id}"
    st.session_state[key] = st.session_state.get(key, 0) + 1


def option_name(code: str) -> str:
    """How a decision code reads in the table's select box."""
    if code.startswith(RELABEL):
        return t("labels.decision.relabel", label=code[len(RELABEL):])
    return t(f"labels.decision.{code}")


def why(row: pd.Series) -> str:
    """One sentence (or two) in the interface language saying why the row was flagged."""
    parts = []
    if row["label_issue"]:
        parts.append(t("labels.why.label", suggested=row["suggested"], given=row["label"],
                       suggested_prob=float(row["suggested_prob"]), given_prob=float(row["given_prob"])))
    if row["near_duplicate"]:
        partners = str(row["duplicate_of"]).split()
        parts.append(t("labels.why.duplicate", rows=", ".join(partners)) if partners else t("labels.why.duplicate_some"))
    if row["outlier"]:
        parts.append(t("labels.why.outlier"))
    return " ".join(parts)


def _filters(flagged: pd.DataFrame, classes: list[str]) -> pd.DataFrame:
    left, right = st.columns([3, 2])
    picked = left.multiselect(t("labels.review.classes"), classes, key="labels_filter_classes",
                              placeholder=t("labels.review.classes_all"))
    names = {k: t(f"labels.kind.{k}") for k in KINDS}
    kinds = right.pills(t("labels.review.kinds"), KINDS, selection_mode="multi", default=list(KINDS),
                        format_func=names.__getitem__, key="labels_filter_kinds")
    shown = flagged[flagged[list(kinds or KINDS)].any(axis=1)]
    return shown[shown["label"].isin(picked)] if picked else shown


def _bulk(dataset_id: str, shown: pd.DataFrame) -> None:
    chosen = decisions(dataset_id)
    cols = st.columns(3)
    if cols[0].button(t("labels.review.accept_all"), icon=":material/done_all:", key="labels_accept_all",
                      disabled=shown.empty, help=t("labels.review.accept_all_help")):
        chosen.update({int(r): "accept" for r, given, suggested in shown[["row", "label", "suggested"]].itertuples(index=False)
                       if given != suggested})
        _bump(dataset_id)
    if cols[1].button(t("labels.review.exclude_all"), icon=":material/block:", key="labels_exclude_all",
                      disabled=shown.empty):
        chosen.update({int(r): "exclude" for r in shown["row"]})
        _bump(dataset_id)
    if cols[2].button(t("labels.review.reset"), icon=":material/undo:", key="labels_reset", disabled=not chosen):
        chosen.clear()
        _bump(dataset_id)


def review_frame(shown: pd.DataFrame, texts: pd.Series, chosen: dict[int, str]) -> pd.DataFrame:
    """The table as shown: row, text, given, suggested, confidence (%), decision (codes) and why — the decision
    before the long sentences, so it is in view without scrolling sideways."""
    return pd.DataFrame({
        "row": shown["row"].astype(int).to_numpy(),
        "text": texts.iloc[shown["row"].to_numpy()].to_numpy(),
        "given": shown["label"].to_numpy(),
        "suggested": shown["suggested"].to_numpy(),
        "confidence": (100 * shown["suggested_prob"].astype(float)).round().to_numpy(),
        "decision": [chosen.get(int(r), "keep") for r in shown["row"]],
        "why": [why(row) for _, row in shown.iterrows()],
    })


def render(dataset_id: str, rows: pd.DataFrame, texts: pd.Series) -> dict[int, str]:
    """The review table with its filters and bulk buttons; returns the decisions (all rows, not only those shown)."""
    st.subheader(t("labels.review.title"))
    flagged = detect.ranked(rows)
    chosen = decisions(dataset_id)
    if flagged.empty:
        st.success(t("labels.review.nothing"), icon=":material/check_circle:")
        return chosen
    classes = sorted(rows["label"].astype(str).unique().tolist())
    shown = _filters(flagged, classes)
    _bulk(dataset_id, shown)
    st.caption(t("labels.review.count", shown=len(shown), flagged=len(flagged)))
    if shown.empty:
        return chosen
    options = ["keep", "accept", "exclude", *(RELABEL + c for c in classes)]
    names = {c: t(f"labels.col.{c}") for c in ("row", "text", "given", "suggested", "confidence", "decision", "why")}
    frame = review_frame(shown, texts, chosen).rename(columns=names)
    config = {
        names["text"]: st.column_config.TextColumn(width="large"),
        names["confidence"]: st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%", width="small",
                                                             help=t("labels.col.confidence_help")),
        names["why"]: st.column_config.TextColumn(width="large"),
        names["decision"]: st.column_config.SelectboxColumn(options=options, format_func={o: option_name(o) for o in options}.__getitem__, required=True,
                                                            width="medium", help=t("labels.col.decision_help")),
    }
    signature = zlib.crc32(repr((sorted(shown["row"].tolist()), st.session_state.get(f"labels_generation_{dataset_id}", 0))).encode())
    edited = st.data_editor(frame, column_config=config, hide_index=True, disabled=[c for c in frame.columns if c != names["decision"]],
                            key=f"labels_editor_{dataset_id}_{signature}")
    for row, code in zip(edited[names["row"]], edited[names["decision"]], strict=True):
        if code and code != "keep":
            chosen[int(row)] = str(code)
        else:
            chosen.pop(int(row), None)
    return chosen
