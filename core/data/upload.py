"""The public entry for reading an upload end to end: bytes or a path in, a :class:`LoadedTable` out.

Checks the size and the extension, recognises binary content by its magic bytes (so an image,
a PDF or a workbook under a wrong name gets a sentence saying what it really is), hands text to
:mod:`core.data.formats` and workbooks to :mod:`core.data.binary_formats`, then tidies the table.
Everything a non-programmer can get wrong about a file ends in a :class:`DataError` whose
message is one plain sentence: what is wrong and what to do.  Nothing here evaluates or
unpickles file content.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from core.data.binary_formats import read_parquet, read_text_named_xlsx, read_xlsx
from core.data.formats import LoadedTable, read_text
from core.data.notes import note
from core.errors import DataError
from core.i18n import Message, message

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
        raise DataError(message("error.data.empty_file"))
    ext = Path(name).suffix.lower() if name else ""
    if ext and ext not in SUPPORTED_EXTENSIONS:
        raise DataError(message("error.data.unsupported_extension", ext=ext, formats=_supported_list()))
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
        raise DataError(message("error.data.no_file", path=str(path)))
    # Check the size before reading so an oversized file never lands in memory.
    _check_size(path.stat().st_size)
    return path.read_bytes(), filename or path.name


def _check_size(n_bytes: int) -> None:
    limit = MAX_UPLOAD_MB * 1024 * 1024
    if n_bytes > limit:
        raise DataError(message("error.data.too_large", size=_megabytes(n_bytes), limit=MAX_UPLOAD_MB))


def _megabytes(n_bytes: int) -> str:
    mb = n_bytes / 1024 / 1024
    return f"{mb:,.1f}" if mb >= 1 else f"{mb:.2g}"


_FORMAT_NAMES = {".xlsx": "Excel (.xlsx)", ".parquet": "Parquet"}


def _supported_list() -> Message:
    names = [_FORMAT_NAMES.get(e, e.lstrip(".").upper()) for e in SUPPORTED_EXTENSIONS]
    return message("error.data.supported_formats", names=", ".join(names[:-1]), last=names[-1])


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
        return read_text_named_xlsx(raw, encoding)
    if ext == ".xlsx" or (not ext and kind in ("zip", "ole")):
        return read_xlsx(raw, kind)
    if ext == ".parquet" or (not ext and kind == "parquet"):
        return read_parquet(raw, kind)
    if kind is not None:
        return _read_misnamed_binary(raw, ext, kind, encoding)
    return read_text(raw, ext, encoding)


_IMAGE_NAMES = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WebP"}


def _read_misnamed_binary(raw: bytes, ext: str, kind: str, encoding: str | None) -> LoadedTable:
    """A text extension on binary content: read it if it is a real table, else say what it is."""
    if kind in _IMAGE_NAMES:
        raise DataError(message("error.data.image", kind=_IMAGE_NAMES[kind]))
    if kind == "pdf":
        raise DataError(message("error.data.pdf"))
    if kind == "zip":
        table = _try_misnamed(read_xlsx, raw, kind)
        if table is None:
            raise DataError(message("error.data.zip", ext=ext))
        table.notes.append(note("note.data.misnamed_excel", ext=ext))
        return table
    if kind == "parquet":
        table = _try_misnamed(read_parquet, raw, kind)
        if table is None:  # "PAR1" may simply be how a text file starts
            return read_text(raw, ext, encoding)
        table.notes.append(note("note.data.misnamed_parquet", ext=ext))
        return table
    if kind == "ole":
        raise DataError(message("error.data.old_office"))
    if kind == "gzip":
        raise DataError(message("error.data.gzip"))
    raise DataError(message("error.data.binary"))


def _try_misnamed(reader: Callable[[bytes, str], LoadedTable], raw: bytes, kind: str) -> LoadedTable | None:
    try:
        return reader(raw, kind)
    except DataError:
        return None


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
        raise DataError(message("error.data.no_columns_or_rows"))
    names = ", ".join(f"‘{c}’" for c in list(table.df.columns)[:5])
    raise DataError(message("error.data.header_only", names=names))

