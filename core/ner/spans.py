"""Text with character spans (what Label Studio, doccano and most annotation tools export) → tokens with BIO tags.

A record is ``{"text": "...", "entities": [...]}``; the spans may also be under ``spans``, ``label`` (doccano) or
``labels``, and each span may be ``{"start": s, "end": e, "label": "PER"}`` (also ``start_offset``/``end_offset``,
``type``, or Label Studio's ``"labels": ["PER"]``) or a list ``[s, e, "PER"]``.  Offsets are Python string indices
(code points), ``end`` exclusive.  CLUENER's shape is read too: ``"label": {"PER": {"叶老桂": [[9, 11]]}}``, type →
entity text → ``[start, end]`` pairs with ``end`` *inclusive* (exclusive when only that matches the entity's text).

**The tokenizer** (:func:`tokenize`) is deliberately simple and independent of the labels, so text seen at
prediction time is cut exactly as the training text was: a token is a run of letters, digits and underscores, or
a single other non-space character (punctuation, symbols), or a single CJK character (Chinese and Japanese have no
spaces; tagging them character by character is the usual practice).  Every token keeps its ``(start, end)``
offsets, so tags map back to character spans and ``text[start:end]`` gives each token back exactly; only the
spaces between tokens are not tokens.

**Alignment.** A span is widened to the tokens it overlaps (``"Paris" in "Parisian"`` tags the whole token) and
counted as *snapped* when its offsets were not already token boundaries.  Overlapping or nested spans cannot all be
BIO tags: the longest (in tokens) is kept, ties going to the one listed first, and each other one is returned as a
:class:`~core.ner.sentence.DroppedSpan` so the health report can say how many and why.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.errors import DataError
from core.i18n import Message, message
from core.ner.schemes import entities, render
from core.ner.sentence import DroppedSpan, Reading, Sentence, json_records

JSONL_SPANS = "jsonl_spans"
SPAN_KEYS = ("entities", "spans", "label", "labels")
"""Where a record's spans may be, checked in this order (the first one present is used)."""

# CJK ideographs, kana and compatibility ideographs: one token each.  Hangul is left out: Korean uses spaces.
_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_PATTERN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]")


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """The tokens of ``text`` as ``(token, start, end)``, ``text[start:end] == token`` (rules: module docstring)."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN_PATTERN.finditer(text)]


@dataclass(frozen=True)
class _Span:
    """One span as read from a record, in the record's order (``index``)."""

    index: int
    start: int
    end: int
    label: str


def _label_of(item: dict[str, Any]) -> Any:
    """A span object's label: ``label``, ``type``, or the first of Label Studio's ``labels``."""
    if "label" in item:
        return item["label"]
    if "type" in item:
        return item["type"]
    labels = item.get("labels")
    return labels[0] if isinstance(labels, list) and len(labels) == 1 else None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # a true/false offset is a mistake, not 1/0


def _nested_spans(raw: dict[str, Any], text: str, place: Message) -> list[tuple[Any, Any, Any]]:
    """CLUENER's ``{type: {entity text: [[start, end], ...]}}`` as ``(start, end_exclusive, type)`` items, in the
    file's order (malformed pairs are passed on as they are, for :func:`_spans_of` to name)."""
    items: list[tuple[Any, Any, Any]] = []
    for label, found in raw.items():
        if not isinstance(found, dict) or not all(isinstance(p, list) for p in found.values()):
            raise DataError(message("error.ner_file.spans_not_list", place=place, key="label"))
        for surface, positions in found.items():
            for pair in positions:
                start, end = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, None)
                if _whole(start) and _whole(end):
                    # Inclusive, as CLUENER writes it, unless only the exclusive reading gives the entity's text.
                    exclusive_only = text[start:end] == surface and text[start:end + 1] != surface
                    end = end if exclusive_only else end + 1
                items.append((start, end, label))
    return items


def _spans_of(record: dict[str, Any], place: Message) -> list[_Span]:
    """The spans of one record, checked for shape (not for position: that is alignment's job)."""
    key = next((k for k in SPAN_KEYS if k in record), None)
    raw = record[key] if key else []
    if key == "label" and isinstance(raw, dict) and isinstance(record.get("text"), str):  # CLUENER
        raw = _nested_spans(raw, record["text"], place)
    if not isinstance(raw, list):
        raise DataError(message("error.ner_file.spans_not_list", place=place, key=key))
    spans = []
    for index, item in enumerate(raw):
        if isinstance(item, list | tuple) and len(item) == 3:
            start, end, label = item
        elif isinstance(item, dict):
            start, end = item.get("start", item.get("start_offset")), item.get("end", item.get("end_offset"))
            label = _label_of(item)
        else:
            start = end = label = None
        offsets_ok = _whole(start) and _whole(end)
        if not offsets_ok or not isinstance(label, str) or not label.strip():
            raise DataError(message("error.ner_file.span_bad", place=place, index=index + 1))
        if any(ch.isspace() for ch in label) or label.startswith(("B-", "I-")):
            raise DataError(message("error.ner_file.span_label", place=place, label=label))
        spans.append(_Span(index, start, end, label))
    return spans


def align(text: str, spans: Iterable[tuple[int, int, str]], line: int = 0) -> tuple[Sentence, list[DroppedSpan], int]:
    """Tokenise ``text`` and tag it (BIO) from ``(start, end, label)`` character spans.

    Returns the sentence, the spans dropped (each with ``line``) and how many kept spans were snapped to token
    boundaries.  Rules: module docstring.
    """
    tokens = tokenize(text)
    starts, ends = [t[1] for t in tokens], [t[2] for t in tokens]
    dropped: list[DroppedSpan] = []
    candidates: list[tuple[int, int, _Span]] = []
    for index, (start, end, label) in enumerate(spans):
        span = _Span(index, start, end, label)
        if not 0 <= start < end <= len(text):
            dropped.append(DroppedSpan(line, start, end, label, "outside"))
            continue
        # Tokens overlapping [start, end): the first whose end is past start … the last that starts before end.
        first, last = bisect_right(ends, start), bisect_left(starts, end)
        if first >= last:
            dropped.append(DroppedSpan(line, start, end, label, "no_token"))
            continue
        candidates.append((first, last, span))
    taken = [False] * len(tokens)
    kept: list[tuple[int, int, _Span]] = []
    snapped = 0
    # Longest first, then the order of the file: what "keep the first/longest" means for overlapping spans.
    for first, last, span in sorted(candidates, key=lambda c: (c[0] - c[1], c[2].index)):
        if any(taken[first:last]):
            same = any((f, la, s.label) == (first, last, span.label) for f, la, s in kept)
            dropped.append(DroppedSpan(line, span.start, span.end, span.label, "duplicate" if same else "overlap"))
            continue
        taken[first:last] = [True] * (last - first)
        kept.append((first, last, span))
        snapped += (starts[first], ends[last - 1]) != (span.start, span.end)
    tags = render(len(tokens), [(span.label, first, last) for first, last, span in kept])
    dropped.sort(key=lambda d: (d.start, d.end, d.label))
    return Sentence([t[0] for t in tokens], tags), dropped, snapped


def read_jsonl_spans(text: str) -> Reading:
    """Read text + character spans records (JSON lines or a JSON array) into BIO-tagged sentences.

    Raises DataError (one sentence naming the line) for a record without text, without any token, or with a span
    that is not ``start, end, label``; spans that are well formed but cannot be tags are dropped and listed.
    """
    sentences: list[Sentence] = []
    dropped: list[DroppedSpan] = []
    snapped = 0
    for number, place, record in json_records(text):
        body = record.get("text")
        if not isinstance(body, str):
            raise DataError(message("error.ner_file.no_text", place=place))
        spans = _spans_of(record, place)
        sentence, lost, moved = align(body, [(s.start, s.end, s.label) for s in spans], number)
        if not sentence.tokens:
            raise DataError(message("error.ner_file.empty_text", place=place))
        ident = record.get("id")
        sentences.append(Sentence(sentence.tokens, sentence.tags, None if ident is None else str(ident)))
        dropped += lost
        snapped += moved
    if not sentences:
        raise DataError(message("error.ner_file.no_span_records"))
    return Reading(sentences, JSONL_SPANS, dropped, snapped)


def to_jsonl_spans(sentences: Iterable[Sentence]) -> str:
    """JSON lines of ``{"text", "entities": [{"start", "end", "label"}]}``: the tokens joined by single spaces.

    Reading the result back gives the same sentences when each token is one token of :func:`tokenize` (true of
    anything :func:`read_jsonl_spans` produced); tags are read as seqeval does (:func:`core.ner.schemes.entities`)
    and written back as BIO.
    """
    lines = []
    for sentence in sentences:
        offsets, position = [], 0
        for token in sentence.tokens:
            offsets.append(position)
            position += len(token) + 1
        found = [{"start": offsets[start], "end": offsets[end - 1] + len(sentence.tokens[end - 1]), "label": type_}
                 for type_, start, end in entities(sentence.tags)]
        record: dict[str, Any] = {"text": " ".join(sentence.tokens), "entities": found}
        if sentence.id is not None:
            record = {"id": sentence.id, **record}
        lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)
