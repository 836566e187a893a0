"""Reading decoded text into a table (core.data.formats): the exact frame, format, delimiter, notes and error sentence.

Every case writes a small file into ``tmp_path`` and reads its bytes back the way an upload does
(``read_text(bytes, extension, encoding)``), so what is pinned is what the user sees: the parsed
cells, the column names, the "Read as UTF-8 text, comma-separated." note and the one sentence a
broken file ends in.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.data.formats import LoadedTable, read_text
from core.errors import DataError

RECORD = '{"text": "...", "label": "..."}'


def _read(tmp_path: Path, name: str, content: str | bytes, encoding: str | None = None) -> LoadedTable:
    """Write ``content`` to ``tmp_path/name`` and read it back by its extension ("" when the name has none)."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return read_text(path.read_bytes(), path.suffix, encoding)


def _error(tmp_path: Path, name: str, content: str | bytes, encoding: str | None = None) -> str:
    with pytest.raises(DataError) as info:
        _read(tmp_path, name, content, encoding)
    return str(info.value)


def _cells(table: LoadedTable) -> list[list[object]]:
    """The frame's rows with missing cells as None."""
    df = table.df.astype(object)
    return df.where(df.notna(), None).values.tolist()


def _columns(table: LoadedTable) -> list[str]:
    return [str(c) for c in table.df.columns]


# ----- the format follows the extension


def test_csv_file_is_read_with_its_header_and_comma_note(tmp_path: Path) -> None:
    table = _read(tmp_path, "data.csv", "text,label\nhello,pos\nbye,neg\n")
    assert (table.format, table.delimiter, table.encoding) == ("csv", ",", "utf-8")
    assert _columns(table) == ["text", "label"]
    assert _cells(table) == [["hello", "pos"], ["bye", "neg"]]
    assert table.notes == ["Read as UTF-8 text, comma-separated."]
    assert (table.row_count.lines, table.row_count.rows) == (2, 2)


def test_tsv_file_is_read_as_tab_separated(tmp_path: Path) -> None:
    table = _read(tmp_path, "data.tsv", "text\tlabel\nhello, world\tpos\n")
    assert (table.format, table.delimiter) == ("tsv", "\t")
    assert _cells(table) == [["hello, world", "pos"]]
    assert table.notes == ["Read as UTF-8 text, tab-separated."]


@pytest.mark.parametrize(
    ("content", "delimiter", "name"),
    [("text;label\nhi;pos\n", ";", "semicolon"), ("text|label\nhi|pos\n", "|", "pipe")],
)
def test_other_delimiters_in_a_csv_file_are_detected(tmp_path: Path, content: str, delimiter: str, name: str) -> None:
    table = _read(tmp_path, "data.csv", content)
    assert (table.format, table.delimiter) == ("delimited", delimiter)
    assert _cells(table) == [["hi", "pos"]]
    assert table.notes == [f"Read as UTF-8 text, {name}-separated."]


def test_single_column_file_keeps_the_delimiter_of_its_extension(tmp_path: Path) -> None:
    """No delimiter anywhere: .csv means comma, .tsv tab, no extension comma."""
    content = "text\nhello there\ngood bye\n"
    csv_table = _read(tmp_path, "a.csv", content)
    tsv_table = _read(tmp_path, "a.tsv", content)
    bare_table = _read(tmp_path, "a", content)
    assert (csv_table.format, csv_table.delimiter) == ("csv", ",")
    assert (tsv_table.format, tsv_table.delimiter) == ("tsv", "\t")
    assert (bare_table.format, bare_table.delimiter) == ("csv", ",")
    for table in (csv_table, tsv_table, bare_table):
        assert _columns(table) == ["text"]
        assert _cells(table) == [["hello there"], ["good bye"]]


def test_a_tie_between_comma_and_tab_goes_to_the_extension(tmp_path: Path) -> None:
    """Both comma and tab split every row in two and csv.Sniffer gives up: the extension decides."""
    content = "text,x\tlabel\nhello,world\tpos\nbye\n"
    by_comma = _read(tmp_path, "a.csv", content)
    by_tab = _read(tmp_path, "a.tsv", content)
    assert (by_comma.format, by_comma.delimiter) == ("csv", ",")
    assert _columns(by_comma) == ["text", "x\tlabel"]
    assert _cells(by_comma) == [["hello", "world\tpos"], ["bye", None]]
    assert (by_tab.format, by_tab.delimiter) == ("tsv", "\t")
    assert _columns(by_tab) == ["text,x", "label"]
    assert _cells(by_tab) == [["hello,world", "pos"], ["bye", None]]


def test_txt_file_with_a_tab_header_is_a_tsv_even_when_commas_tie(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "text,x\tlabel\nhello,world\tpos\nbye\n")
    assert (table.format, table.delimiter) == ("tsv", "\t")
    assert _columns(table) == ["text,x", "label"]


def test_csv_extension_is_not_taken_for_json(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.csv", '{"text": "a", "label": "b"}\n')
    assert table.format == "csv"
    assert table.delimiter == ","


def test_json_extension_reads_a_one_line_object_with_a_record_list(tmp_path: Path) -> None:
    """A .json file is one document, even when it fits on one line (without a name it would be JSON Lines)."""
    content = '{"data": [{"text": "a", "label": "b"}], "version": 2}\n'
    table = _read(tmp_path, "a.json", content)
    assert (table.format, table.delimiter) == ("json", None)
    assert _cells(table) == [["a", "b"]]
    assert table.notes == ["Read as UTF-8 text, JSON records under the key ‘data’."]
    bare = _read(tmp_path, "a", content)
    assert bare.format == "jsonl"
    assert _columns(bare) == ["data", "version"]


@pytest.mark.parametrize("name", ["a.jsonl", "a.ndjson"])
def test_json_lines_extension_reads_one_record_per_line(tmp_path: Path, name: str) -> None:
    table = _read(tmp_path, name, '{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n')
    assert (table.format, table.delimiter) == ("jsonl", None)
    assert _cells(table) == [["a", "x"], ["b", "y"]]
    assert table.notes == ["Read as UTF-8 text, one JSON record per line (JSON Lines)."]


@pytest.mark.parametrize("name", ["a.jsonl", "a.ndjson"])
def test_json_lines_extension_rejects_a_json_list(tmp_path: Path, name: str) -> None:
    assert _error(tmp_path, name, '[{"text": "a", "label": "x"}]') == (
        f"Line 1 of the JSON Lines file is not a record like {RECORD}; every line must be one record."
    )


def test_txt_extension_reads_label_tab_lines(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "pos\thello there\nneg\tbye now\n")
    assert (table.format, table.delimiter) == ("label-tab", "\t")
    assert _columns(table) == ["text", "label"]
    assert _cells(table) == [["hello there", "pos"], ["bye now", "neg"]]
    assert table.notes == ["Read as UTF-8 text, one example per line with the label before a tab."]


# ----- decoding, blank and binary text


def test_byte_order_mark_is_dropped_from_the_first_column_name(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.csv", b"\xef\xbb\xbftext,label\nx,y\n")
    assert table.encoding == "utf-8-sig"
    assert _columns(table) == ["text", "label"]
    assert table.notes == ["Read as UTF-8 (with byte-order mark) text, comma-separated."]


def test_forced_encoding_is_used_and_named_in_the_note(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.csv", "text,label\ncafé,pos\n".encode(), encoding="latin-1")
    assert table.encoding == "iso8859-1"
    assert _cells(table) == [["cafÃ©", "pos"]]
    assert table.notes == ["Read as latin-1 text, as you chose, comma-separated."]


def test_replaced_characters_note_follows_the_format_note(tmp_path: Path) -> None:
    """A byte the detected codec cannot decode is replaced; that note comes after "Read as …, …."."""
    raw = "文本,标签\n你好,正面\n再见,负面\n".encode("gb18030") + b"\x81"
    table = _read(tmp_path, "a.csv", raw)
    assert table.encoding == "gb18030"
    assert _columns(table) == ["文本", "标签"]
    assert table.notes[0] == "Read as GB18030 (Chinese) text, comma-separated."
    assert table.notes[1:] == [
        "Some characters could not be read as GB18030 (Chinese) and were replaced by �; "
        "choose the right encoding if texts look wrong."
    ]


@pytest.mark.parametrize("content", [b"", b"   \n", b"\n\r\n\t\n"])
def test_blank_file_ends_in_the_blank_sentence(tmp_path: Path, content: bytes) -> None:
    assert _error(tmp_path, "a.csv", content) == (
        "The file holds only blank lines or spaces; choose the file that contains your examples."
    )


BINARY = "This file contains binary data, not text; upload a CSV, TSV, JSON, JSONL, TXT, XLSX or Parquet file."


def test_one_control_character_in_a_hundred_is_still_text(tmp_path: Path) -> None:
    """The limit is 1 % control characters: exactly 1 in 100 characters passes, 2 in 100 do not."""
    one = "text,label\n" + "a" * 83 + "\x01,pos\n"  # 100 characters
    assert len(one) == 100
    table = _read(tmp_path, "a.csv", one)
    assert _cells(table) == [["a" * 83 + "\x01", "pos"]]
    two = "text,label\n" + "a" * 82 + "\x01\x02,pos\n"
    assert len(two) == 100
    assert _error(tmp_path, "b.csv", two).startswith("This file contains binary data, not text")


def test_a_single_nul_character_means_binary(tmp_path: Path) -> None:
    content = "text,label\n" + "a" * 300 + "\x00,pos\n"
    assert _error(tmp_path, "a.csv", content).startswith("This file contains binary data, not text")


def test_spaces_tabs_and_line_breaks_are_not_control_characters(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.tsv", "text\tlabel\r\nhi  there\t pos\f\v\r\nbye\tneg\n")
    assert table.format == "tsv"
    assert _cells(table) == [["hi  there", " pos\f\v"], ["bye", "neg"]]


def test_control_characters_beyond_the_first_64k_are_not_counted(tmp_path: Path) -> None:
    """Only the first 65,536 characters are checked; a NUL right after them does not make the file binary."""
    head = "text,label\n" + "word,pos\n" * 7281  # 65,540 characters
    body = head[:65536]
    content = body[: body.rfind("\n") + 1]
    content += "x" * (65536 - len(content)) + "\x00,neg\n"
    assert content.index("\x00") == 65536
    table = _read(tmp_path, "a.csv", content)
    assert table.df.shape[1] == 2


# ----- delimiter detection


def test_the_most_consistent_delimiter_wins_over_the_extension(tmp_path: Path) -> None:
    """Comma splits the header in two but not the rows; semicolon splits every line."""
    table = _read(tmp_path, "a.csv", "a,b;c\nx;y\np;q\nr;s\n")
    assert table.delimiter == ";"
    assert _columns(table) == ["a,b", "c"]
    assert _cells(table) == [["x", "y"], ["p", "q"], ["r", "s"]]


def test_two_line_file_counts_its_last_line(tmp_path: Path) -> None:
    """With header plus one row, the row is not dropped as a possibly cut-off last line."""
    table = _read(tmp_path, "a.csv", "a;b,c\nx,y\n")
    assert table.delimiter == ","
    assert _cells(table) == [["x", "y"]]
    table = _read(tmp_path, "b.csv", "a,b;c\nx;y\n")
    assert table.delimiter == ";"
    assert _cells(table) == [["x", "y"]]


def test_two_line_file_lets_the_data_row_decide(tmp_path: Path) -> None:
    """Semicolon and tab both split the header; only semicolon splits the row (csv.Sniffer would say tab)."""
    table = _read(tmp_path, "a.csv", 'text;x\t"note"\nhello;world\n')
    assert table.delimiter == ";"
    assert _columns(table) == ["text", 'x\t"note"']
    assert _cells(table) == [["hello", "world"]]


def test_third_line_is_ignored_as_possibly_cut_off(tmp_path: Path) -> None:
    """Three lines: the last may be cut off by the sample and does not count, so semicolon wins."""
    table = _read(tmp_path, "a.csv", "text;label,x\nhello;pos\nbye,now\n")
    assert table.delimiter == ";"
    assert _columns(table) == ["text", "label,x"]
    assert _cells(table) == [["hello", "pos"], ["bye,now", None]]


def test_four_lines_count_the_third(tmp_path: Path) -> None:
    """Four lines: the third counts, which makes tab and semicolon tie; the .tsv extension breaks the tie."""
    table = _read(tmp_path, "a.tsv", "text;label\tx\nhello;pos\ngood\tneg\nbye\tnow\n")
    assert table.delimiter == "\t"
    assert _cells(table) == [["hello;pos", None], ["good", "neg"], ["bye", "now"]]


def test_sniffer_breaks_a_tie_before_the_extension(tmp_path: Path) -> None:
    """Comma and tab both split every line; csv.Sniffer says comma, which beats the .tsv extension."""
    table = _read(tmp_path, "a.tsv", "text,x\tlabel\nhello,world\tpos\n")
    assert (table.format, table.delimiter) == ("csv", ",")
    assert _columns(table) == ["text", "x\tlabel"]


def test_header_without_any_delimiter_keeps_the_extension_whatever_quotes_suggest(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.tsv", 'text\n"good film", really\n"bad one", sadly\n')
    assert (table.format, table.delimiter) == ("tsv", "\t")
    assert _cells(table) == [["good film, really"], ["bad one, sadly"]]


def test_only_the_first_200_rows_decide_the_delimiter(tmp_path: Path) -> None:
    """Rows 200+ (after the header) do not count: here row 200 breaks the semicolon pattern."""
    lines = ["a;b|c"] + ["x;y|z"] * 198 + ["x|y", "x|y", "x|y"]
    table = _read(tmp_path, "a.csv", "\n".join(lines) + "\n")
    assert table.delimiter == ";"


def test_semicolon_file_beyond_64k_characters_is_sniffed_on_whole_lines(tmp_path: Path) -> None:
    row = "a fairly long review text number;pos\n"
    content = "text;label\n" + row * 3000
    assert len(content) > 65536
    table = _read(tmp_path, "a.csv", content)
    assert (table.format, table.delimiter) == ("delimited", ";")
    assert len(table.df) == 3000


def test_first_line_longer_than_the_sample_is_sniffed_whole(tmp_path: Path) -> None:
    """No line break in the first 64 K characters: the sample is those characters, up to the last one."""
    content = "x" * 65535 + ";b\nhello;pos\n"
    table = _read(tmp_path, "a.csv", content)
    assert table.delimiter == ";"
    assert _cells(table) == [["x" * 65535, "b"], ["hello", "pos"]]


def test_sample_that_starts_with_a_line_break_keeps_its_first_line(tmp_path: Path) -> None:
    content = "\ntext;" + "x" * 70000 + "\nhello;pos\n"
    table = _read(tmp_path, "a.csv", content)
    assert table.delimiter == ";"
    assert _cells(table) == [["text", "x" * 70000], ["hello", "pos"]]


def test_sample_cut_at_its_only_early_line_break_falls_back_to_the_extension(tmp_path: Path) -> None:
    content = "\n\ntext;" + "x" * 70000 + "\nhello;pos\n"
    table = _read(tmp_path, "a.csv", content)
    assert table.delimiter == ","
    assert _cells(table) == [["text;" + "x" * 70000], ["hello;pos"]]


def test_text_of_exactly_64k_characters_is_sniffed_whole(tmp_path: Path) -> None:
    """65,536 characters fit the sample: the long last line (no final line break) still counts."""
    head = "a;b,c\n"
    content = head + "y" * (65536 - len(head) - 2) + ";z"
    assert len(content) == 65536
    table = _read(tmp_path, "a.csv", content)
    assert table.delimiter == ";"


def test_sample_is_cut_at_the_last_line_break_not_the_first(tmp_path: Path) -> None:
    lines = ["a;b,c"] + ["x;y"] * 20000
    table = _read(tmp_path, "a.csv", "\n".join(lines) + "\n")
    assert table.delimiter == ";"
    assert len(table.df) == 20000


# ----- delimited cells


def test_cells_stay_text_and_empty_cells_are_missing(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.csv", "text,label\n007,NA\n,null\nTrue,1.50\n")
    assert _cells(table) == [["007", "NA"], [None, "null"], ["True", "1.50"]]
    assert all(isinstance(v, str) for v in table.df["label"])


def test_quoted_delimiters_and_line_breaks_stay_in_one_cell(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.csv", 'text,label\n"a, b",pos\n"two\nlines",neg\n"say ""hi""",pos\n')
    assert _cells(table) == [["a, b", "pos"], ["two\nlines", "neg"], ['say "hi"', "pos"]]


def test_mixed_line_endings_and_no_final_line_break(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.csv", "text,label\r\nx,y\ra,b\nc,d")
    assert _cells(table) == [["x", "y"], ["a", "b"], ["c", "d"]]


def test_header_only_file_has_columns_and_no_rows(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.csv", "text,label\n")
    assert _columns(table) == ["text", "label"]
    assert len(table.df) == 0


def test_tab_file_with_stray_quotes_keeps_them_as_characters(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.tsv", 'text\tlabel\n"oops\tpos\nfine\tneg\nok "x\tpos\n')
    assert _cells(table) == [['"oops', "pos"], ["fine", "neg"], ['ok "x', "pos"]]
    assert table.notes == [
        "Read as UTF-8 text, tab-separated.",
        "With standard CSV quoting, stray quote marks would have merged 2 lines into other rows, so quote marks "
        "were read as ordinary characters and every line is one row.",
    ]


def test_first_line_that_is_data_gets_numbered_columns(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.csv", "good film,pos\nbad film,neg\nnice,pos\n")
    assert _columns(table) == ["column_1", "column_2"]
    assert _cells(table) == [["good film", "pos"], ["bad film", "neg"], ["nice", "pos"]]
    assert table.notes == [
        "Read as UTF-8 text, comma-separated.",
        "The first line looks like data, not column names, so the columns were numbered.",
    ]


def test_line_with_too_many_fields_names_the_line(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.csv", "a,b\n1,2\n3,4,5\n") == (
        "Line 3 has 3 fields but the header has 2; put quotes around texts that contain a comma, or fix that line."
    )


def test_line_number_counts_line_breaks_inside_quotes(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.csv", 'a;b\n1;"x\ny"\n3;4;5\n') == (
        "Line 4 has 3 fields but the header has 2; put quotes around texts that contain a semicolon, or fix that line."
    )


def test_line_number_with_a_tab_delimiter(tmp_path: Path) -> None:
    content = 'a\tb\n"x\ny"\t1\n3\t4\t5\t6\n'
    message = _error(tmp_path, "a.tsv", content)
    assert message == ("Line 4 has 4 fields but the header has 2; put quotes around texts that contain a tab, or fix that line.")


def test_unclosed_quote_names_the_line_it_starts_on(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.csv", 'text,label\n"a\nb",pos\nc,d\ne,"f\n') == (
        'A quoted text that starts on line 5 is never closed; add the missing closing quote (") or remove the stray one.'
    )
    assert _error(tmp_path, "b.csv", '"') == (
        'A quoted text that starts on line 1 is never closed; add the missing closing quote (") or remove the stray one.'
    )


def test_file_without_columns_ends_in_the_empty_sentence(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.csv", "\r,\r\n") == (
        "The file has no columns or rows; choose the file that contains your examples."
    )


def test_unexpected_tokenizer_error_is_shown_with_its_detail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pandas error the reader has no sentence for is passed on without pandas' own prefix."""

    def failing_read_csv(*args: object, **kwargs: object) -> pd.DataFrame:
        raise pd.errors.ParserError("Error tokenizing data. C error: Buffer overflow caught - possible malformed input file.\n")

    monkeypatch.setattr(pd, "read_csv", failing_read_csv)
    assert _error(tmp_path, "a.csv", "a,b\n1,2,3\n") == (
        "The file cannot be read as a table (Buffer overflow caught - possible malformed input file.); "
        "check that it is a valid CSV file."
    )


# ----- files without an extension


def test_json_list_without_extension_after_blank_lines(tmp_path: Path) -> None:
    table = _read(tmp_path, "data", '\n  \n[{"text": "a", "label": "b"}]')
    assert table.format == "json"
    assert _cells(table) == [["a", "b"]]
    assert table.notes == ["Read as UTF-8 text, a JSON list of records."]


def test_json_lines_without_extension(tmp_path: Path) -> None:
    content = '{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n{"text": "c", "label": "z"}'
    table = _read(tmp_path, "data", content)
    assert table.format == "jsonl"
    assert _cells(table) == [["a", "x"], ["b", "y"], ["c", "z"]]
    assert table.notes == ["Read as UTF-8 text, one JSON record per line (JSON Lines)."]


def test_json_lines_without_extension_after_blank_lines(tmp_path: Path) -> None:
    table = _read(tmp_path, "data", '\n\n  {"text": "a"}\n{"text": "b"}\n')
    assert table.format == "jsonl"
    assert table.notes == ["Read as UTF-8 text, one JSON record per line (JSON Lines)."]


def test_single_json_record_without_extension_is_one_row(tmp_path: Path) -> None:
    table = _read(tmp_path, "data", '{"text": "only", "label": "one"}\n')
    assert table.format == "jsonl"
    assert _cells(table) == [["only", "one"]]
    table = _read(tmp_path, "data2", '{"text": "only", "label": "one"}')
    assert _cells(table) == [["only", "one"]]


def test_pretty_printed_json_object_without_extension(tmp_path: Path) -> None:
    content = '{\n  "records": [\n    {"text": "a", "label": "b"},\n    {"text": "c", "label": "d"}\n  ]\n}\n'
    table = _read(tmp_path, "data", content)
    assert table.format == "json"
    assert _cells(table) == [["a", "b"], ["c", "d"]]
    assert table.notes == ["Read as UTF-8 text, JSON records under the key ‘records’."]


def test_fasttext_without_extension_even_after_spaces(tmp_path: Path) -> None:
    table = _read(tmp_path, "data", "  __label__pos good\n__label__neg bad\n")
    assert table.format == "fasttext"
    assert _cells(table) == [["good", "pos"], ["bad", "neg"]]
    assert table.notes == ["Read as UTF-8 text, fastText style (‘__label__name text’ on each line)."]


def test_upper_case_label_marker_is_not_fasttext(tmp_path: Path) -> None:
    table = _read(tmp_path, "data", "__LABEL__pos good\n__LABEL__neg bad\n")
    assert table.format == "csv"


# ----- .txt files


def test_txt_half_fasttext_lines_is_fasttext(tmp_path: Path) -> None:
    """Exactly half of the lines start with __label__: that is enough."""
    table = _read(tmp_path, "a.txt", "__label__pos good\nplain line\n  __label__neg bad\nanother line\n")
    assert table.format == "fasttext"
    assert _cells(table) == [["good", "pos"], ["plain line", None], ["bad", "neg"], ["another line", None]]


def test_txt_fasttext_decided_on_the_first_300_lines(tmp_path: Path) -> None:
    """150 of the first 300 lines are fastText; the 1,000 plain lines after them do not count."""
    lines = ["__label__a text one", "plain text two"] * 150 + ["plain line"] * 1000
    table = _read(tmp_path, "a.txt", "\n".join(lines) + "\n")
    assert table.format == "fasttext"
    assert len(table.df) == 1300


def test_txt_fasttext_in_the_first_300_lines_only(tmp_path: Path) -> None:
    lines = ["plain text two"] * 160 + ["__label__a text one"] * 140 + ["__label__b more"] * 50
    assert _error(tmp_path, "a.txt", "\n".join(lines) + "\n").startswith("This text file has no labels")


def test_txt_after_300_blank_lines_is_sniffed(tmp_path: Path) -> None:
    """The first 300 lines are blank: nothing is decided on them, the delimiter is sniffed on the whole text."""
    table = _read(tmp_path, "a.txt", "\n" * 300 + "text,label\nhello,pos\nbye,neg\n")
    assert (table.format, table.delimiter) == ("csv", ",")
    assert _cells(table) == [["hello", "pos"], ["bye", "neg"]]


def test_txt_one_fasttext_line_in_four_is_not_fasttext(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.txt", "__label__x hi\na\tb\nc\td\ne\tf\n") == (
        "This text file has no labels; write one example per line as ‘__label__name text’ or ‘label<TAB>text’, "
        "or upload a CSV with a text column and a label column."
    )


def test_txt_four_tab_lines_in_five_is_label_tab(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "pos\tgood one\nneg\tbad one\nno tab here\npos\tfine\nneg\tworse\n")
    assert table.format == "label-tab"
    assert _cells(table) == [
        ["good one", "pos"],
        ["bad one", "neg"],
        [None, "no tab here"],
        ["fine", "pos"],
        ["worse", "neg"],
    ]


def test_txt_header_names_are_recognised_in_any_case(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "TEXT\tLABEL\nhello there\tpos\n")
    assert (table.format, table.delimiter) == ("tsv", "\t")
    assert _columns(table) == ["TEXT", "LABEL"]


def test_txt_semicolon_table_without_known_names(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "foo;bar\n1;2\n3;4\n")
    assert (table.format, table.delimiter) == ("delimited", ";")
    assert _columns(table) == ["foo", "bar"]
    assert _cells(table) == [["1", "2"], ["3", "4"]]


def test_txt_table_consistent_in_nine_rows_of_ten(tmp_path: Path) -> None:
    """9 of the 10 sampled rows have the header's width: 90 % is enough; 8 of 10 is not."""
    nine = ["foo;bar"] + [f"a{i};b" for i in range(8)] + ["odd", "a9;b"]
    table = _read(tmp_path, "a.txt", "\n".join(nine) + "\n")
    assert (table.format, table.delimiter) == ("delimited", ";")
    eight = ["foo;bar"] + [f"a{i};b" for i in range(7)] + ["odd", "odd too", "a9;b"]
    assert _error(tmp_path, "b.txt", "\n".join(eight) + "\n").startswith("This text file has no labels")


def test_txt_lines_without_any_structure_end_in_the_no_labels_sentence(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.txt", "just some words\nmore words\n").startswith("This text file has no labels")


# ----- fastText lines


def test_fasttext_line_with_only_a_label_has_an_empty_text(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "__label__pos\n__label__neg bad one\n")
    assert _cells(table) == [["", "pos"], ["bad one", "neg"]]


def test_fasttext_keeps_trailing_spaces_but_not_carriage_returns(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "__label__pos a BOX  \r\n__label__neg XX\r\n")
    assert _cells(table) == [["a BOX  ", "pos"], ["XX", "neg"]]


def test_fasttext_one_line_with_several_labels(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "__label__pos __label__fun great\n__label__neg dull\n")
    assert _cells(table) == [["great", "pos"], ["dull", "neg"]]
    assert table.notes == [
        "Read as UTF-8 text, fastText style (‘__label__name text’ on each line).",
        "1 line has several labels; the first label of each was used.",
    ]


def test_fasttext_two_lines_with_several_labels(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "__label__pos __label__fun great\n__label__neg __label__x dull\n")
    assert table.notes[1] == "2 lines have several labels; the first label of each was used."


# ----- label<TAB>text lines


def test_label_tab_keeps_further_tabs_in_the_text(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "pos\thello\tworld\nneg\tbye now\n")
    assert _cells(table) == [["hello\tworld", "pos"], ["bye now", "neg"]]


def test_label_tab_strips_carriage_returns_and_label_spaces(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", " pos \tgood film \r\nneg\tbad filmX\r\n")
    assert _cells(table) == [["good film ", "pos"], ["bad filmX", "neg"]]


def test_label_after_tab_is_swapped_when_short_and_repeated(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "so very good indeed\tpos\nanother long one\tpos\nthird was bad\tneg\n")
    assert _cells(table) == [["so very good indeed", "pos"], ["another long one", "pos"], ["third was bad", "neg"]]
    assert table.notes == ["Read as UTF-8 text, one example per line with the label after a tab."]
    assert (table.format, table.delimiter) == ("label-tab", "\t")


def test_short_right_field_with_as_many_values_is_not_swapped(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "hello world foo\tx\nanother long text\ty\n")
    assert _cells(table) == [["x", "hello world foo"], ["y", "another long text"]]
    assert table.notes == ["Read as UTF-8 text, one example per line with the label before a tab."]


def test_repeated_right_field_that_is_long_is_not_swapped(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "x1\tsame\nx2\tsame\n")
    assert _cells(table) == [["same", "x1"], ["same", "x2"]]


def test_right_field_exactly_half_as_long_is_not_swapped(tmp_path: Path) -> None:
    """Swapped only when the right field is less than half as long on average: 2 * 2 == 4 stays."""
    table = _read(tmp_path, "a.txt", "abcd\txy\nefgh\txy\n")
    assert _cells(table) == [["xy", "abcd"], ["xy", "efgh"]]


def test_right_field_a_bit_under_half_as_long_is_swapped(tmp_path: Path) -> None:
    """2 * 2 < 5 (but 3 * 2 is not): swapped."""
    table = _read(tmp_path, "a.txt", "abcde\txy\nfghij\txy\n")
    assert _cells(table) == [["abcde", "xy"], ["fghij", "xy"]]


def test_right_field_with_as_many_distinct_values_is_not_swapped(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.txt", "abcdefgh\txy\nijklmnop\tzw\n")
    assert _cells(table) == [["xy", "abcdefgh"], ["zw", "ijklmnop"]]


# ----- JSON


def test_json_list_of_records(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.json", '[{"text": "a", "label": "x"}, {"label": "y", "text": "b", "id": 3}]')
    assert _columns(table) == ["text", "label", "id"]
    assert _cells(table) == [["a", "x", None], ["b", "y", 3]]
    assert table.notes == ["Read as UTF-8 text, a JSON list of records."]


def test_json_longest_record_list_is_used(tmp_path: Path) -> None:
    content = '{"zz": [{"text": "meta"}], "aa": [{"text": "a"}, {"text": "b"}], "mm": [{"text": "c"}]}'
    table = _read(tmp_path, "a.json", content)
    assert _cells(table) == [["a"], ["b"]]
    assert table.notes == ["Read as UTF-8 text, JSON records under the key ‘aa’."]


def test_json_object_of_records(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.json", '{"0": {"text": "a", "label": "x"}, "1": {"text": "b", "label": "y"}}')
    assert _cells(table) == [["a", "x"], ["b", "y"]]
    assert table.notes == ["Read as UTF-8 text, a JSON object of records."]


def test_json_columns_of_equal_length(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.json", '{"text": ["a", "b"], "label": ["x", "y"]}')
    assert _columns(table) == ["text", "label"]
    assert _cells(table) == [["a", "x"], ["b", "y"]]
    assert table.notes == ["Read as UTF-8 text, JSON columns (one list per column)."]


def test_json_columns_of_one_value_each(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.json", '{"text": ["a"], "label": ["x"]}')
    assert _cells(table) == [["a", "x"]]


NO_RECORD_LIST = f"The JSON file holds an object with no list of records in it; save it as a list like [{RECORD}, ...]."


@pytest.mark.parametrize(
    "content",
    ['{"text": [], "label": []}', '{"text": ["a", "b"], "label": "x"}', '{"text": ["a"], "label": ["x", "y"]}'],
)
def test_json_object_that_is_not_a_table(tmp_path: Path, content: str) -> None:
    assert _error(tmp_path, "a.json", content) == NO_RECORD_LIST


def test_json_plain_values_and_single_value(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.json", '["good", "bad"]') == (
        f"The JSON file holds a list of plain values, not records; save it as a list like [{RECORD}, ...]."
    )
    assert _error(tmp_path, "b.json", "42") == (
        f"The JSON file holds a single value, not a list of records; save it as a list like [{RECORD}, ...]."
    )
    assert _error(tmp_path, "c.json", "{}") == (
        f"The JSON file holds a single value, not a list of records; save it as a list like [{RECORD}, ...]."
    )


def test_json_records_without_fields_give_no_rows(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.json", "[{}, {}]")
    assert table.df.shape == (0, 0)
    assert table.notes == ["Read as UTF-8 text, a JSON list of records."]


def test_json_empty_list(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.json", "[]") == f"The JSON file holds an empty list; add records like {RECORD}."


def test_json_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.json", '[\n  {"text": "a",, "label": "b"}\n]') == (
        "The JSON file is not valid JSON (line 2, column 16: expecting property name enclosed in double quotes); "
        "fix it there or export it again."
    )


def test_json_nested_too_deeply(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.json", "[" * 100_000 + "]" * 100_000) == (
        "The JSON file is nested too deeply to be a table; export it as a list of records."
    )


def test_json_file_holding_json_lines(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.json", '{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n')
    assert table.format == "jsonl"
    assert _cells(table) == [["a", "x"], ["b", "y"]]
    assert table.notes == [
        "Read as UTF-8 text, one JSON record per line (JSON Lines).",
        "The .json file holds one record per line, so it was read as JSON Lines.",
    ]


# ----- JSON Lines


def test_json_lines_skip_blank_lines_in_the_middle(tmp_path: Path) -> None:
    table = _read(tmp_path, "a.jsonl", '{"text": "a"}\n\n   \n{"text": "b"}\n\n')
    assert _cells(table) == [["a"], ["b"]]


def test_json_lines_error_counts_blank_lines(tmp_path: Path) -> None:
    assert _error(tmp_path, "a.jsonl", '{"text": "a"}\n\n{"text": \n') == (
        "Line 3 of the JSON Lines file is not valid JSON; fix or delete that line."
    )
    assert _error(tmp_path, "b.jsonl", '{"text": "a"}\n["b"]\n') == (
        f"Line 2 of the JSON Lines file is not a record like {RECORD}; every line must be one record."
    )


# ----- properties


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcxyz ,;|é", min_size=1, max_size=12).filter(lambda s: s.strip() == s and s),
            st.sampled_from(["pos", "neg", "mixed"]),
        ),
        min_size=1,
        max_size=15,
    )
)
def test_quoted_csv_round_trips_any_cells(rows: list[tuple[str, str]]) -> None:
    body = "".join(f'"{text}",{label}\n' for text, label in rows)
    table = read_text(("text,label\n" + body).encode(), ".csv", None)
    assert table.delimiter == ","
    assert [tuple(r) for r in _cells(table)] == rows


# --- bugs these tests found (fixed) -----------------------------------------------------------------------------------


def test_old_mac_line_endings_are_sniffed_like_any_other():
    table = read_text(b"text;label\rhi;pos\rho;neg\r", ".csv", None)
    assert table.df.to_dict("list") == {"text": ["hi", "ho"], "label": ["pos", "neg"]}


def test_a_first_row_with_one_field_too_many_is_the_same_error_as_a_later_one():
    with pytest.raises(DataError) as caught:
        read_text(b"a,b\n1,2,3\n4,5\n", ".csv", None)
    assert str(caught.value) == ("Line 2 has 3 fields but the header has 2; put quotes around texts that contain a "
                                 "comma, or fix that line.")


def test_repeated_column_names_with_an_unclosed_quote_read_without_a_crash():
    from core.data.upload import read_table

    table = read_table(b'text,text\n"a,b\n', "x.csv")
    assert table.df.shape == (1, 2)
