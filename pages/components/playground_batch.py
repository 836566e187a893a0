"""Batch prediction: upload a file, pick the text column, classify every row in a worker, download the result.

The worker (``python -m core.serve.predict_worker``) does the work; this view only starts it and polls its
``progress.json`` with a fragment that refreshes every second while the job runs, and not at all after.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data import upload
from core.data.columns import detect_columns
from core.data.formats import LoadedTable
from core.errors import DataError, TuneboardError
from core.serve import predict
from core.store import Run

JOB_KEY = "pg_batch_job"
POLL_S = 1.0


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _read(raw: bytes, filename: str) -> LoadedTable:
    return upload.read_table(raw, filename)


@st.cache_data(show_spinner=False, max_entries=4)
def _result(job_id: str) -> pd.DataFrame:
    return predict.job_result(job_id)


def _upload(run: Run) -> None:
    types = [e.lstrip(".") for e in upload.SUPPORTED_EXTENSIONS]
    file = st.file_uploader("File to classify", type=types, key="pg_batch_file",
                            help=f"CSV, TSV, JSON, JSONL, Excel, Parquet or text; up to {upload.MAX_UPLOAD_MB} MB.")
    if file is None:
        st.caption("Upload a table with a column of texts; every row gets the predicted class and one probability per class.")
        return
    try:
        table = _read(file.getvalue(), file.name)
    except DataError as exc:
        st.error(f"{file.name}: {exc}", icon=":material/error:")
        return
    df = table.df
    columns = list(df.columns)
    guess = detect_columns(df).text
    column = st.selectbox("Text column", columns, index=columns.index(guess) if guess in columns else 0, key="pg_batch_col",
                          help="The column with the texts to classify.")
    st.caption(f"{len(df):,} rows · first rows:")
    st.dataframe(df.head(5), hide_index=True, key="pg_batch_preview")
    if st.button(f"Predict all {len(df):,} rows", type="primary", icon=":material/play_arrow:", key="pg_batch_start"):
        try:
            st.session_state[JOB_KEY] = predict.start_job(run.id, df, column, source_name=file.name)
        except TuneboardError as exc:
            st.error(str(exc), icon=":material/error:")


def _downloads(job_id: str, source_name: str) -> None:
    frame = _result(job_id)
    st.dataframe(frame.head(200), hide_index=True, key="pg_batch_result")
    stem = (source_name.rsplit(".", 1)[0] or "predictions") + "-predictions"
    left, right = st.columns(2)
    left.download_button("Download CSV", data=lambda: predict.to_csv_bytes(frame), file_name=f"{stem}.csv", mime="text/csv",
                         icon=":material/download:", key="pg_batch_csv", on_click="ignore")
    right.download_button("Download Excel", data=lambda: predict.to_excel_bytes(frame), file_name=f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          icon=":material/download:", key="pg_batch_xlsx", on_click="ignore")
    st.caption("Cells that a spreadsheet would run as a formula (starting with = + - @) are written with a leading ' .")


def _job_body(job_id: str, was_active: bool) -> None:
    status = predict.job_progress(job_id)
    state = status.get("state")
    active = state in {"queued", "running"}
    if was_active and not active:
        st.rerun(scope="app")  # finished: redraw once without polling
    if state == "failed":
        st.error(status.get("error") or "The prediction failed.", icon=":material/error:")
        return
    if active:
        total, done = status.get("total") or 0, status.get("done") or 0
        label = status.get("phase") or "starting"
        st.progress(min(1.0, done / total) if total else 0.0, text=f"{label} · {done:,} / {total:,} rows")
        return
    info = predict.job_info(job_id)
    st.success(f"Classified {status.get('total', 0):,} rows of {info.get('source_name') or 'the file'} "
               f"in {status.get('seconds', 0):.1f} s.", icon=":material/check_circle:")
    _downloads(job_id, info.get("source_name") or "predictions")


def render(run: Run) -> None:
    """The 'Batch prediction' tab for one completed run."""
    _upload(run)
    job_id = st.session_state.get(JOB_KEY)
    if not job_id:
        return
    try:
        if predict.job_info(job_id).get("run_id") != run.id:
            return  # a job of another run: not shown here
        active = predict.job_progress(job_id).get("state") in {"queued", "running"}
    except TuneboardError:
        st.session_state.pop(JOB_KEY, None)
        return
    st.divider()
    fragment = st.fragment(run_every=POLL_S if active else None)(_job_body)
    fragment(job_id, active)
