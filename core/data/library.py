"""The dataset library: validated datasets stored once (content-hashed) and reused by any run.

A stored dataset is the *cleaned* table (columns ``text``, ``label``, optional ``split``, plus the
original extra columns kept for slice metrics) written as ``datasets/<id>/data.parquet``.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from core import paths, store
from core.errors import DataError
from core.i18n import message
from core.store import DatasetRecord


def content_hash(df: pd.DataFrame) -> str:
    """A stable hash of a cleaned table's content (same rows and columns → same id)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, df.columns)).encode())
    digest.update(pd.util.hash_pandas_object(df.astype(str), index=False).values.tobytes())
    return digest.hexdigest()[:16]


def unique_name(base: str) -> str:
    """``base``, or ``base (2)``, ``base (3)``, … when a stored dataset already has that name.

    Files are often called train.csv or data.csv, so names taken from file names must not clash.
    """
    base = base.strip() or "dataset"
    taken = {r.name for r in store.list_datasets()}
    if base not in taken:
        return base
    n = 2
    while f"{base} ({n})" in taken:
        n += 1
    return f"{base} ({n})"


def save_frame(
    df: pd.DataFrame,
    *,
    name: str,
    text_column: str = "text",
    label_column: str = "label",
    meta: dict[str, Any] | None = None,
) -> DatasetRecord:
    """Store a cleaned frame (idempotent: the same content returns the existing record)."""
    if not {"text", "label"} <= set(df.columns):
        raise DataError(message("error.data.save_needs_columns"))
    df = df.reset_index(drop=True)
    dataset_id = content_hash(df)
    existing = store.get_dataset(dataset_id)
    if existing and (paths.dataset_dir(dataset_id) / "data.parquet").is_file():
        return existing
    splits = df["split"].value_counts().to_dict() if "split" in df.columns else {}
    record = DatasetRecord(
        id=dataset_id,
        name=name.strip() or "dataset",
        created_at=time.time(),
        n_rows=len(df),
        text_column=text_column,
        label_column=label_column,
        labels=sorted(df["label"].astype(str).unique().tolist()),
        splits={str(k): int(v) for k, v in splits.items()},
        columns=[str(c) for c in df.columns],
        meta=meta or {},
    )
    target = paths.dataset_dir(dataset_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write into a temporary folder and rename: a crash never leaves a half-written dataset.
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".incoming-"))
    try:
        df.astype({c: "string" for c in df.columns if df[c].dtype == object}).to_parquet(tmp / "data.parquet", index=False)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
        store.save_dataset(record)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        raise
    return record


def import_file(
    source: bytes | str | Path,
    filename: str | None = None,
    *,
    name: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    encoding: str | None = None,
) -> DatasetRecord:
    """Read, clean and store one file (used by the CLI; the UI does the same steps with previews)."""
    from core.data.clean import clean_examples
    from core.data.columns import detect_columns
    from core.data.rowcheck import MERGED_LINES
    from core.data.upload import read_table

    table = read_table(source, filename, encoding=encoding)
    guess = detect_columns(table.df)
    text_column, label_column = text_column or guess.text, label_column or guess.label
    clean = clean_examples(table.df, text_column, label_column)
    dropped = dict(clean.dropped)
    if table.row_count is not None and table.row_count.lost:  # lines merged by stray quotes are lost rows too
        dropped = {MERGED_LINES: table.row_count.lost, **dropped}
    label = name or unique_name(Path(filename or str(source)).stem)
    meta = {
        "source": Path(filename or str(source)).name,
        "format": table.format,
        "encoding": table.encoding,
        "dropped": dropped,
        "label_mapping": clean.label_mapping,
    }
    return save_frame(
        clean.df,
        name=label,
        text_column=text_column,
        label_column=label_column,
        meta=meta,
    )


def require(dataset_id: str) -> DatasetRecord:
    """The dataset record, or a clear :class:`DataError`."""
    record = store.get_dataset(dataset_id)
    if record is None:
        raise DataError(message("error.data.no_dataset", dataset_id=dataset_id))
    return record


def load_frame(dataset_id: str) -> pd.DataFrame:
    """The stored cleaned table of a dataset."""
    require(dataset_id)
    file = paths.dataset_dir(dataset_id) / "data.parquet"
    if not file.is_file():
        raise DataError(message("error.data.dataset_files_missing", dataset_id=dataset_id))
    df = pd.read_parquet(file)
    for column in df.columns:
        if str(df[column].dtype) == "string":
            df[column] = df[column].astype(object)
    return df


def delete(dataset_id: str) -> None:
    """Remove a dataset's files and record (runs that used it keep their own copies of results)."""
    shutil.rmtree(paths.dataset_dir(dataset_id), ignore_errors=True)
    store.delete_dataset_record(dataset_id)
