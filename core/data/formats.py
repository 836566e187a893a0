"""Parsing decoded text into a table: CSV/TSV and other delimited text, JSON, JSON Lines, fastText
and ``label<TAB>text`` lines, plus :class:`LoadedTable`, what every reader returns.

The format comes from the file extension, or from the first characters when there is none.
Delimited text goes through :mod:`core.data.rowcheck` so that every line stays one example;
JSON is parsed with :mod:`json` only.  Malformed content ends in a :class:`DataError` sentence
naming the line to fix.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.data import rowcheck
from core.data.columns import name_role
from core.data.encodings import decode
from core.data.notes import Note, counted, note, sentence
from core.data.rowcheck import RowCount
from core.errors import DataError
from core.i18n import Message, message

_SNIFF_CHARS = 64 * 1024  # delimiter detection looks at the first 64 K characters
_DELIMITERS = ",;|\t"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "|": "pipe", "\t": "tab"}  # note.data.delimiter.<name>
_RECORD = '{"text": "...", "label": "..."}'  # what one record looks like, in the sentences that ask for records


@dataclass
class LoadedTable:
    """A table as read from a file, plus what was detected about it."""

    df: pd.DataFrame
    format: str
    encoding: str | None
    delimiter: str | None
    notes: list[str] = field(default_factory=list)  # core.data.notes.Note: English text that carries its Message
    row_count: RowCount | None = None  # lines vs rows of delimited text (see core.data.rowcheck)


def read_text(raw: bytes, ext: str, encoding: str | None) -> LoadedTable:
    """Decode ``raw`` (detected, or the forced ``encoding``) and parse it by extension or content."""
    text, codec, notes = decode(raw, encoding)
    _reject_binary_text(text)
    if not text.strip():
        raise DataError(message("error.data.blank_text"))
    table = _parse_text(text, ext)
    table.encoding = codec
    table.notes = _merge_notes(notes, table.notes)
    return table


def _merge_notes(encoding_notes: list[Note], format_notes: list[str]) -> list[str]:
    """Join "Read as UTF-16 text" with the first format note: "Read as UTF-16 text, "
    "tab-separated." (one catalogue sentence: ``<key>_format``, or ``<key>_end`` without a format note)."""
    first, *rest = encoding_notes
    head = sentence(first)  # note.data.read_as or note.data.read_as_chosen (core.data.encodings.decode)
    tail = sentence(format_notes[0]) if format_notes else None
    if isinstance(tail, Message) and tail.key == "note.data.format_note":
        return [note(f"{head.key}_format", **head.params, **tail.params), *rest, *format_notes[1:]]
    return [note(f"{head.key}_end", **head.params), *rest, *format_notes]


def _format_note(name: str, **params: object) -> Note:
    """The first note of a text reader, ", comma-separated.", which :func:`_merge_notes` joins to the encoding's."""
    return note("note.data.format_note", format=message(f"note.data.format.{name}", **params))


def _reject_binary_text(text: str) -> None:
    """Text files have no control characters besides tabs and line breaks."""
    sample = text[:65536]
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\f\v")
    if "\x00" in sample or controls > 0.01 * len(sample):
        raise DataError(message("error.data.binary"))


def _parse_text(text: str, ext: str) -> LoadedTable:
    if ext == ".json":
        return _read_json(text)
    if ext in (".jsonl", ".ndjson"):
        return _read_jsonl(text)
    if ext == ".txt":
        return _read_txt(text)
    if ext == ".tsv":
        return _read_delimited(text, default="\t")
    if ext == ".csv":
        return _read_delimited(text, default=",")
    return _parse_unnamed(text)


def _parse_unnamed(text: str) -> LoadedTable:
    """No file name: guess the format from the first characters."""
    head = text.lstrip()[:1]
    if head == "[":
        return _read_json(text)
    if head == "{":
        first_line = text.lstrip().split("\n", 1)[0].strip()
        return _read_jsonl(text) if _is_json_object(first_line) else _read_json(text)
    if text.lstrip().startswith("__label__"):
        return _read_fasttext(text)
    return _read_delimited(text, default=",")


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


# ----- delimited


def _read_delimited(text: str, default: str) -> LoadedTable:
    sep = _sniff_delimiter(text, default)
    # core.data.rowcheck makes every line one row (stray quotes must not merge examples) and decides the header.
    read = rowcheck.read_delimited(text, sep, _read_csv)
    notes = [_format_note(_DELIMITER_NAMES[sep]), *read.notes]
    fmt = {",": "csv", "\t": "tsv"}.get(sep, "delimited")
    return LoadedTable(df=read.df, format=fmt, encoding=None, delimiter=sep, notes=notes, row_count=read.count)


def _sniff_delimiter(text: str, default: str) -> str:
    """Pick the delimiter among , ; | TAB whose rows have the most consistent field count.

    csv.Sniffer's answer and the extension's default break ties, because Sniffer alone is
    easily fooled by commas inside unquoted texts.
    """
    sample = _sample_lines(text)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    scores = {d: _consistency(sample, d) for d in _DELIMITERS}
    best = max(scores.values())
    if best <= 0:
        return default
    order = [d for d in (sniffed, default) if d] + list(_DELIMITERS)
    return next(d for d in order if scores[d] == best)


def _sample_lines(text: str) -> str:
    if len(text) <= _SNIFF_CHARS:
        return text
    sample = text[:_SNIFF_CHARS]
    cut = sample.rfind("\n")
    return sample[:cut] if cut > 0 else sample


def _consistency(sample: str, delimiter: str) -> float:
    """Share of rows having as many fields as the header (0 when the header has one field)."""
    try:
        rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r][:200]
    except csv.Error:
        return 0.0
    if len(rows) > 2:
        rows = rows[:-1]  # the last row may be cut off by the sample
    if not rows or len(rows[0]) < 2:
        return 0.0
    width = len(rows[0])
    return sum(len(r) == width for r in rows) / len(rows)


def _read_csv(text: str, sep: str, header: int | None = 0, quoting: int = csv.QUOTE_MINIMAL) -> pd.DataFrame:
    """Parse with the pandas C engine, everything as strings; "" is missing, "NA" is text."""
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=header,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            quoting=quoting,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise DataError(message("error.data.csv_empty")) from None
    except pd.errors.ParserError as exc:
        raise _parser_error(text, sep, str(exc)) from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas reads a first row with more fields than the header as "the first columns are the index", which
        # would silently shift every value one column over: the same error as for a long row further down.
        saw = frame.index.nlevels + len(frame.columns)
        raise _parser_error(text, sep, f"Expected {len(frame.columns)} fields in line 2, saw {saw}")
    return frame


def _parser_error(text: str, sep: str, error: str) -> DataError:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", error)
    if fields:
        expected, record, saw = (int(g) for g in fields.groups())
        line = _physical_line(text, sep, record - 1)
        delimiter = message(f"note.data.delimiter.{_DELIMITER_NAMES[sep]}")
        return DataError(
            message("error.data.field_count", line=line, fields=counted(saw, "field"), expected=expected, delimiter=delimiter)
        )
    eof = re.search(r"EOF inside string starting at (?:row|line) (\d+)", error)
    if eof:
        line = _physical_line(text, sep, int(eof.group(1)))
        return DataError(message("error.data.unclosed_quote", line=line))
    detail = error.strip().removeprefix("Error tokenizing data. C error: ")
    return DataError(message("error.data.csv_unreadable", detail=detail))


def _physical_line(text: str, sep: str, record_index: int) -> int:
    """1-based line where record ``record_index`` (0 = header) starts, counting quoted newlines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)  # a lone \r (old Mac files) ends a line too
    start = 1
    try:
        for i, _row in enumerate(reader):
            if i == record_index:
                return start
            start = reader.line_num + 1
    except csv.Error:
        pass
    return start


# ----- plain text (fastText / label<TAB>text)


def _read_txt(text: str) -> LoadedTable:
    lines = [ln for ln in text.split("\n", 300)[:300] if ln.strip()]
    if _share_of(lines, lambda ln: ln.lstrip().startswith("__label__")) >= 0.5:
        return _read_fasttext(text)
    first = [c.strip().lower() for c in lines[0].split("\t")] if lines else []
    if len(first) > 1 and any(name_role(c) for c in first):
        return _read_delimited(text, default="\t")  # a TSV with a header row
    if _share_of(lines, lambda ln: "\t" in ln) >= 0.8:
        return _read_label_tab(text)
    sep = _sniff_delimiter(text, ",")
    if _consistency(_sample_lines(text), sep) >= 0.9:
        return _read_delimited(text, default=sep)
    raise DataError(message("error.data.txt_no_labels"))


def _share_of(lines: list[str], predicate: Callable[[str], bool]) -> float:
    return sum(1 for ln in lines if predicate(ln)) / len(lines) if lines else 0.0


def _text_lines(text: str) -> pd.Series:
    lines = pd.Series(text.split("\n"), dtype=object).str.rstrip("\r")
    return lines[lines.str.strip() != ""].reset_index(drop=True)


def _read_fasttext(text: str) -> LoadedTable:
    """``__label__pos some text`` lines; with several labels the first one is used."""
    lines = _text_lines(text)
    parts = lines.str.extract(r"^\s*((?:__label__\S+\s+)*__label__\S+)(?:\s+(.*))?$")
    labels = parts[0].str.split().str[0].str.removeprefix("__label__")
    texts = parts[1].fillna("").where(parts[0].notna(), lines)
    df = pd.DataFrame({"text": texts.astype(str), "label": labels})
    notes = [_format_note("fasttext")]
    several = int(parts[0].str.count("__label__").gt(1).sum())
    if several:
        variant = "one" if several == 1 else "other"
        notes.append(note(f"note.data.several_labels_{variant}", lines=counted(several, "line")))
    return LoadedTable(df=df, format="fasttext", encoding=None, delimiter=None, notes=notes)


def _read_label_tab(text: str) -> LoadedTable:
    """``label<TAB>text`` lines; if the short field is on the right, the columns are swapped."""
    lines = _text_lines(text)
    parts = lines.str.split("\t", n=1, expand=True)
    if parts.shape[1] < 2:
        parts[1] = np.nan
    label, body = parts[0].str.strip(), parts[1]
    notes = [_format_note("label_before_tab")]
    if body.str.len().mean() * 2 < label.str.len().mean() and body.nunique() < label.nunique():
        label, body = body.str.strip(), parts[0]
        notes = [_format_note("label_after_tab")]
    df = pd.DataFrame({"text": body, "label": label})
    return LoadedTable(df=df, format="label-tab", encoding=None, delimiter="\t", notes=notes)


# ----- JSON


def _read_json(text: str) -> LoadedTable:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            table = _read_jsonl(text)
            table.notes.append(note("note.data.json_lines"))
            return table
        raise DataError(
            message("error.data.json_invalid", line=exc.lineno, column=exc.colno, reason=exc.msg.lower())
        ) from None
    except RecursionError:
        raise DataError(message("error.data.json_too_deep")) from None
    records, format_note = _find_records(obj)
    df = pd.DataFrame.from_records(records) if isinstance(records, list) else pd.DataFrame(records)
    return LoadedTable(df=df, format="json", encoding=None, delimiter=None, notes=[format_note])


def _find_records(obj: object) -> tuple[list | dict, Note]:
    """Accept [{...}, ...], {"data": [{...}, ...]}, {"0": {...}} or {"col": [...], ...}."""
    if isinstance(obj, list):
        if obj and all(isinstance(r, dict) for r in obj):
            return obj, _format_note("json_list")
        if not obj:
            raise DataError(message("error.data.json_empty_list", record=_RECORD))
        raise _not_records("json_plain_values")
    if isinstance(obj, dict) and obj:
        lists = {k: v for k, v in obj.items() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)}
        if lists:
            key = max(lists, key=lambda k: len(lists[k]))
            return lists[key], _format_note("json_key", key=key)
        if all(isinstance(v, dict) for v in obj.values()):
            return list(obj.values()), _format_note("json_object")
        if _is_column_dict(obj):
            return obj, _format_note("json_columns")
        raise _not_records("json_no_record_list")
    raise _not_records("json_single_value")


def _is_column_dict(obj: dict) -> bool:
    lengths = {len(v) for v in obj.values() if isinstance(v, list)}
    return len(lengths) == 1 and all(isinstance(v, list) for v in obj.values()) and lengths != {0}


def _not_records(what: str) -> DataError:
    """``what``: the key (under error.data) of what the file holds instead of records."""
    return DataError(message("error.data.json_not_records", what=message(f"error.data.{what}"), example=f"[{_RECORD}, ...]"))


def _read_jsonl(text: str) -> LoadedTable:
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            raise DataError(message("error.data.jsonl_invalid_line", line=number)) from None
        if not isinstance(record, dict):
            raise DataError(message("error.data.jsonl_not_record", line=number, record=_RECORD))
        records.append(record)
    df = pd.DataFrame.from_records(records)
    notes = [_format_note("jsonl")]
    return LoadedTable(df=df, format="jsonl", encoding=None, delimiter=None, notes=notes)

