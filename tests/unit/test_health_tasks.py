"""The health report per kind of data (core.data.health_tasks through core.data.health.health_report): label
cardinality and co-occurrence for multi-label data, token lengths and truncation of pairs, the target's
distribution for regression; the class checks left out where they do not apply; the charts; JSON and text forms."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core import models
from core.config import BUILTIN_MODEL
from core.data.health import health_report
from core.data.health_tasks import apply_fixes_for, pair_token_counter, task_of_frame
from core.plots.health_figures import (
    label_cardinality_figure,
    label_cooccurrence_figure,
    label_distribution_figure,
    length_histogram_figure,
    pair_length_figure,
    target_histogram_figure,
)
from core.tasks import Task

MULTI = Task("multi_label")


def _words(texts: list[str]) -> list[int]:
    """Token counts like a BERT tokenizer's on plain words: one per word, plus [CLS] and [SEP]."""
    return [len(t.split()) + 2 for t in texts]


def _codes(report) -> dict:
    return {f.code: f for f in report.findings}


def _multi(n: int = 200) -> pd.DataFrame:
    cells = ["a|b", "a", "b|c", "", "a|b|c", "c"] * (n // 6)
    return pd.DataFrame({"text": [f"ticket number {i} about something" for i in range(len(cells))], "label": cells})


# ------------------------------------------------------------------ multi-label
def test_multi_label_counts_cardinality_and_cooccurrence():
    df = _multi(198)  # 33 of each cell
    report = health_report(df, task=MULTI)
    assert report.task == {"target": "multi_label", "pair": False}
    assert report.label_counts == {"a": 99, "b": 99, "c": 99}  # a row counts once for each of its labels
    section = report.multi_label
    assert section["cardinality"] == {"0": 33, "1": 66, "2": 66, "3+": 33}
    assert section["mean_labels"] == pytest.approx((66 + 2 * 66 + 3 * 33) / 198)
    assert section["no_label"] == 33 and section["no_label_share"] == pytest.approx(1 / 6)
    co = section["cooccurrence"]
    assert co["labels"] == ["a", "b", "c"]
    assert co["counts"] == [[99, 66, 33], [66, 99, 66], [33, 66, 99]]  # a&b: "a|b" + "a|b|c"; diagonal: each label
    codes = _codes(report)
    assert codes["no_label_texts"].severity == "info" and codes["no_label_texts"].count == 33
    assert report.trainable


def test_multi_label_rare_labels_replace_the_class_checks():
    df = _multi(198)
    df.loc[:2, "label"] = ["a|zz", "b|zz", "zz"]  # a label with 3 texts; combinations like "a|b|c" are not classes
    codes = _codes(health_report(df, task=MULTI))
    assert codes["rare_labels"].severity == "warning" and "‘zz’: 3" in codes["rare_labels"].message
    assert not {"rare_classes", "rare_classes_split", "small_classes", "unseen_classes"} & set(codes)
    assert all(f.fix != "merge_rare" for f in codes.values())


def test_one_label_per_text_says_it_is_single_label_data():
    df = pd.DataFrame({"text": [f"text {i} here" for i in range(100)], "label": ["a", "b"] * 50})
    assert _codes(health_report(df, task=MULTI))["one_label_each"].severity == "warning"


def test_multi_label_labels_missing_from_training():
    df = _multi(198).assign(split=["train"] * 150 + ["test"] * 48)
    df.loc[190, "label"] = "new"
    report = health_report(df, task=MULTI)
    assert "‘new’" in _codes(report)["unseen_labels"].message
    assert report.split_counts["train"] == {"a": 75, "b": 75, "c": 75}
    assert "unseen_classes" not in _codes(report)  # "a|b" in test but not in train is no problem


def test_pipes_in_labels_are_not_multi_label_unless_told():
    df = pd.DataFrame({"text": [f"text {i} here" for i in range(60)], "label": ["a|b", "c"] * 30})
    report = health_report(df)
    assert report.task == Task().to_dict() and report.label_counts == {"a|b": 30, "c": 30} and report.multi_label is None


# ------------------------------------------------------------------ pairs
def _pairs(n: int = 120, second_words: int = 5) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"premise number {i} says " + "word " * (i % 40) for i in range(n)],
                         "text_pair": [f"hypothesis {i} " + "x " * second_words for i in range(n)],
                         "label": ["yes", "no", "maybe"] * (n // 3)})


def test_pairs_are_read_from_the_table_and_measured():
    df = _pairs()
    assert task_of_frame(df) == Task("single_label", pair=True)
    report = health_report(df, count_tokens=_words, max_length=32)
    section = report.pairs
    first, second = _words(df["text"].tolist()), _words(df["text_pair"].tolist())
    expected = [a + b - 2 + 1 for a, b in zip(first, second, strict=True)]  # [CLS] a [SEP] b [SEP]
    assert report.token_lengths == expected and section["estimated"]
    assert section["first_tokens"]["mean"] == pytest.approx(np.mean(first))
    assert section["pair_tokens"]["max"] == max(expected)
    cut = sum(n > 32 for n in expected)
    assert section["truncated"] == cut and report.truncated_share == pytest.approx(cut / len(df))
    finding = _codes(report)["pair_truncation"]
    assert finding.severity == "warning" and "the first text is the longer of the two" in finding.message
    assert "truncation" not in _codes(report)


def test_the_pair_encoding_is_used_when_given():
    df = _pairs(30)
    report = health_report(df, count_tokens=_words, count_pair_tokens=lambda a, b: [7] * len(a), max_length=8)
    assert set(report.token_lengths) == {7} and not report.pairs["estimated"] and "pair_truncation" not in _codes(report)


def test_the_estimate_matches_a_real_bert_pair_encoding():
    counter, pair_counter = models.token_counter(BUILTIN_MODEL), pair_token_counter(BUILTIN_MODEL)
    if counter is None or pair_counter is None:
        pytest.skip("the built-in model's tokenizer is not on this machine")
    df = _pairs(30)
    estimated = health_report(df, count_tokens=counter).token_lengths
    exact = health_report(df, count_tokens=counter, count_pair_tokens=pair_counter).token_lengths
    assert estimated == exact


def test_pair_duplicates_and_conflicts_compare_both_texts():
    premise = "a man plays the guitar on a stage"
    df = pd.DataFrame({"text": [premise] * 3 + [f"other premise {i} here" for i in range(60)],
                       "text_pair": ["a man plays music", "nobody is playing", "a woman sings"] +
                                    [f"other hypothesis {i}" for i in range(60)],
                       "label": ["entailment", "contradiction", "neutral"] + ["neutral"] * 60})
    codes = _codes(health_report(df))
    assert "duplicates" not in codes and "conflicts" not in codes  # one premise, three hypotheses: SNLI's layout
    twice = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    assert _codes(health_report(twice))["duplicates"].count == 1
    fixed = apply_fixes_for(twice, ["drop_duplicates"], Task("single_label", pair=True), min_count=5)
    assert len(fixed) == len(df) and list(fixed.columns) == list(df.columns) and fixed["text"][0] == premise


def test_pair_fixes_keep_renamed_labels():
    df = _pairs(60).assign(label=["a"] * 30 + ["b"] * 29 + ["rare"])
    fixed = apply_fixes_for(df, ["merge_rare"], Task("single_label", pair=True), min_count=1)
    assert len(fixed) == 60 and fixed["text_pair"].tolist() == df["text_pair"].tolist()
    fixed = apply_fixes_for(df, ["merge_rare"], Task("single_label", pair=True), min_count=5)
    assert "rare" not in set(fixed["label"]) and len(fixed) == 59


# ------------------------------------------------------------------ regression
def _scores(values) -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return pd.DataFrame({"text": [f"review number {i} of the product" for i in range(len(values))], "label": values})


def test_regression_target_distribution():
    values = np.random.default_rng(0).uniform(0, 5, 300)
    report = health_report(_scores(values))
    assert report.task == Task("regression").to_dict() and report.label_counts == {}
    section = report.regression
    assert section["min"] == pytest.approx(values.min()) and section["max"] == pytest.approx(values.max())
    assert section["mean"] == pytest.approx(values.mean()) and section["std"] == pytest.approx(values.std())
    assert sum(section["histogram"]["counts"]) == 300 and len(section["histogram"]["edges"]) == 31
    assert report.findings == [] and report.trainable  # no "only one class" for a number


def test_regression_skew_outliers_and_few_values():
    skewed = np.r_[np.random.default_rng(0).lognormal(1, 1.5, 300), 10_000]
    codes = _codes(health_report(_scores(skewed)))
    assert codes["target_skewed"].severity == "warning"
    assert codes["target_outliers"].count >= 1 and "such as 10,000, " in codes["target_outliers"].message
    few = _codes(health_report(_scores([1, 2, 3, 4, 5] * 40)))
    assert few["target_few_values"].message.startswith("The target has only 5 different values (1, 2, 3, 4, 5)")
    assert "target_skewed" not in few


def test_reports_per_kind_are_json_and_text():
    pair_regression = _pairs(60).assign(label=np.linspace(0, 5, 60))
    for df, task, words in [(_multi(), MULTI, "3 labels"), (pair_regression, None, "a numeric target"),
                            (_pairs(60), None, "3 classes")]:
        report = health_report(df, task=task, count_tokens=_words)
        data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
        assert data["task"] == (task or task_of_frame(df)).to_dict()
        assert words in report.to_text().splitlines()[0]
    text = health_report(pair_regression, count_tokens=_words).to_text()
    assert "(text pairs)" in text and "Target: 0 to 5" in text and "Pair length (tokens" in text


# ------------------------------------------------------------------ charts
def test_charts_per_kind_in_both_languages():
    multi = health_report(_multi(), task=MULTI)
    assert label_distribution_figure(multi).layout.title.text == "Texts per label"
    assert label_distribution_figure(multi, language="zh").layout.title.text == "各标签的文本数"
    cardinality = label_cardinality_figure(multi)
    assert list(cardinality.data[0].x) == ["0", "1", "2", "3+"] and list(cardinality.data[0].y) == [33, 66, 66, 33]
    heat = label_cooccurrence_figure(multi, language="zh")
    assert heat.layout.title.text == "常见标签两两同时出现的次数" and list(heat.data[0].x) == ["a", "b", "c"]
    assert target_histogram_figure(multi) is None and pair_length_figure(multi) is None

    scores = health_report(_scores(np.linspace(0, 5, 100)))
    hist = target_histogram_figure(scores)
    assert hist.layout.title.text == "Distribution of the target" and sum(hist.data[0].y) == 100
    assert label_cardinality_figure(scores) is None and label_cooccurrence_figure(scores) is None

    pairs = health_report(_pairs(), count_tokens=_words, max_length=32)
    bars = pair_length_figure(pairs, language="zh")
    assert [bar.name for bar in bars.data] == ["均值", "第 95 百分位", "最长"]
    assert list(bars.data[0].x) == ["第一段文本", "第二段文本", "整个文本对"]
    assert length_histogram_figure(pairs).layout.annotations[0].text.startswith("max length 32: ")
    assert pair_length_figure(health_report(_pairs())) is None  # not measured without a tokenizer
