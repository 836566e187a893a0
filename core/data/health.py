"""The health report shown before training: what is wrong with the data and how to fix it.

:func:`health_report` inspects a cleaned table (columns ``text``, ``label``, optional
``split``; see :func:`core.data.clean.clean_examples`) with vectorised pandas, so it stays fast on
hundreds of thousands of rows; only the token counting runs on a seeded sample.  The checks
themselves live in :mod:`core.data.findings`, what depends on the kind of data (multi-label, pairs, a numeric
target; see :mod:`core.tasks`) in :mod:`core.data.health_tasks`; findings with severity ``"error"`` block training,
each one says what to do, and many offer a one-click fix that :func:`core.data.fixes.apply_fixes`
applies.  The charts of a report are in :mod:`core.plots.health_figures`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.data import health_tasks
from core.data.findings import Finding, pct
from core.data.rowcheck import MERGED_LINES
from core.errors import DataError
from core.i18n import message
from core.tasks import Task
from core.text import plural

if TYPE_CHECKING:
    from core.data.rowcheck import RowCount
    from core.data.vocab import UnknownShare


@dataclass
class HealthReport:
    """Everything the health page and the CLI show before training.

    ``min_class_size`` is the smallest class that can be split into train/validation/test;
    pass it to :func:`core.data.fixes.apply_fixes` as ``min_count`` when applying ``merge_rare``.
    ``task`` is the kind (:meth:`core.tasks.Task.to_dict`); ``label_counts`` are rows per label for multi-label data
    and empty for a numeric target.  Each kind fills its section (see :mod:`core.data.health_tasks`): ``multi_label``
    (label cardinality, co-occurrence), ``pairs`` (token lengths of each text and of the pair; ``token_lengths`` and
    ``truncated_share`` are then the pair's) or ``regression`` (the target's distribution).
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
    task: dict = field(default_factory=lambda: Task().to_dict())
    multi_label: dict | None = None
    pairs: dict | None = None
    regression: dict | None = None

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
        task = Task.from_dict(self.task)
        n_classes = len(self.label_counts)
        n_errors = sum(f.severity == "error" for f in self.findings)
        verdict = "ready to train" if self.trainable else f"NOT ready to train ({n_errors} to fix)"
        kind = ("a numeric target" if task.regression else plural(n_classes, "label" if task.multi_label else "class"))
        pairs = " (text pairs)" if task.pair else ""
        lines = [f"Data health: {plural(self.n_rows, 'row')}{pairs}, {kind}, {verdict}."]
        if task.is_classification:
            noun = "Labels" if task.multi_label else "Classes"
            lines.append(f"{noun}: " + _format_counts(self.label_counts, self.n_rows))
        lines += health_tasks.text_lines(self)
        if self.split_counts:
            for split, counts in self.split_counts.items():
                lines.append(f"  {split}: {plural(sum(counts.values()), 'row')}")
        if self.truncated_share is not None and not task.pair:  # a pair's length has its own line
            lines.append(
                f"Length: {pct(round(self.truncated_share * 1e6), 1_000_000)} of sampled texts are longer than {self.max_length} tokens."
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
    task: Task | None = None,
    count_pair_tokens: Callable[[list[str], list[str]], list[int]] | None = None,
) -> HealthReport:
    """Check a cleaned table (text, label, optional split) before training.

    ``count_tokens`` maps texts to token counts (e.g. a tokenizer); it runs on a seeded sample
    of at most ``sample_size`` texts.  ``test_size``/``validation_size`` are the fractions the
    trainer will split off when the table has no ``split`` column.  ``reading`` (from
    :func:`core.data.upload.read_table`) makes lines merged by stray quotes count as dropped rows;
    ``count_unknown`` (see :func:`core.data.vocab.unknown_counter`) measures how much of a sample the
    model's tokenizer does not know.  ``task`` is the kind of data (default: what the table shows, see
    :func:`core.data.health_tasks.task_of_frame`); for pairs ``count_pair_tokens`` (first texts, second texts ->
    token counts of the pair encoding) measures the pairs exactly, else they are estimated from ``count_tokens``.
    """
    _require_columns(df)
    task = task or health_tasks.task_of_frame(df)
    dropped = {k: int(v) for k, v in (dropped or {}).items()}
    if reading is not None and reading.lost:
        dropped = {MERGED_LINES: reading.lost, **dropped}
    has_split = "split" in df.columns
    counts = health_tasks.label_counts(df, task)
    min_class = 1 if has_split else min_class_size(test_size, validation_size)
    found = health_tasks.sections(df, task, counts, count_tokens=count_tokens, count_pair_tokens=count_pair_tokens,
                                  max_length=max_length, sample_size=sample_size, seed=seed)
    lengths = found.token_lengths if task.pair else _token_lengths(df["text"], count_tokens, sample_size, seed)
    share = float(np.mean(np.asarray(lengths) > max_length)) if lengths else None
    unknown = _unknown_share(df["text"], count_unknown, seed)
    findings = health_tasks.collect(
        df, task, counts, found, min_class=min_class, lengths=lengths, max_length=max_length,
        dropped={k: n for k, n in dropped.items() if k != MERGED_LINES}, reading=reading, unknown=unknown,
    )
    return HealthReport(
        n_rows=len(df),
        label_counts=counts,
        findings=findings,
        dropped=dropped,
        token_lengths=lengths,
        max_length=max_length,
        truncated_share=share,
        split_counts=health_tasks.split_counts(df, task),
        min_class_size=min_class,
        lines=reading.lines if reading is not None else None,
        unknown=unknown.to_dict() if unknown is not None else None,
        task=task.to_dict(),
        multi_label=found.multi_label,
        pairs=found.pairs,
        regression=found.regression,
    )


def min_class_size(test_size: float, validation_size: float) -> int:
    """Smallest class size for which a stratified split puts ≥1 example in every split."""
    fractions = [f for f in (test_size, validation_size, 1 - test_size - validation_size) if f > 0]
    # The tiny epsilon keeps 1 / 0.1 == 10.000000000000002 from rounding up to 11.
    return max([2] + [math.ceil(1 / f - 1e-9) for f in fractions])


def _require_columns(df: pd.DataFrame) -> None:
    missing = [c for c in ("text", "label") if c not in df.columns]
    if missing:
        raise DataError(message("error.data.no_text_label_columns"))


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


def _unknown_share(texts: pd.Series, count_unknown: Callable | None, seed: int) -> UnknownShare | None:
    from core.data.vocab import SAMPLE_TEXTS

    if count_unknown is None or texts.empty:
        return None
    sample = texts.sample(SAMPLE_TEXTS, random_state=seed) if len(texts) > SAMPLE_TEXTS else texts
    return count_unknown(sample.astype(str).tolist())

