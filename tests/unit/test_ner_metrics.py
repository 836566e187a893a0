"""Entity-level NER metrics (core/ner/metrics.py) equal seqeval's, on hand cases and on a seeded random batch.

seqeval is a test-only dependency (requirements-dev.txt); core.ner.metrics reimplements it with numpy/pandas.
Default mode (conlleval: an orphan I- starts an entity) and ``mode="strict"`` (seqeval's ``mode="strict",
scheme=IOB2``: orphan I- tags are no entity) are both compared.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import seqeval.metrics as sq
from seqeval.scheme import IOB2

from core.ner import metrics
from core.ner.metrics import MISSED, NO_ENTITY, OUTCOMES

# seqeval warns (UndefinedMetricWarning, a UserWarning) whenever a ratio divides by zero; the value is what we pin.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")

TOL = 1e-12

HAND_CASES = {
    "perfect": ([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "B-LOC"]]),
    "boundary errors": ([["B-ORG", "I-ORG", "I-ORG", "O", "B-PER", "O"]],
                        [["B-ORG", "I-ORG", "O", "O", "B-PER", "I-PER"]]),
    "type errors": ([["B-PER", "I-PER", "O", "B-LOC"]], [["B-ORG", "I-ORG", "O", "B-PER"]]),
    "orphan I- tags": ([["O", "I-PER", "I-PER", "O", "B-LOC", "I-LOC"]], [["O", "B-PER", "I-PER", "O", "I-LOC", "I-LOC"]]),
    "orphan after other type": ([["B-PER", "I-LOC", "O"]], [["B-PER", "B-LOC", "O"]]),
    "empty predictions": ([["B-PER", "O", "B-LOC", "I-LOC"], ["B-MISC"]], [["O", "O", "O", "O"], ["O"]]),
    "only spurious predictions": ([["O", "O", "O"]], [["B-PER", "O", "I-ORG"]]),
    "entities at sentence end": ([["O", "B-PER", "I-PER"], ["O", "B-LOC"]], [["O", "B-PER", "I-PER"], ["O", "O"]]),
    "multiple sentences do not merge": ([["O", "B-PER"], ["I-PER", "O"]], [["O", "B-PER"], ["B-PER", "O"]]),
    "adjacent same type": ([["B-PER", "B-PER", "I-PER"]], [["B-PER", "I-PER", "I-PER"]]),
    "hyphenated type": ([["B-WORK-OF-ART", "I-WORK-OF-ART"]], [["B-WORK-OF-ART", "O"]]),
    "bioes": ([["B-PER", "E-PER", "S-LOC", "O"]], [["B-PER", "E-PER", "B-LOC", "O"]]),
    "empty sentences": ([[], ["B-X"]], [[], ["B-X"]]),
}
STRICT_CASES = {k: v for k, v in HAND_CASES.items() if k != "bioes"}


def assert_same(y_true: list[list[str]], y_pred: list[list[str]], mode: str | None, zero_division: float | str = 0) -> None:
    """Every number core.ner.metrics reports equals seqeval's for this input (per type, each average, report)."""
    ours_zero = 0.0 if zero_division == "warn" else float(zero_division)
    extra = {"mode": "strict", "scheme": IOB2} if mode == "strict" else {}
    for average in (None, "micro", "macro", "weighted"):
        for name in ("precision_score", "recall_score", "f1_score"):
            theirs = getattr(sq, name)(y_true, y_pred, average=average, zero_division=zero_division, **extra)
            ours = getattr(metrics, name)(y_true, y_pred, average=average, mode=mode, zero_division=ours_zero)
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL, err_msg=f"{name} {average}")
    theirs_report = sq.classification_report(y_true, y_pred, output_dict=True, zero_division=zero_division, **extra)
    ours_report = metrics.classification_report_dict(y_true, y_pred, mode=mode, zero_division=ours_zero)
    assert list(ours_report) == list(theirs_report)
    for row, values in theirs_report.items():
        for key, value in values.items():
            assert ours_report[row][key] == pytest.approx(value, abs=TOL), (row, key)
    assert metrics.accuracy_score(y_true, y_pred) == pytest.approx(sq.accuracy_score(y_true, y_pred), abs=TOL)


@pytest.mark.parametrize("case", HAND_CASES)
def test_hand_cases_equal_seqeval_default_mode(case: str):
    assert_same(*HAND_CASES[case], mode=None)


@pytest.mark.parametrize("case", STRICT_CASES)
def test_hand_cases_equal_seqeval_strict_mode(case: str):
    assert_same(*STRICT_CASES[case], mode="strict")


@pytest.mark.parametrize("case", ["empty predictions", "only spurious predictions", "type errors"])
def test_zero_division_one_equals_seqeval(case: str):
    assert_same(*HAND_CASES[case], mode=None, zero_division=1)


def test_orphan_i_counts_in_default_mode_and_not_in_strict_mode():
    y_true, y_pred = [["O", "B-PER", "I-PER"]], [["O", "I-PER", "I-PER"]]
    assert metrics.f1_score(y_true, y_pred) == 1.0
    assert metrics.f1_score(y_true, y_pred, mode="strict") == 0.0
    with pytest.raises(ValueError, match="mode"):
        metrics.f1_score(y_true, y_pred, mode="lenient")


def test_no_entities_at_all_is_zero_where_seqeval_gives_nan_for_macro():
    y = [["O", "O"]]
    assert np.isnan(sq.f1_score(y, y, average="macro"))  # the documented difference
    assert metrics.f1_score(y, y, average="macro") == 0.0
    assert metrics.precision_recall_fscore_support(y, y, average="micro") == (0.0, 0.0, 0.0, 0)
    assert metrics.classification_report_dict(y, y)["macro avg"] == {"precision": 0.0, "recall": 0.0,
                                                                     "f1-score": 0.0, "support": 0}
    assert metrics.accuracy_score([[]], [[]]) == 0.0


def test_mismatched_inputs_are_refused():
    with pytest.raises(ValueError, match="2 sentences"):
        metrics.f1_score([["O"], ["O"]], [["O"]])
    with pytest.raises(ValueError, match="Sentence 0 has 2 true tags and 1 predicted"):
        metrics.accuracy_score([["O", "O"]], [["O"]])
    with pytest.raises(ValueError, match="average"):
        metrics.f1_score([["O"]], [["O"]], average="samples")


def random_batch(seed: int, prefixes: str, n: int = 200) -> tuple[list[list[str]], list[list[str]]]:
    """n random true sequences over 3 types and predictions that copy, shift, retype or drop tags."""
    rng = random.Random(seed)
    types = ["PER", "ORG", "LOC"]

    def tag() -> str:
        prefix = rng.choice(prefixes)
        return "O" if prefix == "O" else f"{prefix}-{rng.choice(types)}"

    y_true, y_pred = [], []
    for _ in range(n):
        true = [tag() for _ in range(rng.randint(0, 12))]
        pred = [t if rng.random() < 0.6 else tag() for t in true]
        y_true.append(true)
        y_pred.append(pred)
    return y_true, y_pred


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_batch_equals_seqeval_default_and_strict(seed: int):
    y_true, y_pred = random_batch(seed, "BIIOOO")
    assert_same(y_true, y_pred, mode=None)
    assert_same(y_true, y_pred, mode="strict")


def test_random_bioes_batch_equals_seqeval_default_mode():
    assert_same(*random_batch(7, "BIESOO"), mode=None)


def test_type_confusion_hand_case():
    y_true = [["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG", "I-ORG", "O", "B-PER"],
              ["B-LOC", "O", "O"]]
    y_pred = [["B-PER", "I-PER", "O", "B-ORG", "O", "B-ORG", "O", "O", "O"],
              ["B-LOC", "I-LOC", "B-MISC"]]
    result = metrics.type_confusion(y_true, y_pred)
    assert list(result.matrix.index) == ["LOC", "MISC", "ORG", "PER", NO_ENTITY]
    assert list(result.matrix.columns) == ["LOC", "MISC", "ORG", "PER", MISSED]
    expected = {("PER", "PER"): 1, ("PER", MISSED): 1, ("LOC", "ORG"): 1, ("LOC", "LOC"): 1, ("ORG", "ORG"): 1,
                (NO_ENTITY, "MISC"): 1}
    for (row, column), value in result.matrix.stack().items():
        assert value == expected.get((row, column), 0), (row, column)
    assert result.outcomes.loc["PER"].tolist() == [1, 0, 0, 0, 1]
    assert result.outcomes.loc["LOC"].tolist() == [0, 1, 1, 0, 0]  # retyped as ORG; boundary error on the 2nd
    assert result.outcomes.loc["ORG"].tolist() == [0, 0, 1, 0, 0]
    assert (result.boundary_errors, result.spurious) == (2, 1)


def test_type_confusion_prefers_the_exact_span_then_the_largest_overlap():
    # Gold LOC over tokens 1-4; predictions: ORG on 0-1 (overlap 1), PER on 2-4 (overlap 2) → PER, both boundaries.
    result = metrics.type_confusion([["O", "B-LOC", "I-LOC", "I-LOC"]], [["B-ORG", "I-ORG", "B-PER", "I-PER"]])
    assert result.matrix.loc["LOC", "PER"] == 1 and result.matrix.loc["LOC", "ORG"] == 0
    assert result.outcomes.loc["LOC", "wrong_type_and_boundary"] == 1 and result.spurious == 0


def test_type_confusion_invariants_on_the_random_batch():
    y_true, y_pred = random_batch(3, "BIIOOO")
    result = metrics.type_confusion(y_true, y_pred)
    report = sq.classification_report(y_true, y_pred, output_dict=True)
    types = [t for t in report if not t.endswith(" avg")]
    assert list(result.outcomes.index) == types
    for type_ in types:
        # every true entity counted once, in the matrix and among the outcomes; exact right-type hits = seqeval's tp
        assert result.matrix.loc[type_].sum() == report[type_]["support"]
        assert result.outcomes.loc[type_].sum() == report[type_]["support"]
        assert result.outcomes.loc[type_, "correct"] == round(report[type_]["recall"] * report[type_]["support"])
    assert result.matrix.loc[NO_ENTITY, MISSED] == 0
    assert list(result.outcomes.columns) == list(OUTCOMES)
    assert result.boundary_errors > 0 and result.spurious > 0


def test_type_confusion_with_no_entities_is_an_empty_table():
    result = metrics.type_confusion([["O"]], [["O"]])
    assert result.matrix.shape == (1, 1) and result.matrix.iloc[0, 0] == 0
    assert result.outcomes.empty and (result.boundary_errors, result.spurious) == (0, 0)
