"""The NER kind of the bootstrap intervals (core.evaluate.intervals, issue 21 item 3): identity weights give
core.ner.metrics' (seqeval-equal) numbers, any weights give the metrics of the sentences drawn that many times, and
the intervals are seeded, hold the point estimate and are JSON-safe.  Everything is seeded.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from core.evaluate import intervals as iv
from core.ner import metrics

EXACT = {"rel": 1e-12, "abs": 1e-12}


def tag_batch(seed: int, n: int = 150, prefixes: str = "BIIOOO") -> tuple[list[list[str]], list[list[str]]]:
    """n random sentences over 3 types and predictions that keep 60 % of the tags (orphan I- tags included)."""
    rng = random.Random(seed)

    def tag() -> str:
        prefix = rng.choice(prefixes)
        return "O" if prefix == "O" else f"{prefix}-{rng.choice(['PER', 'ORG', 'LOC'])}"

    y_true = [[tag() for _ in range(rng.randint(0, 12))] for _ in range(n)]
    y_pred = [[t if rng.random() < 0.6 else tag() for t in true] for true in y_true]
    return y_true, y_pred


def reference(y_true: list[list[str]], y_pred: list[list[str]]) -> dict[str, float]:
    """The point metrics as core.ner.metrics computes them (equal to seqeval's, tests/unit/test_ner_metrics.py)."""
    p, r, f, _ = metrics.precision_recall_fscore_support(y_true, y_pred, average="micro")
    return {"f1": f, "precision": p, "recall": r, "token_accuracy": metrics.accuracy_score(y_true, y_pred),
            "f1_macro": metrics.f1_score(y_true, y_pred, average="macro")}


@pytest.mark.parametrize(("seed", "prefixes"), [(0, "BIIOOO"), (1, "BIIOOO"), (2, "BIIOOO"), (3, "BIESOO")])
def test_identity_weights_equal_the_entity_metrics(seed: int, prefixes: str):
    y_true, y_pred = tag_batch(seed, prefixes=prefixes)
    scores = iv.weighted_scores("ner", y_true, y_pred, np.ones((1, len(y_true))))
    assert set(scores) == set(iv.METRICS["ner"])
    for name, value in reference(y_true, y_pred).items():
        assert float(scores[name][0]) == pytest.approx(value, **EXACT), name


def test_identity_weights_equal_seqeval_itself():
    seqeval = pytest.importorskip("seqeval.metrics")
    y_true, y_pred = tag_batch(5)
    scores = iv.weighted_scores("ner", y_true, y_pred, np.ones((1, len(y_true))))
    assert float(scores["f1"][0]) == pytest.approx(seqeval.f1_score(y_true, y_pred), **EXACT)
    assert float(scores["f1_macro"][0]) == pytest.approx(seqeval.f1_score(y_true, y_pred, average="macro"), **EXACT)
    assert float(scores["token_accuracy"][0]) == pytest.approx(seqeval.accuracy_score(y_true, y_pred), **EXACT)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_weighted_resample_equals_the_metrics_of_the_sentences_drawn(seed: int):
    """Counts (2, 0, 1, …) score as the test set with sentence 0 twice and sentence 1 left out — macro F1 included,
    whose average covers only the types the drawn sentences hold."""
    y_true, y_pred = tag_batch(seed, n=40)
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 3, size=(5, len(y_true)))
    weights[0, :] = 0
    weights[0, :3] = 1  # a tiny resample: some types may be absent from it
    scores = iv.weighted_scores("ner", y_true, y_pred, weights)
    for b, counts in enumerate(weights):
        drawn = [i for i, c in enumerate(counts) for _ in range(c)]
        expected = reference([y_true[i] for i in drawn], [y_pred[i] for i in drawn])
        for name, value in expected.items():
            assert float(scores[name][b]) == pytest.approx(value, **EXACT), (b, name)


def test_hand_case_with_a_boundary_and_a_type_error():
    y_true = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    y_pred = [["B-PER", "O", "O", "B-LOC"], ["B-PER", "O"]]  # PER cut short, ORG called PER, LOC right
    scores = {k: float(v[0]) for k, v in iv.weighted_scores("ner", y_true, y_pred, np.ones((1, 2))).items()}
    assert scores["precision"] == pytest.approx(1 / 3) and scores["recall"] == pytest.approx(1 / 3)
    assert scores["token_accuracy"] == pytest.approx(4 / 6)
    assert scores["f1_macro"] == pytest.approx((0 + 0 + 1) / 3)  # LOC 1, ORG 0, PER 0


def test_intervals_are_seeded_hold_the_estimate_and_are_json_safe():
    y_true, y_pred = tag_batch(4, n=200)
    first = iv.bootstrap_intervals("ner", y_true, y_pred, n_resamples=300, seed=3)
    assert first == iv.bootstrap_intervals("ner", y_true, y_pred, n_resamples=300, seed=3)
    assert json.loads(json.dumps(first)) == first
    for name, value in reference(y_true, y_pred).items():
        assert first[name]["low"] <= value <= first[name]["high"], name
        assert first[name]["high"] - first[name]["low"] < 0.2, name
    assert iv.interval_text("f1", first["f1"], "en").startswith("95%")


def test_no_sentences_no_intervals_and_mismatched_inputs_are_refused():
    assert iv.bootstrap_intervals("ner", [], []) == {}
    with pytest.raises(ValueError, match="same number of tags"):
        iv.weighted_scores("ner", [["O", "O"]], [["O"]], np.ones((1, 1)))


def test_no_entity_anywhere_scores_zero_not_nan():
    scores = iv.weighted_scores("ner", [["O", "O"]], [["O", "O"]], np.ones((1, 1)))
    assert {k: float(v[0]) for k, v in scores.items()} == {
        "f1": 0.0, "precision": 0.0, "recall": 0.0, "f1_macro": 0.0, "token_accuracy": 1.0}
