"""The Data page's flow for a named-entity (NER) file: read it, say what was detected, preview sentences with their
entities highlighted, show the health report, save it."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core import models
from core.config import BUILTIN_MODEL
from core.data import library as datasets
from core.data.ner_health import NerHealth, entity_counts, ner_health_report
from core.data.ner_import import import_ner, read_ner
from core.errors import DataError
from core.ner import schemes
from core.ner.formats import JSONL_SPANS
from core.ner.sentence import Reading
from core.plots.ner_figures import entity_types_figure, sentence_length_figure
from pages.components.dataset_library import sentences_text
from pages.components.i18n import current_language, t, tr
from pages.components.safe_text import escape_markdown

PREVIEW_SENTENCES = 10
SEVERITY_BOX = {"error": st.error, "warning": st.warning, "info": st.info}
# One colour per entity type (in the report's order, most frequent first); cycles after ten types.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
_SPACE = re.compile(r"\s+")


@st.cache_data(show_spinner=False, max_entries=8)
def _read(raw: bytes, filename: str) -> Reading:
    return read_ner(raw, filename)


@st.cache_resource(show_spinner=False)
def _counter(model: str):
    return models.token_counter(model)


def _safe(text: str) -> str:
    """User text as HTML text: escaped, and any whitespace (a JSON token may hold a line break) one space, so the
    whole sentence stays one raw-HTML block that Markdown never parses."""
    return html.escape(_SPACE.sub(" ", text), quote=True)


def highlight_html(tokens: Sequence[str], tags: Sequence[str], colours: dict[str, str]) -> str:
    """One sentence as HTML: each entity's words on a tinted background followed by a chip naming its type.

    Every piece of user text (words and type names) goes through :func:`html.escape`; the markup around it is ours.
    """
    spans = {start: (type_, end) for type_, start, end in schemes.entities(list(tags))}
    parts, i = [], 0
    while i < len(tokens):
        if i not in spans:
            parts.append(_safe(tokens[i]))
            i += 1
            continue
        type_, end = spans[i]
        colour = colours.get(type_, PALETTE[-1])
        words = _safe(" ".join(tokens[i:end]))
        chip = (f'<span style="background:{colour};color:#fff;border-radius:3px;padding:0 4px;margin-left:4px;'
                f'font-size:0.72em;font-weight:600">{_safe(type_)}</span>')
        parts.append(f'<span style="background:{colour}26;border:1px solid {colour};border-radius:4px;'
                     f'padding:1px 4px">{words}{chip}</span>')
        i = end
    return f'<div style="line-height:2.1;margin-bottom:0.4em">{" ".join(parts)}</div>'


def _detected(reading: Reading, scheme: str) -> None:
    fmt = t(f"ner_upload.format.{reading.format}")
    if reading.format == JSONL_SPANS:  # spans have no scheme of their own: the reader wrote them as BIO
        st.info(t("ner_upload.detected_spans", format=fmt), icon=":material/label:")
        return
    key = "ner_upload.detected_converted" if scheme != schemes.BIO else "ner_upload.detected"
    st.info(t(key, format=fmt, scheme=scheme), icon=":material/label:")


def type_colours(types: Sequence[str]) -> dict[str, str]:
    """A colour per entity type, in the given order (the report's: most frequent first)."""
    return {type_: PALETTE[i % len(PALETTE)] for i, type_ in enumerate(types)}


def _preview(reading: Reading) -> None:
    st.subheader(t("ner_upload.preview", n=min(PREVIEW_SENTENCES, len(reading.sentences))))
    colours = type_colours(list(entity_counts(reading.sentences)))
    for sentence in reading.sentences[:PREVIEW_SENTENCES]:
        st.markdown(highlight_html(sentence.tokens, sentence.tags, colours), unsafe_allow_html=True)
    more = len(reading.sentences) - PREVIEW_SENTENCES
    if more > 0:
        st.caption(t("ner_upload.preview_more", n=more))


def _health(raw: bytes, filename: str) -> NerHealth:
    left, right = st.columns(2)
    model = left.text_input(t("data.upload.length_model"), BUILTIN_MODEL, help=t("data.upload.length_model_help"),
                            key="ner_length_model")
    max_length = right.slider(t("data.upload.max_length"), 16, 512, 128, step=16, key="ner_max_length",
                              help=t("ner_upload.max_length_help"))
    return _report(raw, filename, model, max_length)


@st.cache_data(show_spinner=False, max_entries=8)
def _report(raw: bytes, filename: str, model: str, max_length: int) -> NerHealth:
    # Cached on the file and settings, so a rerun (a click elsewhere on the page) does not re-count the tokens of
    # a 14,000-sentence file; only a new model or max length does.
    reading = _read(raw, filename)
    return ner_health_report(reading, count_tokens=_counter(model), max_length=max_length)


def _show_report(report: NerHealth) -> None:
    st.subheader(t("ner_upload.health"))
    cols = st.columns(5)
    cols[0].metric(t("ner_upload.sentences"), f"{report.n_sentences:,}")
    cols[1].metric(t("ner_upload.words"), f"{report.n_words:,}")
    cols[2].metric(t("ner_upload.entities"), f"{report.n_entities:,}")
    cols[3].metric(t("ner_upload.types"), len(report.entity_counts),
                   help=t("ner_upload.types_help", names=escape_markdown(", ".join(report.entity_counts))))
    cols[4].metric(t("ner_upload.no_entity"), f"{report.no_entity:,}")
    stats = report.length_stats
    caption = t("ner_upload.lengths", median=stats["median"], p95=stats["p95"], max=stats["max"])
    if report.n_long == 0:
        caption += " " + t("ner_upload.long_ok", max_length=report.max_length)
    st.caption(caption)
    if report.trainable:
        st.success(t("ner_upload.ready"), icon=":material/check_circle:")
    for finding in report.findings:
        title, text = tr(finding.messages["title"]), tr(finding.messages["message"])
        SEVERITY_BOX.get(finding.severity, st.info)(f"**{title}** — {escape_markdown(text)}")
    if report.problem_examples:
        _problems(report)
    language = current_language()
    colours = type_colours(list(report.entity_counts))
    figures = [f for f in (entity_types_figure(report, language=language, colours=colours),
                           sentence_length_figure(report, language=language)) if f is not None]
    for column, (i, fig) in zip(st.columns(2), enumerate(figures), strict=False):
        column.plotly_chart(fig, key=f"ner_health_{i}")


def _problems(report: NerHealth) -> None:
    """The first malformed tags, by place, with the problem in words."""
    rows = [{t("ner_upload.col_sentence"): p["sentence"], t("ner_upload.col_position"): p["position"] + 1,
             t("ner_upload.col_tag"): p["tag"], t("ner_upload.col_problem"): t(f"ner_health.problem.{p['problem']}")}
            for p in report.problem_examples]
    with st.expander(t("ner_upload.problems", scheme=report.scheme, n=len(rows))):
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def _save(raw: bytes, filename: str, report: NerHealth) -> None:
    st.subheader(t("data.save.title"))
    default_name = datasets.unique_name(filename.rsplit(".", 1)[0] or "entities")
    name = st.text_input(t("data.save.name"), default_name, help=t("data.save.name_help"), key="ner_save_name")
    if not report.trainable:
        st.error(t("data.save.not_trainable"))
        return
    if st.button(t("data.save.button"), type="primary", icon=":material/save:", key="ner_save"):
        try:
            record = import_ner(raw, filename, name=name)
        except DataError as exc:
            st.error(escape_markdown(tr(exc)), icon=":material/error:")
            return
        st.session_state["train_dataset"] = record.id
        st.success(t("ner_upload.saved", name=escape_markdown(record.name), sentences=sentences_text(record.n_rows),
                     n=len(record.labels), types=escape_markdown(", ".join(record.labels))))
    if st.session_state.get("train_dataset"):
        st.page_link("pages/train.py", label=t("data.train_link"), icon=":material/model_training:")


def render(file) -> None:
    """The whole flow for one uploaded NER file (``file``: Streamlit's UploadedFile)."""
    raw = file.getvalue()
    try:
        with st.spinner(t("ner_upload.reading")):
            reading = _read(raw, file.name)
    except DataError as exc:
        # The sentence can quote the file (a tag, a line): shown literally, never as Markdown.
        st.error(escape_markdown(f"{file.name}: {tr(exc)}"), icon=":material/error:")
        return
    _detected(reading, schemes.detect_scheme(s.tags for s in reading.sentences))
    _preview(reading)
    report = _health(raw, file.name)
    _show_report(report)
    _save(raw, file.name, report)
