"""Reading delimited text so that every line of the file becomes one row, or the difference is explained.

CSV quoting lets one quoted field span several lines, which is right for real multi-line texts
but silently merges hundreds of examples when a text merely *contains* a stray ``"`` (common in
reviews and in tab-separated files that never meant to quote anything).  :func:`read_delimited`
therefore counts the file's non-blank lines and compares them with the parsed rows.  When rows
are missing and the merged cells hold whole swallowed lines (delimiter + a label value at a line
break) or the quotes are not valid CSV quoting, it re-reads the file with quote marks as ordinary
characters, or line by line; if neither gives one row per line, :attr:`RowCount.message` says
how many lines were merged and where, and the health report counts them as dropped.

It also decides whether the first line is a header: it is data when one of its fields is a
value that the same column takes below it (``…<TAB>positive`` above rows labelled positive).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.data.notes import Note, counted, joined, note
from core.errors import DataError
from core.i18n import message

QUOTED, PLAIN, LINEWISE = "quoted", "plain", "line by line"
_QUOTING = {QUOTED: csv.QUOTE_MINIMAL, PLAIN: csv.QUOTE_NONE}
_MAX_CATEGORY_LEN = 40  # label-like values are short
_FIELD_LIMIT = 1 << 30  # pandas reads texts of any length; the csv module must too (default 128 KB)
MERGED_LINES = "lines merged by stray quotes"  # the `dropped` reason for RowCount.lost (counted while reading, not cleaning)

# (text, sep, header, quoting) -> frame; core.data.formats passes its pandas reader so errors read the same.
CsvReader = Callable[..., pd.DataFrame]


@dataclass
class RowCount:
    """How the file's lines turned into rows.

    ``lines`` counts non-blank data lines (header excluded); ``rows`` the rows read.  When they
    differ, ``multiline_rows`` rows hold a text spanning several lines, ``stray_quotes`` says
    whether that came from quote marks that were never meant as quoting (then ``lost`` lines are
    missing examples), and ``message`` explains it in one sentence (a :class:`core.data.notes.Note`: the English
    text, carrying its catalogue sentence as ``message.message``).
    """

    lines: int
    rows: int
    multiline_rows: int = 0
    stray_quotes: bool = False
    message: str = ""

    @property
    def lost(self) -> int:
        """Examples missing because stray quotes merged lines (0 for legitimate multi-line texts)."""
        return max(0, self.lines - self.rows) if self.stray_quotes else 0


@dataclass
class Delimited:
    """The result of :func:`read_delimited`: the table, how it was read, and notes for the user."""

    df: pd.DataFrame
    mode: str
    header: bool
    count: RowCount
    notes: list[str] = field(default_factory=list)


def data_lines(text: str, sep: str) -> list[str]:
    """The physical lines that hold something besides spaces and delimiters."""
    physical = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line for line in physical if line.strip() and line.replace(sep, "").strip()]


def combine(counts: list[RowCount | None]) -> RowCount | None:
    """One :class:`RowCount` for several files read together (None when none was counted)."""
    known = [c for c in counts if c is not None]
    if not known:
        return None
    return RowCount(
        lines=sum(c.lines for c in known),
        rows=sum(c.rows for c in known),
        multiline_rows=sum(c.multiline_rows for c in known),
        stray_quotes=any(c.stray_quotes and c.lost for c in known),
        message=joined([c.message for c in known if c.message]),
    )


# --------------------------------------------------------------------------- reading


def read_delimited(text: str, sep: str, read_csv: CsvReader) -> Delimited:
    """Read delimited ``text`` so that rows match lines; see the module docstring.

    Raises :class:`DataError` (from ``read_csv``) only when no reading works.
    """
    lines = data_lines(text, sep)
    mode, df = _first_parse(text, sep, lines, read_csv)
    header = _has_header(df)
    if not header:
        df = _parse(mode, text, sep, lines, read_csv, header=False)
    count = RowCount(lines=len(lines) - header, rows=len(df))
    notes = [_plain_note()] if mode == PLAIN else []
    if mode == LINEWISE:
        notes.append(_linewise_note(lines, sep))
    if count.rows < count.lines:
        return _settle_missing(text, sep, lines, read_csv, df, mode, header, count, notes)
    return Delimited(df, mode, header, count, _with_header_note(notes, header))


def _plain_note() -> Note:
    return note("note.data.quotes_plain")


def _with_header_note(notes: list[str], header: bool) -> list[str]:
    return notes if header else [*notes, note("note.data.header_is_data")]


def _first_parse(text: str, sep: str, lines: list[str], read_csv: CsvReader) -> tuple[str, pd.DataFrame]:
    """Standard CSV quoting first; tab files (GLUE style) then quotes as plain text; then line by line."""
    try:
        return QUOTED, read_csv(text, sep)
    except DataError as error:
        first_error = error
    if sep == "\t":
        try:
            return PLAIN, read_csv(text, sep, quoting=csv.QUOTE_NONE)
        except DataError:
            pass
    rows = _linewise_rows(lines, sep)
    if rows is None:
        raise first_error
    return LINEWISE, _frame(rows, header=True)


def _parse(mode: str, text: str, sep: str, lines: list[str], read_csv: CsvReader, *, header: bool) -> pd.DataFrame:
    if mode == LINEWISE:
        rows = _linewise_rows(lines, sep)
        if rows is None:
            raise DataError(message("error.data.linewise_failed"))
        df = _frame(rows, header=header)
    else:
        df = read_csv(text, sep, header=0 if header else None, quoting=_QUOTING[mode])
    if not header:
        df.columns = [f"column_{i + 1}" for i in range(df.shape[1])]
    return df


def _frame(rows: list[list[str]], *, header: bool) -> pd.DataFrame:
    """A frame like pandas would build: strings, "" as missing."""
    body = rows[1:] if header else rows
    columns = rows[0] if header else list(range(len(rows[0])))
    df = pd.DataFrame(body, columns=columns, dtype=object)
    return df.replace("", np.nan)


def _linewise_rows(lines: list[str], sep: str) -> list[list[str]] | None:
    """Each physical line as one row: CSV quoting within the line, else quotes as plain text.

    Returns None unless every line then has as many fields as the first one.
    """
    if not lines:
        return None
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    rows = []
    width = None
    for line in lines:
        try:
            fields = next(csv.reader([line], delimiter=sep))
        except csv.Error:
            fields = line.split(sep)
        if width is not None and len(fields) != width:
            fields = line.split(sep)
        width = width or len(fields)
        if len(fields) != width or width < 2:
            return None
        rows.append(fields)
    return rows


def _linewise_note(lines: list[str], sep: str) -> Note:
    odd = [i for i, line in enumerate(lines, start=1) if line.count('"') % 2]
    where = message("note.data.linewise_where", line=odd[0]) if odd else ""
    return note(f"note.data.linewise_{_variant(len(odd))}", lines=counted(len(odd), "line"), where=where)


def _variant(n: int) -> str:
    """The catalogue form for count ``n``: ``one`` or ``other`` (English verbs agree: "1 line has", "2 lines have")."""
    return "one" if n == 1 else "other"


# --------------------------------------------------------------------------- missing rows


def _settle_missing(
    text: str,
    sep: str,
    lines: list[str],
    read_csv: CsvReader,
    df: pd.DataFrame,
    mode: str,
    header: bool,
    count: RowCount,
    notes: list[str],
) -> Delimited:
    """Fewer rows than lines: keep legitimate multi-line texts, undo merges made by stray quotes."""
    multi = _multiline_mask(df)
    count.multiline_rows = int(multi.sum())
    values = _category_values(df[~multi])
    swallowing = int(sum(_swallows_lines(cell, sep, values) for cell in _multiline_cells(df[multi])))
    # Without label values to recognise swallowed lines, quotes that are not valid CSV quoting decide.
    unsure = not values and not (mode == QUOTED and _is_strict_csv(text, sep))
    count.stray_quotes = swallowing > 0 or unsure or count.multiline_rows == 0
    if not count.stray_quotes:
        count.message = note(
            f"note.data.multiline_{_variant(count.multiline_rows)}", texts=counted(count.multiline_rows, "text"),
            lines=counted(count.lines, "data_line"), rows=counted(count.rows, "row"),
        )
        return Delimited(df, mode, header, count, _with_header_note([*notes, count.message], header))
    alternatives = [PLAIN] if mode == QUOTED else []
    if mode != LINEWISE and swallowing == count.multiline_rows:
        alternatives.append(LINEWISE)
    incomplete = int(df.isna().any(axis=1).sum())
    for alternative in alternatives:
        better = _try_mode(alternative, text, sep, lines, read_csv)
        # A re-read that leaves rows with missing fields has cut real multi-line texts apart: keep the original.
        if better is not None and int(better.df.isna().any(axis=1).sum()) <= incomplete:
            merged = count.lines - count.rows
            merged_note = note("note.data.quotes_would_merge", lines=counted(merged, "line"))
            better.notes = [merged_note if n == _plain_note() else n for n in better.notes]
            if merged_note not in better.notes:
                better.notes.insert(0, merged_note)
            return better
    count.message = _merge_message(text, df[multi], count)
    return Delimited(df, mode, header, count, _with_header_note([*notes, count.message], header))


def _try_mode(mode: str, text: str, sep: str, lines: list[str], read_csv: CsvReader) -> Delimited | None:
    """Re-read in ``mode``; keep it only if it gives exactly one row per data line."""
    try:
        df = _parse(mode, text, sep, lines, read_csv, header=True)
        header = _has_header(df)
        if not header:
            df = _parse(mode, text, sep, lines, read_csv, header=False)
    except DataError:
        return None
    if len(df) != len(lines) - header or _multiline_mask(df).any():
        return None
    count = RowCount(lines=len(lines) - header, rows=len(df))
    notes = [_plain_note()] if mode == PLAIN else [_linewise_note(lines, sep)]
    return Delimited(df, mode, header, count, _with_header_note(notes, header))


def _merge_message(text: str, merged: pd.DataFrame, count: RowCount) -> Note:
    where = ""
    cells = _multiline_cells(merged)
    if cells:
        first = cells[0].split("\n", 1)[0]
        pos = text.find(first) if first else -1
        if pos >= 0:
            line = text.count("\n", 0, pos) + 1
            where = message("note.data.merged_where", line=line, text=first[:40])
    lost = count.lines - count.rows
    lines, rows = counted(count.lines, "data_line"), counted(count.rows, "row")
    if not count.multiline_rows:  # not seen in practice: say what is known rather than nothing
        return note("note.data.unreadable_lines", lines=lines, rows=rows)
    merged_lines = lost + count.multiline_rows
    return note(
        f"note.data.merged_{_variant(merged_lines)}", lines=counted(merged_lines, "line"),
        rows=counted(count.multiline_rows, "row"), where=where, data_lines=lines, read=rows,
    )


def _multiline_mask(df: pd.DataFrame) -> pd.Series:
    mask = pd.Series(False, index=df.index)
    for column in df.columns:
        mask |= df[column].map(lambda v: isinstance(v, str) and "\n" in v).astype(bool)
    return mask


def _multiline_cells(df: pd.DataFrame) -> list[str]:
    """The cells that hold a line break, in row order."""
    cells: list[tuple[int, int, str]] = []
    for position, column in enumerate(df.columns):
        values = df[column].reset_index(drop=True)
        cells.extend((int(i), position, v) for i, v in values.items() if isinstance(v, str) and "\n" in v)
    return [v for _, _, v in sorted(cells)]


def _category_values(df: pd.DataFrame) -> set[str]:
    """Values of label-like columns: few distinct, short values (e.g. positive/negative)."""
    values: set[str] = set()
    n = len(df)
    for column in df.columns:
        present = df[column].dropna().astype(str).str.strip()
        present = present[present != ""]
        if len(present) >= 2 and 1 <= present.nunique() <= min(1000, max(2, n // 2)):
            values |= {str(v) for v in present.unique() if len(str(v)) <= _MAX_CATEGORY_LEN}
    return values


def _swallows_lines(cell: str, sep: str, values: set[str]) -> bool:
    """True when a multi-line cell contains a whole other line: delimiter + label value at a line break."""
    if sep not in cell or not values:
        return False
    segments = cell.replace("\r\n", "\n").split("\n")
    for before, after in itertools.pairwise(segments):
        tail = [f.strip() for f in before.split(sep)[1:]]
        head = [f.strip() for f in after.split(sep)[:-1]]
        if any(f in values for f in tail + head):
            return True
    return False


def _is_strict_csv(text: str, sep: str) -> bool:
    """True when every quote mark is used as CSV quoting (a quoted field closes right before a delimiter)."""
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True):
            pass
    except csv.Error:
        return False
    return True


# --------------------------------------------------------------------------- header


def _has_header(df: pd.DataFrame) -> bool:
    """False when the "column names" are really the first example.

    Names are short and on one line; and a name that equals a value the same column takes in
    the rows below (``positive`` above rows labelled positive) is data, not a name.
    """
    names = [str(c) for c in df.columns]
    if any(len(name) > 50 or "\n" in name for name in names):
        return False
    n = len(df)
    for position, name in enumerate(names):
        values = df.iloc[:, position].dropna().astype(str).str.strip()  # by position: names may repeat
        if 1 <= values.nunique() <= min(1000, max(2, n // 2)) and values.eq(name.strip()).any():
            return False
    return True
