"""Every kind of broken upload ends in one specific, plain sentence (never a traceback).

All files are generated into a temporary folder; nothing binary is committed.
"""

from __future__ import annotations

import gzip
import io
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from core.data import upload
from core.data.clean import clean_examples
from core.data.columns import detect_columns
from core.data.upload import read_table
from core.errors import DataError


def _xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["text", "label"])
    for i in range(50):
        sheet.append([f"a sentence number {i}", "pos" if i % 2 else "neg"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "text,label\nhello,pos\n")
    return buffer.getvalue()


def _rows(n: int, label: Callable[[int], str], text: Callable[[int], str] | None = None) -> bytes:
    text = text or (lambda i: f"example sentence number {i}")
    lines = ["text,label"] + [f"{text(i)},{label(i)}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


_GARBAGE = random.Random(0).randbytes(4096)
_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + random.Random(1).randbytes(200)
_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(2).randbytes(200)


@dataclass(frozen=True)
class Case:
    filename: str
    content: bytes
    fragment: str
    step: str = "read"  # read | detect | clean
    kwargs: tuple = ()  # keyword arguments for the step, as (name, value) pairs


CASES: dict[str, Case] = {
    "empty": Case("empty.csv", b"", "The file is empty (0 bytes)"),
    "header_only": Case("header.csv", b"text,label\n", "has a header row (‘text’, ‘label’) but no data rows"),
    "blank_lines": Case("blank.csv", b"\n   \n\t\n", "holds only blank lines or spaces"),
    "garbage": Case("garbage.csv", _GARBAGE, "This file contains binary data, not text"),
    "png_as_csv": Case("photo.csv", _PNG, "This file is an image (PNG), not a table"),
    "jpeg_as_csv": Case("photo2.csv", _JPEG, "This file is an image (JPEG), not a table"),
    "pdf_as_csv": Case("scan.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "This file is a PDF document, not a table"),
    "docx": Case("notes.docx", b"PK\x03\x04whatever", "Files ending in ‘.docx’ cannot be read; save your data as CSV, TSV"),
    "pdf": Case("paper.pdf", b"%PDF-1.7\n", "Files ending in ‘.pdf’ cannot be read"),
    "too_big": Case("big.csv", _rows(100, lambda i: "pos" if i % 2 else "neg"), "MB limit; split it into smaller files"),
    "json_object": Case("config.json", b'{"name": "x", "count": 3}', "holds an object with no list of records in it"),
    "json_values": Case("values.json", b'["good", "bad"]', "holds a list of plain values, not records"),
    "json_scalar": Case("scalar.json", b"42", "holds a single value, not a list of records"),
    "json_syntax": Case("broken.json", b'[{"text": "a", "label": ', "is not valid JSON (line 1, column"),
    "json_empty_list": Case("empty_list.json", b"[]", "holds an empty list"),
    "jsonl_syntax": Case(
        "bad.jsonl", b'{"text": "a", "label": "x"}\n{"text": "b", label}\n', "Line 2 of the JSON Lines file is not valid JSON"
    ),
    "jsonl_not_object": Case(
        "list.jsonl", b'{"text": "a", "label": "x"}\n["b", "y"]\n', "Line 2 of the JSON Lines file is not a record"
    ),
    "xlsx_garbage": Case("book.xlsx", _GARBAGE, "The Excel file is damaged or is not a real .xlsx workbook"),
    "xlsx_truncated": Case("cut.xlsx", _xlsx_bytes()[:1500], "The Excel file is damaged or is not a real .xlsx workbook"),
    "xls_old": Case("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old .xls format or is password-protected"),
    "parquet_corrupt": Case("table.parquet", b"PAR1" + _GARBAGE[:300] + b"PAR1", "The Parquet file is damaged or incomplete"),
    "parquet_not": Case("table2.parquet", b"text,label\nhi,pos\n", "The Parquet file is damaged or incomplete"),
    "zip_as_csv": Case("archive.csv", _zip_bytes(), "This file is a ZIP archive although its name ends in ‘.csv’"),
    "gzip_as_csv": Case("data.csv", gzip.compress(b"text,label\nhi,pos\n"), "This file is compressed (gzip)"),
    "ragged_csv": Case(
        "ragged.csv", b"text,label\nfine,pos\nalso fine,neg\nnot, fine,pos\n", "Line 4 has 3 fields but the header has 2"
    ),
    "ragged_after_newline": Case(
        "ragged2.csv", b'text,label\n"two\nlines",pos\nok,neg\nbad,row,here\n', "Line 5 has 3 fields but the header has 2"
    ),
    "unclosed_quote": Case(
        "quote.csv", b'text,label\nfine,pos\n"never closed, at all,neg\nmore,pos\n', "starts on line 3 is never closed"
    ),
    "txt_without_labels": Case("plain.txt", b"just a sentence\nanother sentence\n", "This text file has no labels"),
    "forced_wrong_encoding": Case(
        "zh.csv", "text,label\n今天很好,正面\n".encode(), "The file cannot be read as ascii", kwargs=(("encoding", "ascii"),)
    ),
    "unknown_encoding": Case(
        "x.csv", b"text,label\na,b\n", "‘klingon’ is not a known text encoding", kwargs=(("encoding", "klingon"),)
    ),
    "no_text_column": Case(
        "numbers.csv", b"id,price,qty\n1,2.5,3\n2,3.5,4\n3,1.25,5\n", "No column looks like text", step="detect"
    ),
    "one_class": Case(
        "one.csv", _rows(30, lambda i: "pos"), "have the label ‘pos’; a classifier needs at least two classes", step="clean"
    ),
    "labels_all_missing": Case(
        "nolabel.csv", _rows(30, lambda i: ""), "Every label in the column ‘label’ is empty", step="clean"
    ),
    "labels_are_ids": Case(
        "ids.csv",
        _rows(10_000, lambda i: f"id{i}"),
        "has 10,000 different values in 10,000 rows, so it looks like an ID",
        step="clean",
    ),
    "numeric_text": Case(
        "price.csv",
        b"price,label\n" + b"".join(f"{i}.99,{'a' if i % 2 else 'b'}\n".encode() for i in range(20)),
        "The column ‘price’ holds numbers, not text; choose the column with the sentences.",
        step="clean",
        kwargs=(("text_col", "price"),),
    ),
    "missing_column": Case(
        "cols.csv",
        _rows(10, lambda i: "ab"[i % 2]),
        "There is no column named ‘review’",
        step="clean",
        kwargs=(("text_col", "review"),),
    ),
    "same_column_twice": Case(
        "twice.csv",
        _rows(10, lambda i: "ab"[i % 2]),
        "chosen as both the text and the label column",
        step="clean",
        kwargs=(("text_col", "label"),),
    ),
    "no_rows_left": Case(
        "blanktext.csv", _rows(10, lambda i: "ab"[i % 2], text=lambda i: " "), "No rows are left after dropping", step="clean"
    ),
    "bad_split_value": Case(
        "split.csv",
        b"text,label,split\n"
        + b"".join(f"sentence {i},{'ab'[i % 2]},{'fold3' if i == 5 else 'train'}\n".encode() for i in range(10)),
        "The split column ‘split’ holds ‘fold3’",
        step="clean",
        kwargs=(("split_col", "split"),),
    ),
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Write every malformed file into a fresh temporary folder."""
    folder = tmp_path_factory.mktemp("bad_files")
    paths = {}
    for name, case in CASES.items():
        path = folder / name / case.filename
        path.parent.mkdir()
        path.write_bytes(case.content)
        paths[name] = path
    return paths


def _run(case: Case, path: Path) -> None:
    kwargs = dict(case.kwargs)
    if case.step == "read":
        read_table(path, **kwargs)
        return
    table = read_table(path)
    if case.step == "detect":
        detect_columns(table.df)
        return
    cols = {"text_col": "text", "label_col": "label", **kwargs}
    clean_examples(table.df, **cols)


def _message(name: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    if name == "too_big":
        monkeypatch.setattr(upload, "MAX_UPLOAD_MB", 0.001)
    with pytest.raises(DataError) as info:
        _run(CASES[name], path)
    return str(info.value)


def test_enough_cases() -> None:
    assert len(CASES) >= 17


@pytest.mark.parametrize("name", list(CASES))
def test_bad_file_message(name: str, bad_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    message = _message(name, bad_files[name], monkeypatch)
    assert CASES[name].fragment in message
    # One plain sentence: no line breaks, no Python internals, ends with a full stop.
    assert "\n" not in message
    assert "Traceback" not in message and "Error" not in message
    assert message.endswith(".")


def test_messages_are_distinct(bad_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Different problems get different sentences (the two damaged-workbook cases are one problem)."""
    messages = {name: _message(name, path, monkeypatch) for name, path in bad_files.items()}
    same_problem = {"xlsx_truncated", "parquet_not"}
    distinct = {m for name, m in messages.items() if name not in same_problem}
    assert len(distinct) == len(messages) - len(same_problem)


def test_bytes_upload_checks_size_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload, "MAX_UPLOAD_MB", 1)
    with pytest.raises(DataError, match="more than the 1 MB limit"):
        read_table(b"x" * (1024 * 1024 + 1), "big.csv")


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="There is no file at"):
        read_table(tmp_path / "nope.csv")


def test_unknown_extension_lists_supported_formats() -> None:
    with pytest.raises(DataError) as info:
        read_table(b"hello", "notes.pdf")
    for name in ("CSV", "TSV", "TXT", "JSON", "JSONL", "NDJSON", "Excel (.xlsx)", "Parquet"):
        assert name in str(info.value)
