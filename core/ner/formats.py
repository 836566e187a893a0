"""Reading and writing NER data: CoNLL columns, JSON lines of tokens and tags, and (via spans) text with spans.

Three formats in, each giving a list of :class:`Sentence`:

- ``conll``: one token per line, the tag in the **last** whitespace-separated column (CoNLL-2003's ``token POS
  chunk NER`` and the two-column ``token tag`` both work; tabs or spaces; CRLF and trailing spaces tolerated), a
  blank line between sentences, ``-DOCSTART-`` lines ignored;
- ``jsonl_tokens``: ``{"tokens": [...], "tags": [...]}`` per line (``ner_tags`` too, as Hugging Face datasets call
  them; numeric ``ner_tags`` need ``tag_names``, the dataset's ``ClassLabel`` names);
- ``jsonl_spans``: ``{"text": "...", "entities": [...]}`` per line, tokenised and tagged by :mod:`core.ner.spans`.

A file that cannot be read raises :class:`~core.errors.DataError` with one plain-English sentence saying where the
problem is and what to do (a catalogue message, ``error.ner_file.*``, so the Data page says it in its language).  Tags are read as they are:
checking the scheme is :mod:`core.ner.schemes`' job, so the health report can count problems instead of the reader
refusing the file at the first one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from core.errors import DataError
from core.i18n import Message, message
from core.ner.sentence import DroppedSpan, Reading, Sentence, json_records
from core.ner.spans import JSONL_SPANS, read_jsonl_spans, to_jsonl_spans

__all__ = [
    "CONLL",
    "FORMATS",
    "JSONL_SPANS",
    "JSONL_TOKENS",
    "DroppedSpan",
    "Reading",
    "Sentence",
    "read_conll",
    "read_jsonl_spans",
    "read_jsonl_tokens",
    "read_sentences",
    "sniff_format",
    "to_jsonl",
    "to_jsonl_spans",
    "write_conll",
]

CONLL = "conll"
JSONL_TOKENS = "jsonl_tokens"
FORMATS = (CONLL, JSONL_TOKENS, JSONL_SPANS)
DOCSTART = "-DOCSTART-"


def read_conll(text: str) -> list[Sentence]:
    """Sentences of CoNLL-style text (rules: module docstring); DataError for a token line without a tag."""
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    # splitlines() also splits on CR alone and on CRLF, so Windows files need nothing special.
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        columns = line.split()
        if not columns or columns[0] == DOCSTART:
            # A document boundary also ends a sentence (files do not always put a blank line before it).
            if tokens:
                sentences.append(Sentence(tokens, tags))
                tokens, tags = [], []
            continue
        if len(columns) == 1:
            raise DataError(message("error.ner_file.conll_no_tag", n=number))
        tokens.append(columns[0])
        tags.append(columns[-1])
    if tokens:
        sentences.append(Sentence(tokens, tags))
    if not sentences:
        raise DataError(message("error.ner_file.conll_empty"))
    return sentences


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _tag_names_of(raw: list[Any], tag_names: Sequence[str] | None, place: Message) -> list[str]:
    """Numeric tags (Hugging Face class ids) as names, or DataError saying how to give the names."""
    ids_ok = all(isinstance(v, int) and not isinstance(v, bool) for v in raw)
    if not ids_ok:
        raise DataError(message("error.ner_file.tags_not_names", place=place))
    if tag_names is None:
        raise DataError(message("error.ner_file.tags_numbers", place=place))
    bad = next((v for v in raw if not 0 <= v < len(tag_names)), None)
    if bad is not None:
        raise DataError(message("error.ner_file.tag_number_range", place=place, bad=bad, n=len(tag_names)))
    return [tag_names[v] for v in raw]


def read_jsonl_tokens(text: str, tag_names: Sequence[str] | None = None) -> list[Sentence]:
    """Sentences of ``{"tokens", "tags"|"ner_tags"}`` records (JSON lines or a JSON array; ``id`` kept if present).

    ``tag_names`` maps numeric tags to names (a Hugging Face dataset's ``features["ner_tags"].feature.names``).
    """
    sentences = []
    for _, place, record in json_records(text):
        tokens = record.get("tokens")
        key = "tags" if "tags" in record else "ner_tags"
        raw = record.get(key)
        if not _string_list(tokens) or raw is None:
            raise DataError(message("error.ner_file.tokens_missing", place=place))
        tags = raw if _string_list(raw) else _tag_names_of(raw if isinstance(raw, list) else [None], tag_names, place)
        if len(tokens) != len(tags):
            raise DataError(message("error.ner_file.count_mismatch", place=place, tokens=len(tokens), tags=len(tags)))
        if not tokens:
            raise DataError(message("error.ner_file.no_tokens", place=place))
        ident = record.get("id")
        sentences.append(Sentence(tokens, tags, None if ident is None else str(ident)))
    if not sentences:
        raise DataError(message("error.ner_file.no_token_records"))
    return sentences


def write_conll(sentences: Iterable[Sentence], *, docstart: bool = False) -> str:
    """Two-column CoNLL text (``token tag``, one space), a blank line after each sentence.

    ``docstart`` writes CoNLL-2003's ``-DOCSTART- O`` line (and its blank line) first.  A token that is empty or
    holds whitespace cannot be a CoNLL column: ValueError naming it (JSON lines can hold it).
    """
    parts = [f"{DOCSTART} O\n\n"] if docstart else []
    for sentence in sentences:
        for token, tag in zip(sentence.tokens, sentence.tags, strict=True):
            if not token or token != "".join(token.split()) or token == DOCSTART:
                raise ValueError(f"The token {token!r} cannot be written as a CoNLL column; write JSON lines instead.")
            parts.append(f"{token} {tag}\n")
        parts.append("\n")
    return "".join(parts)


def to_jsonl(sentences: Iterable[Sentence]) -> str:
    """JSON lines of ``{"tokens": [...], "tags": [...]}`` (``"id"`` first when the sentence has one), UTF-8 as is."""
    lines = []
    for sentence in sentences:
        record: dict[str, Any] = {"tokens": list(sentence.tokens), "tags": list(sentence.tags)}
        if sentence.id is not None:
            record = {"id": sentence.id, **record}
        lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def sniff_format(first_bytes: bytes | str) -> str:
    """``"conll"``, ``"jsonl_tokens"`` or ``"jsonl_spans"`` from the start of a file (a few KB are enough).

    JSON (a line or an array starting with ``{`` or ``[``) with ``"tokens"`` is tokens, with ``"text"`` is spans;
    anything else is CoNLL (also a first line starting with ``[`` or ``{`` but holding no quoted key, like ``[ O``).
    The start may cut a record in half, so keys are looked for in the first record's text rather than by parsing
    it.  DataError for JSON with neither key.
    """
    text = first_bytes.decode("utf-8", errors="replace") if isinstance(first_bytes, bytes) else first_bytes
    head = text.removeprefix("\ufeff").lstrip()
    if not head.startswith(("{", "[")):
        return CONLL
    # The first record: up to the end of the first line of JSON lines (an array's first object may span lines).
    first = head.split("\n", 1)[0] if head.startswith("{") else head[:4096]
    # Both keys can appear (a tokens record that also keeps its text): "tokens" wins, since pre-tokenised data
    # needs no alignment and re-tokenising would throw its tokenisation away.
    if '"tokens"' in first:
        return JSONL_TOKENS
    if '"text"' in first:
        return JSONL_SPANS
    if '"' not in first.split("\n", 1)[0]:
        # No JSON key at all: a CoNLL file whose first token is "[" or "{" (``[ O``), not broken JSON.
        return CONLL
    raise DataError(message("error.ner_file.json_neither"))


def read_sentences(data: bytes | str, format: str | None = None, *, tag_names: Sequence[str] | None = None) -> Reading:
    """Read a whole NER file (bytes are decoded as UTF-8) in ``format`` or the sniffed one.

    Returns a :class:`Reading` (sentences, format, dropped spans and the number of snapped ones).
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(message("error.ner_file.not_utf8")) from None
    else:
        text = data
    fmt = format or sniff_format(text[:65536])
    if fmt == CONLL:
        return Reading(read_conll(text), CONLL)
    if fmt == JSONL_TOKENS:
        return Reading(read_jsonl_tokens(text, tag_names), JSONL_TOKENS)
    if fmt == JSONL_SPANS:
        return read_jsonl_spans(text)
    raise ValueError(f"Unknown NER format {fmt!r}; one of {', '.join(FORMATS)}.")
