"""The error list of a named-entity report: each test sentence with a mistake, drawn twice — the true entities and
the predicted ones — every entity a coloured chip with its type (predicted ones with the model's confidence),
filtered by kind of mistake and entity type, a page at a time.

The chips need a little HTML.  Every word and every type is the user's own text, so each one goes through
``html.escape`` before it is placed between our tags, and only our fixed tags and inline styles are written (and
``st.html`` sanitises what it is given as well); nothing is ever rendered as Markdown.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

import streamlit as st

from core.i18n import translate
from pages.components.i18n import current_language, t

__all__ = ["KINDS", "PAGE_SIZE", "chip_colour", "filter_errors", "render", "sentence_html"]

PAGE_SIZE = 10
KINDS = ("boundary", "wrong_type", "wrong_type_and_boundary", "missed", "spurious")
"""The kinds of mistake a sentence can have (``errors[].kinds``), each with a ``ner_report.kind.*`` text."""
_PALETTE = ("#cfe2ff", "#ffe5b4", "#d4f4dd", "#f8d7f0", "#fff3b0", "#d9d2f5", "#c7f0f5", "#f6d5c8")
_LINE = "margin:2px 0;line-height:2.2;font-size:0.95rem"
_TAG = "display:inline-block;min-width:5.5em;color:#6b7280;font-size:0.8rem"
_CHIP = "background:{colour};border-radius:6px;padding:2px 5px;margin:0 1px;color:#111827"
_TYPE = "font-size:0.68rem;font-weight:700;margin-left:4px;color:#374151"


def chip_colour(type_: str, types: Sequence[str]) -> str:
    """The chip colour of an entity type: one per type, in the order of ``types`` (the same on both lines)."""
    return _PALETTE[list(types).index(type_) % len(_PALETTE)] if type_ in types else "#e5e7eb"


def sentence_html(words: Sequence[object], spans: Sequence[Sequence[object]], *, caption: str,
                  types: Sequence[str]) -> str:
    """One line: ``caption`` then the sentence, each entity ``[type, first, end(, confidence)]`` a chip.

    Everything from the data (words, types) is escaped; spans outside the sentence or overlapping an earlier one
    are left out rather than drawn wrong.
    """
    starts: dict[int, tuple[str, int, float | None]] = {}
    taken = -1
    for span in sorted(spans, key=lambda s: (int(s[1]), int(s[2]))):
        type_, first, end = str(span[0]), int(span[1]), int(span[2])
        if first <= taken or first < 0 or end > len(words) or end <= first:
            continue
        confidence = float(span[3]) if len(span) > 3 and span[3] is not None else None
        starts[first], taken = (type_, end, confidence), end - 1
    parts, i = [], 0
    while i < len(words):
        if i not in starts:
            parts.append(html.escape(str(words[i])))
            i += 1
            continue
        type_, end, confidence = starts[i]
        label = html.escape(type_) + ("" if confidence is None else f" {100 * confidence:.0f}%")
        inner = html.escape(" ".join(str(w) for w in words[i:end]))
        parts.append(f'<span style="{_CHIP.format(colour=chip_colour(type_, types))}">{inner}'
                     f'<span style="{_TYPE}">{label}</span></span>')
        i = end
    return f'<div style="{_LINE}"><span style="{_TAG}">{html.escape(caption)}</span>{" ".join(parts)}</div>'


def filter_errors(errors: Sequence[dict], kinds: Sequence[str], types: Sequence[str]) -> list[dict]:
    """The sentences with at least one of ``kinds`` (all when empty) and an entity of one of ``types`` (all when
    empty) among their true or predicted entities."""
    wanted_kinds, wanted_types = set(kinds), set(types)
    return [e for e in errors
            if (not wanted_kinds or wanted_kinds & set(e.get("kinds") or ()))
            and (not wanted_types or wanted_types & {str(s[0]) for s in [*e.get("gold", ()), *e.get("pred", ())]})]


def _kind_namer() -> Callable[[str], str]:
    """A kind of mistake in words; the language is read now (AppTest calls format_func outside a script run)."""
    language = current_language()
    return lambda kind: translate(language, f"ner_report.kind.{kind}") if kind in KINDS else str(kind)


def render(report: dict, *, key: str) -> None:
    """The Errors tab: filters, then one page of sentences with their true and predicted entities."""
    errors = report.get("errors") or []
    if not errors:
        st.success(t("ner_report.errors.none"))
        return
    st.caption(t("ner_report.errors.intro"))
    kinds = list(dict.fromkeys(k for e in errors for k in e.get("kinds") or ()))
    types = sorted({str(s[0]) for e in errors for s in [*e.get("gold", ()), *e.get("pred", ())]})
    left, right = st.columns(2)
    kind_name = _kind_namer()
    chosen_kinds = left.multiselect(t("ner_report.errors.kinds"), kinds, key=f"{key}-ner-kinds", format_func=kind_name,
                                    placeholder=t("ner_report.errors.all"))
    chosen_types = right.multiselect(t("ner_report.errors.types"), types, key=f"{key}-ner-types",
                                     placeholder=t("ner_report.errors.all"))
    shown = filter_errors(errors, chosen_kinds, chosen_types)
    if not shown:
        st.info(t("ner_report.errors.none_match"))
        return
    pages = math.ceil(len(shown) / PAGE_SIZE)
    page = 1
    if pages > 1:
        page = int(st.number_input(t("ner_report.errors.page", pages=pages), min_value=1, max_value=pages, value=1,
                                   step=1, key=f"{key}-ner-page"))
    first = (min(page, pages) - 1) * PAGE_SIZE
    st.caption(t("ner_report.errors.showing", first=first + 1, last=min(first + PAGE_SIZE, len(shown)),
                 total=len(shown)))
    all_types = sorted({str(r.get("type")) for r in report.get("per_type") or []} | set(types))
    gold_word, pred_word = t("ner_report.errors.gold"), t("ner_report.errors.predicted")
    for error in shown[first : first + PAGE_SIZE]:
        words = error.get("words") or []
        # The row and its kinds of mistake head its two lines (below them they read as the next sentence's heading).
        st.caption(t("ner_report.errors.row", row=error.get("row_id", "?"),
                     kinds=t("ner_report.errors.joiner").join(kind_name(k) for k in error.get("kinds") or ())))
        st.html(sentence_html(words, error.get("gold") or [], caption=gold_word, types=all_types)
                + sentence_html(words, error.get("pred") or [], caption=pred_word, types=all_types))
