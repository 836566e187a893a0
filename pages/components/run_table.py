"""The table of runs with status and key metrics; selecting a row picks the run to show."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core import jobs
from core.store import Run


def runs_frame(runs: list[Run]) -> pd.DataFrame:
    """One row per run with the columns people sort and filter by."""
    rows = []
    for r in runs:
        m = r.final_metrics or {}
        rows.append({
            "id": r.id, "name": r.name, "status": jobs.status_line(r), "dataset": r.info.get("dataset_name", r.dataset_id),
            "model": str(r.config.get("model", "")).rstrip("/").split("/")[-1],
            "accuracy": m.get("accuracy"), "f1_macro": m.get("f1_macro"),
            "minutes": round(r.duration_s / 60, 2) if r.duration_s else None,
            "created": dt.datetime.fromtimestamp(r.created_at).strftime("%Y-%m-%d %H:%M"),
            "tags": ", ".join(r.tags),
        })
    return pd.DataFrame(rows)


def select_run(runs: list[Run], *, key: str = "runs_table") -> str | None:
    """Show the table; return the id of the selected row (or None)."""
    frame = runs_frame(runs)
    event = st.dataframe(
        frame, key=key, on_select="rerun", selection_mode="single-row", hide_index=True,
        column_config={
            "id": st.column_config.TextColumn("id", width="small"),
            "accuracy": st.column_config.ProgressColumn("accuracy", min_value=0, max_value=1, format="%.3f"),
            "f1_macro": st.column_config.ProgressColumn("macro F1", min_value=0, max_value=1, format="%.3f"),
        })
    rows = event.selection.rows if event and event.selection else []
    return frame.iloc[rows[0]]["id"] if rows else None
