"""Batch prediction: upload a file, pick the text column (two for a pair run), predict every row in a worker, download
the result.  The added columns follow the run's kind (:func:`core.serve.predict.prediction_columns`).

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
from core.results import PROB_PREFIX
from core.serve import ner_predict, predict, task_output
from core.store import Run
from core.tasks import Task
from pages.components import playground_ner_batch
from pages.components.i18n import t, tr

JOB_KEY = "pg_batch_job"
POLL_S = 1.0
PHASE_KEYS = {"starting": "starting", "loading the model": "loading", "classifying": "classifying", "done": "done"}
"""The phases the prediction worker reports (English words in progress.json) → their catalogue keys."""


@st.cache_data(show_spinner=False, max_entries=4)  # the caller shows a spinner in the page's language
def _read(raw: bytes, filename: str) -> LoadedTable:
    return ner_predict.read_texts(raw, filename)  # any upload, and a plain .txt of texts (one per line)


@st.cache_data(show_spinner=False, max_entries=4)
def _result(job_id: str) -> pd.DataFrame:
    return predict.job_result(job_id)


def _upload(run: Run) -> None:
    types = [e.lstrip(".") for e in upload.SUPPORTED_EXTENSIONS]
    label = "serve_ner.batch.file_label" if task_output.run_task(run.id).ner else "playground.batch.file_label"
    file = st.file_uploader(t(label), type=types, key="pg_batch_file",
                            help=t("playground.batch.file_help", mb=upload.MAX_UPLOAD_MB))
    if file is None:
        task = task_output.run_task(run.id)
        hint = "serve_ner.batch.upload_hint" if task.ner else f"serve_tasks.batch.upload_hint.{task.key}"
        st.caption(t("playground.batch.upload_hint" if task == Task() else hint))
        return
    try:
        with st.spinner(t("playground.batch.reading_file")):
            table = _read(file.getvalue(), file.name)
    except DataError as exc:
        st.error(f"{file.name}: {tr(exc)}", icon=":material/error:")
        return
    df = table.df
    column, pair_column = _columns(df, task_output.run_task(run.id))
    st.caption(t("playground.batch.first_rows", rows=f"{len(df):,}"))
    st.dataframe(df.head(5), hide_index=True, key="pg_batch_preview")
    if st.button(t("playground.batch.predict_all", rows=f"{len(df):,}"), type="primary", icon=":material/play_arrow:",
                 key="pg_batch_start"):
        try:
            st.session_state[JOB_KEY] = predict.start_job(run.id, df, column, pair_column=pair_column,
                                                          source_name=file.name)
        except TuneboardError as exc:
            st.error(tr(exc), icon=":material/error:")


def _columns(df: pd.DataFrame, task: Task) -> tuple[str, str | None]:
    """The text column to predict, and for a pair run the second text column (guessed from pair names first)."""
    columns = list(df.columns)
    pair_guess = task_output.guess_pair_columns(df) if task.pair else None
    guess = pair_guess[0] if pair_guess else detect_columns(df).text
    first = "serve_tasks.batch.first_column" if task.pair else "playground.batch.text_column"
    column = st.selectbox(t(first), columns, index=columns.index(guess) if guess in columns else 0,
                          key="pg_batch_col", help=t("playground.batch.text_column_help"))
    if not task.pair:
        return column, None
    rest = [c for c in columns if c != column] or columns
    preferred = [c for c in pair_guess or () if c in rest]  # the guessed partner of whichever column was chosen
    second = preferred[-1] if preferred else rest[0]
    pair_column = st.selectbox(t("serve_tasks.batch.second_column"), rest, index=rest.index(second),
                               key="pg_batch_pair_col", help=t("serve_tasks.batch.second_column_help"))
    return column, pair_column


def shown_columns(columns: list[str], task: Task | None = None) -> dict[str, str]:
    """File column → header shown on the page, for the columns the model added (in English: the same names).

    The worker appends, per kind, the predicted label, its confidence and one ``prob::<class>`` column per class; the
    predicted labels and one ``prob::<label>`` per label (multi-label); or the predicted number (regression) — in
    that order, each maybe suffixed when the upload had that name — so they are found from the end, never by guessing
    names."""
    task = task or Task()
    if task.regression:
        pred = columns[-1] if columns else None
        return {pred: t("serve_tasks.batch.col_score") + pred[len(predict.SCORE_COLUMN):]} if pred else {}
    n_prob = 0
    while n_prob < len(columns) and str(columns[-1 - n_prob]).startswith(PROB_PREFIX):
        n_prob += 1
    added = 1 if task.multi_label else 2
    if len(columns) < n_prob + added:
        return {}
    if task.multi_label:
        pred = columns[-n_prob - 1]
        names = {pred: t("serve_tasks.batch.col_labels") + pred[len(predict.LABELS_COLUMN):]}
    else:
        pred, confidence = columns[-n_prob - 2], columns[-n_prob - 1]
        names = {pred: t("playground.batch.col_pred") + pred[len(predict.PRED_COLUMN):],
                 confidence: t("playground.batch.col_confidence") + confidence[len(predict.CONFIDENCE_COLUMN):]}
    names.update({c: t("playground.batch.col_prob", label=c[len(PROB_PREFIX):]) for c in columns[len(columns) - n_prob:]})
    kept = [c for c in columns if c not in names]
    if len({*kept, *names.values()}) < len(columns):
        return {}  # a translated header would clash with an uploaded column: show the file's own names
    return names


def _downloads(job_id: str, source_name: str, task: Task) -> None:
    frame = _result(job_id)
    if task.ner:  # the entities as JSON and in words, and a JSON-lines download of the spans
        playground_ner_batch.downloads(frame, source_name, str(predict.job_info(job_id)["text_column"]))
        return
    names = shown_columns([str(c) for c in frame.columns], task)
    st.dataframe(frame.head(200).rename(columns=names), hide_index=True, key="pg_batch_result")
    if any(shown != column for column, shown in names.items()):  # the files keep the stable English column names
        if task.regression:
            st.caption(t("serve_tasks.batch.file_columns_note_score", pred=predict.SCORE_COLUMN))
        elif task.multi_label:
            st.caption(t("serve_tasks.batch.file_columns_note_labels", pred=predict.LABELS_COLUMN, prob=PROB_PREFIX))
        else:
            st.caption(t("playground.batch.file_columns_note", pred=predict.PRED_COLUMN,
                         confidence=predict.CONFIDENCE_COLUMN, prob=PROB_PREFIX))
    stem = (source_name.rsplit(".", 1)[0] or "predictions") + "-predictions"
    left, right = st.columns(2)
    left.download_button(t("playground.batch.download_csv"), data=lambda: predict.to_csv_bytes(frame), file_name=f"{stem}.csv", mime="text/csv",
                         icon=":material/download:", key="pg_batch_csv", on_click="ignore")
    right.download_button(t("playground.batch.download_excel"), data=lambda: predict.to_excel_bytes(frame), file_name=f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          icon=":material/download:", key="pg_batch_xlsx", on_click="ignore")
    st.caption(t("playground.batch.formula_note"))


def _job_body(job_id: str, was_active: bool) -> None:
    status = predict.job_progress(job_id)
    state = status.get("state")
    active = state in {"queued", "running"}
    if was_active and not active:
        st.rerun(scope="app")  # finished: redraw once without polling
    if state == "failed":
        st.error(tr(status.get("error_message") or status.get("error")) or t("playground.batch.failed"), icon=":material/error:")
        return
    info = predict.job_info(job_id)
    task = Task.from_dict(info["task"]) if info.get("task") else task_output.run_task(info["run_id"])
    if active:
        total, done = status.get("total") or 0, status.get("done") or 0
        phase = t("serve_ner.batch.phase_tagging") if task.ner and status.get("phase") == "classifying" \
            else phase_text(status.get("phase"))
        st.progress(min(1.0, done / total) if total else 0.0,
                    text=t("playground.batch.progress", phase=phase, done=f"{done:,}", total=f"{total:,}"))
        return
    st.success(t("serve_ner.batch.tagged" if task.ner else "playground.batch.classified", rows=f"{status.get('total', 0):,}",
                 source=info.get("source_name") or t("playground.batch.the_file"), seconds=f"{status.get('seconds', 0):.1f}"),
               icon=":material/check_circle:")
    _downloads(job_id, info.get("source_name") or "predictions", task)


def phase_text(phase: str | None) -> str:
    """The worker's phase in the page's language (an unknown phase is shown as the worker wrote it)."""
    key = PHASE_KEYS.get(phase or "starting")
    return t(f"playground.batch.phase.{key}") if key else str(phase)


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
