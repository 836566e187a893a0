"""Read any uploaded table into a DataFrame and turn it into clean (text, label) examples.

Everything a non-programmer can get wrong about a file ends in a :class:`DataError` whose
message is one plain sentence: what is wrong and what to do.  Nothing here evaluates or
unpickles file content: texts stay plain strings (never formulas or HTML), JSON is parsed
with :mod:`json`, Excel cells are read as cached values, and Parquet with pyarrow.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.data import rowcheck
from core.data.rowcheck import RowCount
from core.errors import DataError
from core.text import plural

SUPPORTED_EXTENSIONS: tuple[str, ...] = (
    ".csv",
    ".tsv",
    ".txt",
    ".json",
    ".jsonl",
    ".ndjson",
    ".xlsx",
    ".parquet",
)
MAX_UPLOAD_MB = 200

_SAMPLE_BYTES = 1 << 20  # encoding detection looks at the first 1 MB only
_SNIFF_CHARS = 64 * 1024  # delimiter detection looks at the first 64 K characters
_DELIMITERS = ",;|\t"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "|": "pipe", "\t": "tab"}
_MAX_LABELS = 1000
_DETECT_SAMPLE = 20_000

_SPLIT_SYNONYMS = {
    "train": "train",
    "training": "train",
    "trn": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "development": "validation",
    "eval": "validation",
    "test": "test",
    "testing": "test",
    "tst": "test",
    "holdout": "test",
}


@dataclass
class LoadedTable:
    """A table as read from a file, plus what was detected about it."""

    df: pd.DataFrame
    format: str
    encoding: str | None
    delimiter: str | None
    notes: list[str] = field(default_factory=list)
    row_count: RowCount | None = None  # lines vs rows of delimited text (see core.data.rowcheck)


@dataclass
class ColumnGuess:
    """Best guess of which columns hold the text, the label, slices and (optionally) the split.

    ``label`` is ``""`` when no column looks like a label; ``reasons`` says why each was chosen.
    """

    text: str
    label: str
    slices: list[str]
    reasons: dict[str, str]
    split: str | None = None


@dataclass
class CleanResult:
    """Examples ready for training: columns text, label, optional split, then the extras."""

    df: pd.DataFrame
    dropped: dict[str, int]
    label_mapping: dict[str, str]


# --------------------------------------------------------------------------- reading


def read_table(
    source: bytes | str | Path,
    filename: str | None = None,
    *,
    encoding: str | None = None,
) -> LoadedTable:
    """Read an uploaded file (bytes, or a path given as ``str``/``Path``) into a table.

    ``filename`` supplies the extension when ``source`` is bytes; without one the format is
    guessed from the content.  ``encoding`` forces a text encoding instead of detecting it.
    Raises :class:`DataError` with a plain sentence for anything that cannot be read.
    """
    raw, name = _load_bytes(source, filename)
    if not raw:
        raise DataError("The file is empty (0 bytes); choose the file that contains your examples.")
    ext = Path(name).suffix.lower() if name else ""
    if ext and ext not in SUPPORTED_EXTENSIONS:
        raise DataError(f"Files ending in ‘{ext}’ cannot be read; save your data as {_supported_list()} and upload that instead.")
    kind = _binary_kind(raw)
    table = _read_by_kind(raw, ext, kind, encoding)
    table.df = _tidy_frame(table.df)
    _require_rows(table)
    return table


def _load_bytes(source: bytes | str | Path, filename: str | None) -> tuple[bytes, str]:
    """Return the raw bytes and the name to take the extension from, checking the size first."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
        _check_size(len(raw))
        return raw, filename or ""
    path = Path(source)
    if not path.is_file():
        raise DataError(f"There is no file at ‘{path}’; check the name and the folder.")
    # Check the size before reading so an oversized file never lands in memory.
    _check_size(path.stat().st_size)
    return path.read_bytes(), filename or path.name


def _check_size(n_bytes: int) -> None:
    limit = MAX_UPLOAD_MB * 1024 * 1024
    if n_bytes > limit:
        raise DataError(
            f"The file is {_megabytes(n_bytes)} MB, more than the {MAX_UPLOAD_MB} MB limit; "
            "split it into smaller files or remove columns you do not need."
        )


def _megabytes(n_bytes: int) -> str:
    mb = n_bytes / 1024 / 1024
    return f"{mb:,.1f}" if mb >= 1 else f"{mb:.2g}"


_FORMAT_NAMES = {".xlsx": "Excel (.xlsx)", ".parquet": "Parquet"}


def _supported_list() -> str:
    names = [_FORMAT_NAMES.get(e, e.lstrip(".").upper()) for e in SUPPORTED_EXTENSIONS]
    return ", ".join(names[:-1]) + " or " + names[-1]


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x1f\x8b", "gzip"),
    (b"PAR1", "parquet"),
    (b"SQLite format 3\x00", "sqlite"),
)


def _binary_kind(raw: bytes) -> str | None:
    """Name the binary format from its magic bytes, or None for (probably) text."""
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            return kind
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "webp"
    return None


def _read_by_kind(raw: bytes, ext: str, kind: str | None, encoding: str | None) -> LoadedTable:
    if ext == ".xlsx" and kind is None:
        return _read_text_named_xlsx(raw, encoding)
    if ext == ".xlsx" or (not ext and kind in ("zip", "ole")):
        return _read_xlsx(raw, kind)
    if ext == ".parquet" or (not ext and kind == "parquet"):
        return _read_parquet(raw, kind)
    if kind is not None:
        return _read_misnamed_binary(raw, ext, kind, encoding)
    return _read_text(raw, ext, encoding)


def _read_text_named_xlsx(raw: bytes, encoding: str | None) -> LoadedTable:
    """Some web exports save CSV text under an .xlsx name; read those, reject anything else."""
    try:
        table = _read_text(raw, "", encoding)
    except DataError:
        raise _corrupt_excel() from None
    if table.df.shape[1] < 2:
        raise _corrupt_excel()
    table.notes.append("The file is plain text (CSV), not an Excel workbook, although its name ends in ‘.xlsx’.")
    return table


_IMAGE_NAMES = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WebP"}


def _read_misnamed_binary(raw: bytes, ext: str, kind: str, encoding: str | None) -> LoadedTable:
    """A text extension on binary content: read it if it is a real table, else say what it is."""
    if kind in _IMAGE_NAMES:
        raise DataError(
            f"This file is an image ({_IMAGE_NAMES[kind]}), not a table; export your data "
            "as CSV, Excel or JSON and upload that file."
        )
    if kind == "pdf":
        raise DataError(
            "This file is a PDF document, not a table; export the data as CSV or Excel from the program that made the PDF."
        )
    if kind == "zip":
        table = _try_misnamed(_read_xlsx, raw, kind)
        if table is None:
            raise DataError(
                f"This file is a ZIP archive although its name ends in ‘{ext}’; unzip it and upload the table inside."
            )
        table.notes.append(f"The file is an Excel workbook although its name ends in ‘{ext}’.")
        return table
    if kind == "parquet":
        table = _try_misnamed(_read_parquet, raw, kind)
        if table is None:  # "PAR1" may simply be how a text file starts
            return _read_text(raw, ext, encoding)
        table.notes.append(f"The file is a Parquet file although its name ends in ‘{ext}’.")
        return table
    if kind == "ole":
        raise DataError(
            "This file is an old-style Office document (.xls or .doc), not a text table; open it and save it as .xlsx or CSV."
        )
    if kind == "gzip":
        raise DataError("This file is compressed (gzip); unpack it and upload the file inside.")
    raise DataError("This file contains binary data, not text; upload a CSV, Excel, JSON or Parquet file instead.")


def _try_misnamed(reader: Callable[[bytes, str], LoadedTable], raw: bytes, kind: str) -> LoadedTable | None:
    try:
        return reader(raw, kind)
    except DataError:
        return None


# --------------------------------------------------------------------------- binary formats


def _read_xlsx(raw: bytes, kind: str | None) -> LoadedTable:
    """Read the first sheet of an .xlsx workbook with openpyxl (cached values, no formulas)."""
    if kind == "ole":
        raise DataError(
            "This workbook is in the old .xls format or is password-protected; open it in "
            "Excel and save it as .xlsx without a password, or as CSV."
        )
    if kind != "zip":
        raise _corrupt_excel()
    try:
        with pd.ExcelFile(io.BytesIO(raw), engine="openpyxl") as book:
            sheets = list(book.sheet_names)
            df = book.parse(sheets[0], dtype=object, keep_default_na=False, na_values=[""])
    except DataError:
        raise
    except Exception as exc:  # any failure inside a zip/XML reader means a damaged workbook
        raise _corrupt_excel() from exc
    notes = [f"Read the Excel sheet ‘{sheets[0]}’."]
    if len(sheets) > 1:
        notes.append(f"The workbook has {len(sheets)} sheets; only the first one, ‘{sheets[0]}’, was read.")
    return LoadedTable(df=df, format="xlsx", encoding=None, delimiter=None, notes=notes)


def _corrupt_excel() -> DataError:
    return DataError(
        "The Excel file is damaged or is not a real .xlsx workbook; open it in Excel and save it again as .xlsx or as CSV."
    )


def _read_parquet(raw: bytes, kind: str | None) -> LoadedTable:
    """Read a Parquet file with pyarrow."""
    import pyarrow.parquet as pq

    if kind != "parquet":
        raise _corrupt_parquet()
    try:
        df = pq.read_table(io.BytesIO(raw)).to_pandas()
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise _corrupt_parquet() from exc
    notes = [f"Read a Parquet file with {plural(df.shape[1], 'column')}."]
    return LoadedTable(df=df, format="parquet", encoding=None, delimiter=None, notes=notes)


def _corrupt_parquet() -> DataError:
    return DataError("The Parquet file is damaged or incomplete; export it again, or save the data as CSV.")


# --------------------------------------------------------------------------- encodings


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with byte-order mark)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 (little-endian)",
    "utf-16-be": "UTF-16 (big-endian)",
    "utf-32": "UTF-32",
    "gb18030": "GB18030 (Chinese)",
    "cp949": "CP949 (Korean)",
    "cp932": "Shift-JIS (Japanese)",
    "big5": "Big5 (Traditional Chinese)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1252": "Windows-1252 (Western European)",
    "latin-1": "Latin-1",
}

# charset-normalizer answers for these families are trusted; western single-byte answers
# (cp1250, mac_roman, ...) are too often wrong on short texts, so those become cp1252.
_CN_TRUSTED = {
    "big5": "big5",
    "cp950": "big5",
    "big5hkscs": "big5",
    "cp1251": "cp1251",
    "mac_cyrillic": "cp1251",
    "koi8_r": "koi8_r",
    "cp866": "cp866",
    "cp1253": "cp1253",
    "cp1255": "cp1255",
    "cp1256": "cp1256",
    "cp874": "cp874",
}


def detect_encoding(raw: bytes) -> str:
    """Return the Python codec name that most likely decodes ``raw``.

    A byte-order mark wins; then strict UTF-8; then BOM-less UTF-16; then Chinese (GB18030),
    Korean and Japanese by their byte patterns; then charset-normalizer on the first 1 MB for
    other scripts; anything else is taken as Windows-1252, or Latin-1 when that fails.
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    if _is_utf8(raw):
        return "utf-8"
    sample = raw[:_SAMPLE_BYTES]
    return _guess_utf16(sample) or _guess_east_asian(sample) or _guess_other(sample)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess_utf16(sample: bytes) -> str | None:
    """BOM-less UTF-16 shows up as NUL bytes at every other position for Latin text."""
    even, odd = sample[0:4096:2], sample[1:4096:2]
    if len(odd) < 4:
        return None
    if odd.count(0) > 0.3 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _non_ascii(sample: bytes, codec: str, limit: int = 20_000) -> list[str] | None:
    # Drop a possibly cut multi-byte character at the end of the sample.
    text = _decode_or_none(sample, codec) or _decode_or_none(sample[:-1], codec)
    if text is None:
        return None
    return [c for c in text if ord(c) >= 0x80][:limit]


def _decode_or_none(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


def _guess_east_asian(sample: bytes) -> str | None:
    chars = _non_ascii(sample, "gb18030")
    if chars and _share(chars, _is_common_gb) >= 0.9:
        # EUC-KR Hangul also decodes as common GB characters; real Chinese text almost
        # always contains characters that EUC-KR maps to Hanja or cannot decode.
        korean = _non_ascii(sample, "cp949")
        if korean and _share(korean, lambda c: "\uac00" <= c <= "\ud7a3") >= 0.95:
            return "cp949"
        return "gb18030"
    japanese = _non_ascii(sample, "cp932")
    if japanese and _share(japanese, lambda c: "\u3040" <= c <= "\u30ff") >= 0.3:
        return "cp932"
    return None


def _is_common_gb(char: str) -> bool:
    """True for GB2312 symbols and level-1 (frequent) hanzi: lead byte 0xA1-0xD7."""
    try:
        encoded = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and encoded[0] < 0xD8


def _share(items: list[str], predicate: Callable[[str], bool]) -> float:
    return sum(1 for c in items if predicate(c)) / len(items)


def _guess_other(sample: bytes) -> str:
    import charset_normalizer

    best = charset_normalizer.from_bytes(sample).best()
    if best is not None and best.encoding in _CN_TRUSTED:
        return _CN_TRUSTED[best.encoding]
    if _decode_or_none(sample, "cp1252") is not None:
        return "cp1252"
    return "latin-1"


def _encoding_name(codec: str) -> str:
    return _ENCODING_NAMES.get(codec, codec)


def _decode(raw: bytes, encoding: str | None) -> tuple[str, str, list[str]]:
    """Decode bytes to text; return (text, codec, notes)."""
    if encoding:
        return _decode_forced(raw, encoding)
    codec = detect_encoding(raw)
    notes = [f"Read as {_encoding_name(codec)} text"]
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        # Detection looked at the first megabyte; a stray byte later should not sink the file.
        text = raw.decode(codec, errors="replace")
        notes.append(
            f"Some characters could not be read as {_encoding_name(codec)} and were replaced "
            "by �; choose the right encoding if texts look wrong."
        )
    return text.removeprefix("\ufeff"), codec, notes


def _decode_forced(raw: bytes, encoding: str) -> tuple[str, str, list[str]]:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise DataError(f"‘{encoding}’ is not a known text encoding; use a name like utf-8, gb18030 or cp1252.") from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"The file cannot be read as {encoding} (the byte at position {exc.start:,} does not fit); "
            "leave the encoding on automatic or choose another one."
        ) from None
    return (
        text.removeprefix("\ufeff"),
        codec,
        [f"Read as {encoding} text, as you chose"],
    )


# --------------------------------------------------------------------------- text formats


def _read_text(raw: bytes, ext: str, encoding: str | None) -> LoadedTable:
    text, codec, notes = _decode(raw, encoding)
    _reject_binary_text(text)
    if not text.strip():
        raise DataError("The file holds only blank lines or spaces; choose the file that contains your examples.")
    table = _parse_text(text, ext)
    table.encoding = codec
    table.notes = _merge_notes(notes, table.notes)
    return table


def _merge_notes(encoding_notes: list[str], format_notes: list[str]) -> list[str]:
    """Join "Read as UTF-16 text" with the first format note: "Read as UTF-16 text, "
    "tab-separated."."""
    first, *rest = encoding_notes
    if format_notes and format_notes[0].startswith(","):
        return [first + format_notes[0], *rest, *format_notes[1:]]
    return [first + ".", *rest, *format_notes]


def _reject_binary_text(text: str) -> None:
    """Text files have no control characters besides tabs and line breaks."""
    sample = text[:65536]
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\f\v")
    if "\x00" in sample or controls > 0.01 * len(sample):
        raise DataError("This file contains binary data, not text; upload a CSV, Excel, JSON or Parquet file instead.")


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
    notes = [f", {_DELIMITER_NAMES[sep]}-separated.", *read.notes]
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
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r][:200]
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
        return pd.read_csv(
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
        raise DataError("The file has no columns or rows; choose the file that contains your examples.") from None
    except pd.errors.ParserError as exc:
        raise _parser_error(text, sep, str(exc)) from None


def _parser_error(text: str, sep: str, message: str) -> DataError:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, record, saw = (int(g) for g in fields.groups())
        line = _physical_line(text, sep, record - 1)
        return DataError(
            f"Line {line} has {plural(saw, 'field')} but the header has {expected}; put quotes around "
            f"texts that contain a {_DELIMITER_NAMES[sep]}, or fix that line."
        )
    eof = re.search(r"EOF inside string starting at (?:row|line) (\d+)", message)
    if eof:
        line = _physical_line(text, sep, int(eof.group(1)))
        return DataError(
            f"A quoted text that starts on line {line} is never closed; add the missing "
            'closing quote (") or remove the stray one.'
        )
    detail = message.strip().removeprefix("Error tokenizing data. C error: ")
    return DataError(f"The file cannot be read as a table ({detail}); check that it is a valid CSV file.")


def _physical_line(text: str, sep: str, record_index: int) -> int:
    """1-based line where record ``record_index`` (0 = header) starts, counting quoted newlines."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
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
    if len(first) > 1 and any(_name_role(c) for c in first):
        return _read_delimited(text, default="\t")  # a TSV with a header row
    if _share_of(lines, lambda ln: "\t" in ln) >= 0.8:
        return _read_label_tab(text)
    sep = _sniff_delimiter(text, ",")
    if _consistency(_sample_lines(text), sep) >= 0.9:
        return _read_delimited(text, default=sep)
    raise DataError(
        "This text file has no labels; write one example per line as ‘__label__name text’ "
        "or ‘label<TAB>text’, or upload a CSV with a text column and a label column."
    )


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
    notes = [", fastText style (‘__label__name text’ on each line)."]
    several = int(parts[0].str.count("__label__").gt(1).sum())
    if several:
        notes.append(f"{plural(several, 'line')} {'has' if several == 1 else 'have'} several labels; the first label of each was used.")
    return LoadedTable(df=df, format="fasttext", encoding=None, delimiter=None, notes=notes)


def _read_label_tab(text: str) -> LoadedTable:
    """``label<TAB>text`` lines; if the short field is on the right, the columns are swapped."""
    lines = _text_lines(text)
    parts = lines.str.split("\t", n=1, expand=True)
    if parts.shape[1] < 2:
        parts[1] = np.nan
    label, body = parts[0].str.strip(), parts[1]
    notes = [", one example per line with the label before a tab."]
    if body.str.len().mean() * 2 < label.str.len().mean() and body.nunique() < label.nunique():
        label, body = body.str.strip(), parts[0]
        notes = [", one example per line with the label after a tab."]
    df = pd.DataFrame({"text": body, "label": label})
    return LoadedTable(df=df, format="label-tab", encoding=None, delimiter="\t", notes=notes)


# ----- JSON


def _read_json(text: str) -> LoadedTable:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            table = _read_jsonl(text)
            table.notes.append("The .json file holds one record per line, so it was read as JSON Lines.")
            return table
        raise DataError(
            f"The JSON file is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg.lower()}); fix it there or export it again."
        ) from None
    except RecursionError:
        raise DataError("The JSON file is nested too deeply to be a table; export it as a list of records.") from None
    records, note = _find_records(obj)
    df = pd.DataFrame.from_records(records) if isinstance(records, list) else pd.DataFrame(records)
    return LoadedTable(df=df, format="json", encoding=None, delimiter=None, notes=[note])


def _find_records(obj: object) -> tuple[list | dict, str]:
    """Accept [{...}, ...], {"data": [{...}, ...]}, {"0": {...}} or {"col": [...], ...}."""
    if isinstance(obj, list):
        if obj and all(isinstance(r, dict) for r in obj):
            return obj, ", a JSON list of records."
        if not obj:
            raise DataError('The JSON file holds an empty list; add records like {"text": "...", "label": "..."}.')
        raise _not_records("a list of plain values, not records")
    if isinstance(obj, dict) and obj:
        lists = {k: v for k, v in obj.items() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)}
        if lists:
            key = max(lists, key=lambda k: len(lists[k]))
            return lists[key], f", JSON records under the key ‘{key}’."
        if all(isinstance(v, dict) for v in obj.values()):
            return list(obj.values()), ", a JSON object of records."
        if _is_column_dict(obj):
            return obj, ", JSON columns (one list per column)."
        raise _not_records("an object with no list of records in it")
    raise _not_records("a single value, not a list of records")


def _is_column_dict(obj: dict) -> bool:
    lengths = {len(v) for v in obj.values() if isinstance(v, list)}
    return len(lengths) == 1 and all(isinstance(v, list) for v in obj.values()) and lengths != {0}


def _not_records(what: str) -> DataError:
    return DataError(f'The JSON file holds {what}; save it as a list like [{{"text": "...", "label": "..."}}, ...].')


def _read_jsonl(text: str) -> LoadedTable:
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            raise DataError(f"Line {number} of the JSON Lines file is not valid JSON; fix or delete that line.") from None
        if not isinstance(record, dict):
            raise DataError(
                f"Line {number} of the JSON Lines file is not a record like "
                '{"text": "...", "label": "..."}; every line must be one record.'
            )
        records.append(record)
    df = pd.DataFrame.from_records(records)
    notes = [", one JSON record per line (JSON Lines)."]
    return LoadedTable(df=df, format="jsonl", encoding=None, delimiter=None, notes=notes)


# ----- shared tidy-up


def _tidy_frame(df: pd.DataFrame) -> pd.DataFrame:
    """String column names without stray spaces; drop rows and unnamed columns that are all "
    "empty."""
    df = df.copy()
    df.columns = [str(c).strip() for c in df.columns]
    empty_unnamed = [c for c in df.columns if c.startswith("Unnamed:") and df[c].isna().all()]
    df = df.drop(columns=empty_unnamed).dropna(how="all")
    return df.reset_index(drop=True)


def _require_rows(table: LoadedTable) -> None:
    if len(table.df) > 0:
        return
    if table.df.shape[1] == 0:
        raise DataError("The file holds no columns or rows; choose the file that contains your examples.")
    names = ", ".join(f"‘{c}’" for c in list(table.df.columns)[:5])
    raise DataError(f"The file has a header row ({names}) but no data rows; add your examples below the header.")


# --------------------------------------------------------------------------- columns


_TEXT_NAMES = frozenset(
    [
        "text",
        "texts",
        "sentence",
        "sentences",
        "review",
        "reviews",
        "message",
        "messages",
        "content",
        "body",
        "comment",
        "comments",
        "document",
        "doc",
        "utterance",
        "query",
        "question",
        "tweet",
        "description",
        "title",
        "abstract",
        "sms",
        "post",
        "headline",
        "input",
        "prompt",
        "passage",
        "paragraph",
    ]
)
_LABEL_NAMES = frozenset(
    [
        "label",
        "labels",
        "class",
        "classes",
        "category",
        "categories",
        "intent",
        "sentiment",
        "target",
        "y",
        "tag",
        "tags",
        "topic",
        "emotion",
        "polarity",
        "stance",
        "gold",
        "annotation",
        "rating",
        "stars",
        "output",
    ]
)
_ID_NAMES = frozenset(
    [
        "id",
        "ids",
        "uuid",
        "guid",
        "index",
        "idx",
        "key",
        "url",
        "link",
        "path",
        "date",
        "time",
        "timestamp",
        "email",
    ]
)
_SPLIT_NAMES = frozenset(["split", "set", "fold", "partition", "subset"])


def _name_tokens(name: str) -> set[str]:
    """'reviewText' / 'review_text' / 'Review Text' -> {'review', 'text'} (digits dropped)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return set(re.findall(r"[a-z]+", spaced.lower()))


def _name_role(name: str) -> str | None:
    tokens = _name_tokens(name)
    if tokens & _LABEL_NAMES:
        return "label"
    if tokens & _ID_NAMES:
        return "id"
    if tokens & _SPLIT_NAMES:
        return "split"
    if tokens & _TEXT_NAMES:
        return "text"
    return None


@dataclass
class _ColumnStats:
    name: str
    n: int
    distinct: int
    mean_len: float
    space_share: float
    numeric: bool
    split_values: bool


def _column_stats(name: str, values: pd.Series) -> _ColumnStats:
    present = values.dropna()
    as_text = present.astype(str)
    lengths = as_text.str.len()
    numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    if not numeric and len(as_text):
        numeric = bool(pd.to_numeric(as_text, errors="coerce").notna().mean() >= 0.9)
    distinct = int(as_text.nunique())
    folded = set(as_text.str.strip().str.lower().unique()[:20])
    return _ColumnStats(
        name=name,
        n=len(as_text),
        distinct=distinct,
        mean_len=float(lengths.mean()) if len(lengths) else 0.0,
        space_share=float(as_text.str.contains(r"\s", regex=True).mean()) if len(as_text) else 0.0,
        numeric=numeric,
        split_values=1 < distinct <= 3 and folded <= set(_SPLIT_SYNONYMS),
    )


def detect_columns(df: pd.DataFrame) -> ColumnGuess:
    """Guess the text, label, split and slice columns of a freshly read table.

    Raises :class:`DataError` when no column holds free-form text.
    """
    sample = df.sample(_DETECT_SAMPLE, random_state=0) if len(df) > _DETECT_SAMPLE else df
    stats = [_column_stats(str(c), sample[c]) for c in sample.columns]
    text = _pick_text(stats)
    rest = [s for s in stats if s.name != text.name]
    split = next((s for s in rest if _is_split_column(s)), None)
    rest = [s for s in rest if s is not split]
    label = _pick_label(rest)
    slices = _pick_slices([s for s in rest if s is not label])
    reasons = {"text": _text_reason(text), "label": _label_reason(label)}
    if slices:
        reasons["slices"] = (
            "These columns have a few repeating values you can compare scores by: " + ", ".join(f"‘{s}’" for s in slices) + "."
        )
    if split:
        reasons["split"] = f"‘{split.name}’ holds train/validation/test names."
    return ColumnGuess(
        text=text.name,
        label=label.name if label else "",
        slices=slices,
        reasons=reasons,
        split=split.name if split else None,
    )


def _is_split_column(s: _ColumnStats) -> bool:
    return s.split_values and _name_role(s.name) != "label"


def _text_score(s: _ColumnStats) -> float:
    named = 3.0 if _name_role(s.name) == "text" else 1.0
    ratio = s.distinct / s.n if s.n else 0.0
    return s.mean_len * (0.2 + ratio) * (1.0 + s.space_share) * named


def _pick_text(stats: list[_ColumnStats]) -> _ColumnStats:
    plausible = [
        s
        for s in stats
        if s.n
        and not s.numeric
        and _name_role(s.name) not in ("id", "label")
        and s.mean_len >= 3
        and (s.distinct > 1 or s.n == 1)
    ]
    if not plausible:
        raise DataError(
            "No column looks like text: every column holds numbers, IDs or short codes; upload a "
            "file with one column of sentences (for example ‘text’) and one column of labels."
        )
    return max(plausible, key=_text_score)


def _text_reason(s: _ColumnStats) -> str:
    if _name_role(s.name) == "text":
        return f"‘{s.name}’ is named like a text column and holds free-form strings (average {s.mean_len:.0f} characters)."
    return f"‘{s.name}’ holds the longest free-form strings (average {s.mean_len:.0f} characters)."


def _pick_label(stats: list[_ColumnStats]) -> _ColumnStats | None:
    def is_candidate(s: _ColumnStats) -> bool:
        if _name_role(s.name) == "label":
            return True
        limit = min(_MAX_LABELS, max(2, s.n // 2))
        return _name_role(s.name) != "id" and 2 <= s.distinct <= limit

    candidates = [s for s in stats if s.n and is_candidate(s)]
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda s: (
            _name_role(s.name) == "label",
            2 <= s.distinct <= 100,
            -s.distinct,
        ),
    )


def _label_reason(s: _ColumnStats | None) -> str:
    if s is None:
        return "No column looks like a label (a column with a few repeating class names); choose it by hand."
    if _name_role(s.name) == "label":
        return f"‘{s.name}’ is named like a label column and has {plural(s.distinct, 'different value')}."
    return f"‘{s.name}’ has only {plural(s.distinct, 'different value')}, like a set of classes."


def _pick_slices(stats: list[_ColumnStats]) -> list[str]:
    return [
        s.name
        for s in stats
        if s.n and _name_role(s.name) != "id" and 2 <= s.distinct <= 50 and s.distinct <= max(2, s.n // 2) and s.mean_len <= 50
    ]


# --------------------------------------------------------------------------- labels


def normalize_labels(values: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """Turn label values of any type into class-name strings.

    Rules: missing or blank stays missing (NaN); booleans and "true"/"false" become "true"/"false";
    whole numbers lose their decimals (1, 1.0 and "1.0" -> "1"); strings are stripped with inner
    whitespace collapsed; spellings that differ only in case ("Positive", "positive") merge into
    the most frequent one.  Returns the names (object dtype) and a mapping from the original
    values (as shown to the user) to the class name, for the values whose name changed.
    """
    values = _hashable(values)
    uniques = pd.unique(values.dropna())
    first_pass = {u: _class_name(u) for u in uniques}
    names = values.map(first_pass) if len(first_pass) else pd.Series(np.nan, index=values.index, dtype=object)
    names = names.astype(object).where(names.notna(), np.nan)
    merge = _case_merges(names)
    if merge:
        names = names.map(lambda v: merge.get(v, v) if isinstance(v, str) else v)
    mapping = {}
    for original, name in first_pass.items():
        final = merge.get(name, name) if name is not None else None
        shown = original if isinstance(original, str) else str(original)
        if final is not None and shown != final:
            mapping[shown] = final
    return names, mapping


def _hashable(values: pd.Series) -> pd.Series:
    """Make mixed cells safe to look up by value.

    JSON can put lists or dicts in a cell (unhashable: compare them by their text), and
    ``True == 1`` in Python, so booleans become "True"/"False" before values are deduplicated.
    """
    if values.dtype != object:
        return values
    return values.map(lambda v: str(v) if isinstance(v, (list, dict, bool, np.bool_)) else v)


_WHOLE_NUMBER = re.compile(r"^[+-]?\d+\.0*$")


def _class_name(value: object) -> str | None:
    """One label value -> its class name (None means missing)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    name = " ".join(str(value).split())
    if not name:
        return None
    if name.lower() in ("true", "false"):
        return name.lower()
    if _WHOLE_NUMBER.match(name):
        return str(int(float(name))) if len(name) < 16 else name.split(".")[0]
    return name


def _case_merges(names: pd.Series) -> dict[str, str]:
    """Map each spelling to the most frequent spelling of the same word, where there are several."""
    counts = names.dropna().value_counts()
    if counts.empty:
        return {}
    frame = pd.DataFrame({"name": counts.index.astype(str), "n": counts.to_numpy()})
    frame["key"] = frame["name"].str.casefold()
    # Most frequent spelling wins; on a tie the lower-case one, then alphabetical.
    frame["cased"] = frame["name"] != frame["name"].str.lower()
    frame = frame.sort_values(["key", "n", "cased", "name"], ascending=[True, False, True, True])
    canonical = frame.groupby("key")["name"].transform("first")
    changed = frame["name"] != canonical
    return dict(zip(frame.loc[changed, "name"], canonical[changed], strict=False))


# --------------------------------------------------------------------------- cleaning


def clean_examples(
    df: pd.DataFrame,
    text_col: str,
    label_col: str,
    *,
    split_col: str | None = None,
) -> CleanResult:
    """Build the training table: text, label (normalised), optional split, then every other column.

    Rows with empty text or a missing label are dropped and counted.  Raises :class:`DataError`
    for missing columns, a numeric text column, an unusable label column or nothing left.
    """
    _check_columns(df, text_col, label_col, split_col)
    df = df.reset_index(drop=True)
    _check_text_column(df[text_col], text_col)
    labels, mapping = normalize_labels(df[label_col])
    _check_label_column(labels, label_col)
    out = pd.DataFrame({"text": _as_text(df[text_col]), "label": labels})
    if split_col:
        out["split"] = _normalize_splits(df[split_col], split_col)
    out = _append_extras(out, df, {text_col, label_col, split_col})
    out, dropped = _drop_unusable(out)
    _check_result(out, label_col)
    return CleanResult(df=out.reset_index(drop=True), dropped=dropped, label_mapping=mapping)


def _check_columns(df: pd.DataFrame, text_col: str, label_col: str, split_col: str | None) -> None:
    for col in (text_col, label_col, split_col):
        if col is not None and col not in df.columns:
            names = ", ".join(f"‘{c}’" for c in list(df.columns)[:10])
            raise DataError(f"There is no column named ‘{col}’; the columns are {names}.")
    if text_col == label_col:
        raise DataError(f"‘{text_col}’ was chosen as both the text and the label column; choose two different columns.")


def _check_text_column(values: pd.Series, name: str) -> None:
    present = values.dropna()
    numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    if not numeric and len(present):
        numeric = bool(pd.to_numeric(present.astype(str), errors="coerce").notna().mean() >= 0.9)
    if numeric and len(present):
        raise DataError(f"The column ‘{name}’ holds numbers, not text; choose the column with the sentences.")


def _check_label_column(labels: pd.Series, name: str) -> None:
    present = labels.dropna()
    if present.empty:
        raise DataError(f"Every label in the column ‘{name}’ is empty; choose the column that holds the classes.")
    distinct = present.nunique()
    if distinct > _MAX_LABELS or (len(present) >= 20 and distinct > 0.5 * len(present)):
        raise DataError(
            f"The column ‘{name}’ has {distinct:,} different values in {len(present):,} rows, so "
            "it "
            "looks like an ID or free text, not a label; choose the column that holds the classes."
        )


def _as_text(values: pd.Series) -> pd.Series:
    """Texts as plain Python strings (mixed-type cells are converted), missing stays missing."""
    text = values.astype(object)
    present = text.notna()
    text[present] = text[present].astype(str)
    return text


def _normalize_splits(values: pd.Series, name: str) -> pd.Series:
    folded = values.astype(object).map(lambda v: str(v).strip().lower() if pd.notna(v) else None)
    unknown = sorted({v for v in folded.dropna().unique() if v not in _SPLIT_SYNONYMS})
    if unknown:
        raise DataError(f"The split column ‘{name}’ holds ‘{unknown[0]}’; use only train, validation or test.")
    return folded.map(_SPLIT_SYNONYMS)


def _append_extras(out: pd.DataFrame, df: pd.DataFrame, used: set[str | None]) -> pd.DataFrame:
    """Keep every other column (same row order and index) so it can serve as a slice."""
    for col in df.columns:
        if col in used:
            continue
        # An unused column called text/label/split must not overwrite the chosen one.
        name = f"{col}_original" if col in out.columns else col
        out[name] = df[col]
    return out


def _drop_unusable(out: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    empty_text = out["text"].isna() | out["text"].astype(str).str.strip().eq("")
    missing_label = ~empty_text & out["label"].isna()
    reasons = {"empty text": empty_text, "missing label": missing_label}
    if "split" in out.columns:
        reasons["missing split"] = ~empty_text & ~missing_label & out["split"].isna()
    dropped = {reason: int(mask.sum()) for reason, mask in reasons.items() if mask.any()}
    keep = ~np.logical_or.reduce([m.to_numpy() for m in reasons.values()])
    out = out[keep].copy()
    out["text"] = out["text"].astype(str)
    out["label"] = out["label"].astype(str)
    return out, dropped


def _check_result(out: pd.DataFrame, label_col: str) -> None:
    if out.empty:
        raise DataError(
            "No rows are left after dropping rows with empty text or a missing label; check "
            "that you chose the right text and label columns."
        )
    classes = out["label"].unique()
    if len(classes) < 2:
        raise DataError(
            f"{'The only example has' if len(out) == 1 else f'All {len(out):,} examples have'} the label ‘{classes[0]}’; "
            "a classifier needs at least "
            "two classes, so add examples of another class or choose another column than "
            f"‘{label_col}’."
        )


def combine_splits(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack separate train/validation/test tables into one with a "split" column.

    Keys may be any usual name for a split (train, training, dev, val, valid, test, ...).
    """
    if not tables:
        raise DataError("No files were given; upload at least a training file.")
    frames = []
    for key, frame in tables.items():
        split = _SPLIT_SYNONYMS.get(str(key).strip().lower())
        if split is None:
            raise DataError(f"‘{key}’ is not a split name; call the files train, validation or test.")
        frames.append(frame.assign(split=split))
    return pd.concat(frames, ignore_index=True, sort=False)
