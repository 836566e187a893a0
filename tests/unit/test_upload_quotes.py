"""Issue 14 item 1: every line of a delimited file is one row, or the difference is explained.

Stray quote marks must not merge examples silently, header-less files must keep their first line,
and legitimate multi-line quoted CSV texts must stay intact.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core import cli
from core.data import health, rowcheck
from core.data.clean import clean_examples
from core.data.columns import detect_columns
from core.data.upload import read_table

LABELS = ("positive", "negative")


def _chinese_reviews(n: int = 600) -> list[tuple[str, str]]:
    """Reviews where some texts open a quote they never close, or close one they never opened."""
    rows = []
    for i in range(n):
        text = f"这家酒店第{i}号房间很好，服务也不错"
        if i % 50 == 7:
            text = '"' + text  # opens a quote that never closes on this line
        if i % 70 == 3:
            text += '"还行'  # a quote in the middle of a text
        rows.append((text, LABELS[i % 2]))
    return rows


def _write(rows: list[tuple[str, str]], sep: str, header: str | None = None) -> bytes:
    lines = ([header] if header else []) + [f"{t}{sep}{label}" for t, label in rows]
    return ("\n".join(lines) + "\n").encode()


def _health(table, text: str | None = None, label: str | None = None) -> health.HealthReport:
    guess = detect_columns(table.df)
    clean = clean_examples(table.df, text or guess.text, label or guess.label)
    return health.health_report(clean.df, dropped=clean.dropped, reading=table.row_count)


def test_headerless_chinese_tsv_with_stray_quotes_keeps_every_line() -> None:
    rows = _chinese_reviews()
    table = read_table(_write(rows, "\t"), "reviews.tsv")
    assert len(table.df) == len(rows)
    assert list(table.df.columns) == ["column_1", "column_2"]  # the first line is data, not a header
    assert table.df["column_1"].tolist() == [t for t, _ in rows]  # quote marks kept, texts untouched
    assert table.df["column_2"].tolist() == [label for _, label in rows]
    assert table.row_count.lines == table.row_count.rows == len(rows)
    assert any("stray quote marks would have merged" in n for n in table.notes)
    report = _health(table)
    assert report.n_rows == len(rows) and sum(report.dropped.values()) == 0 and report.lines == len(rows)


def test_same_file_without_the_fix_would_lose_rows() -> None:
    """Guards the test above: standard CSV quoting really does merge these lines."""
    import io

    merged = pd.read_csv(io.StringIO(_write(_chinese_reviews(), "\t").decode()), sep="\t", header=None, dtype=str)
    assert len(merged) < 600
    assert merged[0].str.contains("\tpositive\n").any()


def test_headerless_comma_csv_with_stray_quotes_and_quoted_commas() -> None:
    rows = []
    for i in range(60):
        text = f"the room number {i} was fine"
        if i % 6 == 0:
            text = f'"clean, quiet room {i}"'  # real CSV quoting around a comma
        if i in (13, 31):
            text = f'"stray quote in review {i}'
        if i == 40:
            text = 'she said "ok" and left'
        rows.append((text, LABELS[i % 2]))
    table = read_table(_write(rows, ","), "reviews.csv")
    assert len(table.df) == 60 and table.row_count.lines == 60
    texts = table.df["column_1"].tolist()
    assert texts[0] == "clean, quiet room 0" and texts[13] == '"stray quote in review 13'
    assert texts[40] == 'she said "ok" and left'
    assert any("does not close" in n and "line 14" in n for n in table.notes)


def test_csv_with_header_whose_quote_runs_to_the_end_is_read_line_by_line() -> None:
    raw = b'text,label\nfine,pos\n"never closed,neg\nmore,pos\n'
    table = read_table(raw, "quote.csv")
    assert table.df["text"].tolist() == ["fine", '"never closed', "more"]
    assert table.row_count.lines == 3


def test_headerless_short_english_tsv_keeps_its_first_line() -> None:
    rows = [(f"review {i} the room was ok", LABELS[i % 2]) for i in range(20)]
    for name in ("short.tsv", "short.txt", "short.csv"):
        table = read_table(_write(rows, "\t"), name)
        assert len(table.df) == 20, name
        assert table.df.iloc[0, 0] == "review 0 the room was ok", name
        assert any("first line looks like data" in n for n in table.notes), name


def test_headerless_comma_file_with_numeric_labels_keeps_its_first_line() -> None:
    rows = [(f"short text {i}", str(i % 2)) for i in range(10)]
    table = read_table(_write(rows, ","), "numbers.csv")
    assert len(table.df) == 10 and table.df.iloc[0, 1] == "0"


def test_real_header_is_still_a_header() -> None:
    rows = [(f"review {i} the room was ok", LABELS[i % 2]) for i in range(20)]
    table = read_table(_write(rows, "\t", header="review\tsentiment"), "with_header.tsv")
    assert list(table.df.columns) == ["review", "sentiment"] and len(table.df) == 20
    assert not any("first line looks like data" in n for n in table.notes)


def test_legit_multiline_quoted_csv_stays_intact() -> None:
    df = pd.DataFrame(
        {
            "text": [f"line one of review {i}\nline two, with a comma" if i % 4 == 0 else f"review {i}" for i in range(40)],
            "label": [LABELS[i % 2] for i in range(40)],
        }
    )
    table = read_table(df.to_csv(index=False).encode(), "multi.csv")
    assert table.df["text"].tolist() == df["text"].tolist()
    count = table.row_count
    assert (count.lines, count.rows, count.multiline_rows, count.lost) == (50, 40, 10, 0)
    assert "span several lines" in count.message
    report = _health(table)
    assert sum(report.dropped.values()) == 0
    assert any(f.code == "multiline_texts" and f.severity == "info" for f in report.findings)


def _unfixable_rows() -> str:
    """Legit multi-line quoting together with a stray quote: no re-reading gives one row per line."""
    lines = ["text,label"]
    for i in range(30):
        lines.append(f"plain review number {i},{LABELS[i % 2]}")
    lines += ['"a stray quote opens here,positive', "swallowed review one,negative", 'closes here" then,positive']
    lines += ['"a real review', 'on two lines",negative']
    return "\n".join(lines) + "\n"


def test_unfixable_merge_is_explained_and_counted_as_dropped() -> None:
    table = read_table(_unfixable_rows().encode(), "mixed.csv")
    count = table.row_count
    assert count.lines == 35 and count.rows == 32 and count.lost == 3
    assert "merged into 2 rows by quote marks" in count.message and "line 32" in count.message
    report = _health(table, "text", "label")
    assert report.dropped[rowcheck.MERGED_LINES] == 3
    assert report.n_rows + sum(report.dropped.values()) == count.lines
    finding = next(f for f in report.findings if f.code == "merged_lines")
    assert finding.severity == "warning" and finding.message == count.message
    assert "lines merged" not in " ".join(f.message for f in report.findings if f.code == "dropped_rows")


@pytest.mark.parametrize("content", ["stray", "unfixable"])
def test_check_data_json_shows_lines_rows_and_the_reason(content: str, tmp_path: Path, capsys) -> None:
    file = tmp_path / ("reviews.tsv" if content == "stray" else "mixed.csv")
    if content == "stray":
        file.write_bytes(_write(_chinese_reviews(), "\t"))
    else:
        file.write_text(_unfixable_rows())
    code = cli.main(["check-data", str(file), "--json", "--model", "tiny-random-bert"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["n_rows"] + sum(out["dropped"].values()) == out["lines"]
    if content == "stray":
        assert out["n_rows"] == 600 and out["dropped"] == {}
        assert any("would have merged" in n for n in out["notes"])
    else:
        assert out["dropped"][rowcheck.MERGED_LINES] == 3
        assert any(f["code"] == "merged_lines" and "merged into" in f["message"] for f in out["findings"])


def test_line_counting_ignores_blank_and_delimiter_only_lines() -> None:
    assert rowcheck.data_lines("a,b\r\n\r\n , \nc,d\n", ",") == ["a,b", "c,d"]


def test_combine_sums_counts_of_several_files() -> None:
    a = rowcheck.RowCount(lines=10, rows=8, multiline_rows=1, stray_quotes=True, message="A.")
    b = rowcheck.RowCount(lines=5, rows=5)
    both = rowcheck.combine([a, None, b])
    assert (both.lines, both.rows, both.lost, both.message) == (15, 13, 2, "A.")
    assert rowcheck.combine([None]) is None
