"""Stratified, seeded train / validation / test splits."""

from __future__ import annotations

import pandas as pd

from core.errors import DataError
from core.i18n import message

SPLITS = ("train", "validation", "test")


def _carve(df: pd.DataFrame, share: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``share`` of ``df`` off, stratified by label when every class allows it."""
    from sklearn.model_selection import train_test_split

    if share <= 0 or len(df) < 2:
        return df, df.iloc[0:0]
    counts = df["label"].value_counts()
    n_take = max(1, round(share * len(df)))
    # Stratify only when each class can give at least one example to both sides.
    stratify = df["label"] if counts.min() >= 2 and n_take >= counts.size and len(df) - n_take >= counts.size else None
    rest, taken = train_test_split(df, test_size=n_take, random_state=seed, stratify=stratify)
    return rest, taken


def split_frame(df: pd.DataFrame, *, test_size: float, validation_size: float, seed: int) -> dict[str, pd.DataFrame]:
    """Return ``{"train", "validation", "test"}`` frames.

    A ``split`` column from separately uploaded files is respected; missing parts are carved from
    the training rows.  Row order of each part is stable for a given seed.
    """
    if "split" in df.columns and df["split"].notna().any():
        parts = {name: df[df["split"] == name] for name in SPLITS}
        train = pd.concat([df[~df["split"].isin(SPLITS)], parts["train"]])
        if parts["test"].empty:
            train, parts["test"] = _carve(train, test_size, seed)
        if parts["validation"].empty and validation_size > 0:
            train, parts["validation"] = _carve(train, validation_size / (1 - test_size), seed + 1)
        parts["train"] = train
    else:
        rest, test = _carve(df, test_size, seed)
        train, validation = (
            _carve(rest, validation_size / (1 - test_size), seed + 1) if validation_size > 0 else (rest, rest.iloc[0:0])
        )
        parts = {"train": train, "validation": validation, "test": test}
    if parts["train"].empty or parts["test"].empty:
        raise DataError(message("error.data.too_small_to_split", rows=len(df)))
    if parts["train"]["label"].nunique() < 2:
        raise DataError(message("error.data.one_class_in_train"))
    return {k: v.reset_index(drop=True) for k, v in parts.items()}
