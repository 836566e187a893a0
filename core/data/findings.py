"""The individual health checks: each one looks at a cleaned table (or its counts) and returns
:class:`Finding` objects in plain words -- size, splits, duplicates, conflicting labels, leakage,
imbalance, rare classes, truncation, very short texts, dropped and merged rows, unknown tokens.

Also owns the row masks the checks and the one-click fixes (:mod:`core.data.fixes`) share, so a
fix removes exactly the rows its finding counted.  Everything is vectorised pandas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.text import plural

if TYPE_CHECKING:
    from core.data.rowcheck import RowCount
    from core.data.vocab import UnknownShare

SEVERITIES = ("error", "warning", "info")

MIN_ROWS = 10  # below this no split/train/evaluate cycle means anything
SMALL_DATASET = 100
SOFT_MIN_CLASS = 10  # a class with fewer examples than this is hard to learn
IMBALANCE_WARNING = 10.0
IMBALANCE_INFO = 3.0
TRUNCATION_WARNING = 0.05
SHORT_CHARS = 3
EVAL_SPLITS = ("validation", "test")


@dataclass
class Finding:
    """One problem (or observation) about the data, in plain words."""

    code: str
    severity: str
    title: str
    message: str
    count: int = 0
    fix: str | None = None


def pct(part: int, total: int) -> str:
    """Percentage for messages; tiny non-zero shares read "under 0.1%" rather than "0.0%"."""
    share = part / total if total else 0.0
    return "under 0.1%" if 0 < share < 0.001 else f"{share:.1%}"


def text_key(texts: pd.Series) -> pd.Series:
    """Texts compared for duplicates: leading/trailing spaces are invisible, so ignore them, and full-width
    forms (“退款！”, typed with a Chinese input method) equal their half-width twins (“退款!”): NFKC folds
    them.  Only non-ASCII texts need folding (NFKC leaves ASCII as it is), which keeps this fast."""
    key = texts.astype(str)
    wide = ~key.str.isascii()
    if wide.any():
        key = key.copy()
        key[wide] = key[wide].str.normalize("NFKC")
    return key.str.strip()


def duplicate_mask(df: pd.DataFrame, key: pd.Series) -> pd.Series:
    """Rows repeating an earlier row's text and label (and split: copies across splits count as leakage)."""
    columns = {"key": key, "label": df["label"].astype(str)}
    if "split" in df.columns:
        columns["split"] = df["split"].astype(str)
    return pd.DataFrame(columns).duplicated()


def collect_findings(
    df: pd.DataFrame,
    counts: dict[str, int],
    *,
    min_class: int,
    lengths: list[int] | None,
    max_length: int,
    dropped: dict[str, int],
    reading: RowCount | None,
    unknown: UnknownShare | None,
) -> list[Finding]:
    """Every check on a cleaned table (text, label, optional split), errors first.

    ``counts`` are the rows per class, ``lengths`` sampled token counts, ``dropped`` the rows removed
    while cleaning (by reason), ``reading`` the file's line count and ``unknown`` the tokenizer's misses.
    """
    key = text_key(df["text"])
    has_split = "split" in df.columns
    findings = [
        *_size_findings(len(df), counts),
        *(_split_findings(df) if has_split else []),
        *_duplicate_findings(df, key),
        *_conflict_findings(df, key),
        *(_leakage_findings(df, key) if has_split else []),
        *_balance_findings(counts),
        *_rare_findings(counts, min_class, has_split),
        *_truncation_findings(lengths, max_length),
        *_short_findings(df["text"]),
        *_dropped_findings(dropped, len(df)),
        *_reading_findings(reading),
        *_unknown_findings(unknown),
    ]
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


def _size_findings(n_rows: int, counts: dict[str, int]) -> list[Finding]:
    findings = []
    if len(counts) < 2:
        only = f" (all are ‘{next(iter(counts))}’)" if counts else ""
        findings.append(
            Finding(
                "single_class",
                "error",
                "Only one class",
                f"The data has {plural(len(counts), 'class')}{only}; a classifier needs examples of at least "
                "two classes. Add examples of another class or choose another label column.",
                count=len(counts),
            )
        )
    if n_rows < MIN_ROWS:
        findings.append(
            Finding(
                "too_few_rows",
                "error",
                "Too few examples",
                f"There {'is' if n_rows == 1 else 'are'} only {plural(n_rows, 'example')}; at least {MIN_ROWS} are needed to train and "
                "test, and a few hundred to get a useful model. Add more rows.",
                count=n_rows,
            )
        )
    elif n_rows < SMALL_DATASET:
        findings.append(
            Finding(
                "small_dataset",
                "warning",
                "Small dataset",
                f"There are only {n_rows} examples, so scores will jump around from run to run. Add more rows if you can.",
                count=n_rows,
            )
        )
    return findings


def _split_findings(df: pd.DataFrame) -> list[Finding]:
    split = df["split"].astype(str)
    train_labels = set(df.loc[split == "train", "label"].astype(str))
    if not train_labels:
        return [
            Finding(
                "no_train_split",
                "error",
                "No training rows",
                "The split column has no rows marked ‘train’; mark the rows to learn from as "
                "train, "
                "or remove the split column to split automatically.",
            )
        ]
    unseen = sorted(set(df.loc[split != "train", "label"].astype(str)) - train_labels)
    if not unseen:
        return []
    names = ", ".join(f"‘{u}’" for u in unseen[:5])
    return [
        Finding(
            "unseen_classes",
            "warning",
            "Classes missing from training",
            f"{plural(len(unseen), 'class')} ({names}) {'appears' if len(unseen) == 1 else 'appear'} in validation/test "
            "but never in train; the "
            "model cannot predict them. Add training examples for them.",
            count=len(unseen),
        )
    ]


def _duplicate_findings(df: pd.DataFrame, key: pd.Series) -> list[Finding]:
    extra = int(duplicate_mask(df, key).sum())
    if not extra:
        return []
    return [
        Finding(
            "duplicates",
            "warning",
            "Duplicate examples",
            f"{plural(extra, 'row')} ({pct(extra, len(df))}) {'repeats' if extra == 1 else 'repeat'} a text with the "
            "same label; "
            "duplicates "
            "can land in both training and test data and make the test score look better than it "
            "is. Drop them.",
            count=extra,
            fix="drop_duplicates",
        )
    ]


def conflict_mask(df: pd.DataFrame, key: pd.Series) -> pd.Series:
    """Rows (``key``: :func:`text_key` of the texts) whose text also appears elsewhere with a different label."""
    n_labels = df["label"].astype(str).groupby(key).transform("nunique")
    return n_labels > 1


def _conflict_findings(df: pd.DataFrame, key: pd.Series) -> list[Finding]:
    mask = conflict_mask(df, key)
    n_rows = int(mask.sum())
    if not n_rows:
        return []
    n_texts = int(key[mask].nunique())
    return [
        Finding(
            "conflicts",
            "warning",
            "Same text, different labels",
            f"{plural(n_texts, 'text')} ({plural(n_rows, 'row')}) {'carries' if n_texts == 1 else 'carry'} different "
            "labels in different rows; the "
            "model cannot learn both and the score counts one as wrong. Check and correct them, "
            "or drop them.",
            count=n_texts,
            fix="drop_conflicts",
        )
    ]


def leakage_mask(df: pd.DataFrame, key: pd.Series) -> pd.Series:
    """Validation/test rows whose text also appears in the training split."""
    split = df["split"].astype(str)
    in_train = key.isin(set(key[split == "train"]))
    return split.isin(EVAL_SPLITS) & in_train


def _leakage_findings(df: pd.DataFrame, key: pd.Series) -> list[Finding]:
    mask = leakage_mask(df, key)
    leaked = int(mask.sum())
    if not leaked:
        return []
    n_eval = int(df["split"].astype(str).isin(EVAL_SPLITS).sum())
    return [
        Finding(
            "leakage",
            "warning",
            "Test texts also in training",
            f"{plural(leaked, 'validation/test row')} ({pct(leaked, n_eval)} of them) {'has' if leaked == 1 else 'have'} "
            "a text that "
            "also appears in the training split, so the scores will be too optimistic. Drop them "
            "from validation/test.",
            count=leaked,
            fix="drop_leakage",
        )
    ]


def _balance_findings(counts: dict[str, int]) -> list[Finding]:
    if len(counts) < 2:
        return []
    big = max(counts, key=counts.__getitem__)
    small = min(counts, key=counts.__getitem__)
    n_big, n_small = counts[big], counts[small]
    ratio = n_big / n_small
    if ratio <= IMBALANCE_INFO:
        return []
    severity = "warning" if ratio > IMBALANCE_WARNING else "info"
    return [
        Finding(
            "imbalance",
            severity,
            "Imbalanced classes",
            f"The largest class ‘{big}’ has {n_big:,} examples and the smallest ‘{small}’ has "
            f"{n_small:,} (ratio {ratio:.1f} : 1); accuracy will look good even if ‘{small}’ is "
            "never found. Judge the model by macro F1 and add examples of the small classes.",
            count=round(ratio),
        )
    ]


def _rare_findings(counts: dict[str, int], min_class: int, has_split: bool) -> list[Finding]:
    """Classes too small to split (error below 2 rows: they can't be both trained and tested) or to learn."""
    findings = []
    if len(counts) < 2:
        return findings
    unsplittable = {k: n for k, n in counts.items() if n < 2 and not has_split}
    if unsplittable:
        findings.append(Finding(
            "rare_classes", "error", "Classes with a single example",
            f"{_classes(len(unsplittable))} only one example ({_name_list(unsplittable)}), so the model can either learn "
            "it or be tested on it, not both. Merge them into ‘other’, drop them, or add examples.",
            count=len(unsplittable), fix="merge_rare"))
    too_small = {k: n for k, n in counts.items() if 2 <= n < min_class}
    if too_small:
        findings.append(Finding(
            "rare_classes_split", "warning", "Classes too small for every split",
            f"{_classes(len(too_small))} fewer than {min_class} examples ({_name_list(too_small)}), too few to put at "
            "least one in each of the training, validation and test parts, so their scores may not be measured. "
            "Merge them into ‘other’ or add examples.",
            count=len(too_small), fix="merge_rare"))
    soft = max(SOFT_MIN_CLASS, min_class)
    small = {k: n for k, n in counts.items() if min_class <= n < soft}
    if small:
        where = " in total" if has_split else ""
        findings.append(Finding(
            "small_classes", "warning", "Very small classes",
            f"{_classes(len(small))} fewer than {soft} examples{where} ({_name_list(small)}); "
            "the model will rarely get them right. Add examples or merge them into ‘other’.",
            count=len(small), fix="merge_rare"))
    return findings


def _classes(n: int) -> str:
    return "1 class has" if n == 1 else f"{n} classes have"


def _name_list(counts: dict[str, int], limit: int = 5) -> str:
    items = sorted(counts.items(), key=lambda kv: kv[1])
    text = ", ".join(f"‘{k}’: {n}" for k, n in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _truncation_findings(lengths: list[int] | None, max_length: int) -> list[Finding]:
    if not lengths:
        return []
    values = np.asarray(lengths)
    cut = int((values > max_length).sum())
    if not cut:
        return []
    share = cut / len(values)
    suggestion = _suggest_length(values)
    advice = (
        f"A maximum length of {suggestion} would fit 95% of them."
        if suggestion > max_length
        else "Most texts fit, so this is usually fine."
    )
    return [
        Finding(
            "truncation",
            "warning" if share > TRUNCATION_WARNING else "info",
            "Long texts will be cut",
            f"{pct(cut, len(values))} of texts (sampled) are longer than {max_length} tokens, and the model "
            "will "
            f"not see their ends. {advice}",
            count=cut,
        )
    ]


def _suggest_length(values: np.ndarray) -> int:
    """Next power of two above the 95th percentile, capped at 512 (most models' limit)."""
    p95 = float(np.percentile(values, 95))
    return int(min(512, 2 ** math.ceil(math.log2(max(p95, 8)))))


def _short_findings(texts: pd.Series) -> list[Finding]:
    stripped = texts.astype(str).str.strip()
    mask = stripped.str.len() < SHORT_CHARS
    n = int(mask.sum())
    if not n:
        return []
    share = n / len(texts)
    examples = ", ".join(f"‘{t}’" for t in stripped[mask].drop_duplicates().head(3))
    return [
        Finding(
            "short_texts",
            "warning" if share > 0.1 else "info",
            "Very short texts",
            f"{plural(n, 'text')} ({pct(n, len(texts))}) {'is' if n == 1 else 'are'} shorter than {SHORT_CHARS} "
            "characters, such as "
            f"{examples}; they carry little meaning. Check that the right text column was chosen.",
            count=n,
        )
    ]


def _unknown_findings(unknown: UnknownShare | None) -> list[Finding]:
    from core.data.vocab import warning_message

    message = warning_message(unknown)
    if message is None or unknown is None:
        return []
    return [Finding("unknown_tokens", "warning", "The model does not know this language", message,
                    count=unknown.unknown_chars)]


def _reading_findings(reading: RowCount | None) -> list[Finding]:
    """Why the file's line count and the row count differ (merged by stray quotes, or multi-line texts)."""
    if reading is None or not reading.message:
        return []
    if reading.lost:
        return [Finding("merged_lines", "warning", "Lines merged by quote marks", reading.message, count=reading.lost)]
    return [Finding("multiline_texts", "info", "Texts spanning several lines", reading.message,
                    count=reading.multiline_rows)]


def _dropped_findings(dropped: dict[str, int], n_kept: int) -> list[Finding]:
    total = sum(dropped.values())
    if not total:
        return []
    reasons = ", ".join(f"{n:,} with {reason}" for reason, n in dropped.items() if n)
    share = total / (total + n_kept)
    return [
        Finding(
            "dropped_rows",
            "warning" if share > 0.2 else "info",
            "Rows removed while cleaning",
            f"Cleaning removed {plural(total, 'row')} ({pct(total, total + n_kept)}): {reasons}. If that is more than you "
            "expected, check the chosen columns.",
            count=total,
        )
    ]


