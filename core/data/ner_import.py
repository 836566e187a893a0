"""Storing a named-entity file (CoNLL, JSON lines of tokens and tags, or text with character spans) as a dataset.

Recognises NER files (:func:`is_ner_file`: by extension, or by content for ``.txt``/``.json``/``.jsonl``), reads
them with :mod:`core.ner.formats`, converts every tag sequence to BIO (the scheme a model is trained on; the file's
own scheme is kept in ``meta["ner"]``) and stores them through :func:`core.data.storage.save_frame` as a table with
one sentence per row (:mod:`core.ner.table`).  ``core train --data file.conll`` and the Data page both come here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.data.ner_health import NerHealth, ner_health_report, summary
from core.errors import DataError
from core.i18n import message
from core.ner import schemes
from core.ner.formats import read_sentences, sniff_format
from core.ner.sentence import Reading, Sentence
from core.ner.table import entity_types_of, frame_from_sentences
from core.store import DatasetRecord
from core.tasks import NER, Task

NER_EXTENSIONS = (".conll", ".conllu", ".conll03", ".bio", ".iob", ".iob2", ".bioes", ".ner")
"""Extensions that always mean a tagged-token file."""
_MAYBE = (".txt", ".tsv", ".json", ".jsonl", ".ndjson", "")
_TAG = re.compile(r"^(O|[BIESLU]-\S+)$")
# A list of lists or objects (doccano, Label Studio), or CLUENER's {"TYPE": {"entity text": [[start, end]]}}.
_SPAN_LABELS = re.compile(r'"labels?"\s*:\s*(\[\s*[\[{]|\{\s*"[^"]*"\s*:\s*\{)')


def _looks_like_conll(text: str) -> bool:
    """Most non-blank lines of the start are ``token … TAG`` with a BIO-style tag last, and a blank line comes."""
    lines = [line.split() for line in text.splitlines()[:200]]
    tagged = [cols for cols in lines if cols and cols[0] != "-DOCSTART-"]
    if len(tagged) < 2 or not any(not cols for cols in lines[1:]):
        return False
    good = sum(len(cols) >= 2 and bool(_TAG.match(cols[-1])) for cols in tagged)
    return good / len(tagged) >= 0.9 and any(cols[-1] != "O" for cols in tagged)


def is_ner_file(raw: bytes, filename: str | None) -> bool:
    """Whether an upload holds tagged tokens (NER) rather than a table of texts and labels."""
    ext = Path(filename or "").suffix.lower()
    if ext in NER_EXTENSIONS:
        return True
    if ext not in _MAYBE:
        return False
    head = raw[:65536].decode("utf-8", errors="replace").removeprefix("\ufeff")
    stripped = head.lstrip()
    if stripped.startswith(("{", "[")):
        first = stripped.split("\n", 1)[0] if stripped.startswith("{") else stripped[:4096]
        has_tags = '"tags"' in first or '"ner_tags"' in first
        # doccano and Label Studio call the spans "label"/"labels": a list of lists or objects, never of plain
        # strings (which is a multi-label table's list of classes).
        has_spans = '"text"' in first and ('"entities"' in first or '"spans"' in first or bool(_SPAN_LABELS.search(first)))
        return ('"tokens"' in first and has_tags) or has_spans
    return _looks_like_conll(head)


def read_ner(source: bytes | str | Path, filename: str | None = None) -> Reading:
    """Read a NER file (bytes or a path); DataError with one sentence when it cannot be read or holds no entity."""
    raw = Path(source).read_bytes() if isinstance(source, str | Path) else bytes(source)
    if not raw.strip():
        raise DataError(message("error.ner_data.empty"))
    reading = read_sentences(raw)
    if not reading.sentences:
        raise DataError(message("error.ner_data.no_sentences"))
    try:
        scheme = schemes.detect_scheme(s.tags for s in reading.sentences)
    except ValueError as exc:
        raise DataError(message("error.ner_data.bad_tag", detail=str(exc))) from None
    if scheme == schemes.BIO and not any(t != schemes.OUTSIDE for s in reading.sentences for t in s.tags):
        raise DataError(message("error.ner_data.all_outside"))
    return reading


def to_bio(reading: Reading) -> tuple[list[Sentence], str]:
    """Every sentence with BIO tags, and the scheme the file used."""
    scheme = schemes.detect_scheme(s.tags for s in reading.sentences)
    if scheme == schemes.BIO:
        return list(reading.sentences), scheme
    return [Sentence(s.tokens, schemes.to_bio(s.tags), s.id) for s in reading.sentences], scheme


def ner_meta(reading: Reading, scheme: str, source_name: str) -> dict[str, Any]:
    """What the dataset record keeps about the file: its format, scheme, what reading it changed, the tag-scheme
    errors of the file's own tags (counts per problem code and the first examples) and the health report's summary
    (in words; sub-word lengths need a model and are left to the page)."""
    report = ner_health_report(reading)
    return {
        "source": source_name,
        "format": reading.format,
        "ner": {
            "scheme": scheme,
            "dropped_spans": [vars(d) for d in reading.dropped[:200]],
            "n_dropped_spans": len(reading.dropped),
            "snapped_spans": reading.snapped,
            "scheme_problems": report.problem_counts,
            "n_scheme_problems": sum(report.problem_counts.values()),
            "scheme_problem_examples": report.problem_examples,
        },
        "health": summary(report),
    }


def import_ner(source: bytes | str | Path, filename: str | None = None, *, name: str | None = None) -> DatasetRecord:
    """Read and store a NER file as a dataset (idempotent: the same sentences give the same record)."""
    from core.data.storage import save_frame, unique_name

    reading = read_ner(source, filename)
    sentences, scheme = to_bio(reading)
    frame = frame_from_sentences(sentences)
    source_name = Path(filename or str(source)).name
    label = name or unique_name(Path(source_name).stem or "entities")
    return save_frame(frame, name=label, meta=ner_meta(reading, scheme, source_name), task=Task(NER))


def check_ner_file(path: Path, *, count_tokens: Callable[[list[str]], list[int]] | None = None,
                   max_length: int = 128) -> NerHealth:
    """The health report of a NER file on disk (what ``core check-data`` prints); DataError when it cannot be read."""
    return ner_health_report(read_ner(path, path.name), count_tokens=count_tokens, max_length=max_length)


__all__ = ["NER_EXTENSIONS", "check_ner_file", "entity_types_of", "import_ner", "is_ner_file", "ner_meta",
           "read_ner", "sniff_format", "to_bio"]
