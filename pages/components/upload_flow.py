"""Upload → understand → check → fix → save: the Data page's main flow."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import models
from core.config import BUILTIN_MODEL
from core.data import health, health_tasks, notes, rowcheck, task_detect, upload, vocab
from core.data import library as datasets
from core.data.clean import CleanResult, combine_splits
from core.data.findings import Finding
from core.data.formats import LoadedTable
from core.data.ner_import import NER_EXTENSIONS, is_ner_file
from core.data.task_detect import TaskGuess
from core.errors import DataError, TuneboardError
from pages.components import upload_ner, upload_task
from pages.components.dataset_library import counted
from pages.components.i18n import t, tr
from pages.components.safe_text import escape_markdown

AUTO_DETECT = ""  # the option for "detect it"; its label comes from the catalogue
ENCODINGS = [AUTO_DETECT, "utf-8", "utf-8-sig", "utf-16", "gb18030", "cp1252", "latin-1"]
SEVERITY_BOX = {"error": st.error, "warning": st.warning, "info": st.info}


@st.cache_data(show_spinner=False, max_entries=8)
def _read(raw: bytes, filename: str, encoding: str | None) -> LoadedTable:
    return upload.read_table(raw, filename, encoding=encoding)


@st.cache_resource(show_spinner=False)
def _counter(model: str):
    return models.token_counter(model)


@st.cache_resource(show_spinner=False)
def _pair_counter(model: str):
    return health_tasks.pair_token_counter(model)


@st.cache_resource(show_spinner=False)
def _unknown_counter(model: str):
    return vocab.unknown_counter(model)


def _uploads() -> dict[str, st.runtime.uploaded_file_manager.UploadedFile]:
    # Options are the number of upload boxes, so the choice survives a language switch; labels are made here, in
    # the script run, because format_func is also called outside it (where the session's language is unknown).
    modes = {1: t("data.upload.mode_one"), 3: t("data.upload.mode_separate")}
    mode = st.radio(t("data.upload.mode"), list(modes), format_func=modes.get, horizontal=True,
                    help=t("data.upload.mode_help"))
    # Tagged-token (NER) files too: their extensions (.conll, .bio, …) are read by the NER flow (upload_ner).
    types = sorted({e.lstrip(".") for e in (*upload.SUPPORTED_EXTENSIONS, *NER_EXTENSIONS)})
    if mode == 1:
        file = st.file_uploader(t("data.upload.file"), type=types, help=t("data.upload.file_help", mb=upload.MAX_UPLOAD_MB))
        return {"all": file} if file else {}
    cols = st.columns(3)
    files = {split: cols[i].file_uploader(t(f"data.upload.file_{split}"), type=types, key=f"up_{split}")
             for i, split in enumerate(["train", "validation", "test"])}
    return {k: v for k, v in files.items() if v}


def _read_all(files: dict, encoding: str | None) -> dict[str, LoadedTable] | None:
    tables = {}
    for split, file in files.items():
        try:
            with st.spinner(t("data.upload.reading")):
                tables[split] = _read(file.getvalue(), file.name, encoding)
        except DataError as exc:
            st.error(f"{file.name}: {tr(exc)}", icon=":material/error:")
            return None
    return tables


def _clean(tables: dict[str, LoadedTable], choice: TaskGuess) -> CleanResult:
    if "all" in tables:
        return task_detect.clean_for(tables["all"].df, choice)
    combined = combine_splits({k: t.df for k, t in tables.items()})
    return task_detect.clean_for(combined, choice, split_col="split")


def _health(clean: CleanResult, tables: dict[str, LoadedTable], task) -> tuple[pd.DataFrame, health.HealthReport]:
    left, right = st.columns(2)
    model = left.text_input(t("data.upload.length_model"), BUILTIN_MODEL, help=t("data.upload.length_model_help"))
    max_length = right.slider(t("data.upload.max_length"), 16, 512, 128, step=16, help=t("data.upload.max_length_help"))
    df = clean.df
    options = {"count_tokens": _counter(model), "max_length": max_length, "count_unknown": _unknown_counter(model),
               "reading": rowcheck.combine([table.row_count for table in tables.values()]), "task": task,
               "count_pair_tokens": _pair_counter(model) if task.pair else None}
    report = health.health_report(df, dropped=clean.dropped, **options)
    fixes = [f for f in report.findings if f.fix]
    if fixes:
        names = {}  # made here, in the script run, where the session's language is known (see _uploads)
        for f in fixes:
            names.setdefault(f.fix, _title(f))
        chosen = st.pills(t("data.upload.fixes"), [f.fix for f in fixes], selection_mode="multi", format_func=names.get,
                          help=t("data.upload.fixes_help"))
        if chosen:
            df = health_tasks.apply_fixes_for(df, chosen, task, min_count=report.min_class_size)
            report = health.health_report(df, dropped=clean.dropped, **options)
    return df, report


def _title(finding: Finding) -> str:
    """A finding's title in this session's language (its message dict, else the English title)."""
    return tr(finding.messages.get("title", finding.title))


def _show_report(report: health.HealthReport) -> None:
    st.subheader(t("data.report.title"))
    cols = st.columns(3)
    cols[0].metric(t("data.report.rows_kept"), f"{report.n_rows:,}")
    upload_task.metrics(report, cols[1])
    cols[2].metric(t("data.report.rows_dropped"), f"{sum(report.dropped.values()):,}")
    if report.lines is not None:
        st.caption(t("data.report.lines", n=f"{report.lines:,}"))
    if report.trainable:
        st.success(t("data.report.ready_notes" if report.findings else "data.report.ready_clean"), icon=":material/check_circle:")
    for finding in report.findings:
        text = tr(finding.messages.get("message", finding.message))
        SEVERITY_BOX.get(finding.severity, st.info)(f"**{_title(finding)}** — {escape_markdown(text)}")
    upload_task.charts(report)


def render() -> None:
    """The whole upload flow."""
    files = _uploads()
    if not files:
        return
    if any(is_ner_file(f.getvalue(), f.name) for f in files.values()):
        if "all" in files:
            upload_ner.render(files["all"])
        else:  # NER data is split by sentence after saving, like a single table
            st.error(t("ner_upload.one_file"), icon=":material/error:")
        return
    shown = {e: e for e in ENCODINGS} | {AUTO_DETECT: t("data.upload.auto_detect")}
    encoding = st.selectbox(t("data.upload.encoding"), ENCODINGS, help=t("data.upload.encoding_help"), format_func=shown.get)
    tables = _read_all(files, None if encoding == AUTO_DETECT else encoding)
    if not tables:
        return
    for split, table in tables.items():
        st.caption(escape_markdown(f"{files[split].name}: " + tr(notes.joined(list(table.notes)))))
    first = next(iter(tables.values())).df
    st.dataframe(first.head(50), hide_index=True, height=220)
    try:
        choice = upload_task.choose(first)
        clean = _clean(tables, choice)
        if clean.label_mapping and any(k != v for k, v in clean.label_mapping.items()):
            with st.expander(t("data.upload.normalised")):
                columns = [t("data.upload.in_file"), t("data.upload.class_name")]
                st.dataframe(pd.DataFrame(list(clean.label_mapping.items()), columns=columns), hide_index=True)
        df, report = _health(clean, tables, choice.task)
        _show_report(report)
    except TuneboardError as exc:
        st.error(tr(exc), icon=":material/error:")
        return
    _save(df, report, files, choice, tables)


def _save(df: pd.DataFrame, report: health.HealthReport, files: dict, choice: TaskGuess, tables: dict) -> None:
    st.subheader(t("data.save.title"))
    default_name = datasets.unique_name(next(iter(files.values())).name.rsplit(".", 1)[0])
    name = st.text_input(t("data.save.name"), default_name, help=t("data.save.name_help"))
    if not report.trainable:
        st.error(t("data.save.not_trainable"))
        return
    if st.button(t("data.save.button"), type="primary", icon=":material/save:"):
        first = next(iter(tables.values()))
        kept = report.to_dict() | {"token_lengths": None}
        meta = {"source": ", ".join(f.name for f in files.values()), "format": first.format, "encoding": first.encoding,
                "health": kept, "pair_column": choice.pair, "label_columns": list(choice.label_columns),
                "label_separator": choice.separator, "task_detected": choice.to_dict()}
        record = datasets.save_frame(df, name=name, text_column=choice.text, meta=meta, task=choice.task,
                                     label_column=choice.label or "|".join(choice.label_columns))  # as import_file
        st.session_state["train_dataset"] = record.id
        rows = counted(record.n_rows, "row")
        st.success(upload_task.saved_text(record, report, rows) or t(
            "data.save.saved", name=escape_markdown(record.name), rows=rows, classes=counted(len(record.labels), "class")))
    if st.session_state.get("train_dataset"):
        st.page_link("pages/train.py", label=t("data.train_link"), icon=":material/model_training:")
