"""Upload → understand → check → fix → save: the Data page's main flow."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import models
from core.config import BUILTIN_MODEL
from core.data import health, rowcheck, upload, vocab
from core.data import library as datasets
from core.data.clean import CleanResult, clean_examples, combine_splits
from core.data.columns import detect_columns
from core.data.fixes import apply_fixes
from core.data.formats import LoadedTable
from core.errors import DataError, TuneboardError
from core.plots.health_figures import label_distribution_figure, length_histogram_figure
from core.text import plural
from pages.components.safe_text import escape_markdown

ENCODINGS = ["auto-detect", "utf-8", "utf-8-sig", "utf-16", "gb18030", "cp1252", "latin-1"]
SEVERITY_BOX = {"error": st.error, "warning": st.warning, "info": st.info}


@st.cache_data(show_spinner="Reading the file…", max_entries=8)
def _read(raw: bytes, filename: str, encoding: str | None) -> LoadedTable:
    return upload.read_table(raw, filename, encoding=encoding)


@st.cache_resource(show_spinner=False)
def _counter(model: str):
    return models.token_counter(model)


@st.cache_resource(show_spinner=False)
def _unknown_counter(model: str):
    return vocab.unknown_counter(model)


def _uploads() -> dict[str, st.runtime.uploaded_file_manager.UploadedFile]:
    mode = st.radio("What are you uploading?", ["One file (split automatically)", "Separate train / validation / test files"],
                    horizontal=True, help="With one file, Tuneboard holds back a stratified test and validation share.")
    types = [e.lstrip(".") for e in upload.SUPPORTED_EXTENSIONS]
    if mode.startswith("One"):
        file = st.file_uploader("Data file", type=types, help=f"CSV, TSV, JSON, JSONL, Excel, Parquet or text; up to {upload.MAX_UPLOAD_MB} MB.")
        return {"all": file} if file else {}
    cols = st.columns(3)
    files = {split: cols[i].file_uploader(f"{split.capitalize()} file", type=types, key=f"up_{split}")
             for i, split in enumerate(["train", "validation", "test"])}
    return {k: v for k, v in files.items() if v}


def _read_all(files: dict, encoding: str | None) -> dict[str, LoadedTable] | None:
    tables = {}
    for split, file in files.items():
        try:
            tables[split] = _read(file.getvalue(), file.name, encoding)
        except DataError as exc:
            st.error(f"{file.name}: {exc}", icon=":material/error:")
            return None
    return tables


def _choose_columns(df: pd.DataFrame) -> tuple[str, str]:
    guess = detect_columns(df)
    columns = list(df.columns)
    left, right = st.columns(2)
    text_col = left.selectbox("Text column", columns, index=columns.index(guess.text),
                              help="The texts the model will read.")
    left.caption(escape_markdown(guess.reasons.get("text", "")))
    label_index = columns.index(guess.label) if guess.label in columns else min(1, len(columns) - 1)
    label_col = right.selectbox("Label column", columns, index=label_index, help="The class of each text.")
    right.caption(escape_markdown(guess.reasons.get("label", "")))
    if guess.slices:
        st.caption("Extra columns kept for per-group results later: " + ", ".join(f"‘{c}’" for c in guess.slices))
    return text_col, label_col


def _clean(tables: dict[str, LoadedTable], text_col: str, label_col: str) -> CleanResult:
    if "all" in tables:
        return clean_examples(tables["all"].df, text_col, label_col)
    combined = combine_splits({k: t.df for k, t in tables.items()})
    return clean_examples(combined, text_col, label_col, split_col="split")


def _health(clean: CleanResult, tables: dict[str, LoadedTable]) -> tuple[pd.DataFrame, health.HealthReport]:
    left, right = st.columns(2)
    model = left.text_input("Model used to measure text length", BUILTIN_MODEL,
                            help="Token counts depend on the model's tokenizer.")
    max_length = right.slider("Max length (tokens)", 16, 512, 128, step=16,
                              help="Texts longer than this are cut during training.")
    df = clean.df
    options = {"count_tokens": _counter(model), "max_length": max_length, "count_unknown": _unknown_counter(model),
               "reading": rowcheck.combine([t.row_count for t in tables.values()])}
    report = health.health_report(df, dropped=clean.dropped, **options)
    fixes = [f for f in report.findings if f.fix]
    if fixes:
        chosen = st.pills("Apply fixes", [f.fix for f in fixes], selection_mode="multi",
                          format_func=lambda fix: next(f.title for f in fixes if f.fix == fix),
                          help="Each fix changes the stored dataset; the original file is not touched.")
        if chosen:
            df = apply_fixes(df, chosen, min_count=report.min_class_size)
            report = health.health_report(df, dropped=clean.dropped, **options)
    return df, report


def _show_report(report: health.HealthReport) -> None:
    st.subheader("Health report")
    cols = st.columns(3)
    cols[0].metric("Rows kept", f"{report.n_rows:,}")
    cols[1].metric("Classes", len(report.label_counts))
    cols[2].metric("Rows dropped", f"{sum(report.dropped.values()):,}")
    if report.lines is not None:
        st.caption(f"Lines in the upload, headers not counted: {report.lines:,}.")
    if report.trainable:
        st.success("Ready to train." + (" Check the notes below first." if report.findings else " No problems found."),
                   icon=":material/check_circle:")
    for finding in report.findings:
        SEVERITY_BOX.get(finding.severity, st.info)(f"**{finding.title}** — {escape_markdown(finding.message)}")
    left, right = st.columns(2)
    left.plotly_chart(label_distribution_figure(report), key="health_labels")
    fig = length_histogram_figure(report)
    if fig is not None:
        right.plotly_chart(fig, key="health_lengths")


def render() -> None:
    """The whole upload flow."""
    files = _uploads()
    if not files:
        return
    encoding = st.selectbox("Text encoding", ENCODINGS, help="Detected automatically; change it if letters look wrong.")
    tables = _read_all(files, None if encoding == "auto-detect" else encoding)
    if not tables:
        return
    for split, table in tables.items():
        st.caption(escape_markdown(f"{files[split].name}: " + " ".join(table.notes)))
    first = next(iter(tables.values())).df
    st.dataframe(first.head(50), hide_index=True, height=220)
    try:
        text_col, label_col = _choose_columns(first)
        clean = _clean(tables, text_col, label_col)
        if clean.label_mapping and any(k != v for k, v in clean.label_mapping.items()):
            with st.expander("How labels were normalised"):
                st.dataframe(pd.DataFrame(list(clean.label_mapping.items()), columns=["in the file", "class name"]), hide_index=True)
        df, report = _health(clean, tables)
        _show_report(report)
    except TuneboardError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    _save(df, report, files, text_col, label_col, tables)


def _save(df: pd.DataFrame, report: health.HealthReport, files: dict, text_col: str, label_col: str, tables: dict) -> None:
    st.subheader("Save")
    default_name = datasets.unique_name(next(iter(files.values())).name.rsplit(".", 1)[0])
    name = st.text_input("Dataset name", default_name, help="A new name is suggested when one is already taken.")
    if not report.trainable:
        st.error("This data cannot be trained on yet; fix the problems marked in red above.")
        return
    if st.button("Save dataset", type="primary", icon=":material/save:"):
        first = next(iter(tables.values()))
        record = datasets.save_frame(df, name=name, text_column=text_col, label_column=label_col,
                                     meta={"source": ", ".join(f.name for f in files.values()), "format": first.format,
                                           "encoding": first.encoding, "health": report.to_dict() | {"token_lengths": None}})
        st.session_state["train_dataset"] = record.id
        st.success(f"Saved ‘{escape_markdown(record.name)}’: {plural(record.n_rows, 'row')}, "
                   f"{plural(len(record.labels), 'class')}.")
    if st.session_state.get("train_dataset"):
        st.page_link("pages/train.py", label="Train on it →", icon=":material/model_training:")
