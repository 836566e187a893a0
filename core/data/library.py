"""The dataset library: validated datasets stored once (content-hashed) and reused by any run.

A stored dataset is the *cleaned* table (columns ``text``, ``label``, optional ``split``, plus the
original extra columns kept for slice metrics) written as ``datasets/<id>/data.parquet``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from core import paths, store
from core.data.storage import content_hash, save_frame, unique_name
from core.data.task_detect import TaskGuess, clean_for, detect_task, task_for_columns, with_task
from core.errors import DataError
from core.i18n import message
from core.store import DatasetRecord
from core.tasks import Task

__all__ = ["content_hash", "delete", "guess_task", "import_file", "lineage_root", "load_frame", "require",
           "save_frame", "unique_name"]


def import_file(
    source: bytes | str | Path,
    filename: str | None = None,
    *,
    name: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    encoding: str | None = None,
    task: Task | None = None,
    pair_column: str | None = None,
    label_columns: list[str] | None = None,
    label_separator: str | None = None,
) -> DatasetRecord:
    """Read, clean and store one table (the UI does the same steps with previews); the CLI goes through
    :func:`core.data.imports.import_any`, which also takes NER files.

    The kind of task and its columns are detected (:func:`core.data.task_detect.detect_task`) unless given; the
    detection's reason (and, when the data could be either, its question) is kept in ``meta["task_detected"]``.
    """
    from core.data.rowcheck import MERGED_LINES
    from core.data.upload import read_table

    table = read_table(source, filename, encoding=encoding)
    guess = guess_task(table.df, text_column=text_column, label_column=label_column, task=task,
                       pair_column=pair_column, label_columns=label_columns, label_separator=label_separator)
    clean = clean_for(table.df, guess)
    task, text_column, pair_column = guess.task, guess.text, guess.pair
    label_column, label_columns = guess.label, guess.label_columns
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
        "pair_column": pair_column,
        "label_columns": label_columns,
        "task_detected": guess.to_dict(),
    }
    return save_frame(clean.df, name=label, text_column=text_column, label_column=label_column or "|".join(label_columns),
                      meta=meta, task=task)


def guess_task(df: pd.DataFrame, *, text_column: str | None = None, label_column: str | None = None,
               task: Task | None = None, pair_column: str | None = None, label_columns: list[str] | None = None,
               label_separator: str | None = None) -> TaskGuess:
    """The kind of ``df`` and its columns: detected, then whatever the caller said on top (columns, kind, separator)."""
    from dataclasses import replace

    guess = detect_task(df)
    if text_column or label_column is not None or pair_column:
        guess = task_for_columns(df, text_column or guess.text, label_column if label_column is not None else guess.label,
                                 pair=pair_column)
    if task is not None:
        guess = with_task(df, guess, task)
    if label_columns:
        guess = replace(guess, label="", label_columns=list(label_columns))
    if label_separator:
        guess = replace(guess, separator=label_separator)
    return guess


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


def lineage_root(dataset_id: str) -> str:
    """The dataset a version was first made from (itself when it is no version): runs on datasets of one root can
    share test rows, as a label-fixed version keeps its parent's test split."""
    seen = {dataset_id}
    current = store.get_dataset(dataset_id)
    while current is not None:
        parent = (current.meta.get("lineage") or {}).get("parent")
        if not parent or parent in seen:
            break
        seen.add(parent)
        dataset_id, current = parent, store.get_dataset(parent)
    return dataset_id


def delete(dataset_id: str) -> None:
    """Remove a dataset's files, its label checks and its record (runs that used it keep their own results)."""
    shutil.rmtree(paths.dataset_dir(dataset_id), ignore_errors=True)
    shutil.rmtree(paths.quality_dir(dataset_id), ignore_errors=True)
    store.delete_dataset_record(dataset_id)
