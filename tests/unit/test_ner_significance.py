"""Paired tests of two NER runs (core.compare.ner_significance and its path in core.compare.significance, issue 21):
resampling sentences, entity F1 of the rows themselves equals core.ner.metrics, a run against itself differs by
nothing with p = 1, a clearly better run is significant, and the Compare tables know NER metrics and entity types.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from core.compare import loading, ner_significance, significance, tables
from core.ner import metrics
from tests.ner_runs import degrade, fake_ner_run, gold_sentences


def _batch(n: int, quality_a: float, quality_b: float, seed: int = 0) -> tuple[list, list, list]:
    gold = [tags for _, tags in gold_sentences(n, seed=seed)]
    rng = random.Random(seed)
    return gold, [degrade(t, quality_a, rng) for t in gold], [degrade(t, quality_b, rng) for t in gold]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_f1_of_the_sentences_themselves_equals_the_entity_metric(seed: int):
    gold, pred, _ = _batch(80, 0.6, 0.6, seed)
    counts, exact = ner_significance.entity_counts(gold, pred)
    f1 = ner_significance.f1_scorer(counts)(np.ones((1, len(gold))))[0]
    assert f1 == pytest.approx(metrics.f1_score(gold, pred), rel=1e-12, abs=1e-12)
    assert exact.tolist() == [set(a) == set(b) for a, b in
                              zip(metrics.sentence_entities(gold), metrics.sentence_entities(pred), strict=True)]


def test_a_resample_scores_the_sentences_drawn():
    gold, pred, _ = _batch(30, 0.5, 0.5, 3)
    counts, _ = ner_significance.entity_counts(gold, pred)
    weights = np.random.default_rng(0).integers(0, 3, size=(4, 30)).astype(float)
    scores = ner_significance.f1_scorer(counts)(weights)
    for b, row in enumerate(weights.astype(int)):
        drawn = [i for i, c in enumerate(row) for _ in range(c)]
        expected = metrics.f1_score([gold[i] for i in drawn], [pred[i] for i in drawn])
        assert scores[b] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_identical_runs_differ_by_nothing_with_p_one():
    gold, pred, _ = _batch(100, 0.6, 0.6)
    found, exact_a, exact_b = ner_significance.paired_entity_tests(gold, pred, pred, resamples=500)
    f1 = found["f1"]
    assert f1.a == f1.b and f1.low == f1.high == 0.0 and f1.p_value == 1.0
    assert (exact_a == exact_b).all()


def test_a_clearly_better_run_is_significant_and_a_worse_one_negative():
    gold, worse, better = _batch(150, 0.4, 0.95, seed=4)
    found, _, _ = ner_significance.paired_entity_tests(gold, worse, better, resamples=1000)
    f1 = found["f1"]
    assert f1.b > f1.a and 0 < f1.low < f1.b - f1.a < f1.high and f1.p_value < 0.01
    back, _, _ = ner_significance.paired_entity_tests(gold, better, worse, resamples=1000)
    assert back["f1"].high < 0 and back["f1"].p_value < 0.01


def test_tag_strings_and_lists_give_the_same_test():
    gold, a, b = _batch(40, 0.5, 0.8, seed=5)
    joined = [[" ".join(t) for t in x] for x in (gold, a, b)]
    first, _, _ = ner_significance.paired_entity_tests(gold, a, b, resamples=200)
    second, _, _ = ner_significance.paired_entity_tests(*joined, resamples=200)
    assert first == second
    with pytest.raises(ValueError, match="same number of tags"):
        ner_significance.entity_counts([["O", "O"]], [["O"]])


def test_compare_pair_of_two_ner_runs_on_the_same_sentences():
    a = fake_ner_run(name="weak", quality=0.3, seed=1, n_sentences=120)
    b = fake_ner_run(name="strong", quality=0.95, seed=2, n_sentences=120)
    pair = significance.compare_pair(a, b)
    assert pair.paired and pair.method == "row_id" and pair.n_rows == 120
    lead, sign = pair.tests
    assert lead.metric == "f1" and lead.test == "paired_bootstrap" and lead.p_value < 0.05 and lead.low > 0
    assert lead.a == pytest.approx(a.final_metrics["f1"]) and lead.b == pytest.approx(b.final_metrics["f1"])
    assert sign.metric == "sentence_accuracy" and sign.test == "mcnemar_exact"
    said = str(pair.sentence)
    assert said.startswith("strong's entity F1 is ") and "unlikely to be chance" in said
    same = significance.compare_pair(a, a)
    assert same.tests[0].difference == 0 and same.tests[0].p_value == 1.0


def test_tables_know_ner_metrics_and_entity_types():
    a = fake_ner_run(name="A", quality=0.5, seed=1)
    b = fake_ner_run(name="B", quality=0.9, seed=2)
    table = tables.metric_table([a, b])
    assert list(table.values.index) == ["f1", "precision", "recall", "f1_macro", "token_accuracy"]
    assert table.best["f1"] == [b.id]
    per_type = tables.per_class_f1([a, b], {r.id: loading.load_report(r.id) for r in (a, b)})
    assert list(per_type.index) == ["LOC", "ORG", "PER"] and list(per_type.columns) == [a.id, b.id]
    assert str(tables.score_message(b)).startswith("entity F1 ")
