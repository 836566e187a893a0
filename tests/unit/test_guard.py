"""The TF-IDF baseline check at the end of a run (core.evaluate.guard; issue 16, item 4)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.config import RunConfig
from core.evaluate import guard
from core.evaluate.html import report_to_html
from core.evaluate.report import build_report

BASE = {"accuracy": 0.869, "f1_macro": 0.870}
LOST = {"accuracy": 0.836, "f1_macro": 0.776}
# Facts of a run that trained well: low loss, flat validation, nothing truncated.
CALM = {"n_classes": 2, "final_train_loss": 0.05, "validation_f1": [0.80, 0.801], "truncated_share": 0.0}
# Settings that trigger no rule (a small model at its learning rate, head ×5).
GOOD = RunConfig(model="all-MiniLM-L6-v2", learning_rate=1e-4, epochs=3, max_length=128, head_lr_multiplier=5.0)


def verdict(config: RunConfig = GOOD, **facts) -> dict | None:
    return guard.baseline_verdict(LOST, BASE, config=config, facts={**CALM, **facts})


def only_suggestion(result: dict) -> str:
    """The one triggered suggestion (the Auto hint always follows it)."""
    tips = result["suggestions"]
    assert len(tips) == 2 and tips[-1] == guard.AUTO_HINT, tips
    return tips[0]


def test_no_verdict_when_the_model_is_at_least_as_good_on_both_metrics():
    assert guard.baseline_verdict(BASE, BASE, config=GOOD, facts=CALM) is None
    better = {"accuracy": 0.95, "f1_macro": 0.94}
    assert guard.baseline_verdict(better, BASE, config=GOOD, facts={**CALM, "final_train_loss": 0.69}) is None


@pytest.mark.parametrize("model", [{"accuracy": 0.95, "f1_macro": 0.5}, {"accuracy": 0.5, "f1_macro": 0.95}])
def test_losing_on_either_metric_is_a_verdict(model):
    result = guard.baseline_verdict(model, BASE, config=GOOD, facts=CALM)
    assert result is not None and result["sentence"].startswith("The TF-IDF baseline beat this model on this split")


def test_the_sentence_gives_both_scores_of_both_models():
    result = verdict()
    assert result["sentence"] == ("The TF-IDF baseline beat this model on this split: accuracy 86.9% vs 83.6%, "
                                  "macro-F1 0.870 vs 0.776.")
    # Nothing stands out: no Auto hint, one sentence saying the baseline may be enough.
    assert len(result["suggestions"]) == 1 and "baseline" in result["suggestions"][0]


def test_high_final_training_loss_suggests_more_epochs():
    tip = only_suggestion(verdict(final_train_loss=0.6))  # ln 2 = 0.693: barely better than guessing
    assert "0.600" in tip and "0.693" in tip and "more epochs than 3" in tip
    assert "training loss" not in " ".join(verdict(final_train_loss=0.3)["suggestions"])  # 0.3 < 0.5 · ln 2
    tip = only_suggestion(verdict(n_classes=77, final_train_loss=3.0, config=GOOD.replace(head_lr_multiplier=20)))
    assert f"{math.log(77):.3f}" in tip


def test_a_step_limit_is_named_as_the_reason_to_train_longer():
    tip = only_suggestion(verdict(GOOD.replace(max_steps=10), final_train_loss=0.69))
    assert "max steps to 0" in tip and "10 steps" in tip


def test_validation_still_rising_suggests_more_epochs():
    tip = only_suggestion(verdict(validation_f1=[0.60, 0.70, 0.78]))
    assert "0.700 → 0.780" in tip and "more epochs" in tip
    assert verdict(validation_f1=[0.70, 0.702])["suggestions"][0] != tip  # +0.002: flat
    assert verdict(validation_f1=[0.78])["suggestions"] == verdict()["suggestions"]  # one point says nothing


def test_many_classes_with_the_head_at_the_encoder_rate_suggests_a_higher_head_multiplier():
    tip = only_suggestion(verdict(GOOD.replace(head_lr_multiplier=1.0), n_classes=77))
    assert "77 classes" in tip and "×1" in tip and "about 20" in tip
    assert "about 10" in only_suggestion(verdict(GOOD.replace(head_lr_multiplier=1.0), n_classes=8))
    assert verdict(GOOD.replace(head_lr_multiplier=1.0), n_classes=2)["suggestions"] == verdict()["suggestions"]
    assert verdict(GOOD.replace(head_lr_multiplier=10.0), n_classes=77)["suggestions"] == verdict()["suggestions"]
    # PEFT ignores the multiplier, so it is never suggested there.
    peft = GOOD.replace(head_lr_multiplier=1.0, peft="lora", learning_rate=5e-4)
    assert verdict(peft, n_classes=77)["suggestions"] == verdict()["suggestions"]


def test_a_low_learning_rate_for_a_small_model_suggests_2e_4():
    tip = only_suggestion(verdict(GOOD.replace(learning_rate=2e-5)))
    assert "2e-5" in tip and "all-MiniLM-L6-v2" in tip and "2e-4" in tip
    tip = only_suggestion(verdict(GOOD.replace(model="bert-base-uncased", learning_rate=1e-5)))
    assert "1e-5" in tip and "3e-5" in tip
    assert verdict(GOOD.replace(model="bert-base-uncased", learning_rate=3e-5))["suggestions"] == verdict()["suggestions"]


def test_many_texts_cut_at_max_length_suggest_a_longer_max_length():
    tip = only_suggestion(verdict(truncated_share=0.23))
    assert "23.0%" in tip and "128 tokens" in tip and "256" in tip
    assert verdict(truncated_share=0.05)["suggestions"] == verdict()["suggestions"]
    assert verdict(GOOD.replace(max_length=512), truncated_share=0.5)["suggestions"] == verdict()["suggestions"]


def test_every_trigger_at_once_gives_one_sentence_each_then_the_auto_preset():
    config = GOOD.replace(learning_rate=1e-5, head_lr_multiplier=1.0, max_length=64)
    tips = verdict(config, n_classes=10, final_train_loss=2.0, validation_f1=[0.3, 0.5],
                   truncated_share=0.4)["suggestions"]
    assert len(tips) == 6 and tips[-1] == "Try the Auto preset, which picks these from the data."
    assert all(tip.count(". ") == 0 for tip in tips)  # one sentence each


def test_run_facts_read_the_history_and_the_token_lengths():
    history = pd.DataFrame({
        "step": [1, 2, 2, 3, 4], "split": ["train", "validation", "train", "train", "validation"],
        "name": ["loss", "f1_macro", "loss", "loss", "f1_macro"], "value": [0.9, 0.5, 0.7, 0.65, 0.6]})
    facts = guard.run_facts(history, np.array([10, 64, 64, 30]), max_length=64, n_classes=3)
    assert facts == {"n_classes": 3, "final_train_loss": 0.65, "validation_f1": [0.5, 0.6], "truncated_share": 0.5}
    empty = guard.run_facts(pd.DataFrame(columns=["split", "name", "value"]), [], max_length=64, n_classes=2)
    assert empty["final_train_loss"] is None and empty["validation_f1"] == [] and empty["truncated_share"] == 0.0


def _words_frame(n: int, seed: int) -> pd.DataFrame:
    """Separable two-class texts: the label's own word decides it."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(["neg", "pos"], n)
    texts = [f"{'awful' if y == 'neg' else 'great'} {' '.join(rng.choice(['a', 'the', 'film', 'plot', 'it'], 5))}"
             for y in labels]
    return pd.DataFrame({"text": texts, "label": labels})


def test_baseline_scores_fit_and_score_on_the_given_frames():
    scores = guard.baseline_scores(_words_frame(300, 0), _words_frame(100, 1), ["neg", "pos"], seed=0)
    assert scores["accuracy"] == 1.0 and scores["f1_macro"] == 1.0
    assert scores["n_train"] == 300 and scores["n_test"] == 100 and scores["sampled"] is False and "note" not in scores
    assert 0 <= scores["fit_seconds"] < 30


def test_a_huge_train_split_is_fitted_on_a_seeded_sample_and_says_so():
    train, test = _words_frame(900, 0), _words_frame(100, 1)
    first = guard.baseline_scores(train, test, ["neg", "pos"], seed=3, max_rows=200)
    again = guard.baseline_scores(train, test, ["neg", "pos"], seed=3, max_rows=200)
    assert first["sampled"] is True and first["n_train"] == 200
    assert first["note"] == "Fitted on a seeded sample of 200 of the 900 training texts."
    assert {k: v for k, v in first.items() if k != "fit_seconds"} == {k: v for k, v in again.items() if k != "fit_seconds"}
    assert guard.MAX_TRAIN_ROWS == 50_000


def test_the_check_never_raises_and_records_why_it_was_skipped():
    def broken_history() -> pd.DataFrame:
        raise RuntimeError("database is locked\nsecond line")

    train, test = _words_frame(100, 0), _words_frame(50, 1)
    check = guard.baseline_check(train, test, ["neg", "pos"], LOST, config=GOOD, history=broken_history,
                                 train_lengths=[5] * 100)
    assert check == {"status": "skipped", "reason": "RuntimeError: database is locked", "verdict": None}
    assert guard.summary_line(check) == "The TF-IDF baseline check was skipped: RuntimeError: database is locked"
    no_text = guard.baseline_check(train.drop(columns="text"), test, ["neg", "pos"], LOST, config=GOOD,
                                   history=pd.DataFrame, train_lengths=[])
    assert no_text["status"] == "skipped" and no_text["reason"].startswith("KeyError")


def test_the_check_records_scores_facts_and_verdict_and_the_summary_line_says_who_won():
    train, test = _words_frame(200, 0), _words_frame(60, 1)
    history = pd.DataFrame({"split": ["train"], "name": ["loss"], "value": [0.68]})
    check = guard.baseline_check(train, test, ["neg", "pos"], LOST, config=GOOD, history=lambda: history,
                                 train_lengths=[5] * 200)
    assert check["status"] == "done" and check["model"] == LOST and check["baseline"]["accuracy"] == 1.0
    assert check["facts"]["final_train_loss"] == 0.68
    assert guard.summary_line(check) == check["verdict"]["sentence"]
    assert "0.680" in check["verdict"]["suggestions"][0]
    won = guard.baseline_check(train, test, ["neg", "pos"], {"accuracy": 1.0, "f1_macro": 1.0}, config=GOOD,
                               history=lambda: history, train_lengths=[5] * 200)
    assert won["verdict"] is None
    assert guard.summary_line(won).startswith("TF-IDF baseline on the same split: accuracy 100.0%, macro-F1 1.000 (fit in ")
    assert guard.summary_line(won).endswith("this model is ahead by 0.0 points of accuracy and 0.000 macro-F1.")
    assert guard.summary_line(None) == ""


def _report(check: dict | None) -> dict:
    frame = pd.DataFrame({"row_id": [0, 1, 2, 3], "text": ["a", "b", "c", "d"], "label": ["x", "y", "x", "y"],
                          "pred": ["x", "y", "y", "y"], "confidence": [0.9, 0.8, 0.6, 0.7]})
    return build_report(frame, ["x", "y"], baseline_check=check)


def test_the_report_and_its_html_carry_the_verdict_escaped():
    check = {"status": "done", "baseline": BASE, "model": LOST, "facts": CALM,
             "verdict": {"sentence": "The TF-IDF baseline beat <b>this</b> model.", "suggestions": ["Try <script>x</script>."]}}
    report = _report(check)
    assert report["baseline_check"] == check
    html = report_to_html(report, title="t")
    assert "The TF-IDF baseline beat &lt;b&gt;this&lt;/b&gt; model." in html
    assert "<li>Try &lt;script&gt;x&lt;/script&gt;.</li>" in html and "<script>x</script>" not in html
    assert _report(None)["baseline_check"] is None
    assert "TF-IDF" not in report_to_html(_report(None), title="t")
    won = {**check, "verdict": None, "baseline": {**BASE, "fit_seconds": 0.4}, "model": {"accuracy": 0.9, "f1_macro": 0.9}}
    assert "this model is ahead by 3.1 points of accuracy" in report_to_html(_report(won), title="t")
