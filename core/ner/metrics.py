"""Entity-level evaluation of tag sequences, equal to seqeval's numbers, plus a type confusion table.

An entity counts as found only when a predicted entity has the same type, start and end in the same sentence
(CoNLL's exact match).  Entities are read by :func:`core.ner.schemes.entities`: seqeval's default (conlleval) mode,
where an orphan ``I-X`` starts an entity; ``mode="strict"`` reads them as seqeval's ``mode="strict",
scheme=IOB2`` does (orphan ``I-`` tags are no entity).  Signatures follow seqeval/scikit-learn: ``y_true`` and
``y_pred`` are lists of sentences, each a list of tags, sentence for sentence and token for token.

Per type: precision = found / predicted, recall = found / true, F1 = 2PR / (P + R); "micro" pools the counts of
all types, "macro" averages the types' scores, "weighted" weights them by their support (true entities).  A ratio
with nothing to divide by is ``zero_division`` (0.0 by default, what seqeval's ``"warn"`` returns — silently here).
Deliberate differences from seqeval: plain Python numbers (not numpy scalars) in the report; the macro average of no
types at all (no entity anywhere) is ``zero_division`` where seqeval gives nan; token accuracy of no tokens is 0.0
where seqeval divides by zero; BILOU's L-/U- are read as E-/S- where seqeval's default mode misreads them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.ner.schemes import Entity, entities

AVERAGES = ("micro", "macro", "weighted")
NO_ENTITY = "(none)"
"""The row of predicted entities that overlap no true entity (spurious)."""
MISSED = "(missed)"
"""The column of true entities that no predicted entity overlaps."""
OUTCOMES = ("correct", "wrong_type", "boundary", "wrong_type_and_boundary", "missed")
"""What happened to each true entity (:class:`TypeConfusion`'s ``outcomes`` columns)."""

Tags = Sequence[Sequence[str]]


def _check(y_true: Tags, y_pred: Tags) -> None:
    """ValueError unless both hold the same number of sentences with the same number of tags each."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} sentences and y_pred {len(y_pred)}; they need to match.")
    for i, (true, pred) in enumerate(zip(y_true, y_pred, strict=True)):
        if len(true) != len(pred):
            raise ValueError(f"Sentence {i} has {len(true)} true tags and {len(pred)} predicted; they need to match.")


def _mode_is_strict(mode: str | None) -> bool:
    if mode not in (None, "strict"):
        raise ValueError(f'mode is None (seqeval\'s default) or "strict", not {mode!r}.')
    return mode == "strict"


def sentence_entities(sequences: Tags, *, mode: str | None = None) -> list[list[Entity]]:
    """The entities of each sentence (``(type, start, end_exclusive)``) read the way these metrics read them."""
    strict = _mode_is_strict(mode)
    return [entities(tags, strict=strict) for tags in sequences]


def _counts(y_true: Tags, y_pred: Tags, mode: str | None) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Entity types (sorted) and, per type, how many were found, predicted and true."""
    _check(y_true, y_pred)
    true = {(i, *e) for i, found in enumerate(sentence_entities(y_true, mode=mode)) for e in found}
    pred = {(i, *e) for i, found in enumerate(sentence_entities(y_pred, mode=mode)) for e in found}
    types = sorted({e[1] for e in true | pred})
    both = true & pred

    def per_type(items: set[tuple[int, str, int, int]]) -> np.ndarray:
        counts = Counter(e[1] for e in items)
        return np.array([counts[t] for t in types], dtype=np.int64)

    return types, per_type(both), per_type(pred), per_type(true)


def _divide(numerator: np.ndarray, denominator: np.ndarray, zero_division: float) -> np.ndarray:
    """numerator / denominator, ``zero_division`` where the denominator is 0 (seqeval's ``_prf_divide``)."""
    safe = np.where(denominator == 0, 1, denominator)
    return np.where(denominator == 0, float(zero_division), numerator / safe)


def precision_recall_fscore_support(
    y_true: Tags, y_pred: Tags, *, average: str | None = None, mode: str | None = None, zero_division: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | tuple[float, float, float, int]:
    """Precision, recall, F1 and support: per type (arrays in sorted-type order) or averaged (floats and an int).

    ``average``: None (per type), ``"micro"``, ``"macro"`` or ``"weighted"``; ``mode``: None or ``"strict"``;
    ``zero_division``: the value of a ratio with a zero denominator (0.0 or 1.0).  The same arithmetic, in the
    same order, as seqeval 1.2.2, so the numbers agree to the last bit.
    """
    if average not in (None, *AVERAGES):
        raise ValueError(f"average is None, 'micro', 'macro' or 'weighted', not {average!r}.")
    _, found, predicted, true = _counts(y_true, y_pred, mode)
    if average == "micro":
        found, predicted, true = (np.array([a.sum()]) for a in (found, predicted, true))
    precision = _divide(found, predicted, zero_division)
    recall = _divide(found, true, zero_division)
    denominator = precision + recall
    denominator[denominator == 0.0] = 1
    f_score = 2 * precision * recall / denominator
    if average is None:
        return precision, recall, f_score, true
    support = int(true.sum())
    if average == "weighted" and support == 0:
        # No true entity: recall is undefined, precision is too unless nothing was predicted (seqeval's rule).
        value = float(zero_division)
        nothing = predicted.sum() == 0
        return (value if nothing else 0.0), value, (value if nothing else 0.0), 0
    if precision.size == 0:
        # Neither true nor predicted entities: seqeval's macro average of no types is nan; say zero_division.
        return float(zero_division), float(zero_division), float(zero_division), 0
    weights = true if average == "weighted" else None
    return (float(np.average(precision, weights=weights)), float(np.average(recall, weights=weights)),
            float(np.average(f_score, weights=weights)), support)


def precision_score(y_true: Tags, y_pred: Tags, *, average: str | None = "micro", mode: str | None = None,
                    zero_division: float = 0.0) -> float | np.ndarray:
    """Entity precision: found / predicted (per type as an array when ``average`` is None)."""
    return precision_recall_fscore_support(y_true, y_pred, average=average, mode=mode, zero_division=zero_division)[0]


def recall_score(y_true: Tags, y_pred: Tags, *, average: str | None = "micro", mode: str | None = None,
                 zero_division: float = 0.0) -> float | np.ndarray:
    """Entity recall: found / true (per type as an array when ``average`` is None)."""
    return precision_recall_fscore_support(y_true, y_pred, average=average, mode=mode, zero_division=zero_division)[1]


def f1_score(y_true: Tags, y_pred: Tags, *, average: str | None = "micro", mode: str | None = None,
             zero_division: float = 0.0) -> float | np.ndarray:
    """Entity F1, the harmonic mean of precision and recall (per type as an array when ``average`` is None)."""
    return precision_recall_fscore_support(y_true, y_pred, average=average, mode=mode, zero_division=zero_division)[2]


def accuracy_score(y_true: Tags, y_pred: Tags) -> float:
    """Token accuracy: the share of tokens whose predicted tag equals the true tag (0.0 when there are none).

    Mostly ``O`` tokens in NER, so it flatters a model that finds nothing; the entity scores are the ones to read.
    """
    _check(y_true, y_pred)
    total = sum(len(tags) for tags in y_true)
    right = sum(t == p for true, pred in zip(y_true, y_pred, strict=True) for t, p in zip(true, pred, strict=True))
    return right / total if total else 0.0


def entity_types(y_true: Tags, y_pred: Tags, *, mode: str | None = None) -> list[str]:
    """The sorted types of the true and predicted entities: the order of per-type arrays."""
    return _counts(y_true, y_pred, mode)[0]


def classification_report_dict(y_true: Tags, y_pred: Tags, *, mode: str | None = None,
                               zero_division: float = 0.0) -> dict[str, dict[str, float | int]]:
    """seqeval's ``classification_report(..., output_dict=True)``: per type, then "micro avg", "macro avg" and
    "weighted avg", each ``{"precision", "recall", "f1-score", "support"}`` (support: true entities).
    """
    types = entity_types(y_true, y_pred, mode=mode)
    report: dict[str, dict[str, float | int]] = {}
    scores = precision_recall_fscore_support(y_true, y_pred, mode=mode, zero_division=zero_division)
    for type_, p, r, f, s in zip(types, *scores, strict=True):
        report[type_] = {"precision": float(p), "recall": float(r), "f1-score": float(f), "support": int(s)}
    for average in AVERAGES:
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=average, mode=mode,
                                                     zero_division=zero_division)
        report[f"{average} avg"] = {"precision": float(p), "recall": float(r), "f1-score": float(f), "support": int(s)}
    return report


@dataclass(frozen=True)
class TypeConfusion:
    """Where each true entity went, and the predicted entities that match nothing.

    ``matrix``: rows are the true types then :data:`NO_ENTITY`, columns the predicted types then :data:`MISSED`.
    A true entity is counted once, in the column of the predicted entity that matches its span exactly, else of
    the one overlapping it most (ties: the leftmost), else in ``(missed)``; the ``(none)`` row counts predicted
    entities overlapping no true entity.  So the diagonal mixes exact hits with right-type boundary errors:
    ``outcomes`` (rows: true types; columns: :data:`OUTCOMES`) tells them apart.
    """

    matrix: pd.DataFrame
    outcomes: pd.DataFrame

    @property
    def boundary_errors(self) -> int:
        """True entities overlapped by a prediction with other boundaries (whatever its type)."""
        return int(self.outcomes["boundary"].sum() + self.outcomes["wrong_type_and_boundary"].sum())

    @property
    def spurious(self) -> int:
        """Predicted entities that overlap no true entity."""
        return int(self.matrix.loc[NO_ENTITY].sum())


def _best_match(gold: Entity, predicted: list[Entity]) -> Entity | None:
    """The predicted entity with gold's exact span, else the one overlapping it most (leftmost on ties), else None."""
    _, start, end = gold
    best, best_overlap = None, 0
    for candidate in predicted:
        if candidate[1:] == (start, end):
            return candidate
        overlap = min(end, candidate[2]) - max(start, candidate[1])
        if overlap > best_overlap:
            best, best_overlap = candidate, overlap
    return best


def _outcome(gold: Entity, match: Entity) -> str:
    """How a matched true entity was predicted: right or wrong type, with the same or other boundaries."""
    same_type = match[0] == gold[0]
    if match[1:] == gold[1:]:
        return "correct" if same_type else "wrong_type"
    return "boundary" if same_type else "wrong_type_and_boundary"


def type_confusion(y_true: Tags, y_pred: Tags, *, mode: str | None = None) -> TypeConfusion:
    """Which type each true entity was predicted as (or missed), and the spurious predictions (see TypeConfusion)."""
    _check(y_true, y_pred)
    true_found, pred_found = sentence_entities(y_true, mode=mode), sentence_entities(y_pred, mode=mode)
    cells: Counter[tuple[str, str]] = Counter()
    outcomes: Counter[tuple[str, str]] = Counter()
    for golds, preds in zip(true_found, pred_found, strict=True):
        for gold in golds:
            match = _best_match(gold, preds)
            cells[gold[0], MISSED if match is None else match[0]] += 1
            outcomes[gold[0], "missed" if match is None else _outcome(gold, match)] += 1
        for pred in preds:
            if not any(min(pred[2], g[2]) > max(pred[1], g[1]) for g in golds):
                cells[NO_ENTITY, pred[0]] += 1
    types = sorted({e[0] for found in [*true_found, *pred_found] for e in found})
    rows, columns = [*types, NO_ENTITY], [*types, MISSED]
    matrix = pd.DataFrame([[cells[r, c] for c in columns] for r in rows], dtype=np.int64,
                          index=pd.Index(rows, name="true"), columns=pd.Index(columns, name="predicted"))
    table = pd.DataFrame([[outcomes[t, o] for o in OUTCOMES] for t in types], dtype=np.int64,
                         index=pd.Index(types, name="true"), columns=list(OUTCOMES))
    return TypeConfusion(matrix, table)
