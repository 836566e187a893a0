"""Is B really better than A?  A paired test of two runs scored on the same test rows, for every kind of task.

Two runs tested on the same rows meet the same easy and hard examples, so the difference between them is far less
noisy than either score alone; testing that difference row by row (paired) is what tells a real gain from the luck
of one seed.  Per kind (sentence pairs as their target):

- one label per text: McNemar's exact test on the rows only one of the runs gets right (accuracy), and a paired
  bootstrap of the macro-F1 difference;
- several labels per text: a paired bootstrap of the micro-F1 difference, and McNemar on exact-set correctness;
- a number per text: paired bootstraps of the MAE, MSE and Spearman differences;
- named entities: a paired bootstrap over sentences of the entity-F1 difference, and McNemar on the sentences
  whose entities are all right (:mod:`core.compare.ner_significance`).

Every interval is a 95% percentile interval of one paired bootstrap (:mod:`core.compare.resampling`): the resample
counts are drawn once and every metric of both runs is scored on them.  Runs whose test rows differ (another
dataset, another split) get no test and one sentence saying why.  Sentences are catalogue Messages
(``significance.*``) naming the runs: the UI shows them in its language, the CLI's JSON in English.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from core import results
from core.compare import ner_significance, resampling
from core.compare.alignment import align_predictions
from core.compare.loading import load_predictions, report_digest, run_labels, run_task
from core.i18n import Message, message
from core.store import Run
from core.tasks import MULTI_LABEL, PAIR_COLUMN, REGRESSION, Task, distinct_labels, label_matrix

CHANCE = 0.05
"""A p-value below this reads "unlikely to be chance"; at or above it, "could well be chance"."""
LEAD_METRIC = {"single_label": "accuracy", MULTI_LABEL: "f1_micro", REGRESSION: "mae", "ner": "f1"}
"""The test a comparison states first (its one sentence): the plainest reading of each kind."""
_POINTS = frozenset({"accuracy", "f1_macro", "f1_micro", "subset_accuracy", "f1", "sentence_accuracy"})  # shares: differences in points
_LOWER_IS_BETTER = frozenset({"mae", "mse"})  # as core.compare.tables.LOWER_IS_BETTER (which imports this module)
_SPLIT_SETTINGS = ("seed", "test_size", "validation_size")


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class MetricTest:
    """One metric of A and B on the shared rows: values, B − A with its interval, the p-value and which test."""

    metric: str
    test: str  # "mcnemar_exact" | "paired_bootstrap"
    a: float
    b: float
    low: float
    high: float
    p_value: float
    n_rows: int
    sentence: Message | None = None

    @property
    def difference(self) -> float:
        """B minus A (positive: B scores higher, which is worse for an error such as MAE)."""
        return self.b - self.a

    def to_dict(self) -> dict[str, Any]:
        """JSON: the numbers, the English sentence and its catalogue dict (``message``) for the UI."""
        return {"metric": self.metric, "a": self.a, "b": self.b, "difference": self.difference, "low": self.low,
                "high": self.high, "p_value": self.p_value, "test": self.test, "n_rows": self.n_rows,
                "sentence": "" if self.sentence is None else str(self.sentence),
                "message": None if self.sentence is None else self.sentence.to_dict()}


@dataclass(frozen=True)
class PairedComparison:
    """Run B against run A: their paired tests (lead metric first), or the reason there are none."""

    a: str
    b: str
    tests: tuple[MetricTest, ...] = ()
    reason: Message | None = None
    method: str | None = None  # how the rows were matched: "row_id" or "text"
    n_rows: int = 0

    @property
    def paired(self) -> bool:
        return bool(self.tests)

    @property
    def sentence(self) -> Message:
        """The one sentence of this comparison: the lead test's, or why no paired test is possible."""
        return self.sentences[0]

    @property
    def sentences(self) -> list[Message]:
        """Every test's sentence (lead first), or the one saying why there is no test."""
        return [t.sentence for t in self.tests if t.sentence is not None] or [self.reason]  # type: ignore[list-item]

    def to_dict(self) -> dict[str, Any]:
        said = self.sentence
        return {"a": self.a, "b": self.b, "paired": self.paired, "method": self.method, "n_rows": self.n_rows,
                "sentence": str(said), "message": said.to_dict(), "tests": [t.to_dict() for t in self.tests]}


# ---------------------------------------------------------------------------- public entry points
def compare_pair(a: Run, b: Run, *, names: dict[str, str] | None = None,
                 predictions: dict[str, pd.DataFrame | None] | None = None,
                 resamples: int = resampling.RESAMPLES, seed: int = resampling.SEED) -> PairedComparison:
    """B against A on the test rows both predicted.  ``names`` label the runs in the sentences (default: their
    unique labels); ``predictions`` default to the runs' stored ones, and then the numbers are cached per file."""
    names = names or run_labels([a, b] if a.id != b.id else [a])
    task = run_task(a)
    if run_task(b) != task:
        return PairedComparison(a.id, b.id, reason=_no_test("kinds_differ", a, b, names))
    stored = predictions is None
    preds = {r.id: load_predictions(r.id) for r in (a, b)} if stored else predictions
    missing = list(dict.fromkeys(names[r.id] for r in (a, b) if preds.get(r.id) is None))
    if missing:
        return PairedComparison(a.id, b.id, reason=message("significance.no_test.no_predictions", runs=", ".join(missing)))
    aligned = align_predictions([a, b] if a.id != b.id else [a], preds, numeric=task.regression)
    reason = _why_unpaired(a, b, aligned, preds, names)
    if reason is not None:
        return PairedComparison(a.id, b.id, reason=reason, method=aligned.method)
    frame = aligned.frame
    key = (a.id, b.id, _stamp(a.id), _stamp(b.id), resamples, seed) if stored else None
    tests = _remembered(key, lambda: _tests(task, frame, a, b, resamples, seed))
    if not tests:
        return PairedComparison(a.id, b.id, reason=_no_test("no_numbers", a, b, names), method=aligned.method)
    worded = tuple(replace(t, sentence=_sentence(t, names[a.id], names[b.id])) for t in tests)
    return PairedComparison(a.id, b.id, worded, method=aligned.method, n_rows=len(frame))


def against_reference(runs: Sequence[Run], *, reference_id: str | None = None,
                      names: dict[str, str] | None = None, **options: Any) -> list[PairedComparison]:
    """Each run against the reference run (default the first), as the metric table's deltas are."""
    names = names or run_labels(runs)
    reference = next((r for r in runs if r.id == reference_id), runs[0])
    return [compare_pair(reference, run, names=names, **options) for run in runs if run.id != reference.id]


def summary(runs: Sequence[Run], *, reference_id: str | None = None, names: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``significance`` object of ``python -m core compare --json``: each run against the reference."""
    pairs = against_reference(runs, reference_id=reference_id, names=names)
    reference = next((r.id for r in runs if r.id == reference_id), runs[0].id)
    return {"reference": reference, "confidence": resampling.CONFIDENCE, "resamples": resampling.RESAMPLES,
            "seed": resampling.SEED, "chance_below": CHANCE, "comparisons": [p.to_dict() for p in pairs]}


# ---------------------------------------------------------------------------- same rows, or why not
def _no_test(key: str, a: Run, b: Run, names: dict[str, str], **params: Any) -> Message:
    return message(f"significance.no_test.{key}", a=names[a.id], b=names[b.id], **params)


def _distinct_rows(frame: pd.DataFrame) -> int:
    """Test rows of one run as text alignment counts them (a text repeated in the test split counts once)."""
    keys = ["text", PAIR_COLUMN] if PAIR_COLUMN in frame.columns else ["text"]
    return len(frame.astype({k: str for k in keys}).drop_duplicates(keys))


def _why_unpaired(a: Run, b: Run, aligned: Any, preds: dict[str, pd.DataFrame], names: dict[str, str]) -> Message | None:
    """None when the runs were tested on the same rows; else the one sentence saying how their rows differ.

    Rows matched by text still count as the same rows when they are all of both runs' test rows (an uploaded test
    file is the test split whatever the seed); a partial overlap is not the runs' test sets, so it is not tested.
    """
    if aligned.method == "row_id":
        return None
    key = aligned.sentence.key.rsplit(".", 1)[-1]
    if key in ("datasets_differ", "labels_differ", "test_labels_differ"):
        return _no_test(key, a, b, names)
    shared = 0 if aligned.frame is None else len(aligned.frame)
    rows_a, rows_b = _distinct_rows(preds[a.id]), _distinct_rows(preds[b.id])
    if shared and shared == rows_a == rows_b:
        return None
    counts = {"overlap": _overlap(shared, rows_a, rows_b)}
    config_a, config_b = a.config, b.config
    if config_a.get("seed") != config_b.get("seed"):
        return _no_test("split_seed", a, b, names, seed_a=config_a.get("seed"), seed_b=config_b.get("seed"), **counts)
    if any(config_a.get(k) != config_b.get(k) for k in _SPLIT_SETTINGS[1:]):
        shares = {f"{k.split('_')[0]}_{side}": float(c.get(k) or 0.0) for k in _SPLIT_SETTINGS[1:]
                  for side, c in (("a", config_a), ("b", config_b))}
        return _no_test("split_sizes", a, b, names, **shares, **counts)
    return _no_test("rows_differ", a, b, names, **counts)


# ---------------------------------------------------------------------------- the tests of each kind
def _tests(task: Task, frame: pd.DataFrame, a: Run, b: Run, resamples: int, seed: int) -> tuple[MetricTest, ...]:
    """The paired tests of ``task``'s kind on the aligned rows, the lead metric first."""
    if task.regression:
        return _regression(frame, a.id, b.id, resamples, seed)
    if task.multi_label:
        return _multi_label(frame, a.id, b.id, resamples, seed)
    if task.target == "ner":  # core.tasks.NER
        return _ner(frame, a.id, b.id, resamples, seed)
    return _single_label(frame, a, b, resamples, seed)


def _single_label(frame: pd.DataFrame, a: Run, b: Run, resamples: int, seed: int) -> tuple[MetricTest, ...]:
    """Accuracy by McNemar, macro-F1 by bootstrap over every class the model knows (as the report's macro-F1)."""
    cells = [frame[c].astype(str) for c in ("label", a.id, b.id)]
    known = report_digest(a.id)["labels"] or []
    labels = list(dict.fromkeys([*map(str, known), *sorted(set().union(*(set(c) for c in cells)))]))
    index = {label: i for i, label in enumerate(labels)}
    truth, pred_a, pred_b = (c.map(index).to_numpy(dtype=np.intp) for c in cells)
    right_a, right_b = pred_a == truth, pred_b == truth
    macro = {run: resampling.f1_macro_scorer(truth, pred, len(labels)) for run, pred in (("a", pred_a), ("b", pred_b))}
    found = resampling.paired_bootstrap({"accuracy": (resampling.mean_scorer(right_a), resampling.mean_scorer(right_b)),
                                         "f1_macro": (macro["a"], macro["b"])}, len(frame), resamples=resamples, seed=seed)
    return _mcnemar("accuracy", right_a, right_b, found["accuracy"]), _bootstrapped("f1_macro", found["f1_macro"], len(frame))


def _multi_label(frame: pd.DataFrame, a_id: str, b_id: str, resamples: int, seed: int) -> tuple[MetricTest, ...]:
    """Micro-F1 by bootstrap (labels neither predicted nor true add nothing to it), exact sets by McNemar."""
    labels = distinct_labels(pd.concat([frame["label"], frame[a_id], frame[b_id]]))
    truth, pred_a, pred_b = (label_matrix(frame[c], labels).astype(bool) for c in ("label", a_id, b_id))
    exact_a, exact_b = (pred_a == truth).all(axis=1), (pred_b == truth).all(axis=1)
    found = resampling.paired_bootstrap(
        {"f1_micro": (resampling.f1_micro_scorer(truth, pred_a), resampling.f1_micro_scorer(truth, pred_b)),
         "subset_accuracy": (resampling.mean_scorer(exact_a), resampling.mean_scorer(exact_b))},
        len(frame), resamples=resamples, seed=seed)
    return (_bootstrapped("f1_micro", found["f1_micro"], len(frame)),
            _mcnemar("subset_accuracy", exact_a, exact_b, found["subset_accuracy"]))


def _regression(frame: pd.DataFrame, a_id: str, b_id: str, resamples: int, seed: int) -> tuple[MetricTest, ...]:
    """MAE, MSE and Spearman by bootstrap, on the rows where the truth and both predictions are numbers."""
    values = frame[["label", a_id, b_id]].to_numpy(dtype=float)
    values = values[np.isfinite(values).all(axis=1)]
    truth, pred_a, pred_b = values.T
    if len(truth) == 0:
        return ()
    scorers: dict[str, tuple[resampling.Scorer, resampling.Scorer]] = {
        "mae": (resampling.mean_scorer(np.abs(pred_a - truth)), resampling.mean_scorer(np.abs(pred_b - truth))),
        "mse": (resampling.mean_scorer((pred_a - truth) ** 2), resampling.mean_scorer((pred_b - truth) ** 2)),
        "spearman": tuple(resampling.spearman_scorers(truth, pred_a, pred_b)),
    }
    found = resampling.paired_bootstrap(scorers, len(truth), resamples=resamples, seed=seed)
    return tuple(_bootstrapped(m, found[m], len(truth)) for m in scorers if _defined(found[m]))


def _ner(frame: pd.DataFrame, a_id: str, b_id: str, resamples: int, seed: int) -> tuple[MetricTest, ...]:
    """Entity F1 by a paired bootstrap over sentences; fully right sentences by McNemar (a sign test)."""
    if frame.empty:
        return ()
    found, exact_a, exact_b = ner_significance.paired_entity_tests(frame["label"], frame[a_id], frame[b_id],
                                                                   resamples=resamples, seed=seed)
    return (_bootstrapped("f1", found["f1"], len(frame)),
            _mcnemar("sentence_accuracy", exact_a, exact_b, found["sentence_accuracy"]))


def _defined(found: resampling.Estimate) -> bool:
    """A metric undefined on the rows themselves (Spearman of constant predictions) gets no test."""
    return all(math.isfinite(v) for v in (found.a, found.b, found.low, found.high, found.p_value))


def _mcnemar(metric: str, right_a: np.ndarray, right_b: np.ndarray, found: resampling.Estimate) -> MetricTest:
    """McNemar's exact p on the discordant rows; the interval is the bootstrap's, like every other interval."""
    p = resampling.mcnemar_p(int((right_b & ~right_a).sum()), int((right_a & ~right_b).sum()))
    return MetricTest(metric, "mcnemar_exact", found.a, found.b, found.low, found.high, p, len(right_a))


def _bootstrapped(metric: str, found: resampling.Estimate, n_rows: int) -> MetricTest:
    return MetricTest(metric, "paired_bootstrap", found.a, found.b, found.low, found.high, found.p_value, n_rows)


# ---------------------------------------------------------------------------- cache
_CACHE: dict[tuple, tuple[MetricTest, ...]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


def _stamp(run_id: str) -> tuple[int, int] | None:
    """(mtime_ns, size) of the run's predictions file: the numbers are cached while both files stay unchanged."""
    try:
        info = results.predictions_file(run_id).stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _remembered(key: tuple | None, compute: Callable[[], tuple[MetricTest, ...]]) -> tuple[MetricTest, ...]:
    """The tests for ``key`` computed once: the Compare page redraws on every click, a bootstrap need not rerun."""
    if key is None:
        return compute()
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    tests = compute()
    with _CACHE_LOCK:
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = tests
    return tests


# ---------------------------------------------------------------------------- sentences
def numbers(metric: str, *values: float) -> list[str]:
    """Numbers of one sentence (the difference first) written alike, never "-0.0": points for shares (one decimal,
    two for a difference under 0.1 points), three decimals for correlations, three significant digits of the
    difference for errors in the target's units (its interval with as many decimals)."""
    lead = abs(values[0]) or max(map(abs, values))
    if metric in _POINTS:
        values, decimals = tuple(100 * v for v in values), 2 if 0 < 100 * lead < 0.1 else 1
    elif metric in _LOWER_IS_BETTER:
        decimals = min(8, max(0, 2 - math.floor(math.log10(lead)))) if lead > 0 else 3
    else:
        decimals = 3
    return [f"{round(v, decimals) + 0.0:.{decimals}f}" for v in values]


def _overlap(shared: int, rows_a: int, rows_b: int) -> Message:
    if shared == 0:
        return message("significance.overlap.none")
    return message("significance.overlap.some", shared=shared, rows_a=rows_a, rows_b=rows_b)


def _verdict(p: float) -> Message:
    if p < 0.001:
        return message("significance.verdict.unlikely_tiny")
    return message("significance.verdict.unlikely" if p < CHANCE else "significance.verdict.chance", p=p)


def _sentence(test: MetricTest, a_name: str, b_name: str) -> Message:
    """The plain sentence of one test, worded for the metric's direction: "more accurate", "points higher",
    "lower (better)" for errors; the interval is of the difference the sentence states (A − B when B is lower)."""
    metric, points = message(f"significance.metric.{test.metric}"), test.metric in _POINTS
    shown = {"a": a_name, "b": b_name, "metric": metric, "n": test.n_rows}
    if abs(test.difference) < 1e-12:
        _, low, high = numbers(test.metric, 0.0, test.low, test.high)
        key = "same_points" if points else "same"
        return message(f"significance.sentence.{key}", **shown, low=low, high=high, p=test.p_value)
    up = test.difference > 0
    if test.metric == "accuracy":
        key = "more_accurate" if up else "less_accurate"
    elif test.metric in _LOWER_IS_BETTER:
        key = "higher_worse" if up else "lower_better"
    else:
        key = ("higher" if up else "lower") + ("_points" if points else "")
    diff, low, high = numbers(test.metric, abs(test.difference), *((test.low, test.high) if up else (-test.high, -test.low)))
    return message(f"significance.sentence.{key}", **shown, diff=diff, low=low, high=high, verdict=_verdict(test.p_value))
