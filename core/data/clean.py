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
            raise DataError(f"There is no column named ‘{col}’; the columns are {names}.")
    if text_col == label_col:
        raise DataError(f"‘{text_col}’ was chosen as both the text and the label column; choose two different columns.")


def _check_text_column(values: pd.Series, name: str) -> None:
    present = values.dropna()
    numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    if not numeric and len(present):
        numeric = bool(pd.to_numeric(present.astype(str), errors="coerce").notna().mean() >= 0.9)
    if numeric and len(present):
        raise DataError(f"The column ‘{name}’ holds numbers, not text; choose the column with the sentences.")


def _check_label_column(labels: pd.Series, name: str) -> None:
    present = labels.dropna()
    if present.empty:
        raise DataError(f"Every label in the column ‘{name}’ is empty; choose the column that holds the classes.")
    distinct = present.nunique()
    if distinct > MAX_LABELS or (len(present) >= 20 and distinct > 0.5 * len(present)):
        raise DataError(
            f"The column ‘{name}’ has {distinct:,} different values in {len(present):,} rows, so "
            "it "
            "looks like an ID or free text, not a label; choose the column that holds the classes."
        )


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
        raise DataError(f"The split column ‘{name}’ holds ‘{unknown[0]}’; use only train, validation or test.")
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
        raise DataError(
            "No rows are left after dropping rows with empty text or a missing label; check "
            "that you chose the right text and label columns."
        )
    classes = out["label"].unique()
    if len(classes) < 2:
        raise DataError(
            f"{'The only example has' if len(out) == 1 else f'All {len(out):,} examples have'} the label ‘{classes[0]}’; "
            "a classifier needs at least "
            "two classes, so add examples of another class or choose another column than "
            f"‘{label_col}’."
        )


def combine_splits(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack separate train/validation/test tables into one with a "split" column.

    Keys may be any usual name for a split (train, training, dev, val, valid, test, ...).
    """
    if not tables:
        raise DataError("No files were given; upload at least a training file.")
    frames = []
    for key, frame in tables.items():
        split = SPLIT_SYNONYMS.get(str(key).strip().lower())
        if split is None:
            raise DataError(f"‘{key}’ is not a split name; call the files train, validation or test.")
        frames.append(frame.assign(split=split))
    return pd.concat(frames, ignore_index=True, sort=False)
