"""Which kind of labelled text a freshly read table holds (:class:`core.tasks.Task`), with one sentence saying why.

Shown at upload next to the column pickers, and used by the CLI when no ``--task`` is given:

- **multi-label** when the label column holds several labels in one cell (``a|b``, ``a;b``, ``a, b``) in at least
  :data:`MULTI_SHARE` of the rows, with pieces that behave like labels (see :func:`label_sets.guess_separator`), or
  JSON lists; or when at least two columns hold only 0/1 values (one column per label);
- **a pair of texts** when two text columns are named like the two halves of a pair (``sentence1``/``sentence2``,
  ``premise``/``hypothesis``, ``text_a``/``text_b`` …) or hold free text of similar length (neither an id);
- **regression** when the target is numeric with many distinct values; with a few whole numbers (star ratings 1–5)
  it could be either, so the guess stays "classes" and :attr:`TaskGuess.ask` says so (the page asks, the CLI names
  the flag).

Everything else is single-label, as every table was before kinds existed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.data import label_sets
from core.data.clean import CleanResult, clean_examples
from core.data.columns import ColumnGuess, detect_columns, name_role
from core.data.labels import MAX_LABELS
from core.i18n import Message, message
from core.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL, Task

MULTI_SHARE = 0.10
"""A label column is multi-label when at least this share of its cells hold several labels."""
MANY_VALUES = 20
"""More distinct numbers than this is a numeric target (fewer whole numbers could be classes: ask)."""
MANY_DECIMALS = 10
"""More distinct non-integer numbers than this is a numeric target."""
_SAMPLE = 20_000
_SCORE_NAMES = frozenset({"score", "scores", "similarity", "relatedness", "rating", "ratings", "stars", "sts", "grade",
                          "value", "target", "regression"})
_CLASS_NAMES = frozenset({"label", "labels", "class", "classes", "category", "categories", "intent", "topic", "tag",
                          "tags", "emotion", "sentiment", "polarity", "stance"})
_PAIR_NAMES = (("premise", "hypothesis"), ("question", "sentence"), ("question", "answer"), ("question", "context"),
               ("question", "passage"), ("query", "passage"), ("query", "document"), ("query", "answer"),
               ("query", "response"), ("prompt", "response"), ("claim", "evidence"), ("text", "text_pair"),
               ("sentence", "sentence_pair"))
_PAIR_SUFFIXES = ({"1", "2"}, {"a", "b"}, {"first", "second"}, {"left", "right"})


@dataclass
class TaskGuess:
    """The detected kind of a table and the columns it reads (what :func:`clean_for` passes to clean_examples)."""

    task: Task
    text: str
    label: str
    pair: str | None = None
    label_columns: list[str] = field(default_factory=list)
    separator: str | None = None
    reason: Message = field(kw_only=True)
    ask: Message | None = None
    alternatives: list[Task] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (a dataset's ``meta["task_detected"]``): the kind's key, the columns, the sentences in English
        and as message dicts, so a page can show them in its language."""
        return {"task": self.task.key, "text": self.text, "label": self.label, "pair": self.pair,
                "label_columns": list(self.label_columns), "separator": self.separator, "reason": str(self.reason),
                "ask": str(self.ask) if self.ask else None, "alternatives": [t.key for t in self.alternatives],
                "messages": {"reason": self.reason.to_dict(), "ask": self.ask.to_dict() if self.ask else None}}


@dataclass
class _Stats:
    """What a column looks like, from a sample."""

    name: str
    n: int
    distinct: int
    mean_len: float
    free_text: bool  # mostly several words, or non-ASCII script (Chinese has no spaces)
    numeric: bool


def _stats(name: str, values: pd.Series) -> _Stats:
    present = values.dropna()
    text = present.astype(str).str.strip()
    text = text[text.ne("")]
    numeric = bool(len(text)) and (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
                                   or bool(label_sets.numeric_targets(text).notna().mean() >= 0.9))
    words = text.str.contains(r"\s", regex=True).mean() if len(text) else 0.0
    script = (~text.str.isascii()).mean() if len(text) else 0.0
    return _Stats(name, len(text), int(text.nunique()), float(text.str.len().mean()) if len(text) else 0.0,
                  bool(max(words, script) >= 0.5), numeric)


def _sample(df: pd.DataFrame) -> pd.DataFrame:
    return df.sample(_SAMPLE, random_state=0) if len(df) > _SAMPLE else df


# ------------------------------------------------------------------ public interface
def detect_task(df: pd.DataFrame, guess: ColumnGuess | None = None) -> TaskGuess:
    """The kind of ``df`` and the columns that hold its texts and labels.

    ``guess`` (default: :func:`core.data.columns.detect_columns`) gives the text, label and split columns; a pair
    found by its column names replaces the text column by the pair's first column, and a weak label guess (not named
    like a label) gives way to a numeric column named like a score (STS-B's ``score``).
    """
    guess = guess or detect_columns(df)
    sample = _sample(df)
    stats = {str(c): _stats(str(c), sample[c]) for c in sample.columns}
    taken = {guess.split} - {None}
    named = _named_pair(stats, skip=taken)
    text = named[0] if named else guess.text
    label = _pick_label(stats, guess, taken | {text, *(named or ())})
    return _guess(sample, stats, text, label, pair=named[1] if named else None, split=guess.split,
                  pair_named=bool(named))


def task_for_columns(df: pd.DataFrame, text: str, label: str, *, pair: str | None = None,
                     split: str | None = None) -> TaskGuess:
    """The kind for columns the user chose: ``label`` as given ("" looks for 0/1 columns); ``pair`` as given, ""
    for none, or None to look for a partner of ``text`` (named like a pair, else free text of similar length)."""
    sample = _sample(df)
    stats = {str(c): _stats(str(c), sample[c]) for c in sample.columns}
    named = pair is None and _named_pair({k: v for k, v in stats.items() if k not in {label, split}}, skip=set())
    if named and text in named:
        pair = named[1] if named[0] == text else named[0]
    return _guess(sample, stats, text, label, pair=pair, split=split, pair_named=bool(named and pair))


def with_task(df: pd.DataFrame, guess: TaskGuess, task: Task) -> TaskGuess:
    """``guess`` turned into ``task`` (a kind the user picked): the columns that kind needs are filled in (a second
    text for a pair, the separator or 0/1 columns for multi-label); the reason stays, the question goes."""
    if task == guess.task:
        return guess
    sample = _sample(df)
    stats = {str(c): _stats(str(c), sample[c]) for c in sample.columns}
    pair = (guess.pair or next(iter(pair_candidates(df, guess.text, exclude={guess.label})), None)) if task.pair else None
    label, columns, separator = guess.label, list(guess.label_columns), guess.separator
    if task.multi_label and not columns and label in df.columns:
        separator = None if label_sets.is_json_lists(sample[label]) else label_sets.guess_separator(sample[label])
    if not task.multi_label and columns:
        label, columns = (label or _fallback_label(stats, {guess.text, pair})), []
    return TaskGuess(task, guess.text, label, pair, columns, separator if task.multi_label else None,
                     reason=guess.reason, alternatives=[guess.task])


def clean_for(df: pd.DataFrame, guess: TaskGuess, *, split_col: str | None = None) -> CleanResult:
    """:func:`core.data.clean.clean_examples` with the guess's kind and columns."""
    return clean_examples(df, guess.text, guess.label, split_col=split_col, task=guess.task, pair_col=guess.pair,
                          label_columns=guess.label_columns, label_separator=guess.separator)


def pair_candidates(df: pd.DataFrame, text: str, *, exclude: set[str | None] = frozenset()) -> list[str]:
    """Columns that could hold the second text of a pair with ``text``, the likeliest first (for the picker)."""
    sample = _sample(df)
    stats = [_stats(str(c), sample[c]) for c in sample.columns if str(c) != text and str(c) not in exclude]
    usable = [s for s in stats if _text_like(s)]
    return [s.name for s in sorted(usable, key=lambda s: (not s.free_text, -s.mean_len))]


def indicator_columns(df: pd.DataFrame, *, exclude: set[str | None] = frozenset()) -> list[str]:
    """The 0/1 columns of ``df`` (one per label of a multi-label table), ids and ``exclude`` left out."""
    sample = _sample(df)
    return [str(c) for c in sample.columns if str(c) not in exclude and name_role(str(c)) not in ("id", "split")
            and label_sets.is_indicator_column(sample[c])]


# ------------------------------------------------------------------ columns
def _name_parts(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z0-9])", r"\1 \2", str(name))
    return re.findall(r"[a-z]+|\d+", spaced.lower())


def _pair_named(first: str, second: str) -> bool:
    """Whether two column names are the two halves of a pair: a known couple, or the same name but for 1/2, a/b."""
    a, b = "_".join(_name_parts(first)), "_".join(_name_parts(second))
    if (a, b) in _PAIR_NAMES:
        return True
    pa, pb = _name_parts(first), _name_parts(second)
    if len(pa) != len(pb) or not pa:
        return False
    differ = [(x, y) for x, y in zip(pa, pb, strict=True) if x != y]
    return len(differ) == 1 and any(differ[0][0] == min(s, key=_order) and differ[0][1] == max(s, key=_order)
                                    for s in _PAIR_SUFFIXES)


def _order(word: str) -> int:
    return {"1": 0, "2": 1, "a": 0, "b": 1, "first": 0, "second": 1, "left": 0, "right": 1}[word]


def _text_like(s: _Stats) -> bool:
    return bool(s.n) and not s.numeric and name_role(s.name) not in ("id", "split") and s.mean_len >= 5 \
        and s.distinct > 1 and (s.free_text or s.mean_len >= 10)


def _named_pair(stats: dict[str, _Stats], skip: set[str | None]) -> tuple[str, str] | None:
    usable = [s.name for s in stats.values() if s.name not in skip and _text_like(s) and name_role(s.name) != "label"
              and s.distinct >= 0.05 * s.n]  # names say pair; NLI repeats each premise (and small sets repeat more)
    return next(((a, b) for a in usable for b in usable if a != b and _pair_named(a, b)), None)


def _long_pair(stats: dict[str, _Stats], text: str, skip: set[str | None]) -> str | None:
    """A second column of free text as long as ``text``'s (within a factor of 2), neither an id nor a label."""
    first = stats.get(text)
    if first is None or not _free(first):
        return None
    others = [s for s in stats.values() if s.name not in skip | {text} and _free(s)
              and 0.5 <= s.mean_len / first.mean_len <= 2.0]
    return max(others, key=lambda s: s.mean_len).name if others else None


def _free(s: _Stats) -> bool:
    """Long free text: several words (or characters of a script without spaces), mostly distinct."""
    return _text_like(s) and s.free_text and s.mean_len >= 20 and s.distinct >= 0.5 * s.n \
        and name_role(s.name) not in ("label",)


def _pick_label(stats: dict[str, _Stats], guess: ColumnGuess, taken: set[str | None]) -> str:
    if guess.label and guess.label not in taken and name_role(guess.label) == "label":
        return guess.label
    scores = [s.name for s in stats.values() if s.name not in taken and s.numeric and s.distinct > 1
              and set(_name_parts(s.name)) & _SCORE_NAMES]
    if scores:
        return scores[0]
    if guess.label and guess.label not in taken:
        return guess.label
    return _fallback_label(stats, taken)


def _fallback_label(stats: dict[str, _Stats], taken: set[str | None]) -> str:
    """A numeric column with many values that is neither an id nor a split: a numeric target ("" when none)."""
    numbers = [s for s in stats.values() if s.name not in taken and s.numeric and s.distinct > MANY_VALUES
               and name_role(s.name) not in ("id", "split")]
    return numbers[0].name if numbers else ""


# ------------------------------------------------------------------ the kind
def _guess(sample: pd.DataFrame, stats: dict[str, _Stats], text: str, label: str, *,
           pair: str | None, split: str | None, pair_named: bool) -> TaskGuess:
    """The kind for these columns; ``pair`` None looks for a second text of similar length, "" means none."""
    pair_reason = None
    if pair == "":
        pair = None
    elif pair is None:
        pair = _long_pair(stats, text, skip={label, split})
        if pair:
            pair_reason = message("task_detect.reason.pair_lengths", text=text, pair=pair)
    elif pair_named:
        pair_reason = message("task_detect.reason.pair_named", text=text, pair=pair)
    indicators = indicator_columns(sample, exclude={text, pair, split})
    use_indicators = len(indicators) >= 2 and (not label or (label in indicators and name_role(label) != "label"))
    if use_indicators:
        reason = message("task_detect.reason.indicators", n=len(indicators), names=_names(indicators))
        guess = TaskGuess(Task(MULTI_LABEL, bool(pair)), text, "", pair, indicators, reason=reason)
    else:
        target, reason, ask, separator = _target(sample[label], label) if label in sample.columns else (
            SINGLE_LABEL, message("task_detect.reason.no_label"), None, None)
        guess = TaskGuess(Task(target, bool(pair)), text, label, pair, [], separator, reason=reason, ask=ask)
    if pair_reason is not None:
        guess.reason = message("task_detect.reason.both", pair=pair_reason, target=guess.reason)
    guess.alternatives = _alternatives(guess, pair_named)
    return guess


def _alternatives(guess: TaskGuess, pair_named: bool) -> list[Task]:
    task, out = guess.task, []
    if guess.ask is not None:
        out.append(Task(REGRESSION, task.pair))
    if task.multi_label and not guess.label_columns:
        out.append(Task(SINGLE_LABEL, task.pair))
    if task.pair and not pair_named:
        out.append(Task(task.target, False))
    return out


def _target(values: pd.Series, name: str) -> tuple[str, Message, Message | None, str | None]:
    """The target kind of one label column: its name, the reason, the question (when it could be either), and the
    multi-label separator."""
    present = values[values.notna() & values.astype(str).str.strip().ne("")]
    if pd.api.types.is_bool_dtype(values) or present.empty:
        return SINGLE_LABEL, _single_reason(present, name), None, None
    numbers = label_sets.numeric_targets(present)
    if numbers.notna().mean() >= 0.95:
        return _numeric_target(numbers.dropna(), name)
    if label_sets.is_json_lists(present):
        return MULTI_LABEL, message("task_detect.reason.json_lists", label=name), None, None
    separator = label_sets.guess_separator(present)
    share = label_sets.multi_label_share(present, separator) if separator else 0.0
    if separator and share >= MULTI_SHARE:
        return MULTI_LABEL, message("task_detect.reason.separator", label=name, share=share, separator=separator), \
            None, separator
    return SINGLE_LABEL, _single_reason(present, name), None, None


def _single_reason(present: pd.Series, name: str) -> Message:
    n = int(present.astype(str).str.strip().nunique())
    return message(f"task_detect.reason.single_{'one' if n == 1 else 'other'}", label=name, n=n)


def _numeric_target(numbers: pd.Series, name: str) -> tuple[str, Message, Message | None, str | None]:
    distinct = int(numbers.nunique())
    whole = bool(np.all(np.isclose(numbers, np.round(numbers))))
    low, high = _number(numbers.min()), _number(numbers.max())
    parts = set(_name_parts(name))
    if distinct <= 2:
        return SINGLE_LABEL, _single_reason(numbers, name), None, None
    if not whole and parts & _SCORE_NAMES:
        return REGRESSION, message("task_detect.reason.score_named", label=name, low=low, high=high), None, None
    # Class ids 0..k-1 (or 1..k) in a column named like classes: what datasets exported from the Hub look like.
    class_ids = whole and parts & _CLASS_NAMES and numbers.min() in (0, 1) and \
        distinct >= 0.8 * (numbers.max() - numbers.min() + 1) and distinct <= MAX_LABELS
    if not class_ids and (distinct > MANY_VALUES or (not whole and distinct > MANY_DECIMALS)):
        return REGRESSION, message("task_detect.reason.numbers", label=name, n=distinct, low=low, high=high), \
            None, None
    reason = message("task_detect.reason.few_numbers", label=name, n=distinct, low=low, high=high)
    return SINGLE_LABEL, reason, message("task_detect.ask.classes_or_numbers", label=name), None


def _number(value: float) -> str:
    return label_sets.format_number(value)


def _names(columns: list[str], limit: int = 6) -> str | Message:
    text = ", ".join(f"‘{c}’" for c in columns[:limit])
    return message("health.names_more", names=text, more=len(columns) - limit) if len(columns) > limit else text
