"""Cleaning a read table into training examples: the chosen text, label and split columns first,
every other column kept (for slices), rows with empty text or a missing label dropped and counted,
and separate train/validation/test tables stacked into one.

Wrong column choices (a numeric text column, an ID as label, a single class) end in a
:class:`DataError` sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.columns import SPLIT_SYNONYMS
from core.data.labels import MAX_LABELS, normalize_labels
from core.errors import DataError
from core.i18n import message


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
) -> CleanResult:
    """Build the training table: text, label (normalised), optional split, then every other column.

    Rows with empty text or a missing label are dropped and counted.  Raises :class:`DataError`
    for missing columns, a numeric text column, an unusable label column or nothing left.
    """
    _check_columns(df, text_col, label_col, split_col)
    df = df.reset_index(drop=True)
    _check_text_column(df[text_col], text_col)
    labels, mapping = normalize_labels(df[label_col])
    _check_label_column(labels, label_col)
    out = pd.DataFrame({"text": _as_text(df[text_col]), "label": labels})
    if split_col:
        out["split"] = _normalize_splits(df[split_col], split_col)
    out = _append_extras(out, df, {text_col, label_col, split_col})
    out, dropped = _drop_unusable(out)
    _check_result(out, label_col)
    return CleanResult(df=out.reset_index(drop=True), dropped=dropped, label_mapping=mapping)


def _check_columns(df: pd.DataFrame, text_col: str, label_col: str, split_col: str | None) -> None:
    for col in (text_col, label_col, split_col):
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


def _drop_unusable(out: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    empty_text = out["text"].isna() | out["text"].astype(str).str.strip().eq("")
    missing_label = ~empty_text & out["label"].isna()
    reasons = {"empty text": empty_text, "missing label": missing_label}
    if "split" in out.columns:
        reasons["missing split"] = ~empty_text & ~missing_label & out["split"].isna()
    dropped = {reason: int(mask.sum()) for reason, mask in reasons.items() if mask.any()}
    keep = ~np.logical_or.reduce([m.to_numpy() for m in reasons.values()])
    out = out[keep].copy()
    out["text"] = out["text"].astype(str)
    out["label"] = out["label"].astype(str)
    return out, dropped


def _check_result(out: pd.DataFrame, label_col: str) -> None:
    if out.empty:
        raise DataError(message("error.data.nothing_left"))
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
