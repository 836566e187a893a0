"""The parts of the health report that depend on the kind of data (:class:`core.tasks.Task`).

:func:`core.data.health.health_report` calls in here: the counts it shows per class become counts per label for
multi-label data and vanish for a numeric target; each kind adds a section (label cardinality and co-occurrence;
the token lengths of each text of a pair and of the pair; the target's distribution) and its own findings, and drops
the class checks that do not apply.  Duplicates, conflicts and leakage of pairs compare both texts: SNLI repeats
each premise with three hypotheses, which are not duplicates.  Everything is vectorised pandas/numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.findings import SOFT_MIN_CLASS, TRUNCATION_WARNING, Finding, collect_findings, share
from core.data.fixes import apply_fixes
from core.data.label_sets import format_number
from core.i18n import message
from core.tasks import LABEL_JOINER, PAIR_COLUMN, Task

COOCCURRENCE_LABELS = 15
"""The co-occurrence table covers the most frequent labels only (a heatmap of 15 × 15 is still readable)."""
HISTOGRAM_BINS = 30
SKEW_WARNING = 2.0
OUTLIER_IQR = 3.0
FEW_VALUES = 10
_CLASS_CHECKS = frozenset({"single_class", "imbalance", "rare_classes", "rare_classes_split", "small_classes",
                           "unseen_classes"})
"""Findings about classes: a numeric target has none; multi-label data keeps the first two and gets its own
per-label checks instead of the others (merging rare classes would rename label sets)."""
_PAIR_KEYED = frozenset({"duplicates", "conflicts", "leakage"})
_PAIR_SEP = "\x1f"


@dataclass
class TaskSections:
    """What a kind adds to the report: the token lengths its chart and truncation share use (a pair's: the whole
    encoded pair) and one JSON-safe section per kind."""

    token_lengths: list[int] | None = None
    multi_label: dict | None = None
    pairs: dict | None = None
    regression: dict | None = None


def task_of_frame(df: pd.DataFrame) -> Task:
    """The kind a cleaned table shows by itself: a ``text_pair`` column makes a pair, a float label a numeric
    target; ``|`` in labels is not taken as multi-label (class names may hold it), so pass the task for that."""
    target = "regression" if pd.api.types.is_float_dtype(df["label"]) else "single_label"
    return Task(target, PAIR_COLUMN in df.columns)


def _label_lists(labels: pd.Series) -> pd.Series:
    return labels.fillna("").astype(str).str.split(LABEL_JOINER).map(lambda parts: [p for p in parts if p])


def label_counts(df: pd.DataFrame, task: Task) -> dict[str, int]:
    """Rows per class, most frequent first: per label for multi-label data (a row counts once for each of its
    labels), none for a numeric target."""
    if task.regression:
        return {}
    if task.multi_label:
        counts = _label_lists(df["label"]).explode().dropna().value_counts()
    else:
        counts = df["label"].astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def split_counts(df: pd.DataFrame, task: Task) -> dict[str, dict[str, int]] | None:
    """:func:`label_counts` per split (train, validation, test first), or None without a split column or for a
    numeric target (its section has the rows per split)."""
    if "split" not in df.columns or task.regression:
        return None
    out = {str(split): label_counts(group, task) for split, group in df.groupby(df["split"].astype(str), sort=False)}
    order = {"train": 0, "validation": 1, "test": 2}
    return dict(sorted(out.items(), key=lambda kv: order.get(kv[0], 3)))


# ------------------------------------------------------------------ sections
def sections(df: pd.DataFrame, task: Task, counts: dict[str, int], *,
             count_tokens: Callable[[list[str]], list[int]] | None,
             count_pair_tokens: Callable[[list[str], list[str]], list[int]] | None = None,
             max_length: int, sample_size: int, seed: int) -> TaskSections:
    """The kind's sections; ``token_lengths`` is left None for single texts (the report counts those itself)."""
    out = TaskSections()
    if task.multi_label:
        out.multi_label = _multi_label_section(df, counts)
    if task.regression:
        out.regression = _regression_section(df)
    if task.pair:
        out.pairs, out.token_lengths = _pair_section(df, count_tokens, count_pair_tokens, max_length, sample_size,
                                                     seed)
    return out


def _multi_label_section(df: pd.DataFrame, counts: dict[str, int]) -> dict:
    lists = _label_lists(df["label"]).reset_index(drop=True)
    per_row = lists.map(len).to_numpy()
    n = max(1, len(per_row))
    top = list(counts)[:COOCCURRENCE_LABELS]
    pieces = lists.explode().dropna()
    pieces = pieces[pieces.isin(top)]
    # one row per text that has a top label, one 0/1 column per top label; its Gram matrix counts pairs of labels
    matrix = (pd.crosstab(pieces.index, pieces).reindex(columns=top, fill_value=0).clip(upper=1).to_numpy(np.int64)
              if len(pieces) else np.zeros((0, len(top)), dtype=np.int64))
    together = matrix.T @ matrix
    return {
        "n_labels": len(counts),
        "mean_labels": float(per_row.mean()) if len(per_row) else 0.0,
        "max_labels": int(per_row.max()) if len(per_row) else 0,
        "cardinality": {"0": int((per_row == 0).sum()), "1": int((per_row == 1).sum()),
                        "2": int((per_row == 2).sum()), "3+": int((per_row >= 3).sum())},
        "no_label": int((per_row == 0).sum()),
        "no_label_share": float((per_row == 0).sum() / n),
        "cooccurrence": {"labels": top, "counts": together.tolist()},
    }


def _regression_section(df: pd.DataFrame) -> dict | None:
    values = df["label"].astype(float).dropna()
    if values.empty:
        return None
    q1, median, q3 = (float(v) for v in values.quantile([0.25, 0.5, 0.75]))
    iqr = q3 - q1
    low, high = q1 - OUTLIER_IQR * iqr, q3 + OUTLIER_IQR * iqr
    outside = values[(values < low) | (values > high)] if iqr > 0 else values.iloc[:0]
    distinct = int(values.nunique())
    counts, edges = np.histogram(values, bins=max(1, min(HISTOGRAM_BINS, distinct)))
    skew = values.skew() if len(values) > 2 else 0.0
    section = {
        "n": len(values), "min": float(values.min()), "max": float(values.max()), "mean": float(values.mean()),
        "std": float(values.std(ddof=0)), "median": median, "q1": q1, "q3": q3, "n_distinct": distinct,
        "whole_numbers": bool(np.allclose(values, np.round(values))),
        "skewness": float(skew) if np.isfinite(skew) else 0.0,
        "histogram": {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]},
        "outliers": len(outside), "outlier_low": float(low), "outlier_high": float(high),
        "outlier_examples": [float(v) for v in _farthest(outside.drop_duplicates(), median)],
        "distinct_values": sorted(float(v) for v in values.unique())[:FEW_VALUES] if distinct <= FEW_VALUES else None,
    }
    if "split" in df.columns:
        section["split_rows"] = {str(k): int(v) for k, v in df["split"].astype(str).value_counts().items()}
    return section


def _farthest(values: pd.Series, centre: float, n: int = 3) -> pd.Series:
    """The ``n`` values farthest from ``centre``, farthest first (the extremes a user should look at)."""
    return values.loc[(values - centre).abs().sort_values(ascending=False).index[:n]]


def _pair_section(df: pd.DataFrame, count_tokens: Callable | None, count_pair_tokens: Callable | None,
                  max_length: int, sample_size: int, seed: int) -> tuple[dict | None, list[int] | None]:
    """Token lengths of each text and of the pair, on the same seeded sample of rows."""
    if count_tokens is None or df.empty:
        return None, None
    sample = df.sample(sample_size, random_state=seed) if len(df) > sample_size else df
    first_texts, second_texts = sample["text"].astype(str).tolist(), sample[PAIR_COLUMN].astype(str).tolist()
    first = np.asarray(count_tokens(first_texts), dtype=np.int64)
    second = np.asarray(count_tokens(second_texts), dtype=np.int64)
    if count_pair_tokens is not None:
        pair = np.asarray(count_pair_tokens(first_texts, second_texts), dtype=np.int64)
    else:
        # Without the tokenizer's pair encoding: each text's own special tokens once, plus one separator more
        # ([CLS] a [SEP] b [SEP] for BERT-like models; RoBERTa's </s></s> adds one token more than this).
        special = int(count_tokens([""])[0])
        pair = first + second - special + (1 if special else 0)
    cut = int((pair > max_length).sum())
    section = {
        "first_tokens": _token_stats(first), "second_tokens": _token_stats(second), "pair_tokens": _token_stats(pair),
        "sampled": len(pair), "truncated": cut, "truncated_share": float(cut / len(pair)) if len(pair) else 0.0,
        "max_length": max_length, "estimated": count_pair_tokens is None,
        "longer": "first" if first.mean() >= second.mean() else "second",
    }
    return section, [int(v) for v in pair]


def _token_stats(values: np.ndarray) -> dict[str, float]:
    if not len(values):
        return {"mean": 0.0, "median": 0.0, "p95": 0.0, "max": 0.0}
    return {"mean": float(values.mean()), "median": float(np.median(values)), "p95": float(np.percentile(values, 95)),
            "max": float(values.max())}


# ------------------------------------------------------------------ findings
def collect(df: pd.DataFrame, task: Task, counts: dict[str, int], found: TaskSections, *, min_class: int,
            lengths: list[int] | None, max_length: int, **options: object) -> list[Finding]:
    """Every finding for a table of kind ``task``, errors first: :func:`core.data.findings.collect_findings` with the
    class checks left out where they do not apply, the pair's checks on both texts, then the kind's own."""
    if task.pair:
        lengths = None  # the pair's truncation is the kind's own finding, worded for pairs
    base = collect_findings(df, counts, min_class=min_class, lengths=lengths, max_length=max_length, **options)
    if task.pair:
        keyed = collect_findings(pair_keyed(df), counts, min_class=min_class, lengths=None, max_length=max_length,
                                 **options)
        base = [f for f in base if f.code not in _PAIR_KEYED] + [f for f in keyed if f.code in _PAIR_KEYED]
    if not task.is_classification:
        base = [f for f in base if f.code not in _CLASS_CHECKS]
    elif task.multi_label:  # "only one class" and the imbalance between labels still hold
        base = [f for f in base if f.code not in _CLASS_CHECKS - {"single_class", "imbalance"}]
    extra = []
    if found.multi_label is not None:
        extra += _multi_label_findings(df, counts, found.multi_label, min_class)
    if found.regression is not None:
        extra += _regression_findings(found.regression)
    if found.pairs is not None:
        extra += _pair_findings(found.pairs, max_length)
    order = ("error", "warning", "info")
    return sorted([*base, *extra], key=lambda f: order.index(f.severity))


def pair_keyed(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each pair's two texts joined into ``text``, so that the text checks and fixes compare pairs."""
    if PAIR_COLUMN not in df.columns:
        return df
    joined = df["text"].astype(str).str.strip() + _PAIR_SEP + df[PAIR_COLUMN].astype(str).str.strip()
    return df.assign(text=joined)


def apply_fixes_for(df: pd.DataFrame, fixes: Iterable[str], task: Task, *, min_count: int) -> pd.DataFrame:
    """:func:`core.data.fixes.apply_fixes` for a table of kind ``task``: a pair's duplicates, conflicts and leaks
    compare both texts; merging rare classes applies to single-label data only."""
    fixes = [f for f in fixes if f != "merge_rare" or (task.is_classification and not task.multi_label)]
    if not task.pair:
        return apply_fixes(df, fixes, min_count=min_count)
    rows = "\x1frow"
    fixed = apply_fixes(pair_keyed(df).assign(**{rows: np.arange(len(df))}), fixes, min_count=min_count)
    # merge_rare may have renamed labels: take them from the fixed rows
    return df.iloc[fixed[rows].to_numpy()].assign(label=fixed["label"].to_numpy()).reset_index(drop=True)


def _finding(code: str, severity: str, variant: str = "", *, count: int = 0, **params: object) -> Finding:
    title, text = message(f"health.{code}.title"), message(f"health.{code}.message{variant}", **params)
    return Finding(code, severity, str(title), str(text), count=count,
                   messages={"title": title.to_dict(), "message": text.to_dict()})


def _one(n: int) -> str:
    return "_one" if n == 1 else "_other"


def _names(counts: dict[str, int], limit: int = 5) -> object:
    items = sorted(counts.items(), key=lambda kv: kv[1])
    text = ", ".join(f"‘{k}’: {n}" for k, n in items[:limit])
    return message("health.names_more", names=text, more=len(items) - limit) if len(items) > limit else text


def _multi_label_findings(df: pd.DataFrame, counts: dict[str, int], section: dict, min_class: int) -> list[Finding]:
    out = []
    soft = max(SOFT_MIN_CLASS, min_class)
    rare = {k: n for k, n in counts.items() if n < soft}
    if rare:
        severity = "warning" if any(n < min_class for n in rare.values()) else "info"
        out.append(_finding("rare_labels", severity, _one(len(rare)), count=len(rare), n=len(rare), soft=soft,
                            names=_names(rare)))
    none = section["no_label"]
    if none:
        out.append(_finding("no_label_texts", "info", _one(none), count=none, n=none, share=share(none, len(df))))
    if len(df) and section["cardinality"]["1"] == len(df):
        out.append(_finding("one_label_each", "warning", count=len(df)))
    if "split" in df.columns:
        split = df["split"].astype(str)
        train = set(label_counts(df[split == "train"], Task("multi_label")))
        unseen = sorted(set(label_counts(df[split != "train"], Task("multi_label"))) - train)
        if train and unseen:
            names = ", ".join(f"‘{u}’" for u in unseen[:5])
            out.append(_finding("unseen_labels", "warning", _one(len(unseen)), count=len(unseen), n=len(unseen),
                                names=names))
    return out


def _regression_findings(section: dict) -> list[Finding]:
    out = []
    if section["distinct_values"] is not None:
        values = ", ".join(_num(v) for v in section["distinct_values"])
        out.append(_finding("target_few_values", "warning", count=section["n_distinct"], n=section["n_distinct"],
                            values=values))
    skew = section["skewness"]
    if abs(skew) > SKEW_WARNING:
        extreme = section["max"] if skew > 0 else section["min"]
        out.append(_finding("target_skewed", "warning", skew=skew, median=_num(section["median"]),
                            extreme=_num(extreme)))
    n = section["outliers"]
    if n:
        severity = "warning" if n / max(1, section["n"]) >= 0.01 else "info"
        examples = ", ".join(_num(v) for v in section["outlier_examples"])
        out.append(_finding("target_outliers", severity, _one(n), count=n, n=n, share=share(n, section["n"]),
                            low=_num(section["outlier_low"]), high=_num(section["outlier_high"]), examples=examples))
    return out


def _num(value: float) -> str:
    return format_number(value)


def _pair_findings(section: dict, max_length: int) -> list[Finding]:
    cut, sampled = section["truncated"], section["sampled"]
    if not cut:
        return []
    pair = section["pair_tokens"]
    suggestion = int(min(512, 2 ** int(np.ceil(np.log2(max(pair["p95"], 8))))))
    advice = (message("health.truncation.advice_length", length=suggestion) if suggestion > max_length
              else message("health.truncation.advice_fine"))
    severity = "warning" if cut / sampled > TRUNCATION_WARNING else "info"
    return [_finding("pair_truncation", severity, count=cut, share=share(cut, sampled), max_length=max_length,
                     longer=message(f"health.pair_truncation.{section['longer']}"),
                     first=section["first_tokens"]["mean"], second=section["second_tokens"]["mean"], advice=advice)]


# ------------------------------------------------------------------ text
def text_lines(report: object) -> list[str]:
    """The kind's lines of :meth:`core.data.health.HealthReport.to_text` (English, for the command line)."""
    lines = []
    ml, pairs, reg = getattr(report, "multi_label", None), getattr(report, "pairs", None), getattr(report, "regression", None)
    if ml:
        card = ", ".join(f"{k}: {v:,}" for k, v in ml["cardinality"].items())
        lines.append(f"Labels per text: mean {ml['mean_labels']:.2f} ({card}); {ml['no_label']:,} with none.")
    if reg:
        lines.append(f"Target: {_num(reg['min'])} to {_num(reg['max'])}, mean {reg['mean']:.3g}, sd {reg['std']:.3g}, "
                     f"{reg['n_distinct']:,} distinct values.")
    if pairs:
        first, second, pair = pairs["first_tokens"], pairs["second_tokens"], pairs["pair_tokens"]
        lines.append(f"Pair length (tokens, mean / p95): first {first['mean']:.0f} / {first['p95']:.0f}, second "
                     f"{second['mean']:.0f} / {second['p95']:.0f}, pair {pair['mean']:.0f} / {pair['p95']:.0f}; "
                     f"{pairs['truncated_share']:.1%} longer than {pairs['max_length']}.")
    return lines


def pair_token_counter(model: str) -> Callable[[list[str], list[str]], list[int]] | None:
    """``(first texts, second texts) -> token counts`` of the pairs as ``model``'s tokenizer encodes them (its own
    special tokens between and around), like :func:`core.models.token_counter` for single texts; None when the
    model's fast tokenizer file is not on this machine (then the report estimates)."""
    from pathlib import Path

    from core import models
    from core.config import BUILTIN_MODEL, TINY_TEST_MODEL
    from core.errors import ModelError

    name = BUILTIN_MODEL if model.strip() == TINY_TEST_MODEL else model
    try:
        file = Path(models.resolve_model(name)) / "tokenizer.json"
    except ModelError:
        return None
    if not file.is_file():
        return None
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(file))
    tok.no_truncation()
    tok.no_padding()

    def count(first: list[str], second: list[str]) -> list[int]:
        return [len(e.ids) for e in tok.encode_batch(list(zip(map(str, first), map(str, second), strict=True)))]

    return count
