"""Is B really better than A? (issue 19, item 3): McNemar's exact test against scipy and a hand-computed table, the
vectorised paired bootstrap against a row-by-row computation, each kind's tests on fabricated runs, the sentences
(directions, lower-is-better errors, Chinese), runs whose test rows differ, and ``core compare --json``."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import binomtest
from sklearn.metrics import f1_score

from bench.bench_compare import fabricate_run
from core import cli, results
from core.compare import loading, resampling, significance
from core.compare.significance import MetricTest
from core.evaluate import intervals
from core.tasks import Task
from tests.unit.test_compare import runs_on_different_splits
from tests.unit.test_compare_tasks import fake_task_run

MULTI, REG = Task("multi_label"), Task("regression")


# ---------------------------------------------------------------------------- McNemar
@pytest.mark.parametrize("b_only,a_only", [(1, 9), (9, 1), (5, 5), (0, 5), (12, 30), (121, 59), (3, 0)])
def test_mcnemar_p_equals_scipy_binomtest(b_only, a_only):
    expected = binomtest(b_only, b_only + a_only, 0.5, alternative="two-sided").pvalue
    assert resampling.mcnemar_p(b_only, a_only) == pytest.approx(expected, rel=1e-12)


def _exact_two_sided(b_only: int, a_only: int) -> float:
    """The exact McNemar p-value by hand: twice the binomial tail of the smaller discordant count, at most 1."""
    total, smaller = b_only + a_only, min(b_only, a_only)
    tail = Fraction(sum(math.comb(total, k) for k in range(smaller + 1)), 2**total)
    return float(min(Fraction(1), 2 * tail))


def test_mcnemar_on_textbook_tables():
    # 1 vs 9 discordant pairs: p = 2 · (C(10,0) + C(10,1)) / 2^10 = 22/1024.
    assert resampling.mcnemar_p(1, 9) == pytest.approx(22 / 1024, rel=1e-12)
    # The classic 2×2 table of 314 paired outcomes (101 / 121 / 59 / 33): only the 121 and 59 discordant rows count.
    assert resampling.mcnemar_p(121, 59) == pytest.approx(_exact_two_sided(121, 59), rel=1e-9)
    assert resampling.mcnemar_p(121, 59) < 1e-5
    assert resampling.mcnemar_p(0, 0) == 1.0  # no discordant rows: no evidence either way


def _single_label_frames(truth: list[str], pred_a: list[str], pred_b: list[str]) -> dict[str, pd.DataFrame]:
    return {key: pd.DataFrame({"row_id": range(len(truth)), "text": [f"text {i}" for i in range(len(truth))],
                               "label": truth, "pred": pred})
            for key, pred in (("a", pred_a), ("b", pred_b))}


def test_accuracy_test_counts_the_discordant_rows():
    a = fabricate_run("ds-a", name="A", seed=1)
    b = fabricate_run("ds-a", name="B", seed=2)
    truth = ["x"] * 100
    right_both, only_b, only_a, wrong_both = 60, 25, 10, 5
    pred_a = ["x"] * right_both + ["y"] * only_b + ["x"] * only_a + ["y"] * wrong_both
    pred_b = ["x"] * right_both + ["x"] * only_b + ["y"] * only_a + ["y"] * wrong_both
    frames = _single_label_frames(truth, pred_a, pred_b)
    pair = significance.compare_pair(a, b, predictions={a.id: frames["a"], b.id: frames["b"]})
    accuracy = pair.tests[0]
    assert (accuracy.metric, accuracy.test, accuracy.n_rows) == ("accuracy", "mcnemar_exact", 100)
    assert (accuracy.a, accuracy.b) == (pytest.approx(0.70), pytest.approx(0.85))
    assert accuracy.p_value == pytest.approx(binomtest(only_b, only_b + only_a, 0.5).pvalue)
    assert accuracy.low < accuracy.difference < accuracy.high


# ---------------------------------------------------------------------------- the paired bootstrap
def test_vectorised_scorers_equal_a_row_by_row_computation_on_each_resample():
    rng = np.random.default_rng(3)
    n = 300
    truth, pred = rng.integers(0, 4, n), rng.integers(0, 4, n)
    true_sets, pred_sets = rng.random((n, 5)) < 0.3, rng.random((n, 5)) < 0.3
    y = np.round(rng.normal(size=n), 1)  # ties, as real scores have
    x = y + rng.normal(size=n)
    counts = next(resampling.resample_counts(n, 5, seed=7))
    assert counts.shape == (5, n) and (counts.sum(axis=1) == n).all()
    macro, micro = resampling.f1_macro_scorer(truth, pred, 4)(counts), resampling.f1_micro_scorer(true_sets, pred_sets)(counts)
    (spearman,) = resampling.spearman_scorers(y, x)
    rho = spearman(counts)
    for i in range(5):
        rows = np.repeat(np.arange(n), counts[i].astype(int))
        assert macro[i] == pytest.approx(f1_score(truth[rows], pred[rows], average="macro", labels=range(4), zero_division=0))
        assert micro[i] == pytest.approx(f1_score(true_sets[rows], pred_sets[rows], average="micro", zero_division=0))
        assert rho[i] == pytest.approx(stats.spearmanr(y[rows], x[rows]).statistic)
    assert spearman(np.ones((1, n)))[0] == pytest.approx(stats.spearmanr(y, x).statistic)


def test_bootstrap_interval_holds_the_difference_and_mirrors_when_the_runs_swap():
    rng = np.random.default_rng(0)
    truth = rng.random(2000) < 0.5
    right_a, right_b = rng.random(2000) < 0.75, rng.random(2000) < 0.78
    scorers = {"accuracy": (resampling.mean_scorer(right_a), resampling.mean_scorer(right_b))}
    found = resampling.paired_bootstrap(scorers, len(truth))["accuracy"]
    assert found.low < found.b - found.a < found.high
    assert 0.02 < found.high - found.low < 0.1  # about ±2.7 points on 2,000 rows
    swapped = resampling.paired_bootstrap({"accuracy": scorers["accuracy"][::-1]}, len(truth))["accuracy"]
    assert (swapped.low, swapped.high) == (pytest.approx(-found.high), pytest.approx(-found.low))
    assert swapped.p_value == pytest.approx(found.p_value)
    again = resampling.paired_bootstrap(scorers, len(truth))["accuracy"]
    assert again == found  # seeded: the same runs always get the same interval


def test_identical_runs_differ_by_nothing_with_p_one():
    right = np.random.default_rng(1).random(500) < 0.8
    found = resampling.paired_bootstrap({"accuracy": (resampling.mean_scorer(right), resampling.mean_scorer(right))}, 500)["accuracy"]
    assert (found.low, found.high, found.p_value) == (0.0, 0.0, 1.0)
    assert resampling.bootstrap_p(np.zeros(1000)) == 1.0
    assert resampling.bootstrap_p(np.full(1999, 0.01)) == pytest.approx(2 / 2000)  # never exactly 0


def test_ten_thousand_rows_fit_in_bounded_blocks():
    blocks = list(resampling.resample_counts(10_000, 1000, seed=0))
    assert sum(len(b) for b in blocks) == 1000 and all(b.size <= intervals._CHUNK_CELLS for b in blocks)


# ---------------------------------------------------------------------------- each kind on fabricated runs
def test_single_label_runs_get_mcnemar_and_a_macro_f1_bootstrap():
    a = fabricate_run("ds-a", name="A", accuracy=0.7, seed=1)
    b = fabricate_run("ds-a", name="B", accuracy=0.9, seed=2)
    pair = significance.compare_pair(a, b)
    assert pair.paired and pair.method == "row_id" and pair.n_rows == 200
    accuracy, macro = pair.tests
    assert (accuracy.metric, accuracy.test, macro.metric, macro.test) == ("accuracy", "mcnemar_exact", "f1_macro", "paired_bootstrap")
    summary_a, summary_b = (loading.load_report(r.id)["summary"] for r in (a, b))
    assert (accuracy.a, accuracy.b) == (pytest.approx(summary_a["accuracy"]), pytest.approx(summary_b["accuracy"]))
    assert (macro.a, macro.b) == (pytest.approx(summary_a["f1_macro"]), pytest.approx(summary_b["f1_macro"]))
    for test in pair.tests:
        assert test.low <= test.difference <= test.high and test.p_value < 0.01
    assert str(pair.sentence).startswith(f"B is {100 * accuracy.difference:.1f} points more accurate than A (95% CI ")
    assert str(pair.sentence).endswith("this is unlikely to be chance, p < 0.001.")


def test_a_run_compared_with_itself():
    a = fabricate_run("ds-a", name="A", seed=1)
    pair = significance.compare_pair(a, a)
    assert pair.paired and [t.metric for t in pair.tests] == ["accuracy", "f1_macro"]
    for test in pair.tests:
        assert (test.difference, test.low, test.high, test.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert str(pair.sentence) == ("A and A have the same accuracy on these 200 test rows "
                                  "(95% CI of the difference 0.0 to 0.0 points, p = 1).")


def test_multi_label_runs_get_a_micro_f1_bootstrap_and_mcnemar_on_exact_sets():
    weak = fake_task_run(MULTI, "ds-ml", name="weak", quality=0.6, seed=1)
    strong = fake_task_run(MULTI, "ds-ml", name="strong", quality=0.85, seed=2)
    pair = significance.compare_pair(weak, strong)
    micro, exact = pair.tests
    assert (micro.metric, micro.test, exact.metric, exact.test) == ("f1_micro", "paired_bootstrap", "subset_accuracy", "mcnemar_exact")
    assert micro.a == pytest.approx(weak.final_metrics["f1_micro"]) and micro.b == pytest.approx(strong.final_metrics["f1_micro"])
    assert exact.b == pytest.approx(strong.final_metrics["subset_accuracy"])
    assert micro.low <= micro.difference <= micro.high
    assert str(pair.sentence).startswith("strong's micro-F1 is ") and " points higher than weak's (95% CI " in str(pair.sentence)


@pytest.mark.parametrize("task", [REG, Task("regression", pair=True)], ids=["regression", "pair_regression"])
def test_regression_runs_get_error_and_spearman_bootstraps_worded_lower_is_better(task):
    rough = fake_task_run(task, f"ds-{task.key}", name="rough", quality=0.5, seed=3)
    close = fake_task_run(task, f"ds-{task.key}", name="close", quality=0.9, seed=4)
    pair = significance.compare_pair(rough, close)
    assert [t.metric for t in pair.tests] == ["mae", "mse", "spearman"]
    assert {t.test for t in pair.tests} == {"paired_bootstrap"}
    mae = pair.tests[0]
    assert mae.a == pytest.approx(rough.final_metrics["mae"]) and mae.b == pytest.approx(close.final_metrics["mae"])
    assert mae.difference < 0 and mae.high < 0  # lower error: better
    assert str(mae.sentence).startswith("close's MAE is ") and " lower (better) than rough's (95% CI " in str(mae.sentence)
    # The interval is of the difference the sentence states (A − B here), so it reads as positive numbers.
    low, high = significance.numbers("mae", -mae.high, -mae.low)
    assert f"(95% CI {low} to {high})" in str(mae.sentence)
    backwards = significance.compare_pair(close, rough).tests[0]
    assert " higher (worse) than close's" in str(backwards.sentence)
    spearman = pair.tests[2]
    assert spearman.b == pytest.approx(close.final_metrics["spearman"])
    assert str(spearman.sentence).startswith("close's Spearman correlation is ")


# ---------------------------------------------------------------------------- sentences
def _test(metric: str, a: float, b: float, low: float, high: float, p: float) -> MetricTest:
    return MetricTest(metric, "paired_bootstrap", a, b, low, high, p, 800)


def test_sentences_read_plainly_in_each_direction():
    said = significance._sentence
    assert str(said(_test("accuracy", 0.800, 0.812, 0.003, 0.021, 0.01), "A", "B")) == (
        "B is 1.2 points more accurate than A (95% CI 0.3 to 2.1); this is unlikely to be chance, p = 0.01.")
    assert str(said(_test("accuracy", 0.812, 0.805, -0.019, 0.005, 0.43), "A", "B")) == (
        "B is 0.7 points less accurate than A (95% CI -0.5 to 1.9); this could well be chance, p = 0.43.")
    assert str(said(_test("f1_macro", 0.70, 0.72, 0.004, 0.035, 0.02), "base", "lr 3e-5")) == (
        "lr 3e-5's macro-F1 is 2.0 points higher than base's (95% CI 0.4 to 3.5); this is unlikely to be chance, p = 0.02.")
    assert str(said(_test("mae", 0.50, 0.45, -0.081, -0.019, 0.004), "A", "B")) == (
        "B's MAE is 0.0500 lower (better) than A's (95% CI 0.0190 to 0.0810); this is unlikely to be chance, p = 0.004.")
    assert str(said(_test("spearman", 0.80, 0.79, -0.03, 0.01, 0.3), "A", "B")) == (
        "B's Spearman correlation is 0.010 lower than A's (95% CI -0.010 to 0.030); this could well be chance, p = 0.3.")


def test_sentences_in_chinese():
    made = significance._sentence(_test("accuracy", 0.800, 0.812, 0.003, 0.021, 0.01), "基准", "新模型")
    assert made.in_language("zh") == "新模型 的准确率比 基准 高 1.2 个百分点（95% 置信区间 0.3 至 2.1）；这不太可能是偶然，p = 0.01。"
    made = significance._sentence(_test("mae", 0.50, 0.45, -0.081, -0.019, 0.3), "A", "B")
    assert made.in_language("zh") == "B 的平均绝对误差比 A 低 0.0500（更好）（95% 置信区间 0.0190 至 0.0810）；这很可能只是偶然，p = 0.3。"


# ---------------------------------------------------------------------------- no paired test
def test_other_split_seed_says_why_no_paired_test_is_possible():
    a = fabricate_run("ds-a", name="A", seed=1)
    b = fabricate_run("ds-a", name="B", seed=2, config={"seed": 7})
    pair = significance.compare_pair(a, b)
    assert not pair.paired and pair.tests == ()
    assert str(pair.sentence) == ("No paired test is possible because B and A drew their test splits with different seeds "
                                  "(7 and 42), so they share none of their test rows.")


def test_a_partial_overlap_of_test_rows_is_not_tested():
    runs, frames = runs_on_different_splits()
    pair = significance.compare_pair(*runs, predictions=frames)
    assert not pair.paired
    assert str(pair.sentence).endswith("so they share only 20 of their test rows (50 and 50).")


def test_other_split_shares_are_named():
    a = fabricate_run("ds-a", name="A", seed=1)
    b = fabricate_run("ds-a", name="B", seed=2, config={"test_size": 0.3})
    frames = {a.id: loading.load_predictions(a.id), b.id: loading.load_predictions(b.id).iloc[:150]}
    said = str(significance.compare_pair(a, b, predictions=frames).sentence)
    assert said == ("No paired test is possible because B and A split the data with different shares (test 30% and 20%, "
                    "validation 10% and 10%), so they share only 150 of their test rows (150 and 200).")


def test_regression_rows_without_numbers_cannot_be_tested():
    a = fake_task_run(REG, "ds-reg", name="A", seed=1)
    b = fake_task_run(REG, "ds-reg", name="B", seed=2)
    frames = {r.id: loading.load_predictions(r.id).assign(pred=np.nan) for r in (a, b)}
    assert str(significance.compare_pair(a, b, predictions=frames).sentence).startswith(
        "No paired test is possible because none of the test rows B and A both predicted holds a number")


def test_the_same_rows_matched_by_text_are_tested():
    """An uploaded test split is the same whatever the seed: rows matched by text, all of them, are paired."""
    a = fabricate_run("ds-a", name="A", seed=1)
    b = fabricate_run("ds-a", name="B", seed=2, config={"seed": 7})
    frame_a = loading.load_predictions(a.id)
    frame_b = frame_a.sample(frac=1.0, random_state=0).assign(row_id=range(len(frame_a)))  # other order, same rows
    pair = significance.compare_pair(a, b, predictions={a.id: frame_a, b.id: frame_b})
    assert pair.paired and pair.method == "text" and pair.n_rows == len(frame_a)
    assert pair.tests[0].difference == 0


def test_other_datasets_missing_predictions_and_other_label_sets():
    a = fabricate_run("ds-a", name="A", seed=1)
    other = fabricate_run("ds-b", name="other", seed=2)
    pending = fabricate_run("ds-a", name="pending", seed=3, with_files=False)
    assert str(significance.compare_pair(a, other).sentence) == (
        "No paired test is possible because other and A were trained on different datasets, so they were not tested "
        "on the same rows.")
    assert str(significance.compare_pair(a, pending).sentence) == (
        "No paired test is possible yet: there are no test predictions for pending (only completed runs have them).")
    three = fabricate_run("ds-a", name="three", labels=("neg", "neutral", "pos"), seed=4)
    assert "predict different sets of labels" in str(significance.compare_pair(a, three).sentence)


def test_numbers_are_cached_until_the_predictions_change():
    a = fabricate_run("ds-a", name="A", seed=1)
    b = fabricate_run("ds-a", name="B", seed=2)
    first = significance.compare_pair(a, b)
    assert significance.compare_pair(a, b).tests == first.tests
    renamed = significance.compare_pair(a, b, names={a.id: "old", b.id: "new"})
    assert str(renamed.sentence).startswith("new is ")  # names are worded afresh, numbers reused
    frame = loading.load_predictions(b.id).assign(pred=lambda d: d["label"])  # B now gets every row right
    results.write_results(b.id, frame, loading.load_report(b.id))
    assert significance.compare_pair(a, b).tests[0].b == 1.0


# ---------------------------------------------------------------------------- the compare command
def test_cli_compare_json_carries_the_paired_test(capsys):
    a = fabricate_run("ds-a", name="A", accuracy=0.7, config={"learning_rate": 1e-5})
    b = fabricate_run("ds-a", name="B", accuracy=0.9, seed=1, config={"learning_rate": 2e-5})
    c = fabricate_run("ds-a", name="C", seed=2, config={"seed": 7})
    assert cli.main(["compare", a.id, b.id, c.id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["significance"]
    assert data["reference"] == a.id and data["resamples"] >= 1000 and data["confidence"] == 0.95
    paired, unpaired = data["comparisons"]
    assert (paired["a"], paired["b"], paired["paired"], paired["n_rows"]) == (a.id, b.id, True, 200)
    accuracy = paired["tests"][0]
    assert set(accuracy) == {"metric", "a", "b", "difference", "low", "high", "p_value", "test", "n_rows", "sentence", "message"}
    assert accuracy["metric"] == "accuracy" and accuracy["test"] == "mcnemar_exact"
    assert accuracy["low"] < accuracy["difference"] < accuracy["high"] and 0 <= accuracy["p_value"] < 0.05
    assert accuracy["sentence"].startswith("B is ") and accuracy["message"]["key"] == "significance.sentence.more_accurate"
    assert paired["tests"][1]["metric"] == "f1_macro" and paired["tests"][1]["test"] == "paired_bootstrap"
    assert unpaired["paired"] is False and unpaired["tests"] == []
    assert unpaired["sentence"].startswith("No paired test is possible because C and A drew their test splits")
    assert cli.main(["compare", a.id, b.id]) == 0
    assert "Is the difference real?" in (out := capsys.readouterr().out) and "points more accurate than A" in out
