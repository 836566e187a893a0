"""Try a named-entity (NER) run: type or paste text (one text per line) and see its entities highlighted in place,
each a coloured chip with its type and confidence, a legend of the types, and a table of every entity.

The chips need a little HTML.  Everything from the user or the data (the typed text, the entity types) goes through
``html.escape`` before it is placed between our fixed tags, so ``<b>Hi</b>`` is shown as those characters, never
as bold text; ``st.html`` sanitises what it is given as well, and nothing is rendered as Markdown.

The model is loaded lazily on first use and kept with ``st.cache_resource`` (as for the other kinds,
:mod:`pages.components.playground_single`): on the CPU unless a GPU is free of training runs.  Entities come from
:func:`core.serve.ner_predict.predict_entities`, the path batch prediction and the CLI take too.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core.errors import TuneboardError
from core.serve import loading as serving
from core.serve import ner_predict
from core.store import Run
from pages.components.i18n import t, tr
from pages.components.report_ner_errors import chip_colour

TEXT_KEY = "pg_ner_text"
MAX_LINES = 50  # interactive limit; bigger jobs belong in batch prediction
EXAMPLES = (
    # In the style of the built-in news_entities example (its invented people, organisations, places, products).
    "Maria Pemberly, chief executive of Brightwell Analytics, said on Tuesday that the company would open an office in Port Elsby.",
    "Police in Kestrel Bay said Oskar Lindell was questioned and released without charge.",
    "Corvan University will launch the Lumen 5 in Quarry Point before the end of the year.",
    "Talks between Calder Rail and unions in Draymouth broke down on Friday.",
)
_LINE = "margin:4px 0;line-height:2.3;font-size:1rem;white-space:pre-wrap"
_CHIP = "background:{colour};border-radius:6px;padding:2px 5px;margin:0 1px;color:#111827"
_TYPE = "font-size:0.68rem;font-weight:700;margin-left:4px;color:#374151"


@st.cache_resource(show_spinner=False, max_entries=2)  # the caller shows a spinner in the page's language
def _tagger(run_id: str, stamp: float, device: str) -> serving.RunModel:
    """The run's token classifier, loaded once per device (``stamp`` = model folder time: a replaced folder reloads)."""
    return serving.load_run_model(run_id, device=device)


@st.cache_data(show_spinner=False, max_entries=32)
def _entities(run_id: str, stamp: float, device: str, lines: tuple[str, ...]) -> list[list[dict]]:
    return ner_predict.predict_entities(_tagger(run_id, stamp, device), list(lines))


def run_types(run: Run) -> list[str]:
    """The run's entity types (its labels), in the order the legend and the chip colours use."""
    return [str(x) for x in run.info.get("labels") or []]


def chip_html(text: str, type_: str, score: float | None, types: Sequence[str]) -> str:
    """One entity chip: its words, then its type (and confidence); every piece escaped."""
    label = html.escape(type_) + ("" if score is None else f" {100 * score:.0f}%")
    return (f'<span style="{_CHIP.format(colour=chip_colour(type_, types))}">{html.escape(text)}'
            f'<span style="{_TYPE}">{label}</span></span>')


def highlight_html(text: str, entities: Sequence[dict], types: Sequence[str]) -> str:
    """``text`` with each entity (character offsets) drawn as a chip in place; the text between them escaped."""
    parts, at = [], 0
    for entity in sorted(entities, key=lambda e: (int(e["start"]), int(e["end"]))):
        start, end = int(entity["start"]), int(entity["end"])
        if start < at or end > len(text) or end <= start:
            continue  # overlapping or outside the text: left out rather than drawn wrong
        parts.append(html.escape(text[at:start]))
        parts.append(chip_html(text[start:end], str(entity["type"]), float(entity["score"]), types))
        at = end
    parts.append(html.escape(text[at:]))
    return f'<div style="{_LINE}">{"".join(parts)}</div>'


def legend_html(types: Sequence[str]) -> str:
    """The legend: one chip per entity type, in the chips' colours."""
    chips = " ".join(f'<span style="{_CHIP.format(colour=chip_colour(type_, types))}">{html.escape(type_)}</span>'
                     for type_ in types)
    return f'<div style="{_LINE}">{html.escape(t("serve_ner.playground.legend"))} {chips}</div>'


def _fill_examples() -> None:
    st.session_state[TEXT_KEY] = "\n".join(EXAMPLES)


def _lines() -> list[str]:
    return [line.strip() for line in (st.session_state.get(TEXT_KEY) or "").splitlines() if line.strip()]


def _inputs() -> list[str]:
    st.text_area(t("serve_ner.playground.text_label"), key=TEXT_KEY, height=140,
                 placeholder=t("serve_ner.playground.placeholder", max=MAX_LINES))
    left, right = st.columns([1, 3])
    left.button(t("serve_ner.playground.find"), type="primary", icon=":material/play_arrow:", key="pg_ner_find")
    right.button(t("serve_ner.playground.fill_examples"), icon=":material/shuffle:", key="pg_ner_examples",
                 on_click=_fill_examples, help=t("serve_ner.playground.fill_examples_help"))
    lines = _lines()
    if len(lines) > MAX_LINES:
        st.warning(t("serve_ner.playground.too_many_lines", max=MAX_LINES, count=len(lines)))
    return lines[:MAX_LINES]


def entity_table(lines: Sequence[str], found: Sequence[Sequence[dict]]) -> pd.DataFrame:
    """One row per entity with the page's headers: (line,) text, type, score, start, end."""
    rows = [{"line": i + 1, "text": e["text"], "type": e["type"], "score": float(e["score"]), "start": int(e["start"]),
             "end": int(e["end"])} for i, ents in enumerate(found) for e in ents]
    frame = pd.DataFrame(rows, columns=["line", "text", "type", "score", "start", "end"])
    if len(lines) < 2:
        frame = frame.drop(columns="line")
    return frame.rename(columns={c: t(f"serve_ner.playground.col_{c}") for c in frame.columns})


def render(run: Run) -> None:
    """The 'Try texts' tab for a completed NER run."""
    lines = _inputs()
    if not lines:
        st.caption(t("serve_ner.playground.empty_hint"))
        return
    try:
        with st.spinner(t("playground.single.loading_model")):  # appears only when loading takes a moment
            found = _entities(run.id, serving.model_dir(run.id).stat().st_mtime, serving.local_device(), tuple(lines))
    except (TuneboardError, OSError) as exc:
        st.error(tr(exc), icon=":material/error:")
        return
    types = run_types(run) or sorted({str(e["type"]) for ents in found for e in ents})
    st.html(legend_html(types))
    for line, ents in zip(lines, found, strict=True):
        st.html(highlight_html(line, ents, types))
    total = sum(len(ents) for ents in found)
    if not total:
        st.info(t("serve_ner.playground.no_entities"), icon=":material/info:")
        return
    st.caption(t("serve_ner.playground.found", n=total, score_rule=t("serve_ner.playground.score_rule")))
    score = t("serve_ner.playground.col_score")
    text = t("serve_ner.playground.col_text")
    st.dataframe(entity_table(lines, found), hide_index=True, key="pg_ner_entities", column_config={
        text: st.column_config.TextColumn(text, width="medium"),
        score: st.column_config.ProgressColumn(score, min_value=0.0, max_value=1.0, format="percent")})
