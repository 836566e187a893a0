"""The one type every NER stage passes around — a tokenised, tagged :class:`Sentence` — and what a reader returns.

Lives apart from the readers so that the CoNLL/JSON reader (formats) and the span aligner (spans) can both build
sentences without importing each other.  Also holds the JSON-lines record walker both readers share, so a bad line
gets the same one-sentence error whichever format it is in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import DataError
from core.i18n import Message, message


@dataclass(frozen=True)
class Sentence:
    """One sentence: its tokens, one tag per token, and an optional id from the file.

    Tokens and tags are stored as tuples (any sequence is accepted) so a sentence is truly immutable and hashable;
    compare with ``list(sentence.tokens)`` when a list is needed.
    """

    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    id: str | None = None

    def __post_init__(self) -> None:
        # Frozen: normalise through object.__setattr__ so Sentence(["a"], ["O"]) == Sentence(("a",), ("O",)).
        object.__setattr__(self, "tokens", tuple(self.tokens))
        object.__setattr__(self, "tags", tuple(self.tags))
        if len(self.tokens) != len(self.tags):
            raise ValueError(f"A sentence needs one tag per token; got {len(self.tokens)} tokens and {len(self.tags)} tags.")

    def __len__(self) -> int:
        return len(self.tokens)


@dataclass(frozen=True)
class DroppedSpan:
    """A character span that could not become tags: its record (1-based line, or record number in a JSON array),
    what it said, and why not.

    ``reason``: ``"overlap"`` (it overlaps or nests in a longer/earlier span that was kept), ``"duplicate"`` (the same
    tokens and label as a kept span), ``"outside"`` (its offsets are not inside the text, or end ≤ start) or
    ``"no_token"`` (it covers only spaces).
    """

    line: int
    start: int
    end: int
    label: str
    reason: str


@dataclass(frozen=True)
class Reading:
    """What reading one file gave: the sentences, the format, and what the health report should mention.

    ``dropped`` and ``snapped`` are only ever non-empty for ``jsonl_spans``: spans that could not be kept, and how
    many kept spans did not start and end on token boundaries (widened to the tokens they overlap).
    """

    sentences: list[Sentence]
    format: str
    dropped: list[DroppedSpan] = field(default_factory=list)
    snapped: int = 0


def json_records(text: str) -> Iterator[tuple[int, Message, dict[str, Any]]]:
    """``(number, place, object)`` for each record of JSON lines (blank lines skipped) or of one JSON array.

    ``place`` is how error sentences name the record (a catalogue message, said in the page's language):
    ``"Line 7"``, or ``"Record 7"`` in a JSON array (what doccano and Label Studio export as ``.json``), whose records
    are numbered 1, 2, … instead of by line.
    Raises DataError for text that is not JSON and for records that are not objects.
    """
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(message("error.ner_file.json_list_invalid", line=exc.lineno)) from None
        numbered: Sequence[tuple[int, Any]] = list(enumerate(items, 1))
        where = "error.ner_file.place_record"
    else:
        numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        where = "error.ner_file.place_line"
    for number, item in numbered:
        record = item
        if where == "error.ner_file.place_line":
            try:
                record = json.loads(item)
            except json.JSONDecodeError:
                raise DataError(message("error.ner_file.line_not_json", n=number)) from None
        place = message(where, n=number)
        if not isinstance(record, dict):
            raise DataError(message("error.ner_file.not_object", place=place))
        yield number, place, record
