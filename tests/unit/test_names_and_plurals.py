"""Issue 14 (data part): unique default dataset names and correct plurals in data messages."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from core.data import health
from core.data import library as datasets
from core.data.clean import clean_examples
from core.data.columns import detect_columns
from core.data.upload import read_table
from core.errors import DataError
from core.text import plural


@pytest.mark.parametrize(
    ("n", "word", "plural_word", "expected"),
    [
        (1, "example", None, "1 example"),
        (2000, "example", None, "2,000 examples"),
        (0, "value", None, "0 values"),
        (1, "class", None, "1 class"),
        (3, "class", None, "3 classes"),
        (2, "entry", "entries", "2 entries"),
    ],
)
def test_plural(n: int, word: str, plural_word: str | None, expected: str) -> None:
    assert plural(n, word, plural_word) == expected


def _frame(n: int = 20) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"sentence number {i}" for i in range(n)], "label": ["a", "b"] * (n // 2)})


def test_default_names_from_files_do_not_clash(tmp_path) -> None:
    first = tmp_path / "a" / "train.csv"
    second = tmp_path / "b" / "train.csv"
    for i, file in enumerate((first, second)):
        file.parent.mkdir()
        _frame(20 + 2 * i).to_csv(file, index=False)
    names = [datasets.import_file(first).name, datasets.import_file(second).name]
    assert names == ["train", "train (2)"]
    assert datasets.unique_name("train") == "train (3)"
    assert datasets.unique_name("valid") == "valid"
    assert datasets.unique_name("  ") == "dataset"


def test_an_explicit_name_is_kept(tmp_path) -> None:
    file = tmp_path / "train.csv"
    _frame().to_csv(file, index=False)
    datasets.save_frame(_frame(30), name="mine")
    assert datasets.import_file(file, name="mine").name == "mine"


def test_health_messages_use_singular_for_one() -> None:
    df = pd.DataFrame({"text": ["same text here", "same text here", "ok", "other text"] + [f"text {i}" for i in range(8)],
                       "label": ["a", "a", "b", "b"] + ["a", "b"] * 4})
    report = health.health_report(df, dropped={"empty text": 1})
    messages = {f.code: f.message for f in report.findings}
    assert messages["duplicates"].startswith("1 row (") and "repeats a text" in messages["duplicates"]
    assert messages["short_texts"].startswith("1 text (") and " is shorter" in messages["short_texts"]
    assert "removed 1 row (" in messages["dropped_rows"]
    one = health.health_report(pd.DataFrame({"text": ["only one text"], "label": ["a"]}))
    text = " ".join(f.message for f in one.findings)
    assert "The data has 1 class " in text and "There is only 1 example;" in text
    assert "1 row, 1 class," in one.to_text()


def test_upload_messages_use_singular_for_one() -> None:
    table = read_table(b"label,text\nyes,first sentence here\nyes,second sentence here\n", "one.csv")
    assert detect_columns(table.df).reasons["label"].endswith("has 1 different value.")
    with pytest.raises(DataError, match=r"^The only example has the label"):
        clean_examples(pd.DataFrame({"text": ["just one"], "label": ["x"]}), "text", "label")
    buffer = io.BytesIO()
    pd.DataFrame({"text": ["a sentence", "another one"]}).to_parquet(buffer, index=False)
    assert "Read a Parquet file with 1 column." in read_table(buffer.getvalue(), "one.parquet").notes
