"""Guessing which columns of a freshly read table hold the text, the label, the split and the slices,
with one sentence per choice saying why (shown next to the column pickers).

Names count first ("review", "sentiment", "split", "id"), then what the values look like: long
free-form strings for the text, a few repeating values for the label and the slices, only
train/validation/test names for the split.  Also owns the usual names of splits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from core.data.labels import MAX_LABELS
from core.errors import DataError
from core.i18n import Message, message

_DETECT_SAMPLE = 20_000

SPLIT_SYNONYMS = {  # every usual name of a split -> train, validation or test
    "train": "train",
    "training": "train",
    "trn": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "development": "validation",
    "eval": "validation",
    "test": "test",
    "testing": "test",
    "tst": "test",
    "holdout": "test",
}


@dataclass
class ColumnGuess:
    """Best guess of which columns hold the text, the label, slices and (optionally) the split.

    ``label`` is ``""`` when no column looks like a label; ``reasons`` says why each was chosen (English), and
    ``messages`` the same sentences as catalogue messages, which the page shows in its language.
    """

    text: str
    label: str
    slices: list[str]
    reasons: dict[str, str]
    split: str | None = None
    messages: dict[str, Message] = field(default_factory=dict)


_TEXT_NAMES = frozenset(
    [
        "text",
        "texts",
        "sentence",
        "sentences",
        "review",
        "reviews",
        "message",
        "messages",
        "content",
        "body",
        "comment",
        "comments",
        "document",
        "doc",
        "utterance",
        "query",
        "question",
        "tweet",
        "description",
        "title",
        "abstract",
        "sms",
        "post",
        "headline",
        "input",
        "prompt",
        "passage",
        "paragraph",
    ]
)
_LABEL_NAMES = frozenset(
    [
        "label",
        "labels",
        "class",
        "classes",
        "category",
        "categories",
        "intent",
        "sentiment",
        "target",
        "y",
        "tag",
        "tags",
        "topic",
        "emotion",
        "polarity",
        "stance",
        "gold",
        "annotation",
        "rating",
        "stars",
        "output",
    ]
)
_ID_NAMES = frozenset(
    [
        "id",
        "ids",
        "uuid",
        "guid",
        "index",
        "idx",
        "key",
        "url",
        "link",
        "path",
        "date",
        "time",
        "timestamp",
        "email",
    ]
)
_SPLIT_NAMES = frozenset(["split", "set", "fold", "partition", "subset"])


def _name_tokens(name: str) -> set[str]:
    """'reviewText' / 'review_text' / 'Review Text' -> {'review', 'text'} (digits dropped)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return set(re.findall(r"[a-z]+", spaced.lower()))


def name_role(name: str) -> str | None:
    """What a column's name says it holds: "label", "id", "split", "text", or None."""
    tokens = _name_tokens(name)
    if tokens & _LABEL_NAMES:
        return "label"
    if tokens & _ID_NAMES:
        return "id"
    if tokens & _SPLIT_NAMES:
        return "split"
    if tokens & _TEXT_NAMES:
        return "text"
    return None


@dataclass
class _ColumnStats:
    name: str
    n: int
    distinct: int
    mean_len: float
    space_share: float
    numeric: bool
    split_values: bool


def _column_stats(name: str, values: pd.Series) -> _ColumnStats:
    present = values.dropna()
    as_text = present.astype(str)
    lengths = as_text.str.len()
    numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    if not numeric and len(as_text):
        numeric = bool(pd.to_numeric(as_text, errors="coerce").notna().mean() >= 0.9)
    distinct = int(as_text.nunique())
    folded = set(as_text.str.strip().str.lower().unique()[:20])
    return _ColumnStats(
        name=name,
        n=len(as_text),
        distinct=distinct,
        mean_len=float(lengths.mean()) if len(lengths) else 0.0,
        space_share=float(as_text.str.contains(r"\s", regex=True).mean()) if len(as_text) else 0.0,
        numeric=numeric,
        split_values=1 < distinct <= 3 and folded <= set(SPLIT_SYNONYMS),
    )


def detect_columns(df: pd.DataFrame) -> ColumnGuess:
    """Guess the text, label, split and slice columns of a freshly read table.

    Raises :class:`DataError` when no column holds free-form text.
    """
    sample = df.sample(_DETECT_SAMPLE, random_state=0) if len(df) > _DETECT_SAMPLE else df
    stats = [_column_stats(str(c), sample[c]) for c in sample.columns]
    text = _pick_text(stats)
    rest = [s for s in stats if s.name != text.name]
    split = next((s for s in rest if _is_split_column(s)), None)
    rest = [s for s in rest if s is not split]
    label = _pick_label(rest)
    slices = _pick_slices([s for s in rest if s is not label])
    messages = {"text": _text_reason(text), "label": _label_reason(label)}
    if slices:
        messages["slices"] = message("health.columns.slices", columns=", ".join(f"‘{s}’" for s in slices))
    if split:
        messages["split"] = message("health.columns.split", name=split.name)
    return ColumnGuess(
        text=text.name,
        label=label.name if label else "",
        slices=slices,
        reasons={role: str(why) for role, why in messages.items()},
        split=split.name if split else None,
        messages=messages,
    )


def _is_split_column(s: _ColumnStats) -> bool:
    return s.split_values and name_role(s.name) != "label"


def _text_score(s: _ColumnStats) -> float:
    named = 3.0 if name_role(s.name) == "text" else 1.0
    ratio = s.distinct / s.n if s.n else 0.0
    return s.mean_len * (0.2 + ratio) * (1.0 + s.space_share) * named


def _pick_text(stats: list[_ColumnStats]) -> _ColumnStats:
    plausible = [
        s
        for s in stats
        if s.n
        and not s.numeric
        and name_role(s.name) not in ("id", "label")
        and s.mean_len >= 3
        and (s.distinct > 1 or s.n == 1)
    ]
    if not plausible:
        raise DataError(message("error.data.no_text_column"))
    return max(plausible, key=_text_score)


def _text_reason(s: _ColumnStats) -> Message:
    variant = "text_named" if name_role(s.name) == "text" else "text_longest"
    return message(f"health.columns.{variant}", name=s.name, mean_len=s.mean_len)


def _pick_label(stats: list[_ColumnStats]) -> _ColumnStats | None:
    def is_candidate(s: _ColumnStats) -> bool:
        if name_role(s.name) == "label":
            return True
        limit = min(MAX_LABELS, max(2, s.n // 2))
        return name_role(s.name) != "id" and 2 <= s.distinct <= limit

    candidates = [s for s in stats if s.n and is_candidate(s)]
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda s: (
            name_role(s.name) == "label",
            2 <= s.distinct <= 100,
            -s.distinct,
        ),
    )


def _label_reason(s: _ColumnStats | None) -> Message:
    if s is None:
        return message("health.columns.label_none")
    variant = "label_named" if name_role(s.name) == "label" else "label_few"
    return message(f"health.columns.{variant}_{'one' if s.distinct == 1 else 'other'}", name=s.name, n=s.distinct)


def _pick_slices(stats: list[_ColumnStats]) -> list[str]:
    return [
        s.name
        for s in stats
        if s.n and name_role(s.name) != "id" and 2 <= s.distinct <= 50 and s.distinct <= max(2, s.n // 2) and s.mean_len <= 50
    ]

