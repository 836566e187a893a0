"""Reading the binary table formats: the first sheet of an Excel (.xlsx) workbook and Parquet files.

Excel cells are read as cached values (never formulas) with openpyxl, Parquet with pyarrow;
a damaged file, an old .xls workbook or CSV text saved under an .xlsx name each end in a
plain :class:`DataError` sentence (the last one is read as the CSV it really is).
"""

from __future__ import annotations

import io

import pandas as pd

from core.data.formats import LoadedTable, read_text
from core.errors import DataError
from core.text import plural


def read_text_named_xlsx(raw: bytes, encoding: str | None) -> LoadedTable:
    """Some web exports save CSV text under an .xlsx name; read those, reject anything else."""
    try:
        table = read_text(raw, "", encoding)
    except DataError:
        raise _corrupt_excel() from None
    if table.df.shape[1] < 2:
        raise _corrupt_excel()
    table.notes.append("The file is plain text (CSV), not an Excel workbook, although its name ends in ‘.xlsx’.")
    return table


def read_xlsx(raw: bytes, kind: str | None) -> LoadedTable:
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


def read_parquet(raw: bytes, kind: str | None) -> LoadedTable:
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

