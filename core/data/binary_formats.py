"""Reading the binary table formats: the first sheet of an Excel (.xlsx) workbook and Parquet files.

Excel cells are read as cached values (never formulas) with openpyxl, Parquet with pyarrow;
a damaged file, an old .xls workbook or CSV text saved under an .xlsx name each end in a
plain :class:`DataError` sentence (the last one is read as the CSV it really is).
"""

from __future__ import annotations

import io

import pandas as pd

from core.data.formats import LoadedTable, read_text
from core.data.notes import counted, note
from core.errors import DataError
from core.i18n import message


def read_text_named_xlsx(raw: bytes, encoding: str | None) -> LoadedTable:
    """Some web exports save CSV text under an .xlsx name; read those, reject anything else."""
    try:
        table = read_text(raw, "", encoding)
    except DataError:
        raise _corrupt_excel() from None
    if table.df.shape[1] < 2:
        raise _corrupt_excel()
    table.notes.append(note("note.data.xlsx_is_csv"))
    return table


def read_xlsx(raw: bytes, kind: str | None) -> LoadedTable:
    """Read the first sheet of an .xlsx workbook with openpyxl (cached values, no formulas)."""
    if kind == "ole":
        raise DataError(message("error.data.old_xls"))
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
    notes = [note("note.data.excel_sheet", sheet=str(sheets[0]))]
    if len(sheets) > 1:
        notes.append(note("note.data.excel_sheets", n=len(sheets), sheet=str(sheets[0])))
    return LoadedTable(df=df, format="xlsx", encoding=None, delimiter=None, notes=notes)


def _corrupt_excel() -> DataError:
    return DataError(message("error.data.corrupt_excel"))


def read_parquet(raw: bytes, kind: str | None) -> LoadedTable:
    """Read a Parquet file with pyarrow."""
    import pyarrow.parquet as pq

    if kind != "parquet":
        raise _corrupt_parquet()
    try:
        df = pq.read_table(io.BytesIO(raw)).to_pandas()
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise _corrupt_parquet() from exc
    notes = [note("note.data.parquet_columns", columns=counted(df.shape[1], "column"))]
    return LoadedTable(df=df, format="parquet", encoding=None, delimiter=None, notes=notes)


def _corrupt_parquet() -> DataError:
    return DataError(message("error.data.corrupt_parquet"))

