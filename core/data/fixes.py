"""The one-click fixes the health report offers: drop duplicates, drop conflicting texts, drop
validation/test rows leaked from training, and merge (or drop) rare classes.

Each fix removes exactly the rows its finding in :mod:`core.data.findings` counted.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from core.data.findings import conflict_mask, duplicate_mask, leakage_mask, text_key

FIXES = ("drop_duplicates", "drop_conflicts", "drop_leakage", "merge_rare")


def apply_fixes(
    df: pd.DataFrame,
    fixes: Iterable[str],
    *,
    min_count: int = 5,
    other_label: str = "other",
) -> pd.DataFrame:
    """Apply one-click fixes in the order given and return a new table.

    ``drop_duplicates`` keeps the first copy; ``drop_conflicts`` removes every row of a text
    with several labels; ``drop_leakage`` removes validation/test rows whose text is in train;
    ``merge_rare`` relabels classes with fewer than ``min_count`` rows as ``other_label`` and
    drops them instead when even the merged class stays below ``min_count``.
    """
    handlers = {
        "drop_duplicates": _drop_duplicates,
        "drop_conflicts": lambda d: d[~conflict_mask(d, text_key(d["text"]))],
        "drop_leakage": _drop_leakage,
        "merge_rare": lambda d: _merge_rare(d, min_count, other_label),
    }
    out = df
    for fix in fixes:
        if fix not in handlers:
            raise ValueError(f"Unknown fix {fix!r}; expected one of {', '.join(FIXES)}.")
        out = handlers[fix](out)
    return out.reset_index(drop=True)


def _drop_duplicates(df: pd.DataFrame) -> pd.DataFrame:
    return df[~duplicate_mask(df, text_key(df["text"]))]


def _drop_leakage(df: pd.DataFrame) -> pd.DataFrame:
    if "split" not in df.columns:
        return df
    return df[~leakage_mask(df, text_key(df["text"]))]


def _merge_rare(df: pd.DataFrame, min_count: int, other_label: str) -> pd.DataFrame:
    labels = df["label"].astype(str)
    counts = labels.value_counts()
    rare = set(counts[counts < min_count].index) - {other_label}
    if not rare:
        return df
    merged = labels.where(~labels.isin(rare), other_label)
    out = df.assign(label=merged)
    if int((merged == other_label).sum()) < min_count:
        # Even together the rare classes are too small to split: drop them instead.
        out = out[merged != other_label]
    return out

