"""The health report shown before training: what is wrong with the data and how to fix it.

:func:`health_report` inspects a cleaned table (columns ``text``, ``label``, optional
``split``; see :func:`core.data.dataio.clean_examples`) with vectorised pandas, so it stays fast on
hundreds of thousands of rows; only the token counting runs on a seeded sample.
Findings with severity ``"error"`` block training; each one says what to do, and many offer
a one-click fix that :func:`apply_fixes` applies.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import DataError
from core.text import plural

if TYPE_CHECKING:  # plotly is imported lazily: the CLI and tests need not load it
    import plotly.graph_objects as go

    from core.data.rowcheck import RowCount
    from core.data.vocab import UnknownShare

SEVERITIES = ("error", "warning", "info")
FIXES = ("drop_duplicates", "drop_conflicts", "drop_leakage", "merge_rare")

MIN_ROWS = 10  # below this no split/train/evaluate cycle means anything
SMALL_DATASET = 100
SOFT_MIN_CLASS = 10  # a class with fewer examples than this is hard to learn
IMBALANCE_WARNING = 10.0
IMBALANCE_INFO = 3.0
TRUNCATION_WARNING = 0.05
MERGED_LINES = "lines merged by stray quotes"  # a `dropped` reason counted while reading, not cleaning
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


@dataclass
class HealthReport:
    """Everything the health page and the CLI show before training.

    ``min_class_size`` is the smallest class that can be split into train/validation/test;
    pass it to :func:`apply_fixes` as ``min_count`` when applying ``merge_rare``.
    """

    n_rows: int
    label_counts: dict[str, int]
    findings: list[Finding]
    dropped: dict[str, int]
    token_lengths: list[int] | None
    max_length: int
    truncated_share: float | None
    split_counts: dict[str, dict[str, int]] | None
    min_class_size: int = field(default=0)
    lines: int | None = None  # non-blank data lines in the file(s), when counted (delimited text)
    unknown: dict | None = None  # core.data.vocab.UnknownShare.to_dict() of a sample, when measured

    @property
    def trainable(self) -> bool:
        """True when no finding blocks training."""
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (plain ints, floats, strings and lists)."""
        data = asdict(self)
        data["trainable"] = self.trainable
        return json.loads(json.dumps(data, default=_plain))

    def to_text(self) -> str:
        """A multi-line, human-readable report for the command line."""
        n_classes = len(self.label_counts)
        n_errors = sum(f.severity == "error" for f in self.findings)
        verdict = "ready to train" if self.trainable else f"NOT ready to train ({n_errors} to fix)"
        lines = [f"Data health: {plural(self.n_rows, 'row')}, {plural(n_classes, 'class')}, {verdict}."]
        lines.append("Classes: " + _format_counts(self.label_counts, self.n_rows))
        if self.split_counts:
            for split, counts in self.split_counts.items():
                lines.append(f"  {split}: {plural(sum(counts.values()), 'row')}")
        if self.truncated_share is not None:
            lines.append(
                f"Length: {_pct(round(self.truncated_share * 1e6), 1_000_000)} of sampled texts are longer than {self.max_length} tokens."
            )
        for finding in self.findings:
            fix = f" [fix: {finding.fix}]" if finding.fix else ""
            lines.append(f"[{finding.severity.upper()}] {finding.title}: {finding.message}{fix}")
        return "\n".join(lines)


def _plain(value: object) -> object:
    """json.dumps fallback for numpy scalars."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)


def _format_counts(counts: dict[str, int], total: int, limit: int = 12) -> str:
    parts = [f"{name} {n:,} ({n / total:.1%})" for name, n in list(counts.items())[:limit]]
    if len(counts) > limit:
        parts.append(f"and {len(counts) - limit} more")
    return ", ".join(parts) if parts else "none"


def _pct(part: int, total: int) -> str:
    """Percentage for messages; tiny non-zero shares read "under 0.1%" rather than "0.0%"."""
    share = part / total if total else 0.0
    return "under 0.1%" if 0 < share < 0.001 else f"{share:.1%}"


# --------------------------------------------------------------------------- report


def health_report(
    df: pd.DataFrame,
    *,
    dropped: dict[str, int] | None = None,
    count_tokens: Callable[[list[str]], list[int]] | None = None,
    max_length: int = 128,
    test_size: float = 0.2,
    validation_size: float = 0.1,
    sample_size: int = 20000,
    seed: int = 0,
    reading: RowCount | None = None,
    count_unknown: Callable[[list[str]], UnknownShare] | None = None,
) -> HealthReport:
    """Check a cleaned table (text, label, optional split) before training.

    ``count_tokens`` maps texts to token counts (e.g. a tokenizer); it runs on a seeded sample
    of at most ``sample_size`` texts.  ``test_size``/``validation_size`` are the fractions the
    trainer will split off when the table has no ``split`` column.  ``reading`` (from
    :func:`core.data.dataio.read_table`) makes lines merged by stray quotes count as dropped rows;
    ``count_unknown`` (see :func:`core.data.vocab.unknown_counter`) measures how much of a sample the
    model's tokenizer does not know.
    """
    _require_columns(df)
    dropped = {k: int(v) for k, v in (dropped or {}).items()}
    if reading is not None and reading.lost:
        dropped = {MERGED_LINES: reading.lost, **dropped}
    has_split = "split" in df.columns
    counts = _label_counts(df["label"])
    key = _text_key(df["text"])
    min_class = 1 if has_split else min_class_size(test_size, validation_size)
    lengths = _token_lengths(df["text"], count_tokens, sample_size, seed)
    share = float(np.mean(np.asarray(lengths) > max_length)) if lengths else None
    unknown = _unknown_share(df["text"], count_unknown, seed)

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
        *_dropped_findings({k: n for k, n in dropped.items() if k != MERGED_LINES}, len(df)),
        *_reading_findings(reading),
        *_unknown_findings(unknown),
    ]
    return HealthReport(
        n_rows=len(df),
        label_counts=counts,
        findings=sorted(findings, key=lambda f: SEVERITIES.index(f.severity)),
        dropped=dropped,
        token_lengths=lengths,
        max_length=max_length,
        truncated_share=share,
        split_counts=_split_counts(df) if has_split else None,
        min_class_size=min_class,
        lines=reading.lines if reading is not None else None,
        unknown=unknown.to_dict() if unknown is not None else None,
    )


def min_class_size(test_size: float, validation_size: float) -> int:
    """Smallest class size for which a stratified split puts ≥1 example in every split."""
    fractions = [f for f in (test_size, validation_size, 1 - test_size - validation_size) if f > 0]
    # The tiny epsilon keeps 1 / 0.1 == 10.000000000000002 from rounding up to 11.
    return max([2] + [math.ceil(1 / f - 1e-9) for f in fractions])


def _require_columns(df: pd.DataFrame) -> None:
    missing = [c for c in ("text", "label") if c not in df.columns]
    if missing:
        raise DataError(
            "The table has no ‘text’ and ‘label’ columns yet; choose the text and label columns first so the data can be cleaned."
        )


def _label_counts(labels: pd.Series) -> dict[str, int]:
    counts = labels.astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def _text_key(texts: pd.Series) -> pd.Series:
    """Texts compared for duplicates: leading/trailing spaces are invisible, so ignore them."""
    return texts.astype(str).str.strip()


def _split_counts(df: pd.DataFrame) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for split, group in df.groupby(df["split"].astype(str), sort=False):
        out[str(split)] = _label_counts(group["label"])
    order = {"train": 0, "validation": 1, "test": 2}
    return dict(sorted(out.items(), key=lambda kv: order.get(kv[0], 3)))


def _token_lengths(
    texts: pd.Series,
    count_tokens: Callable[[list[str]], list[int]] | None,
    sample_size: int,
    seed: int,
) -> list[int] | None:
    if count_tokens is None or texts.empty:
        return None
    sample = texts.sample(sample_size, random_state=seed) if len(texts) > sample_size else texts
    return [int(n) for n in count_tokens(sample.astype(str).tolist())]


# --------------------------------------------------------------------------- findings


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
    columns = {"key": key, "label": df["label"].astype(str)}
    if "split" in df.columns:
        columns["split"] = df["split"].astype(str)  # copies across splits count as leakage
    extra = int(pd.DataFrame(columns).duplicated().sum())
    if not extra:
        return []
    return [
        Finding(
            "duplicates",
            "warning",
            "Duplicate examples",
            f"{plural(extra, 'row')} ({_pct(extra, len(df))}) {'repeats' if extra == 1 else 'repeat'} a text with the "
            "same label; "
            "duplicates "
            "can land in both training and test data and make the test score look better than it "
            "is. Drop them.",
            count=extra,
            fix="drop_duplicates",
        )
    ]


def _conflict_mask(df: pd.DataFrame, key: pd.Series) -> pd.Series:
    """Rows whose text also appears elsewhere with a different label."""
    n_labels = df["label"].astype(str).groupby(key).transform("nunique")
    return n_labels > 1


def _conflict_findings(df: pd.DataFrame, key: pd.Series) -> list[Finding]:
    mask = _conflict_mask(df, key)
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


def _leakage_mask(df: pd.DataFrame, key: pd.Series) -> pd.Series:
    """Validation/test rows whose text also appears in the training split."""
    split = df["split"].astype(str)
    in_train = key.isin(set(key[split == "train"]))
    return split.isin(EVAL_SPLITS) & in_train


def _leakage_findings(df: pd.DataFrame, key: pd.Series) -> list[Finding]:
    mask = _leakage_mask(df, key)
    leaked = int(mask.sum())
    if not leaked:
        return []
    n_eval = int(df["split"].astype(str).isin(EVAL_SPLITS).sum())
    return [
        Finding(
            "leakage",
            "warning",
            "Test texts also in training",
            f"{plural(leaked, 'validation/test row')} ({_pct(leaked, n_eval)} of them) {'has' if leaked == 1 else 'have'} "
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
            f"{_pct(cut, len(values))} of texts (sampled) are longer than {max_length} tokens, and the model "
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
            f"{plural(n, 'text')} ({_pct(n, len(texts))}) {'is' if n == 1 else 'are'} shorter than {SHORT_CHARS} "
            "characters, such as "
            f"{examples}; they carry little meaning. Check that the right text column was chosen.",
            count=n,
        )
    ]


def _unknown_share(texts: pd.Series, count_unknown: Callable | None, seed: int) -> UnknownShare | None:
    from core.data.vocab import SAMPLE_TEXTS

    if count_unknown is None or texts.empty:
        return None
    sample = texts.sample(SAMPLE_TEXTS, random_state=seed) if len(texts) > SAMPLE_TEXTS else texts
    return count_unknown(sample.astype(str).tolist())


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
            f"Cleaning removed {plural(total, 'row')} ({_pct(total, total + n_kept)}): {reasons}. If that is more than you "
            "expected, check the chosen columns.",
            count=total,
        )
    ]


# --------------------------------------------------------------------------- fixes


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
        "drop_conflicts": lambda d: d[~_conflict_mask(d, _text_key(d["text"]))],
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
    columns = {"key": _text_key(df["text"]), "label": df["label"].astype(str)}
    if "split" in df.columns:
        columns["split"] = df["split"].astype(str)
    return df[~pd.DataFrame(columns).duplicated()]


def _drop_leakage(df: pd.DataFrame) -> pd.DataFrame:
    if "split" not in df.columns:
        return df
    return df[~_leakage_mask(df, _text_key(df["text"]))]


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


# --------------------------------------------------------------------------- figures


def label_distribution_figure(report: HealthReport) -> go.Figure:
    """Bar chart of examples per class (stacked by split when the data has a split column)."""
    import plotly.graph_objects as go

    from core.plots.class_layout import class_axis_style, class_chart_height

    classes = list(report.label_counts)
    many = len(classes) > 20  # then horizontal bars, one readable row per class (a tall chart)
    cls, num = ("y", "x") if many else ("x", "y")
    fig = go.Figure()
    if report.split_counts:
        for split, counts in report.split_counts.items():
            fig.add_bar(name=split, **{cls: classes, num: [counts.get(c, 0) for c in classes]}, orientation="h" if many else "v")
        fig.update_layout(barmode="stack")
    else:
        fig.add_bar(name="examples", **{cls: classes, num: [report.label_counts[c] for c in classes]}, orientation="h" if many else "v")
    axis = {**class_axis_style(len(classes)), "title": {"text": "class"}}  # category: "1", "2" stay names, not numbers
    if many:
        fig.update_layout(height=class_chart_height(len(classes)), yaxis={**axis, "autorange": "reversed"},
                          xaxis={"title": {"text": "examples"}})
    else:
        fig.update_layout(xaxis=axis, yaxis={"title": {"text": "examples"}})
    fig.update_layout(title="Examples per class")
    return fig


def length_histogram_figure(report: HealthReport) -> go.Figure | None:
    """Histogram of sampled token lengths with a line at max_length, or None without lengths."""
    if not report.token_lengths:
        return None
    import plotly.graph_objects as go

    fig = go.Figure(go.Histogram(x=report.token_lengths, nbinsx=50, name="texts"))
    share = report.truncated_share or 0.0
    fig.add_vline(
        x=report.max_length,
        line_dash="dash",
        line_color="red",
        annotation_text=f"max length {report.max_length}: {share:.1%} cut",
        annotation_position="top right",
    )
    fig.update_layout(
        title="Text length in tokens (sample)",
        xaxis_title="tokens",
        yaxis_title="texts",
        showlegend=False,
    )
    return fig
