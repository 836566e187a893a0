"""Writing a cleaned table into the dataset library: its content hash, a free name, and the all-or-nothing save.

Apart from :mod:`core.data.library` (which reads, imports and deletes) so that importers the library itself calls
(:mod:`core.data.ner_import`) can store what they read without importing the library back.
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
    if task.ner:  # the entity types (PER, LOC, …), not the tag sequences
        from core.ner.table import entity_types_of

        return entity_types_of(df["label"])
    if task.multi_label:
        return distinct_labels(df["label"])
    return sorted(df["label"].astype(str).unique().tolist())
