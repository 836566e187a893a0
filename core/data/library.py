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
from core.data.task_detect import TaskGuess, clean_for, detect_task, task_for_columns, with_task
from core.errors import DataError
from core.i18n import message
from core.store import DatasetRecord
from core.tasks import Task, distinct_labels


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
    task: Task | None = None,
) -> DatasetRecord:
    """Store a cleaned frame (idempotent: the same content returns the existing record).

    ``task`` (default: one class per text) is kept in ``meta["task"]``; it is part of the content's identity, so the
    same table stored as another kind is another dataset.
    """
    if not {"text", "label"} <= set(df.columns):
        raise DataError(message("error.data.save_needs_columns"))
    task = task or Task()
    meta = {**(meta or {}), "task": task.to_dict()}
    df = df.reset_index(drop=True)
    dataset_id = content_hash(df) if task == Task() else content_hash(df.assign(**{"\x1ftask": task.key}))
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
        labels=_record_labels(df, task),
        splits={str(k): int(v) for k, v in splits.items()},
        columns=[str(c) for c in df.columns],
        meta=meta,
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


def _record_labels(df: pd.DataFrame, task: Task) -> list[str]:
    """The classes a dataset's record lists: each label (multi-label), none (regression), else the label values."""
    if task.regression:
        return []
    if task.multi_label:
        return distinct_labels(df["label"])
    return sorted(df["label"].astype(str).unique().tolist())


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
    """Read, clean and store one file (used by the CLI; the UI does the same steps with previews).

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
