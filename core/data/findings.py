"""The individual health checks: each one looks at a cleaned table (or its counts) and returns
:class:`Finding` objects in plain words -- size, splits, duplicates, conflicting labels, leakage,
imbalance, rare classes, truncation, very short texts, dropped and merged rows, unknown tokens.

Also owns the row masks the checks and the one-click fixes (:mod:`core.data.fixes`) share, so a
fix removes exactly the rows its finding counted.  Everything is vectorised pandas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.i18n import Message, message

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
    # The title and message as catalogue message dicts ({"title": {"key", "params"}, ...}), so the page shows them in
    # its language; the English fields above stay for the CLI and stored reports.
    messages: dict[str, dict] = field(default_factory=dict)


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


def _finding(code: str, severity: str, variant: str = "", *, count: int = 0, fix: str | None = None,
             **params: object) -> Finding:
    """A finding whose title and message come from the catalogue (``health.<code>.title`` and
    ``health.<code>.message<variant>``): English in ``title``/``message``, the message dicts in ``messages``."""
    title, text = message(f"health.{code}.title"), message(f"health.{code}.message{variant}", **params)
    return Finding(code, severity, str(title), str(text), count=count, fix=fix,
                   messages={"title": title.to_dict(), "message": text.to_dict()})


def _one(n: int) -> str:
    """The key suffix for a count: English says "1 row has" but "2 rows have"."""
    return "_one" if n == 1 else "_other"


def share(part: int, total: int) -> Message:
    """:func:`pct` as a message part, so that "under 0.1%" is said in the page's language too."""
    value = part / total if total else 0.0
    return message("health.pct_under") if 0 < value < 0.001 else message("health.pct", share=value)


def _size_findings(n_rows: int, counts: dict[str, int]) -> list[Finding]:
    findings = []
    if len(counts) < 2:
        # Fix-free: the label column itself is wrong, or the data has one class only.
        variant, label = ("_one", {"label": next(iter(counts))}) if counts else ("_none", {})
        findings.append(_finding("single_class", "error", variant, count=len(counts), **label))
    if n_rows < MIN_ROWS:
        findings.append(_finding("too_few_rows", "error", _one(n_rows), count=n_rows, n=n_rows, min_rows=MIN_ROWS))
    elif n_rows < SMALL_DATASET:
        findings.append(_finding("small_dataset", "warning", count=n_rows, n=n_rows))
    return findings


def _split_findings(df: pd.DataFrame) -> list[Finding]:
    split = df["split"].astype(str)
    train_labels = set(df.loc[split == "train", "label"].astype(str))
    if not train_labels:
        return [_finding("no_train_split", "error")]
    unseen = sorted(set(df.loc[split != "train", "label"].astype(str)) - train_labels)
    if not unseen:
        return []
    names = ", ".join(f"‘{u}’" for u in unseen[:5])
    return [_finding("unseen_classes", "warning", _one(len(unseen)), count=len(unseen), n=len(unseen), names=names)]


def _duplicate_findings(df: pd.DataFrame, key: pd.Series) -> list[Finding]:
    extra = int(duplicate_mask(df, key).sum())
    if not extra:
        return []
    return [_finding("duplicates", "warning", _one(extra), count=extra, fix="drop_duplicates", n=extra,
                     share=share(extra, len(df)))]


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
    # A conflict needs two rows at least, so only the texts' count can be one.
    return [_finding("conflicts", "warning", _one(n_texts), count=n_texts, fix="drop_conflicts", n=n_texts,
                     rows=n_rows)]


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
    return [_finding("leakage", "warning", _one(leaked), count=leaked, fix="drop_leakage", n=leaked,
                     share=share(leaked, n_eval))]


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
    return [_finding("imbalance", severity, count=round(ratio), big=big, n_big=n_big, small=small, n_small=n_small,
                     ratio=ratio)]


def _rare_findings(counts: dict[str, int], min_class: int, has_split: bool) -> list[Finding]:
    """Classes too small to split (error below 2 rows: they can't be both trained and tested) or to learn."""
    findings = []
    if len(counts) < 2:
        return findings
    unsplittable = {k: n for k, n in counts.items() if n < 2 and not has_split}
    if unsplittable:
        n = len(unsplittable)
        findings.append(_finding("rare_classes", "error", _one(n), count=n, fix="merge_rare", n=n,
                                 names=_name_list(unsplittable)))
    too_small = {k: n for k, n in counts.items() if 2 <= n < min_class}
    if too_small:
        n = len(too_small)
        findings.append(_finding("rare_classes_split", "warning", _one(n), count=n, fix="merge_rare", n=n,
                                 min_class=min_class, names=_name_list(too_small)))
    soft = max(SOFT_MIN_CLASS, min_class)
    small = {k: n for k, n in counts.items() if min_class <= n < soft}
    if small:
        n = len(small)
        variant = _one(n) + ("_total" if has_split else "")  # with a split column the counts are over all splits
        findings.append(_finding("small_classes", "warning", variant, count=n, fix="merge_rare", n=n, soft=soft,
                                 names=_name_list(small)))
    return findings


def _name_list(counts: dict[str, int], limit: int = 5) -> str | Message:
    items = sorted(counts.items(), key=lambda kv: kv[1])
    text = ", ".join(f"‘{k}’: {n}" for k, n in items[:limit])
    return message("health.names_more", names=text, more=len(items) - limit) if len(items) > limit else text


def _truncation_findings(lengths: list[int] | None, max_length: int) -> list[Finding]:
    if not lengths:
        return []
    values = np.asarray(lengths)
    cut = int((values > max_length).sum())
    if not cut:
        return []
    suggestion = _suggest_length(values)
    advice = (message("health.truncation.advice_length", length=suggestion) if suggestion > max_length
              else message("health.truncation.advice_fine"))
    severity = "warning" if cut / len(values) > TRUNCATION_WARNING else "info"
    return [_finding("truncation", severity, count=cut, share=share(cut, len(values)), max_length=max_length,
                     advice=advice)]


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
    examples = ", ".join(f"‘{t}’" for t in stripped[mask].drop_duplicates().head(3))
    return [_finding("short_texts", "warning" if n / len(texts) > 0.1 else "info", _one(n), count=n, n=n,
                     share=share(n, len(texts)), chars=SHORT_CHARS, examples=examples)]


def _unknown_findings(unknown: UnknownShare | None) -> list[Finding]:
    from core.data.vocab import warning

    text = warning(unknown)
    if text is None or unknown is None:
        return []
    title = message("health.unknown_tokens.title")
    return [Finding("unknown_tokens", "warning", str(title), str(text), count=unknown.unknown_chars,
                    messages={"title": title.to_dict(), "message": text.to_dict()})]


def _reading_findings(reading: RowCount | None) -> list[Finding]:
    """Why the file's line count and the row count differ (merged by stray quotes, or multi-line texts)."""
    if reading is None or not reading.message:
        return []
    code, severity, count = (("merged_lines", "warning", reading.lost) if reading.lost
                             else ("multiline_texts", "info", reading.multiline_rows))
    title = message(f"health.{code}.title")
    # The sentence itself is core.data.rowcheck's (English only for now): no message dict, the page shows it as is.
    messages = {"title": title.to_dict()}
    if isinstance(getattr(reading.message, "message", None), Message):  # a Note: its sentence in the UI's language too
        messages["message"] = reading.message.message.to_dict()
    return [Finding(code, severity, str(title), str(reading.message), count=count, messages=messages)]


# The reasons core.data.clean counts dropped rows under, with their catalogue keys.
_DROP_REASONS = {"empty text": "empty_text", "missing label": "missing_label", "missing split": "missing_split",
                 "target not a number": "target_not_number"}


def _dropped_findings(dropped: dict[str, int], n_kept: int) -> list[Finding]:
    total = sum(dropped.values())
    if not total:
        return []
    parts = [message(f"health.dropped_rows.{_DROP_REASONS[reason]}", n=n) if reason in _DROP_REASONS
             else f"{n:,} with {reason}" for reason, n in dropped.items() if n]
    reasons = parts[0]
    for part in parts[1:]:
        reasons = message("health.list", first=reasons, last=part)
    severity = "warning" if total / (total + n_kept) > 0.2 else "info"
    return [_finding("dropped_rows", severity, _one(total), count=total, n=total, share=share(total, total + n_kept),
                     reasons=reasons)]
