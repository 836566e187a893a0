"""The Data page's core-made sentences in both languages: health findings, column-detection reasons and the
unknown-token warning keep their English text byte for byte, carry catalogue messages, and read as Chinese."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core import i18n
from core.data.columns import detect_columns
from core.data.findings import collect_findings
from core.data.health import health_report
from core.data.rowcheck import RowCount
from core.data.vocab import UnknownShare, warning, warning_message
from tests.ui.i18n_check import english_words

# Model ids and the unknown token are names, shown as they are in Chinese too; ‘other’ is the label merge_rare makes
# and ‘train’ the value a split column must hold (data values, not words to translate).
NAMES = ["hfl/rbt3", "bert-base-chinese", "xlm-roberta-base", "bert-base-multilingual-cased", "[UNK]", "UNK", "other",
         "train"]


def _counts(df: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in df["label"].astype(str).value_counts().items()}


def _findings(df: pd.DataFrame, **kwargs):
    options = {"min_class": 10, "lengths": None, "max_length": 128, "dropped": {}, "reading": None, "unknown": None}
    return {f.code: f for f in collect_findings(df, _counts(df), **(options | kwargs))}


def _every_kind() -> list:
    """Data that raises every finding kind, some in their rarer forms (one row, "under 0.1%", "and 3 more")."""
    texts = [f"review number {i} about the hotel" for i in range(2000)]
    labels = ["big"] * 1950 + [f"tiny{i}" for i in range(8) for _ in range(1)] + ["mid"] * 42
    df = pd.DataFrame({"text": texts, "label": labels})
    df.loc[1, "text"] = df.loc[0, "text"]  # one duplicate in 2,000 rows: "under 0.1%"
    df.loc[3, ["text", "label"]] = [df.loc[2, "text"], "mid"]  # a conflict
    df.loc[4, "text"] = "ok"  # a very short text
    unknown = UnknownShare(texts=2000, tokens=100, unknown_tokens=40, chars=1000, unknown_chars=600, unk_token="[UNK]",
                           han_share=0.9)
    found = list(_findings(df, lengths=[40] * 90 + [300] * 10, max_length=128, unknown=unknown,
                           dropped={"empty text": 3, "missing label": 1}).values())
    split = pd.DataFrame({"text": [f"text {i} here" for i in range(30)] + ["text 0 here"],
                          "label": ["a", "b", "c"] * 10 + ["a"], "split": ["train"] * 20 + ["test"] * 9 + ["validation"] * 2})
    split.loc[29, "label"] = "unseen"
    found += _findings(split, min_class=1).values()
    found += _findings(pd.DataFrame({"text": ["only one"], "label": ["x"]})).values()
    found += _findings(pd.DataFrame({"text": ["a text", "b text"], "label": ["x", "y"], "split": ["test", "test"]})).values()
    reading = RowCount(lines=12, rows=10, multiline_rows=1, stray_quotes=True, message="3 lines were merged into 1 row.")
    found += _findings(pd.DataFrame({"text": [f"t {i}" for i in range(20)], "label": ["a", "b"] * 10}),
                       reading=reading).values()
    return found


def test_every_finding_kind_is_covered_and_english_is_its_message():
    found = _every_kind()
    assert {f.code for f in found} >= {
        "single_class", "too_few_rows", "small_dataset", "no_train_split", "unseen_classes", "duplicates", "conflicts",
        "leakage", "imbalance", "rare_classes", "small_classes", "truncation", "short_texts", "dropped_rows",
        "unknown_tokens", "merged_lines"}
    for finding in found:
        assert i18n.localize(finding.messages["title"], "en") == finding.title
        if "message" in finding.messages:
            assert i18n.localize(finding.messages["message"], "en") == finding.message


def test_findings_read_as_chinese_without_english_words():
    data = [*NAMES, "big", "mid", "unseen", *(f"tiny{i}" for i in range(8)), "ok", "a", "b", "x", "y"]
    for finding in _every_kind():
        for part, value in finding.messages.items():
            chinese = i18n.localize(value, "zh")
            assert chinese != getattr(finding, part), finding.code
            assert not english_words(chinese, data), (finding.code, chinese)


def test_message_keys_exist_in_both_languages_and_survive_json():
    def keys(value):
        if isinstance(value, dict):
            return ({value["key"]} if "key" in value else set()) | {k for v in value.values() for k in keys(v)}
        return set()

    used = set().union(*(keys(f.messages) for f in _every_kind()))
    assert len(used) > 20
    assert used <= set(i18n.catalogue("en")) and used <= set(i18n.catalogue("zh"))
    finding = next(f for f in _every_kind() if f.code == "dropped_rows")
    stored = json.loads(json.dumps(finding.messages))  # as the dataset's meta keeps it
    assert i18n.localize(stored["message"], "zh").startswith("清洗删除了 4 行（0.2%）：3 行文本为空，1 行缺少标签。")


def test_english_finding_sentences_are_unchanged():
    found = {}
    for finding in _every_kind():
        found.setdefault(finding.code, finding)  # the first of each kind (too_few_rows: the one-row table's)
    assert found["duplicates"].message == (
        "1 row (under 0.1%) repeats a text with the same label; duplicates can land in both training and test data and "
        "make the test score look better than it is. Drop them.")
    assert found["dropped_rows"].message == (
        "Cleaning removed 4 rows (0.2%): 3 with empty text, 1 with missing label. If that is more than you expected, "
        "check the chosen columns.")
    assert found["rare_classes"].message == (
        "8 classes have only one example (‘tiny0’: 1, ‘tiny1’: 1, ‘tiny2’: 1, ‘tiny3’: 1, ‘tiny4’: 1 and 3 more), so "
        "the model can either learn it or be tested on it, not both. Merge them into ‘other’, drop them, or add examples.")
    assert found["truncation"].message == (
        "10.0% of texts (sampled) are longer than 128 tokens, and the model will not see their ends. A maximum length "
        "of 512 would fit 95% of them.")
    assert found["too_few_rows"].message == (
        "There is only 1 example; at least 10 are needed to train and test, and a few hundred to get a useful model. "
        "Add more rows.")
    assert found["single_class"].message == (
        "The data has 1 class (all are ‘x’); a classifier needs examples of at least two classes. Add examples of "
        "another class or choose another label column.")
    assert found["unseen_classes"].message == (
        "1 class (‘unseen’) appears in validation/test but never in train; the model cannot predict them. Add "
        "training examples for them.")
    assert (found["merged_lines"].title, found["merged_lines"].message) == (
        "Lines merged by quote marks", "3 lines were merged into 1 row.")


def test_health_report_json_keeps_english_and_adds_messages():
    df = pd.DataFrame({"text": [f"t{i} words" for i in range(40)] + ["t0 words"], "label": ["a", "b"] * 20 + ["a"]})
    data = health_report(df).to_dict()
    (duplicates,) = [f for f in data["findings"] if f["code"] == "duplicates"]
    assert duplicates["title"] == "Duplicate examples"
    assert duplicates["messages"]["title"] == {"key": "health.duplicates.title", "params": {}}
    assert i18n.localize(duplicates["messages"]["message"], "zh").startswith("1 行（2.4%）与另一行")


@pytest.mark.parametrize(("han", "model"), [(0.9, "hfl/rbt3 or bert-base-chinese"),
                                            (0.1, "xlm-roberta-base or bert-base-multilingual-cased")])
def test_unknown_token_warning_english_unchanged_and_chinese(han, model):
    share = UnknownShare(texts=1500, tokens=200, unknown_tokens=30, chars=1000, unknown_chars=123, unk_token="[UNK]",
                         han_share=han)
    assert warning_message(share) == (
        "12.3% of the characters (15.0% of the tokens) in a sample of 1,500 texts are unknown to this model's "
        f"tokenizer and become [UNK], so the model cannot read them; pick a multilingual or matching-language model "
        f"such as {model}.")
    chinese = warning(share).in_language("zh")
    assert "12.3%" in chinese and "1,500" in chinese and not english_words(chinese, NAMES)


def test_column_reasons_english_unchanged_and_chinese():
    df = pd.DataFrame({"review": [f"a long free-form review number {i}" for i in range(40)],
                       "sentiment": ["pos", "neg"] * 20, "split": ["train", "test"] * 20, "shop": ["x", "y"] * 20})
    guess = detect_columns(df)
    assert guess.reasons == {
        "text": "‘review’ is named like a text column and holds free-form strings (average 33 characters).",
        "label": "‘sentiment’ is named like a label column and has 2 different values.",
        "slices": "These columns have a few repeating values you can compare scores by: ‘shop’.",
        "split": "‘split’ holds train/validation/test names.",
    }
    for role, why in guess.messages.items():
        assert str(why) == guess.reasons[role]
        assert not english_words(why.in_language("zh"), ["review", "sentiment", "split", "shop"]), role
    unnamed = detect_columns(pd.DataFrame({"c1": [f"some words {i}" for i in range(9)], "c2": list("aab" * 3)}))
    assert unnamed.reasons == {"text": "‘c1’ holds the longest free-form strings (average 12 characters).",
                               "label": "‘c2’ has only 2 different values, like a set of classes."}
    none = detect_columns(pd.DataFrame({"c1": [f"some words {i}" for i in range(9)]}))
    assert none.reasons["label"] == ("No column looks like a label (a column with a few repeating class names); "
                                     "choose it by hand.")
    assert "手动选择" in none.messages["label"].in_language("zh")


def test_a_message_as_a_parameter_is_said_in_the_same_language():
    part = i18n.message("health.pct_under")
    whole = i18n.message("health.duplicates.message_one", share=part)
    assert "(under 0.1%)" in str(whole) and "（不到 0.1%）" in whole.in_language("zh")
    assert whole.to_dict()["params"]["share"] == {"key": "health.pct_under", "params": {}}
    assert i18n.localize(json.loads(json.dumps(whole.to_dict())), "zh") == whole.in_language("zh")
