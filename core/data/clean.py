"""Cleaning a read table into training examples: the chosen text, label and split columns first,
every other column kept (for slices), rows with empty text or a missing label dropped and counted,
and separate train/validation/test tables stacked into one.

Wrong column choices (a numeric text column, an ID as label, a single class) end in a
:class:`DataError` sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data import label_sets
from core.data.columns import SPLIT_SYNONYMS
from core.data.labels import MAX_LABELS, normalize_labels
from core.errors import DataError
from core.i18n import message
from core.tasks import PAIR_COLUMN, Task, distinct_labels


@dataclass
class CleanResult:
    """Examples ready for training: columns text, label, optional split, then the extras."""

    df: pd.DataFrame
    dropped: dict[str, int]
    label_mapping: dict[str, str]


def clean_examples(
    df: pd.DataFrame,
    text_col: str,
    label_col: str,
    *,
    split_col: str | None = None,
    task: Task | None = None,
    pair_col: str | None = None,
    label_columns: Sequence[str] = (),
    label_separator: str | None = None,
) -> CleanResult:
    """Build the training table: text, optional text_pair, label (normalised), optional split, then every other column.

    ``task`` says what the label is (see :mod:`core.tasks`; default: one class per text).  Multi-label labels come
    from ``label_col`` split by ``label_separator`` (JSON lists are read as such) or from the 0/1 ``label_columns``;
    a regression target must be numeric.  A pair task takes its second text from ``pair_col``.
    Rows with empty text or a missing label are dropped and counted.  Raises :class:`DataError`
    for missing columns, a numeric text column, an unusable label column or nothing left.
    """
    task = task or Task()
    if task.pair and not pair_col:
        raise DataError(message("error.data.pair_needs_second_column"))
    _check_columns(df, text_col, label_col if not label_columns else None, split_col, pair_col, *label_columns)
    df = df.reset_index(drop=True)
    _check_text_column(df[text_col], text_col)
    labels, mapping, not_number = _task_labels(df, label_col, task, label_columns, label_separator)
    out = pd.DataFrame({"text": _as_text(df[text_col])})
    if task.pair:
        _check_text_column(df[pair_col], str(pair_col))
        out[PAIR_COLUMN] = _as_text(df[pair_col])
    out["label"] = labels
    if split_col:
        out["split"] = _normalize_splits(df[split_col], split_col)
    out = _append_extras(out, df, {text_col, label_col, split_col, pair_col, *label_columns})
    out, dropped = _drop_unusable(out, task, not_number)
    _check_result(out, label_col or ", ".join(label_columns), task)
    return CleanResult(df=out.reset_index(drop=True), dropped=dropped, label_mapping=mapping)


def _task_labels(
    df: pd.DataFrame, label_col: str, task: Task, label_columns: Sequence[str], separator: str | None
) -> tuple[pd.Series, dict[str, str], pd.Series | None]:
    """The label column in its stored form for ``task``, the renamed class names, and (regression) which rows hold a
    target that is not a number (dropped with that reason, rather than as a missing label)."""
    if task.regression:
        values = label_sets.numeric_targets(df[label_col])
        not_number = values.isna() & df[label_col].notna() & df[label_col].astype(str).str.strip().ne("")
        if values.notna().sum() == 0:
            raise DataError(message("error.data.target_not_numeric", column=str(label_col)))
        if not np.isfinite(values.dropna()).all():
            raise DataError(message("error.data.target_not_finite", column=str(label_col)))
        return values, {}, not_number
    if task.multi_label:
        if label_columns:
            return label_sets.cells_from_indicators(df, label_columns), {}, None
        cells, bad = label_sets.stored_cells(df[label_col], separator)
        if bad:
            raise DataError(message("error.data.label_has_joiner", column=str(label_col), label=bad[0]))
        return cells, {}, None
    labels, mapping = normalize_labels(df[label_col])
    _check_label_column(labels, label_col)
    return labels, mapping, None


def _check_columns(df: pd.DataFrame, text_col: str, label_col: str | None, split_col: str | None,
                   *others: str | None) -> None:
    for col in (text_col, label_col, split_col, *others):
        if col is not None and col not in df.columns:
            names = ", ".join(f"‘{c}’" for c in list(df.columns)[:10])
            raise DataError(message("error.data.no_such_column", column=str(col), names=names))
    if text_col == label_col:
        raise DataError(message("error.data.same_text_and_label", column=str(text_col)))


def _check_text_column(values: pd.Series, name: str) -> None:
    present = values.dropna()
    numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    if not numeric and len(present):
        numeric = bool(pd.to_numeric(present.astype(str), errors="coerce").notna().mean() >= 0.9)
    if numeric and len(present):
        raise DataError(message("error.data.numeric_text", column=str(name)))


def _check_label_column(labels: pd.Series, name: str) -> None:
    present = labels.dropna()
    if present.empty:
        raise DataError(message("error.data.empty_labels", column=str(name)))
    distinct = present.nunique()
    if distinct > MAX_LABELS or (len(present) >= 20 and distinct > 0.5 * len(present)):
        raise DataError(message("error.data.label_like_id", column=str(name), distinct=int(distinct), rows=len(present)))


def _as_text(values: pd.Series) -> pd.Series:
    """Texts as plain Python strings (mixed-type cells are converted), missing stays missing."""
    text = values.astype(object)
    present = text.notna()
    text[present] = text[present].astype(str)
    return text


def _normalize_splits(values: pd.Series, name: str) -> pd.Series:
    folded = values.astype(object).map(lambda v: str(v).strip().lower() if pd.notna(v) else None)
    unknown = sorted({v for v in folded.dropna().unique() if v not in SPLIT_SYNONYMS})
    if unknown:
        raise DataError(message("error.data.unknown_split", column=str(name), value=str(unknown[0])))
    return folded.map(SPLIT_SYNONYMS)


def _append_extras(out: pd.DataFrame, df: pd.DataFrame, used: set[str | None]) -> pd.DataFrame:
    """Keep every other column (same row order and index) so it can serve as a slice."""
    for col in df.columns:
        if col in used:
            continue
        # An unused column called text/label/split must not overwrite the chosen one.
        name = f"{col}_original" if col in out.columns else col
        out[name] = df[col]
    return out


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype(str).str.strip().eq("")


def _drop_unusable(out: pd.DataFrame, task: Task, not_number: pd.Series | None = None,
                   ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop rows with an empty text, a target that is not a number, a missing label or split; each counted once,
    under the first of those reasons that applies."""
    empty_text = _blank(out["text"])
    if PAIR_COLUMN in out.columns:
        empty_text |= _blank(out[PAIR_COLUMN])
    not_number = ~empty_text & (not_number if not_number is not None else False)
    # A multi-label text may rightly have none of the labels (stored as ""); only a missing cell is missing.
    missing_label = ~empty_text & ~not_number & out["label"].isna()
    reasons = {"empty text": empty_text, "target not a number": not_number, "missing label": missing_label}
    if "split" in out.columns:
        reasons["missing split"] = ~empty_text & ~not_number & ~missing_label & out["split"].isna()
    dropped = {reason: int(mask.sum()) for reason, mask in reasons.items() if mask.any()}
    keep = ~np.logical_or.reduce([m.to_numpy() for m in reasons.values()])
    out = out[keep].copy()
    out["text"] = out["text"].astype(str)
    if PAIR_COLUMN in out.columns:
        out[PAIR_COLUMN] = out[PAIR_COLUMN].astype(str)
    out["label"] = out["label"].astype(float) if task.regression else out["label"].astype(str)
    return out, dropped


def _check_result(out: pd.DataFrame, label_col: str, task: Task) -> None:
    if out.empty:
        raise DataError(message("error.data.nothing_left"))
    if task.regression:
        if out["label"].nunique() < 2:
            raise DataError(message("error.data.target_constant", column=str(label_col)))
        return
    if task.multi_label:
        found = distinct_labels(out["label"])
        if len(found) < 2:
            raise DataError(message("error.data.multi_label_too_few", column=str(label_col), n=len(found)))
        if len(found) > MAX_LABELS:
            raise DataError(message("error.data.label_like_id", column=str(label_col), distinct=len(found), rows=len(out)))
        return
    classes = out["label"].unique()
    if len(classes) < 2:
        variant = "one" if len(out) == 1 else "other"
        raise DataError(
            message(f"error.data.single_class_{variant}", n=len(out), label=str(classes[0]), column=str(label_col))
        )


def combine_splits(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack separate train/validation/test tables into one with a "split" column.

    Keys may be any usual name for a split (train, training, dev, val, valid, test, ...).
    """
    if not tables:
        raise DataError(message("error.data.no_files"))
    frames = []
    for key, frame in tables.items():
        split = SPLIT_SYNONYMS.get(str(key).strip().lower())
        if split is None:
            raise DataError(message("error.data.not_a_split", name=str(key)))
        frames.append(frame.assign(split=split))
    return pd.concat(frames, ignore_index=True, sort=False)
