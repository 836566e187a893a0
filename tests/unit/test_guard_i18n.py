"""The baseline check's sentences as catalogue messages (issue 17, item 1): English word for word as before, Chinese
with no English left, and stored beside the English in report.json so the UI and the HTML report can translate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape

from core import i18n
from core.config import RunConfig
from core.evaluate import guard
from core.evaluate.html import report_to_html
from core.evaluate.report import build_report
from tests.ui.i18n_check import english_words

BASE = {"accuracy": 0.869, "f1_macro": 0.870}
LOST = {"accuracy": 0.836, "f1_macro": 0.776}
CALM = {"n_classes": 2, "final_train_loss": 0.05, "validation_f1": [0.80, 0.801], "truncated_share": 0.0}
GOOD = RunConfig(model="all-MiniLM-L6-v2", learning_rate=1e-4, epochs=3, max_length=128, head_lr_multiplier=5.0)
EVERYTHING = {"n_classes": 10, "final_train_loss": 2.0, "validation_f1": [0.3, 0.5], "truncated_share": 0.4}
SMALL = GOOD.replace(learning_rate=1e-5, head_lr_multiplier=1.0, max_length=64)
FULL = SMALL.replace(model="bert-base-uncased", max_steps=1200)
# What the code made before it had messages, copied from its output: these must never change.
OLD_SMALL = [
    "The final training loss was 2.000, still 87% of the 2.303 of guessing among 10 classes: train for more epochs than 3.",
    "The validation macro-F1 was still rising at the end (0.300 → 0.500): train for more epochs than 3.",
    "With 10 classes the new classification head learns at only ×1 the encoder's learning rate: raise the head learning "
    "rate multiplier to about 10.",
    "The learning rate 1e-5 is low for a small model such as all-MiniLM-L6-v2: try 2e-4.",
    "40.0% of the training texts were cut at the max length of 64 tokens, while the baseline reads every word: try a max "
    "length of 128.",
    "Try the Auto preset, which picks these from the data.",
]
OLD_FULL = [
    "The final training loss was 2.000, still 87% of the 2.303 of guessing among 10 classes: set max steps to 0 (it "
    "stopped at 1,200 steps) and train for more epochs.",
    "The validation macro-F1 was still rising at the end (0.300 → 0.500): set max steps to 0 (it stopped at 1,200 steps) "
    "and train for more epochs.",
    "With 10 classes the new classification head learns at only ×1 the encoder's learning rate: raise the head learning "
    "rate multiplier to about 10.",
    "The learning rate 1e-5 is low for full fine-tuning: try 3e-5.",
    "40.0% of the training texts were cut at the max length of 64 tokens, while the baseline reads every word: try a max "
    "length of 128.",
    "Try the Auto preset, which picks these from the data.",
]
OLD_NOTHING = ("None of this run's settings stands out: on this data the words alone may decide the label, so the baseline "
               "(python -m core baseline RUN_ID) may be all you need.")
OLD_SENTENCE = "The TF-IDF baseline beat this model on this split: accuracy 86.9% vs 83.6%, macro-F1 0.870 vs 0.776."
# Not words to translate: the model's name and the command line.
DATA = ["all-MiniLM-L6-v2", "bert-base-uncased", guard.BASELINE_COMMAND]


def _verdicts() -> list[dict]:
    return [guard.baseline_verdict(LOST, BASE, config=SMALL, facts=EVERYTHING),
            guard.baseline_verdict(LOST, BASE, config=FULL, facts=EVERYTHING),
            guard.baseline_verdict(LOST, BASE, config=GOOD, facts=CALM)]


def _all_messages() -> list[dict]:
    """Every message the check makes (each key at least once), as stored."""
    stored = [m for v in _verdicts() for m in (v["messages"]["sentence"], *v["messages"]["suggestions"])]
    check = {"status": "done", "baseline": {**BASE, "fit_seconds": 1.25}, "model": {"accuracy": 0.9, "f1_macro": 0.88}}
    stored += [guard.summary_message(check).to_dict(),
               guard.summary_message({"status": "skipped", "reason": "ValueError: empty vocabulary"}).to_dict(),
               guard.baseline_scores(_frame(120, 0), _frame(40, 1), ["neg", "pos"], max_rows=60)["messages"]["note"]]
    return stored


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = rng.choice(["neg", "pos"], n)
    return pd.DataFrame({"text": [f"{'awful' if y == 'neg' else 'great'} film {i}" for i, y in enumerate(labels)],
                         "label": labels})


def test_the_english_sentences_are_the_ones_printed_before():
    small, full, nothing = _verdicts()
    assert small["sentence"] == full["sentence"] == OLD_SENTENCE
    assert small["suggestions"] == OLD_SMALL and full["suggestions"] == OLD_FULL and nothing["suggestions"] == [OLD_NOTHING]
    assert OLD_SMALL[-1] == guard.AUTO_HINT
    for verdict in (small, full, nothing):  # the stored messages say the same in English
        sentence, tips = verdict["messages"]["sentence"], verdict["messages"]["suggestions"]
        assert i18n.localize(sentence, "en") == verdict["sentence"]
        assert [i18n.localize(tip, "en") for tip in tips] == verdict["suggestions"]
    check = {"status": "done", "baseline": {**BASE, "fit_seconds": 1.25}, "model": {"accuracy": 0.9, "f1_macro": 0.88},
             "verdict": None}
    assert guard.summary_line(check) == ("TF-IDF baseline on the same split: accuracy 86.9%, macro-F1 0.870 (fit in 1.2 s) "
                                         "— this model is ahead by 3.1 points of accuracy and 0.010 macro-F1.")


def test_the_record_is_plain_json_and_keeps_its_english_fields():
    small = _verdicts()[0]
    assert json.loads(json.dumps(small)) == small
    assert set(small) == {"sentence", "suggestions", "messages"}
    assert [m["key"] for m in small["messages"]["suggestions"]] == [
        "guard.tip.loss_high_epochs", "guard.tip.still_rising_epochs", "guard.tip.head_multiplier",
        "guard.tip.low_lr_small_model", "guard.tip.truncated", "guard.tip.auto_preset"]
    scores = guard.baseline_scores(_frame(120, 0), _frame(40, 1), ["neg", "pos"], max_rows=60)
    assert scores["note"] == "Fitted on a seeded sample of 60 of the 120 training texts."
    assert i18n.localize(scores["messages"]["note"], "en") == scores["note"]
    assert "messages" not in guard.baseline_scores(_frame(120, 0), _frame(40, 1), ["neg", "pos"])


def test_every_sentence_reads_in_chinese_with_no_english_left():
    for stored in _all_messages():
        text = i18n.localize(stored, "zh")
        assert text != i18n.localize(stored, "en")
        reason = stored["params"].get("reason", "")  # the error's own words stay as they are
        assert english_words(text, data=[*DATA, reason]) == [], (stored["key"], text)


def test_every_key_has_both_languages_with_the_same_placeholders():
    parts = {language: {k: v for k, v in i18n.catalogue(language).items() if k.startswith("guard.")}
             for language in ("en", "zh")}
    assert set(parts["en"]) == set(parts["zh"]) and all(key.startswith("guard.") for key in parts["en"])
    for key, text in parts["en"].items():
        assert i18n.placeholders(text) == i18n.placeholders(parts["zh"][key]), key
    used = {m["key"] for m in _all_messages()}
    assert used == set(parts["en"]), "a key no code makes, or a message with no key"


def test_old_reports_and_renamed_keys_fall_back_to_the_english_text():
    old = {"sentence": "The TF-IDF baseline beat this model.", "suggestions": ["Try more data."]}
    assert guard.verdict_texts(old) == ("The TF-IDF baseline beat this model.", ["Try more data."])
    renamed = {**old, "messages": {"sentence": {"key": "guard.gone", "params": {}},
                                   "suggestions": [{"key": "guard.gone", "params": {}}]}}
    sentence, tips = guard.verdict_texts(renamed)
    assert i18n.localize(sentence, "zh") == old["sentence"] and [i18n.localize(t, "zh") for t in tips] == old["suggestions"]
    assert guard.sampling_note({"baseline": {"note": "Fitted on a seeded sample."}}) == "Fitted on a seeded sample."
    assert guard.sampling_note({"status": "skipped"}) == "" and guard.summary_message(None) == ""


def _report(check: dict | None) -> dict:
    frame = pd.DataFrame({"row_id": [0, 1, 2, 3], "text": ["a", "b", "c", "d"], "label": ["x", "y", "x", "y"],
                          "pred": ["x", "y", "y", "y"], "confidence": [0.9, 0.8, 0.6, 0.7]})
    return build_report(frame, ["x", "y"], baseline_check=check)


@pytest.mark.parametrize("verdict", [0, 1, 2])
def test_the_html_report_shows_the_check_in_its_language(verdict):
    check = {"status": "done", "baseline": BASE, "model": LOST, "facts": EVERYTHING, "verdict": _verdicts()[verdict]}
    report = _report(json.loads(json.dumps(check)))  # as read back from report.json
    english, chinese = report_to_html(report, title="t"), report_to_html(report, title="t", language="zh")
    texts = [check["verdict"]["sentence"], *check["verdict"]["suggestions"]]
    assert all(html_escape(text) in english for text in texts)
    assert not any(html_escape(text) in chinese for text in texts)
    stored = check["verdict"]["messages"]
    assert html_escape(i18n.localize(stored["sentence"], "zh")) in chinese
    assert all(f"<li>{html_escape(i18n.localize(tip, 'zh'))}</li>" in chinese for tip in stored["suggestions"])


def test_the_html_line_when_the_model_won_or_the_check_was_skipped_is_chinese():
    won = {"status": "done", "baseline": {**BASE, "fit_seconds": 0.4}, "model": {"accuracy": 0.9, "f1_macro": 0.9},
           "verdict": None}
    assert "同一划分上的 TF-IDF 基线：准确率 86.9%" in report_to_html(_report(won), title="t", language="zh")
    skipped = guard.skipped("ValueError: empty vocabulary")
    page = report_to_html(_report(skipped), title="t", language="zh")
    assert "已跳过 TF-IDF 基线检查：ValueError: empty vocabulary" in page and "was skipped" not in page


def html_escape(text: str) -> str:
    """As Jinja's autoescape writes it."""
    return str(escape(text))
