"""core/data's errors and file-reading notes (issue 17): the English is exactly what the CLI and the English page have
always shown, and each carries a catalogue Message that the Data page shows in Chinese."""

from __future__ import annotations

import copy
import io
import json
import pickle
import re
import types

import pandas as pd
import pytest

from core.data import clean, columns, examples, health, hub, library, rowcheck, splits, upload
from core.data.notes import Note
from core.errors import DataError
from core.i18n import Message, localize
from core.text import plural

UNFILLED = re.compile(r"\{\w*(?::[^}]*)?\}")  # a placeholder left in the text ({name}, {n:,}); not JSON like {"text"
RECORD = '{"text": "...", "label": "..."}'


def _chinese(sentence: Message) -> str:
    """The Chinese text of a sentence: translated (not the English) and with every placeholder filled."""
    assert isinstance(sentence, Message), sentence
    chinese = sentence.in_language("zh")
    assert chinese != str(sentence)
    assert not UNFILLED.search(chinese), chinese
    if "{" not in str(sentence):
        assert "{" not in chinese, chinese
    return chinese


def _raised(call, *args, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        call(*args, **kwargs)
    return info.value


def _error(call, *args, english: str, **kwargs) -> str:
    """The error ``call`` raises: English unchanged, Chinese translated; returns the Chinese."""
    error = _raised(call, *args, **kwargs)
    assert str(error) == english
    return _chinese(error.message)


def _notes(table) -> list[str]:
    """The table's notes, each an English ``str`` that carries its Message; returns them in Chinese."""
    assert all(isinstance(n, Note) and str(n) == n.message.__str__() for n in table.notes)
    return [_chinese(n.message) for n in table.notes]


# ----------------------------------------------------------------------------- reading files: errors


def test_upload_errors_keep_their_english():
    _error(upload.read_table, b"", "a.csv", english="The file is empty (0 bytes); choose the file that contains your examples.")
    _error(upload.read_table, b"x", "a.doc",
           english="Files ending in ‘.doc’ cannot be read; save your data as CSV, TSV, TXT, JSON, JSONL, NDJSON, "
                   "Excel (.xlsx) or Parquet and upload that instead.")
    n_bytes = 250 * 1024 * 1024 + 1
    _error(upload._check_size, n_bytes,
           english="The file is 250.0 MB, more than the 200 MB limit; split it into smaller files or remove columns "
                   "you do not need.")
    chinese = _error(upload.read_table, b"\x89PNG\r\n\x1a\n0000", "a.csv",
                     english="This file is an image (PNG), not a table; export your data as CSV, Excel or JSON and upload "
                             "that file.")
    assert "PNG" in chinese and "图片" in chinese
    _error(upload.read_table, b"PK\x03\x04 not a workbook", "a.csv",
           english="This file is a ZIP archive although its name ends in ‘.csv’; unzip it and upload the table inside.")
    _error(upload.read_table, b"text,label\n", "a.csv",
           english="The file has a header row (‘text’, ‘label’) but no data rows; add your examples below the header.")
    _error(upload.read_table, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "a.xlsx",
           english="This workbook is in the old .xls format or is password-protected; open it in Excel and save it as "
                   ".xlsx without a password, or as CSV.")
    _error(upload.read_table, b"PAR1 broken", "a.parquet",
           english="The Parquet file is damaged or incomplete; export it again, or save the data as CSV.")


def test_text_format_errors_keep_their_english():
    chinese = _error(upload.read_table, b"text,label\nfine,pos\nalso fine,neg\nnot, fine,pos\n", "a.csv",
                     english="Line 4 has 3 fields but the header has 2; put quotes around texts that contain a comma, or "
                             "fix that line.")
    assert "逗号" in chinese and "3 个字段" in chinese
    _error(upload.read_table, b"[1, 2]", "a.json",
           english=f"The JSON file holds a list of plain values, not records; save it as a list like [{RECORD}, ...].")
    _error(upload.read_table, b"[]", "a.json", english=f"The JSON file holds an empty list; add records like {RECORD}.")
    _error(upload.read_table, b'{"text": "a", "label": "b"}\n[1]\n', "a.jsonl",
           english=f"Line 2 of the JSON Lines file is not a record like {RECORD}; every line must be one record.")
    try:
        json.loads("{bad")
    except json.JSONDecodeError as exc:
        reason = exc.msg.lower()
    _error(upload.read_table, b"{bad", "a.json",
           english=f"The JSON file is not valid JSON (line 1, column 2: {reason}); fix it there or export it again.")
    _error(upload.read_table, b"just some words\nwithout any labels\n", "a.txt",
           english="This text file has no labels; write one example per line as ‘__label__name text’ or ‘label<TAB>text’, "
                   "or upload a CSV with a text column and a label column.")


def test_forced_encoding_errors_keep_their_english():
    _error(upload.read_table, "text,label\nhé,a\n".encode(), "a.csv", encoding="ascii",
           english="The file cannot be read as ascii (the byte at position 12 does not fit); leave the encoding on "
                   "automatic or choose another one.")
    _error(upload.read_table, b"text,label\nx,a\n", "a.csv", encoding="nope",
           english="‘nope’ is not a known text encoding; use a name like utf-8, gb18030 or cp1252.")


# ----------------------------------------------------------------------------- cleaning, columns, library, splits


def test_cleaning_errors_keep_their_english():
    df = pd.DataFrame({"text": [f"review number {i}" for i in range(30)], "label": ["a"] * 30, "n": range(30)})
    _error(clean.clean_examples, df, "body", "label",
           english="There is no column named ‘body’; the columns are ‘text’, ‘label’, ‘n’.")
    _error(clean.clean_examples, df, "text", "text",
           english="‘text’ was chosen as both the text and the label column; choose two different columns.")
    _error(clean.clean_examples, df, "n", "label",
           english="The column ‘n’ holds numbers, not text; choose the column with the sentences.")
    ids = df.assign(label=[f"id-{i}" for i in range(30)])
    _error(clean.clean_examples, ids, "text", "label",
           english="The column ‘label’ has 30 different values in 30 rows, so it looks like an ID or free text, not a "
                   "label; choose the column that holds the classes.")
    chinese = _error(clean.clean_examples, df, "text", "label",
                     english="All 30 examples have the label ‘a’; a classifier needs at least two classes, so add "
                             "examples of another class or choose another column than ‘label’.")
    assert "30" in chinese and "“a”" in chinese
    _error(clean.clean_examples, df.head(1), "text", "label",
           english="The only example has the label ‘a’; a classifier needs at least two classes, so add examples of "
                   "another class or choose another column than ‘label’.")
    _error(clean.clean_examples, df.assign(split="later", label=["a", "b"] * 15), "text", "label", split_col="split",
           english="The split column ‘split’ holds ‘later’; use only train, validation or test.")
    _error(clean.combine_splits, {}, english="No files were given; upload at least a training file.")
    _error(clean.combine_splits, {"extra": df}, english="‘extra’ is not a split name; call the files train, validation or test.")


def test_columns_health_library_split_and_example_errors_keep_their_english():
    numbers = pd.DataFrame({"a": range(20), "b": [i % 2 for i in range(20)]})
    _error(columns.detect_columns, numbers,
           english="No column looks like text: every column holds numbers, IDs or short codes; upload a file with one "
                   "column of sentences (for example ‘text’) and one column of labels.")
    _error(health._require_columns, numbers,
           english="The table has no ‘text’ and ‘label’ columns yet; choose the text and label columns first so the data "
                   "can be cleaned.")
    _error(library.require, "abc123",
           english="There is no stored dataset ‘abc123’; upload it on the Data page or pass --data FILE.")
    _error(library.save_frame, numbers, name="x",
           english="A dataset needs a text and a label column; choose them before saving.")
    tiny = pd.DataFrame({"text": ["a", "b"], "label": ["x", "y"]})
    _error(splits.split_frame, tiny.head(1), test_size=0.2, validation_size=0.0, seed=0,
           english="The dataset is too small to split (1 rows); add more rows (at least a few dozen).")
    _error(examples.example_path, "nope",
           english=f"Unknown example ‘nope’; choose one of: {', '.join([*examples.EXAMPLES, *examples.NER_EXAMPLES])}.")


def test_hub_errors_keep_their_english(monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'imdb' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setitem(__import__("sys").modules, "datasets", types.SimpleNamespace(load_dataset=offline))
    _error(hub.load_hub_dataset, "imdb",
           english="The Hugging Face Hub cannot be reached from this machine, so ‘imdb’ cannot be downloaded; upload the "
                   "data as a file instead.")

    def missing(*args, **kwargs):
        raise ValueError("BuilderConfig 'xx' not found. Available: ['plain_text']\nmore detail")

    monkeypatch.setitem(__import__("sys").modules, "datasets", types.SimpleNamespace(load_dataset=missing))
    _error(hub.load_hub_dataset, "imdb", "xx", "test",
           english="The Hub dataset ‘imdb’ (config xx, split test) could not be loaded: BuilderConfig 'xx' not found. "
                   "Available: ['plain_text']; check the name, config and split.")


# ----------------------------------------------------------------------------- notes about how a file was read


def test_text_notes_keep_their_english_and_translate():
    table = upload.read_table(b"text,label\nhello there,a\nworld again,b\n", "a.csv")
    assert table.notes == ["Read as UTF-8 text, comma-separated."]
    assert _notes(table) == ["按 UTF-8 编码读取，逗号分隔。"]
    forced = upload.read_table("text;label\nhé;a\nwo;b\n".encode("cp1252"), "a.csv", encoding="cp1252")
    assert forced.notes == ["Read as cp1252 text, as you chose, semicolon-separated."]
    chinese = upload.read_table("text,label\n你好世界,a\n再见朋友,b\n".encode("gb18030"), "a.csv")
    assert chinese.notes == ["Read as GB18030 (Chinese) text, comma-separated."]
    assert "GB18030（中文）" in _notes(chinese)[0]
    keyed = upload.read_table(b'{"data": [{"text": "x", "label": "a"}, {"text": "y", "label": "b"}]}', "a.json")
    assert keyed.notes == ["Read as UTF-8 text, JSON records under the key ‘data’."]
    lines = upload.read_table(b'{"text": "x", "label": "a"}\n{"text": "y", "label": "b"}\n', "a.json")
    assert lines.notes == ["Read as UTF-8 text, one JSON record per line (JSON Lines).",
                           "The .json file holds one record per line, so it was read as JSON Lines."]
    fasttext = upload.read_table(b"__label__a __label__b hello\n__label__b world\n__label__a __label__c x\n", "a.txt")
    assert fasttext.notes == ["Read as UTF-8 text, fastText style (‘__label__name text’ on each line).",
                              f"{plural(2, 'line')} have several labels; the first label of each was used."]
    _notes(fasttext)


def test_workbook_and_parquet_notes_keep_their_english():
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({"text": ["a b", "c d"], "label": ["x", "y"]}).to_excel(writer, sheet_name="Sheet1", index=False)
        pd.DataFrame({"q": [1]}).to_excel(writer, sheet_name="Other", index=False)
    book = upload.read_table(buffer.getvalue(), "a.xlsx")
    assert book.notes == ["Read the Excel sheet ‘Sheet1’.", "The workbook has 2 sheets; only the first one, ‘Sheet1’, was read."]
    assert _notes(book)[1] == "这个工作簿有 2 个工作表；只读取了第一个，即“Sheet1”。"
    misnamed = upload.read_table(buffer.getvalue(), "a.csv")
    assert misnamed.notes[-1] == "The file is an Excel workbook although its name ends in ‘.csv’."
    _notes(misnamed)
    buffer = io.BytesIO()
    pd.DataFrame({"text": ["a", "b"], "label": ["x", "y"]}).to_parquet(buffer)
    parquet = upload.read_table(buffer.getvalue(), "a.parquet")
    assert parquet.notes == ["Read a Parquet file with 2 columns."] and _notes(parquet) == ["已读取 Parquet 文件，共 2 列。"]


def test_row_check_notes_and_messages_keep_their_english():
    quote = upload.read_table(b'text,label\nfine,pos\n"never closed,neg\nmore,pos\n', "q.csv")
    assert quote.notes[1] == (f"{plural(1, 'line')} has a quote mark that does not close (the first on line 3), so the "
                              "file was read one line per row with those quote marks kept as ordinary characters.")
    assert "第 3 行" in _notes(quote)[1]
    headerless = upload.read_table(b"good room\tpositive\nbad room\tnegative\nok room\tpositive\nnice\tpositive\n", "a.tsv")
    assert headerless.notes[-1] == "The first line looks like data, not column names, so the columns were numbered."
    _notes(headerless)
    frame = pd.DataFrame({"text": [f"one {i}\ntwo, with a comma" if i % 4 == 0 else f"review {i}" for i in range(40)],
                          "label": ["positive", "negative"] * 20})
    multi = upload.read_table(frame.to_csv(index=False).encode(), "multi.csv").row_count
    english = (f"{plural(10, 'text')} in quotes span several lines, so the file's {plural(50, 'data line')} make "
               f"{plural(40, 'row')}.")
    assert multi.message == english and "10 条文本" in _chinese(multi.message.message)
    lines = ["text,label", *[f"plain review number {i},{['positive', 'negative'][i % 2]}" for i in range(30)],
             '"a stray quote opens here,positive', "swallowed review one,negative", 'closes here" then,positive',
             '"a real review', 'on two lines",negative']
    merged = upload.read_table(("\n".join(lines) + "\n").encode(), "mixed.csv").row_count
    assert merged.message == (
        f"{plural(5, 'line')} were merged into {plural(2, 'row')} by quote marks that do not close on the same line "
        f"(the first at line 32: “a stray quote opens here,positive…”), so the file's {plural(35, 'data line')} gave "
        f"{plural(32, 'row')}; remove the stray \" characters or save the file without quoting.")
    _chinese(merged.message.message)
    both = rowcheck.combine([multi, merged])
    assert both.message == f"{multi.message} {merged.message}"
    assert _chinese(both.message.message) == f"{multi.message.message.in_language('zh')}{merged.message.message.in_language('zh')}"


def test_notes_survive_json_pickle_and_copies():
    """The CLI dumps notes as JSON, Streamlit's cache pickles the table, and the health report copies its findings."""
    table = upload.read_table(b"text,label\nhello there,a\nworld again,b\n", "a.csv")
    assert json.dumps(table.notes) == '["Read as UTF-8 text, comma-separated."]'
    for again in (pickle.loads(pickle.dumps(table)), copy.deepcopy(table)):
        assert again.notes == table.notes and again.notes[0].message == table.notes[0].message
    assert localize(table.notes[0].message, "zh") == "按 UTF-8 编码读取，逗号分隔。"
