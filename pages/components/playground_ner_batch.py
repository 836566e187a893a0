"""The result of a batch prediction with a named-entity (NER) run: the table with its two added columns (the entities
as JSON, and in words) and three downloads — CSV and Excel (formula-like cells escaped, as for every kind) and JSON
lines with the spans (``{"text", "entities": [{"type", "start", "end", "text", "score"}], …}``).

The worker (:mod:`core.serve.predict_worker`) does the work and :mod:`pages.components.playground_batch` starts and
polls it; this view only shows the finished table.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.serve import ner_predict, predict
from pages.components.i18n import t


def shown_columns(columns: list[str]) -> dict[str, str]:
    """File column → header shown on the page for the two added columns (the last two; their names may carry a
    suffix when the upload had them); nothing renamed when a translated header would clash with an upload column."""
    if len(columns) < 2:
        return {}
    as_json, readable = columns[-2], columns[-1]
    names = {as_json: t("serve_ner.batch.col_entities") + as_json[len(ner_predict.ENTITIES_COLUMN):],
             readable: t("serve_ner.batch.col_entities_text") + readable[len(ner_predict.ENTITIES_TEXT_COLUMN):]}
    kept = [c for c in columns if c not in names]
    return {} if len({*kept, *names.values()}) < len(columns) else names


def downloads(frame: pd.DataFrame, source_name: str, text_column: str) -> None:
    """The first rows of the result and its CSV, Excel and JSON-lines downloads."""
    names = shown_columns([str(c) for c in frame.columns])
    columns = [str(c) for c in frame.columns]
    # On the page the readable column comes before the JSON one (wide, and cut off first); the files keep their order.
    shown = frame.head(200)[[*columns[:-2], columns[-1], columns[-2]]] if len(columns) >= 2 else frame.head(200)
    st.dataframe(shown.rename(columns=names), hide_index=True, key="pg_batch_result")
    if any(shown != column for column, shown in names.items()):  # the files keep the stable English column names
        st.caption(t("serve_ner.batch.file_columns_note", entities=ner_predict.ENTITIES_COLUMN,
                     entities_text=ner_predict.ENTITIES_TEXT_COLUMN))
    stem = (source_name.rsplit(".", 1)[0] or "predictions") + "-entities"
    left, middle, right = st.columns(3)
    left.download_button(t("playground.batch.download_csv"), data=lambda: predict.to_csv_bytes(frame),
                         file_name=f"{stem}.csv", mime="text/csv", icon=":material/download:", key="pg_batch_csv",
                         on_click="ignore")
    middle.download_button(t("playground.batch.download_excel"), data=lambda: predict.to_excel_bytes(frame),
                           file_name=f"{stem}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/download:", key="pg_batch_xlsx", on_click="ignore")
    right.download_button(t("serve_ner.batch.download_jsonl"),
                          data=lambda: ner_predict.to_jsonl_bytes(frame, text_column), file_name=f"{stem}.jsonl",
                          mime="application/jsonl", icon=":material/download:", key="pg_batch_jsonl",
                          on_click="ignore")
    st.caption(t("playground.batch.formula_note"))
