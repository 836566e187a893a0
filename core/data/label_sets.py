"""Reading multi-label cells and numeric targets as files hold them.

A multi-label file says "this text has labels a and b" in one of a few ways: one cell ``a|b``, ``a;b`` or ``a, b``,
a JSON list ``["a", "b"]``, or one 0/1 column per label.  This module turns each into the stored form (sorted labels
joined by ``|``, see :mod:`core.tasks`) and guesses the separator; regression targets become floats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from core.tasks import LABEL_JOINER, join_labels

SEPARATORS: tuple[str, ...] = ("|", ";", ",")
"""Separators of several labels in one cell, most specific first ("," also appears inside ordinary labels)."""
_DECIMAL_COMMA = re.compile(r"^([+-]?\d+),(\d{1,2}|\d{4,})$")
_TRUE_WORDS = frozenset({"1", "1.0", "true", "yes", "y", "t", "x"})
_FALSE_WORDS = frozenset({"0", "0.0", "false", "no", "n", "f", "", "nan", "none"})


def _is_missing(cell: object) -> bool:
    return cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell is pd.NA


def json_list(cell: object) -> list[str] | None:
    """The labels of a cell holding a JSON list (``["a", "b"]``), or None when it is not one."""
    if isinstance(cell, (list, tuple, np.ndarray)):
        return [str(v).strip() for v in cell if str(v).strip()]
    text = str(cell).strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        try:  # Python-style lists with single quotes, as pandas writes them: no eval, only a quote swap
            value = json.loads(re.sub(r"'", '"', text))
        except ValueError:
            return None
    if not isinstance(value, list):
        return None
    return [str(v).strip() for v in value if str(v).strip()]


def parse_cell(cell: object, separator: str | None) -> list[str] | None:
    """The labels of one multi-label cell (None when it is missing); whitespace around each label is dropped."""
    if _is_missing(cell):
        return None
    listed = json_list(cell)
    if listed is not None:
        return listed
    text = str(cell).strip()
    if not text:
        return []
    parts = text.split(separator) if separator else [text]
    return [" ".join(part.split()) for part in parts if part.strip()]


def _pieces(cells: list[str], separator: str) -> list[list[str]]:
    return [[" ".join(p.split()) for p in c.split(separator) if p.strip()] for c in cells]


def guess_separator(values: Iterable[object]) -> str | None:
    """The separator that splits the most cells into several labels ("|", ";" or ","), or None.

    A separator counts only when its pieces behave like labels: they repeat across rows (labels are a small set) and
    they recombine -- at least half of them turn up in more than one distinct cell (``a|b``, ``a``, ``a|c``).  A comma
    inside ordinary class names ("Books, Music & Film") makes pieces that repeat but always stay together.
    """
    cells = [str(v).strip() for v in values if not _is_missing(v) and str(v).strip()]
    if not cells:
        return None
    best, best_share = None, 0.0
    for sep in SEPARATORS:
        split = _pieces(cells, sep)
        multi = sum(len(parts) > 1 for parts in split)
        if not multi:
            continue
        pieces = pd.Series([p for parts in split for p in parts])
        distinct_ratio = pieces.nunique() / max(1, len(pieces))
        share = multi / len(cells)
        if distinct_ratio <= 0.5 and _recombine(split) and share > best_share:
            best, best_share = sep, share
    return best


def _recombine(split: list[list[str]]) -> bool:
    """Whether at least half of the pieces of multi-piece cells occur in two or more distinct cells."""
    cells_of: dict[str, set[tuple[str, ...]]] = {}
    for parts in split:
        combo = tuple(sorted(set(parts)))
        for piece in combo:
            cells_of.setdefault(piece, set()).add(combo)
    in_multi = {p for parts in split if len(parts) > 1 for p in parts}
    return sum(len(cells_of[p]) > 1 for p in in_multi) >= 0.5 * len(in_multi)


def multi_label_share(values: Iterable[object], separator: str | None) -> float:
    """The share of non-empty cells holding more than one label (JSON lists, or cells split by ``separator``)."""
    cells = [v for v in values if not _is_missing(v) and str(v).strip()]
    if not cells:
        return 0.0
    several = sum(len(parse_cell(c, separator) or []) > 1 for c in cells)
    return several / len(cells)


def is_json_lists(values: Iterable[object]) -> bool:
    """Whether most non-empty cells hold JSON lists."""
    cells = [v for v in values if not _is_missing(v) and str(v).strip()]
    return bool(cells) and sum(json_list(c) is not None for c in cells) >= 0.9 * len(cells)


def stored_cells(values: pd.Series, separator: str | None) -> tuple[pd.Series, list[str]]:
    """Stored multi-label cells (``a|b``; missing stays missing) and the labels that contain ``|`` (not storable)."""
    bad: list[str] = []
    out = []
    for cell in values.tolist():
        labels = parse_cell(cell, separator)
        if labels is None:
            out.append(np.nan)
            continue
        bad.extend(label for label in labels if LABEL_JOINER in label)
        out.append(join_labels(labels))
    return pd.Series(out, index=values.index, dtype=object), sorted(set(bad))


def binary_value(cell: object) -> bool | None:
    """A 0/1 cell as a bool (None when it is neither: a column that is not an indicator)."""
    if _is_missing(cell):
        return False
    word = str(cell).strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def is_indicator_column(values: pd.Series) -> bool:
    """Whether a column holds only 0/1 values (numbers, booleans or yes/no words) and at least one 1."""
    present = values.dropna()
    if present.empty:
        return False
    parsed = present.map(binary_value)
    return bool(parsed.notna().all() and parsed.astype(bool).any() and not parsed.astype(bool).all())


def cells_from_indicators(df: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Stored multi-label cells from 0/1 columns: each row's cell names the columns that are 1."""
    flags = np.column_stack([df[c].map(binary_value).fillna(False).astype(bool).to_numpy() for c in columns])
    names = [str(c).strip() for c in columns]
    return pd.Series([join_labels(n for n, on in zip(names, row, strict=True) if on) for row in flags],
                     index=df.index, dtype=object)


def numeric_targets(values: pd.Series) -> pd.Series:
    """Targets as floats; cells that are not numbers become NaN (the caller counts and drops them)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    # "3,5" is a decimal comma; "1,000" stays a thousands separator that to_numeric refuses (counted, not guessed)
    text = values.astype(object).map(lambda v: _DECIMAL_COMMA.sub(r"\1.\2", v.strip()) if isinstance(v, str) else v)
    return pd.to_numeric(text, errors="coerce").astype(float)


def format_number(value: float) -> str:
    """A target value in a sentence: four significant digits (0.25, 7.607), thousands whole (12,500), tiny or huge
    ones in scientific notation (2.5e-05)."""
    size = abs(float(value))
    if size >= 1e4 and size < 1e12:
        return f"{round(float(value)):,}"
    return f"{float(value):.4g}"
