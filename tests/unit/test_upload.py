"""Reading every supported format and encoding, guessing columns, normalising labels, cleaning."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from core.data.clean import clean_examples, combine_splits
from core.data.columns import ColumnGuess, detect_columns
from core.data.encodings import detect_encoding
from core.data.formats import LoadedTable
from core.data.labels import normalize_labels
from core.data.upload import SUPPORTED_EXTENSIONS, read_table
from core.errors import DataError
from tests.conftest import SHARED

# Cells that break naive readers: delimiters, quotes, line breaks, non-ASCII, HTML, formulas.
ROWS = [
    ("Great movie, really", "pos"),
    ('She said "wow" twice', "pos"),
    ("first line\nsecond line", "neg"),
    ("Ünïcödé — 中文 — emoji 🎉", "pos"),
    ("<script>alert('x')</script>", "neg"),
    ("=cmd|' /C calc'!A0", "neg"),
    ("+1 and @SUM(A1)", "pos"),
    ("semi;colon | pipe", "neg"),
    ("NA", "neg"),
]
LINE_ROWS = [r for r in ROWS if "\n" not in r[0]]  # line-based formats cannot hold line breaks


def _frame(rows: list[tuple[str, str]] = ROWS) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["text", "label"])


def _pairs(table: LoadedTable) -> list[tuple[str, str]]:
    return [(str(t), str(lab)) for t, lab in zip(table.df["text"], table.df["label"], strict=True)]


def _xlsx(df: pd.DataFrame, extra_sheets: int = 0) -> bytes:
    """Write cells as literal strings so that '=cmd' stays text (no formula)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for r, row in enumerate([list(df.columns), *df.itertuples(index=False)], start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    for i in range(extra_sheets):
        book.create_sheet(f"extra{i}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _parquet(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False)
    return buffer.getvalue()


WRITERS = {
    "csv": ("data.csv", lambda df: df.to_csv(index=False).encode(), "csv", ","),
    "tsv": ("data.tsv", lambda df: df.to_csv(index=False, sep="\t").encode(), "tsv", "\t"),
    "semicolon": ("data.csv", lambda df: df.to_csv(index=False, sep=";").encode(), "delimited", ";"),
    "pipe": ("data.csv", lambda df: df.to_csv(index=False, sep="|").encode(), "delimited", "|"),
    "json": ("data.json", lambda df: df.to_json(orient="records", force_ascii=False).encode(), "json", None),
    "json_nested": (
        "data.json",
        lambda df: json.dumps({"version": 2, "data": df.to_dict("records")}).encode(),
        "json",
        None,
    ),
    "json_columns": ("data.json", lambda df: json.dumps(df.to_dict("list")).encode(), "json", None),
    "jsonl": ("data.jsonl", lambda df: df.to_json(orient="records", lines=True, force_ascii=False).encode(), "jsonl", None),
    "ndjson": ("data.ndjson", lambda df: df.to_json(orient="records", lines=True).encode(), "jsonl", None),
    "xlsx": ("data.xlsx", _xlsx, "xlsx", None),
    "parquet": ("data.parquet", _parquet, "parquet", None),
}


@pytest.mark.parametrize("kind", list(WRITERS))
def test_round_trip_every_format(kind: str) -> None:
    filename, write, fmt, delimiter = WRITERS[kind]
    table = read_table(write(_frame()), filename)
    assert table.format == fmt
    assert table.delimiter == delimiter
    assert _pairs(table) == ROWS
    assert table.notes


def test_round_trip_fasttext() -> None:
    lines = [f"__label__{label} {text}" for text, label in LINE_ROWS]
    table = read_table("\n".join(lines).encode(), "data.txt")
    assert table.format == "fasttext"
    assert _pairs(table) == LINE_ROWS


def test_round_trip_label_tab() -> None:
    lines = [f"{label}\t{text}" for text, label in LINE_ROWS]
    table = read_table(("\r\n".join(lines) + "\r\n").encode(), "data.txt")
    assert table.format == "label-tab"
    assert _pairs(table) == LINE_ROWS


def test_text_then_label_tab_is_swapped() -> None:
    lines = [f"{text}\t{label}" for text, label in LINE_ROWS]
    table = read_table("\n".join(lines).encode(), "data.txt")
    assert _pairs(table) == LINE_ROWS


def test_txt_with_header_is_read_as_tsv() -> None:
    table = read_table(_frame(LINE_ROWS).to_csv(index=False, sep="\t").encode(), "data.txt")
    assert table.format == "tsv"
    assert _pairs(table) == LINE_ROWS


def test_fasttext_several_labels_takes_the_first() -> None:
    raw = b"__label__pos __label__funny what a film\n__label__neg dull\nno label here\n"
    table = read_table(raw, "ft.txt")
    assert table.df["label"].tolist()[:2] == ["pos", "neg"]
    assert table.df["text"].tolist() == ["what a film", "dull", "no label here"]
    assert pd.isna(table.df["label"].iloc[2])
    assert any("several labels" in n for n in table.notes)


def test_extra_columns_and_types_are_kept() -> None:
    df = _frame().assign(id=range(len(ROWS)), source=["web", "app"] * 4 + ["web"])
    table = read_table(_parquet(df), "data.parquet")
    assert list(table.df.columns) == ["text", "label", "id", "source"]
    assert table.df["id"].tolist() == list(range(len(ROWS)))


@pytest.mark.parametrize("kind", ["csv", "json", "jsonl", "xlsx", "parquet"])
def test_format_is_sniffed_without_a_filename(kind: str) -> None:
    _, write, fmt, _ = WRITERS[kind]
    table = read_table(write(_frame()))
    assert table.format == fmt
    assert _pairs(table) == ROWS


def test_read_from_str_and_path(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(_frame().to_csv(index=False).encode())
    assert _pairs(read_table(str(path))) == ROWS
    assert _pairs(read_table(path)) == ROWS


def test_json_file_holding_json_lines() -> None:
    raw = _frame().to_json(orient="records", lines=True).encode()
    table = read_table(raw, "data.json")
    assert _pairs(table) == ROWS
    assert any("JSON Lines" in n for n in table.notes)


def test_workbook_with_several_sheets_notes_it() -> None:
    table = read_table(_xlsx(_frame(), extra_sheets=2), "book.xlsx")
    assert _pairs(table) == ROWS
    assert any("3 sheets" in n for n in table.notes)


def test_workbook_named_csv_is_still_read() -> None:
    table = read_table(_xlsx(_frame()), "export.csv")
    assert table.format == "xlsx"
    assert _pairs(table) == ROWS


def test_csv_text_named_xlsx_is_still_read() -> None:
    table = read_table(_frame().to_csv(index=False).encode(), "export.xlsx")
    assert table.format == "csv"
    assert _pairs(table) == ROWS
    assert any("not an Excel workbook" in n for n in table.notes)


def test_text_starting_with_parquet_magic_is_text() -> None:
    table = read_table(b"PAR1,label\nsome text,pos\n", "odd.csv")
    assert list(table.df.columns) == ["PAR1", "label"]


def test_glue_style_tsv_with_stray_quotes() -> None:
    raw = b'sentence\tlabel\n" unbalanced quote \t0\nanother line\t1\nlast one\t0\n'
    table = read_table(raw, "dev.tsv")
    assert table.df["sentence"].tolist() == ['" unbalanced quote ', "another line", "last one"]
    assert any("ordinary characters" in n for n in table.notes)


def test_headerless_csv_gets_numbered_columns() -> None:
    raw = b"an example sentence that is clearly much longer than any column name,pos\nshort one,neg\n"
    table = read_table(raw, "noheader.csv")
    assert list(table.df.columns) == ["column_1", "column_2"]
    assert len(table.df) == 2
    guess = detect_columns(table.df)
    assert (guess.text, guess.label) == ("column_1", "column_2")


def test_commas_in_unquoted_semicolon_file() -> None:
    raw = b"text;label\nhello, world;pos\nbad, very bad, awful;neg\nfine;pos\n"
    table = read_table(raw, "eu.csv")
    assert table.delimiter == ";"
    assert table.df["text"].tolist() == ["hello, world", "bad, very bad, awful", "fine"]


# --------------------------------------------------------------------------- encodings

ZH_ROWS = [("这部电影非常好看，推荐给大家", "正面"), ("服务态度很差，再也不来了", "负面"), ("还可以吧，一般般", "中性")]
WESTERN_ROWS = [("Café très bien — it’s “great”", "pos"), ("Über schön, naïve façade", "neg"), ("Crème brûlée for €5", "pos")]


@pytest.mark.parametrize(
    ("codec", "rows", "expected", "name"),
    [
        ("utf-8", ROWS, "utf-8", "UTF-8"),
        ("utf-8-sig", ROWS, "utf-8-sig", "UTF-8 (with byte-order mark)"),
        ("utf-16", ROWS, "utf-16", "UTF-16"),
        ("utf-16-le", WESTERN_ROWS, "utf-16-le", "UTF-16"),
        ("gb18030", ZH_ROWS, "gb18030", "GB18030"),
        ("gbk", ZH_ROWS, "gb18030", "GB18030"),
        ("cp1252", WESTERN_ROWS, "cp1252", "Windows-1252"),
    ],
)
def test_encodings_are_detected(codec: str, rows: list, expected: str, name: str) -> None:
    raw = _frame(rows).to_csv(index=False).encode(codec)
    table = read_table(raw, "data.csv")
    assert table.encoding == expected
    assert _pairs(table) == rows
    assert name in table.notes[0]
    assert "text" in table.df.columns  # a byte-order mark must not stick to the first name


def test_utf16_tsv_note() -> None:
    raw = _frame().to_csv(index=False, sep="\t").encode("utf-16")
    table = read_table(raw, "data.tsv")
    assert table.notes[0] == "Read as UTF-16 text, tab-separated."


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        ("很好,正面\n太差,负面\n", "gbk", "gb18030"),
        ("Café,pos\nbad,neg\n", "cp1252", "cp1252"),
        ("Das Essen war schön, Größe klein – teuer\n", "cp1252", "cp1252"),
        ("plain ascii\n", "ascii", "utf-8"),
    ],
)
def test_detect_encoding_short_texts(text: str, codec: str, expected: str) -> None:
    assert detect_encoding(text.encode(codec)) == expected


def test_encoding_override() -> None:
    raw = _frame(WESTERN_ROWS).to_csv(index=False).encode("cp1252")
    forced = read_table(raw, "data.csv", encoding="latin-1")
    assert forced.encoding == "iso8859-1"
    assert "as you chose" in forced.notes[0]
    assert forced.df["text"].iloc[0] != WESTERN_ROWS[0][0]  # ’ and “ differ between the two
    zh = _frame(ZH_ROWS).to_csv(index=False).encode("gbk")
    assert _pairs(read_table(zh, "zh.csv", encoding="gbk")) == ZH_ROWS


# --------------------------------------------------------------------------- big and odd files


def test_200k_row_csv_loads() -> None:
    labels = ("alpha", "beta", "gamma")
    body = "\n".join(f"this is example sentence number {i} with a few words,{labels[i % 3]}" for i in range(200_000))
    table = read_table(("text,label\n" + body + "\n").encode(), "big.csv")
    assert len(table.df) == 200_000
    guess = detect_columns(table.df)
    result = clean_examples(table.df, guess.text, guess.label)
    assert len(result.df) == 200_000
    assert set(result.df["label"]) == set(labels)


def test_one_megabyte_text_loads() -> None:
    long_text = "word " * 200_000 + "end"
    df = pd.DataFrame({"text": [long_text, "short", "other"], "label": ["a", "b", "a"]})
    for filename, raw in [
        ("long.csv", df.to_csv(index=False).encode()),
        ("long.jsonl", df.to_json(orient="records", lines=True).encode()),
    ]:
        table = read_table(raw, filename)
        assert table.df["text"].iloc[0] == long_text


def test_mixed_type_columns_load() -> None:
    records = [
        {"text": "fine film", "label": 1, "meta": {"a": 1}},
        {"text": 12345, "label": "1.0", "meta": [1, 2]},
        {"text": "awful", "label": 0.0},
        {"text": "ok", "label": True},
    ]
    table = read_table(json.dumps(records).encode(), "mixed.json")
    assert len(table.df) == 4
    result = clean_examples(table.df, "text", "label")
    assert result.df["text"].tolist() == ["fine film", "12345", "awful", "ok"]
    assert result.df["label"].tolist() == ["1", "1", "0", "true"]


# --------------------------------------------------------------------------- columns


@pytest.mark.needs_shared
@pytest.mark.parametrize("name", ["sst2", "sms_spam", "trec6", "ag_news"])
def test_detect_columns_on_shared_datasets(name: str) -> None:
    files = sorted((SHARED / name).glob("*.csv"))
    assert files, f"no CSV of the public dataset {name} in {SHARED / name}"
    table = read_table(files[0])
    guess = detect_columns(table.df)
    assert isinstance(guess, ColumnGuess)
    assert (guess.text, guess.label) == ("text", "label")
    assert "text" in guess.reasons["text"] and "label" in guess.reasons["label"]


LONG = [
    "I really enjoyed this film, the acting was great and the story moving",
    "Terrible pacing and a plot that made no sense at all, avoid it",
    "An average movie with some good moments but nothing special",
    "The soundtrack was wonderful although the ending felt rushed",
    "Worst two hours of my life, the dialogue was painful to hear",
    "A charming little story that the whole family can enjoy together",
]


def _labelled(**extra: list) -> pd.DataFrame:
    n = len(LONG) * 4
    texts = [f"{LONG[i % len(LONG)]} ({i})" for i in range(n)]
    return pd.DataFrame({key: (values * n)[:n] for key, values in extra.items()} | {"__text": texts})


def test_detect_review_sentiment_id_source() -> None:
    df = _labelled(id=list(range(24)), sentiment=["pos", "neg", "neutral"], source=["web", "app"]).rename(
        columns={"__text": "review"}
    )
    guess = detect_columns(df)
    assert (guess.text, guess.label, guess.slices) == ("review", "sentiment", ["source"])
    assert "review" in guess.reasons["text"]


def test_detect_capitalised_names() -> None:
    df = _labelled(Category=["ham", "spam"]).rename(columns={"__text": "Message"})
    guess = detect_columns(df)
    assert (guess.text, guess.label) == ("Message", "Category")


def test_detect_without_helpful_names() -> None:
    df = _labelled(b=["x", "y", "z"]).rename(columns={"__text": "a"})
    guess = detect_columns(df)
    assert (guess.text, guess.label) == ("a", "b")
    assert "longest" in guess.reasons["text"]


def test_detect_split_column_and_camel_case() -> None:
    df = _labelled(split=["train", "train", "test"], lang=["en", "de"], intent=["buy", "sell", "ask"]).rename(
        columns={"__text": "userQuery"}
    )
    guess = detect_columns(df)
    assert (guess.text, guess.label, guess.split) == ("userQuery", "intent", "split")
    assert guess.slices == ["lang"]


def test_detect_without_label_column() -> None:
    df = pd.DataFrame({"text": LONG})
    guess = detect_columns(df)
    assert guess.text == "text" and guess.label == ""
    assert "choose it by hand" in guess.reasons["label"]


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 0, 1], ["1", "0", "1"]),
        ([1.0, 0.0, np.nan], ["1", "0", None]),
        (["1.0", "0.0", "1"], ["1", "0", "1"]),
        ([0.5, 1.5], ["0.5", "1.5"]),
        ([True, False], ["true", "false"]),
        (["TRUE", "false"], ["true", "false"]),
        ([" Positive ", "positive", "positive", "Negative"], ["positive", "positive", "positive", "Negative"]),
        (["NUM", "LOC", "NUM"], ["NUM", "LOC", "NUM"]),
        (["Spam", "spam"], ["spam", "spam"]),
        (["very  good", "bad"], ["very good", "bad"]),
        ([None, "", "  ", "x"], [None, None, None, "x"]),
    ],
)
def test_normalize_labels(values: list, expected: list) -> None:
    names, _ = normalize_labels(pd.Series(values, dtype=object))
    got = [None if pd.isna(v) else v for v in names]
    assert got == expected


def test_normalize_labels_mapping_shows_changes_only() -> None:
    _, mapping = normalize_labels(pd.Series([" Positive ", "positive", 1.0, "neg"], dtype=object))
    assert mapping == {" Positive ": "positive", "1.0": "1"}


def test_normalize_numeric_dtype_series() -> None:
    names, mapping = normalize_labels(pd.Series([2.0, 3.0, np.nan]))
    assert names.iloc[0] == "2" and pd.isna(names.iloc[2])
    assert mapping == {"2.0": "2", "3.0": "3"}


# --------------------------------------------------------------------------- cleaning


def test_clean_examples_drops_and_counts() -> None:
    df = pd.DataFrame(
        {
            "review": ["good", "", "   ", None, "bad", "meh", "great"],
            "stars": ["pos", "neg", None, "pos", None, "neg", " Pos"],
            "shop": ["a", "b", "c", "d", "e", "f", "g"],
        }
    )
    result = clean_examples(df, "review", "stars")
    assert result.dropped == {"empty text": 3, "missing label": 1}
    assert result.df["text"].tolist() == ["good", "meh", "great"]
    assert result.df["label"].tolist() == ["pos", "neg", "pos"]
    assert list(result.df.columns) == ["text", "label", "shop"]
    assert result.df["shop"].tolist() == ["a", "f", "g"]
    assert result.label_mapping == {" Pos": "pos"}


def test_clean_examples_with_split_and_name_clash() -> None:
    df = pd.DataFrame(
        {
            "sentence": ["one", "two", "three", "four"],
            "label": ["raw-a", "raw-b", "raw-a", "raw-b"],
            "gold": ["x", "y", "x", "y"],
            "Set": ["Train", "dev", "TEST", "training"],
        }
    )
    result = clean_examples(df, "sentence", "gold", split_col="Set")
    assert list(result.df.columns) == ["text", "label", "split", "label_original"]
    assert result.df["split"].tolist() == ["train", "validation", "test", "train"]
    assert result.df["label"].tolist() == ["x", "y", "x", "y"]


def test_clean_examples_keeps_html_and_formulas_as_text() -> None:
    table = read_table(_frame().to_csv(index=False).encode(), "x.csv")
    result = clean_examples(table.df, "text", "label")
    assert result.df["text"].tolist() == [t for t, _ in ROWS]


def test_clean_examples_non_default_index() -> None:
    df = pd.DataFrame({"text": ["a b", "c d", "e f"], "label": ["x", "y", "x"], "k": [1, 2, 3]}, index=[10, 10, 5])
    result = clean_examples(df, "text", "label")
    assert result.df["k"].tolist() == [1, 2, 3]


def test_combine_splits() -> None:
    train = pd.DataFrame({"text": ["a", "b"], "label": ["x", "y"]})
    dev = pd.DataFrame({"text": ["c"], "label": ["x"], "extra": [1]})
    test = pd.DataFrame({"text": ["d"], "label": ["y"]})
    combined = combine_splits({"train": train, "dev": dev, "Test": test})
    assert combined["split"].tolist() == ["train", "train", "validation", "test"]
    assert "extra" in combined.columns
    result = clean_examples(combined, "text", "label", split_col="split")
    assert result.df["split"].tolist() == ["train", "train", "validation", "test"]
    with pytest.raises(DataError, match="not a split name"):
        combine_splits({"holdin": train})
    with pytest.raises(DataError, match="No files were given"):
        combine_splits({})


def test_supported_extensions() -> None:
    assert set(SUPPORTED_EXTENSIONS) == {".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson", ".xlsx", ".parquet"}
