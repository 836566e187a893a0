"""Is NER run B really better than A?  The paired statistics of two named-entity runs on the same test sentences.

The unit that is resampled is the *sentence*, not the entity: entities of one sentence share its words and its
context, so they are not independent draws, and a bootstrap over entities would claim more certainty than the test
set holds.  Each sentence is reduced once to its counts — entities found (type and boundaries both right), true and
predicted, as :mod:`core.ner.metrics` reads them (seqeval's default mode) — so entity micro-F1 of every resample is a
matrix product (:mod:`core.compare.resampling`), and both runs are scored on the same resampled sentences.

Two tests: a paired bootstrap of the entity-F1 difference (the lead test: what the report's headline is), and
McNemar's exact test on the sentences exactly one of the runs gets fully right (every entity, nothing extra) — a
sign test that needs no resampling.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from core.compare import resampling
from core.ner.metrics import sentence_entities

__all__ = ["entity_counts", "f1_scorer", "paired_entity_tests", "tag_lists"]


def tag_lists(cells: Iterable[object]) -> list[list[str]]:
    """Stored tag strings (``"B-PER I-PER O"``: one tag per word, :mod:`core.ner.table`) as lists of tags."""
    return [str(cell).split() if cell is not None else [] for cell in cells]


def entity_counts(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Per sentence ``[found, true, predicted]`` entity counts ``(n, 3)`` and whether it is entirely right ``(n,)``.

    "Entirely right": the predicted entities are exactly the true ones (a sentence with none predicted none).
    """
    if [len(t) for t in y_true] != [len(p) for p in y_pred]:
        raise ValueError("y_true and y_pred need the same sentences with the same number of tags each.")
    golds, preds = sentence_entities(y_true), sentence_entities(y_pred)
    counts = np.array([[len(set(g) & set(p)), len(g), len(p)] for g, p in zip(golds, preds, strict=True)],
                      dtype=np.float64).reshape(-1, 3)
    exact = np.array([set(g) == set(p) for g, p in zip(golds, preds, strict=True)], dtype=bool)
    return counts, exact


def f1_scorer(counts: np.ndarray) -> resampling.Scorer:
    """Entity micro-F1 of each resample from per-sentence counts, in seqeval's order of operations (F1 from
    precision and recall; 0 where there is nothing to divide)."""
    parts = np.asarray(counts, dtype=np.float64)

    def score(weights: np.ndarray) -> np.ndarray:
        found, true, predicted = (weights @ parts).T
        precision = np.divide(found, predicted, out=np.zeros_like(found), where=predicted > 0)
        recall = np.divide(found, true, out=np.zeros_like(found), where=true > 0)
        denominator = precision + recall
        return 2 * precision * recall / np.where(denominator == 0, 1.0, denominator)

    return score


def paired_entity_tests(gold: Iterable[object], pred_a: Iterable[object], pred_b: Iterable[object], *,
                        resamples: int = resampling.RESAMPLES, seed: int = resampling.SEED,
                        ) -> tuple[dict[str, resampling.Estimate], np.ndarray, np.ndarray]:
    """B against A on the same sentences (tag strings or lists, aligned row by row).

    Returns the paired bootstrap ``{"f1": …, "sentence_accuracy": …}`` (values of A and B, the 95 % interval of
    B − A, its two-sided p-value) and each run's per-sentence "entirely right" flags, for McNemar's test.
    """
    truth = [list(t) if not isinstance(t, str) else t.split() for t in gold]
    runs = [[list(p) if not isinstance(p, str) else p.split() for p in pred] for pred in (pred_a, pred_b)]
    (counts_a, exact_a), (counts_b, exact_b) = (entity_counts(truth, pred) for pred in runs)
    found = resampling.paired_bootstrap(
        {"f1": (f1_scorer(counts_a), f1_scorer(counts_b)),
         "sentence_accuracy": (resampling.mean_scorer(exact_a), resampling.mean_scorer(exact_b))},
        len(truth), resamples=resamples, seed=seed)
    return found, exact_a, exact_b
