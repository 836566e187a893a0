"""Stratified, seeded train / validation / test splits."""

from __future__ import annotations

import pandas as pd

from core.errors import DataError
from core.i18n import message
from core.tasks import Task, join_labels, split_labels

SPLITS = ("train", "validation", "test")


def strata(df: pd.DataFrame, task: Task) -> pd.Series:
    """What a split is stratified by: the class (single label); the rarest of a text's labels (multi-label — every
    label then reaches each split, the usual approximation of iterative stratification); the quintile of the target
    (regression — each split covers the whole range); the rarest entity type a sentence holds (NER)."""
    if task.regression:
        return pd.qcut(df["label"].rank(method="first"), q=min(5, max(1, len(df) // 2)), labels=False).astype(str)
    if task.multi_label or task.ner:
        cells = df["label"].map(_entity_types_cell) if task.ner else df["label"]
        counts: dict[str, int] = {}
        for cell in cells:
            for label in split_labels(cell):
                counts[label] = counts.get(label, 0) + 1
        return cells.map(lambda cell: min(split_labels(cell), key=lambda la: (counts[la], la), default=""))
    return df["label"]


def _entity_types_cell(tags: object) -> str:
    """A NER row's entity types as a multi-label cell (``"B-PER I-PER O B-LOC"`` → ``"LOC|PER"``)."""
    return join_labels(tag[2:] for tag in str(tags).split() if tag[:2] in ("B-", "I-"))


def _carve(df: pd.DataFrame, share: float, seed: int, task: Task | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``share`` of ``df`` off, stratified (see :func:`strata`) when every stratum allows it."""
    from sklearn.model_selection import train_test_split

    if share <= 0 or len(df) < 2:
        return df, df.iloc[0:0]
    groups = strata(df, task or Task())
    counts = groups.value_counts()
    n_take = max(1, round(share * len(df)))
    # Stratify only when each class can give at least one example to both sides.
    stratify = groups if counts.min() >= 2 and n_take >= counts.size and len(df) - n_take >= counts.size else None
    rest, taken = train_test_split(df, test_size=n_take, random_state=seed, stratify=stratify)
    return rest, taken


def split_frame(df: pd.DataFrame, *, test_size: float, validation_size: float, seed: int,
                task: Task | None = None) -> dict[str, pd.DataFrame]:
    """Return ``{"train", "validation", "test"}`` frames.

    A ``split`` column from separately uploaded files is respected; missing parts are carved from
    the training rows.  Row order of each part is stable for a given seed.
    """
    if "split" in df.columns and df["split"].notna().any():
        parts = {name: df[df["split"] == name] for name in SPLITS}
        train = pd.concat([df[~df["split"].isin(SPLITS)], parts["train"]])
        if parts["test"].empty:
            train, parts["test"] = _carve(train, test_size, seed, task)
        if parts["validation"].empty and validation_size > 0:
            train, parts["validation"] = _carve(train, validation_size / (1 - test_size), seed + 1, task)
        parts["train"] = train
    else:
        rest, test = _carve(df, test_size, seed, task)
        train, validation = (
            _carve(rest, validation_size / (1 - test_size), seed + 1, task) if validation_size > 0 else (rest, rest.iloc[0:0])
        )
        parts = {"train": train, "validation": validation, "test": test}
    if parts["train"].empty or parts["test"].empty:
        raise DataError(message("error.data.too_small_to_split", rows=len(df)))
    if parts["train"]["label"].nunique() < 2:
        raise DataError(message("error.data.one_class_in_train"))
    return {k: v.reset_index(drop=True) for k, v in parts.items()}
