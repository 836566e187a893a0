"""Label normalisation: turning label cells of any type (numbers, booleans, strings in several
spellings) into class-name strings, and the mapping from what the file said to the class name.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

MAX_LABELS = 1000  # more different values than this is an ID or free text, not a set of classes


def normalize_labels(values: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """Turn label values of any type into class-name strings.

    Rules: missing or blank stays missing (NaN); booleans and "true"/"false" become "true"/"false";
    whole numbers lose their decimals (1, 1.0 and "1.0" -> "1"); strings are stripped with inner
    whitespace collapsed; spellings that differ only in case ("Positive", "positive") merge into
    the most frequent one.  Returns the names (object dtype) and a mapping from the original
    values (as shown to the user) to the class name, for the values whose name changed.
    """
    values = _hashable(values)
    uniques = pd.unique(values.dropna())
    first_pass = {u: _class_name(u) for u in uniques}
    names = values.map(first_pass) if len(first_pass) else pd.Series(np.nan, index=values.index, dtype=object)
    names = names.astype(object).where(names.notna(), np.nan)
    merge = _case_merges(names)
    if merge:
        names = names.map(lambda v: merge.get(v, v) if isinstance(v, str) else v)
    mapping = {}
    for original, name in first_pass.items():
        final = merge.get(name, name) if name is not None else None
        shown = original if isinstance(original, str) else str(original)
        if final is not None and shown != final:
            mapping[shown] = final
    return names, mapping


def _hashable(values: pd.Series) -> pd.Series:
    """Make mixed cells safe to look up by value.

    JSON can put lists or dicts in a cell (unhashable: compare them by their text), and
    ``True == 1`` in Python, so booleans become "True"/"False" before values are deduplicated.
    """
    if values.dtype != object:
        return values
    return values.map(lambda v: str(v) if isinstance(v, (list, dict, bool, np.bool_)) else v)


_WHOLE_NUMBER = re.compile(r"^[+-]?\d+\.0*$")


def _class_name(value: object) -> str | None:
    """One label value -> its class name (None means missing)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    name = " ".join(str(value).split())
    if not name:
        return None
    if name.lower() in ("true", "false"):
        return name.lower()
    if _WHOLE_NUMBER.match(name):
        return str(int(float(name))) if len(name) < 16 else name.split(".")[0]
    return name


def _case_merges(names: pd.Series) -> dict[str, str]:
    """Map each spelling to the most frequent spelling of the same word, where there are several."""
    counts = names.dropna().value_counts()
    if counts.empty:
        return {}
    frame = pd.DataFrame({"name": counts.index.astype(str), "n": counts.to_numpy()})
    frame["key"] = frame["name"].str.casefold()
    # Most frequent spelling wins; on a tie the lower-case one, then alphabetical.
    frame["cased"] = frame["name"] != frame["name"].str.lower()
    frame = frame.sort_values(["key", "n", "cased", "name"], ascending=[True, False, True, True])
    canonical = frame.groupby("key")["name"].transform("first")
    changed = frame["name"] != canonical
    return dict(zip(frame.loc[changed, "name"], canonical[changed], strict=False))

