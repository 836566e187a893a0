"""Shared pieces of the report's tabs: table columns with headers in the UI's language, the 'not available' note,
Markdown-safe label names and the examples table (user text only ever as plain cells).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from pages.components.i18n import t

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")

# A table column: (its catalogue key under report.col -- or a full key, with a dot --, how to show it given its header).
Column = tuple[str, Callable[[str], Any]]


def text(name: str) -> Any:
    return st.column_config.TextColumn(name)


def number(name: str) -> Any:
    return st.column_config.NumberColumn(name)


def percent(name: str) -> Any:
    return st.column_config.NumberColumn(name, format="percent")


def points(name: str) -> Any:
    return st.column_config.NumberColumn(name, format="%.1f")


def plain(text: str) -> str:
    """Escape Markdown so label names inside our sentences render literally."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def na(what: str) -> None:
    """'<section> is not available for this run.' (``what``: a key of ``report.na``)."""
    st.info(t(f"report.na.{what}"))


def table(frame: pd.DataFrame, columns: dict[str, Column], *, key: str) -> None:
    """``frame``'s ``columns`` (those it has, in that order) under headers in this session's language.

    The frame itself gets the translated headers, not only the column config, so every view of the
    table (sorting, download, AppTest) shows the same words.
    """
    present = [c for c in columns if c in frame.columns]
    names = {c: t(_column_key(columns[c][0])) for c in present}
    config = {names[c]: columns[c][1](names[c]) for c in present}
    st.dataframe(frame[present].rename(columns=names), hide_index=True, key=key, column_config=config)


def _column_key(name: str) -> str:
    """The catalogue key of a column header: ``report.col.<name>``, or ``name`` itself when it is a full key."""
    return name if "." in name else f"report.col.{name}"


def str_frame(predictions: pd.DataFrame | None) -> pd.DataFrame:
    """Predictions with label/pred as strings (the report keys labels as strings)."""
    if predictions is None or len(predictions) == 0:
        return pd.DataFrame(columns=["row_id", "text", "label", "pred", "confidence"])
    frame = predictions.copy()
    for column in ("label", "pred"):
        frame[column] = frame[column].astype(str)
    if "row_id" not in frame:
        frame["row_id"] = range(len(frame))
    return frame


def show_examples(frame: pd.DataFrame, *, key: str) -> None:
    """Examples most confident first, text as plain cells."""
    shown = frame.sort_values("confidence", ascending=False) if "confidence" in frame else frame
    table(shown, {
        "row_id": ("row", number),
        "text": ("text", lambda name: st.column_config.TextColumn(name, width="large")),
        "text_pair": ("report_ui.col.text_pair", lambda name: st.column_config.TextColumn(name, width="large")),
        "label": ("true_label", text),
        "pred": ("predicted", text),
        "confidence": ("confidence", percent),
    }, key=key)


