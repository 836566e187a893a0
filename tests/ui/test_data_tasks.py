"""The Data page with the kinds of data of issue 18: uploading a multi-label file, a sentence-pair file and a
numeric-target file shows what was detected and why, a health report for that kind, and saves the kind; star
ratings ask "classes or numbers?"; the kind can be overridden; and the page reads as Chinese."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from core import store
from core.tasks import Task, task_of
from tests.conftest import ROOT, sentiment_sample
from tests.ui.i18n_check import _figure_texts, _walk, english_leftovers

# The sidebar's language switch is labelled in both languages on purpose (as in test_data_zh).
LANGUAGE_SWITCH = {("ButtonGroup.value", "zh"), ("ButtonGroup.label", "Language · 语言"), ("ButtonGroup.option", "English")}
TAGS = ["billing", "shipping", "refund", "account", "bug"]


def _page(language: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = language
    at.switch_page("pages/data.py")
    return at.run()


def _upload(frame: pd.DataFrame, name: str, language: str = "en") -> AppTest:
    at = _page(language)
    at.file_uploader[0].set_value((name, frame.to_csv(index=False).encode(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _charts(at: AppTest) -> set[str]:
    charts = [node for node in _walk(at._tree) if getattr(node, "type", None) == "plotly_chart"]
    return {text for node in charts for text in _figure_texts(json.loads(node.proto.spec))}


def _save(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label in ("Save dataset", "保存数据集")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _kind(at: AppTest):
    return next(s for s in at.selectbox if s.label in ("Kind of data", "数据类型"))


def multi_label_frame(n: int = 240) -> pd.DataFrame:
    texts = sentiment_sample(n)["text"]
    rng = np.random.default_rng(0)
    tags = ["|".join(sorted(set(rng.choice(TAGS, rng.integers(1, 3))))) for _ in range(n)]
    return pd.DataFrame({"ticket": texts, "tags": tags})


def pair_frame(n: int = 200, target: str = "label") -> pd.DataFrame:
    sample = sentiment_sample(2 * n)
    rng = np.random.default_rng(1)
    values = rng.choice(["paraphrase", "different"], n) if target == "label" else np.round(rng.uniform(0, 5, n), 2)
    return pd.DataFrame({"sentence1": sample["text"][:n].to_numpy(), "sentence2": sample["text"][n:].to_numpy(),
                         target: values})


def regression_frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    return pd.DataFrame({"review": sentiment_sample(n)["text"], "score": np.round(rng.uniform(0, 10, n), 2)})


def test_a_multi_label_file_is_detected_checked_and_saved():
    at = _upload(multi_label_frame(), "tickets.csv")
    assert any(i.value.startswith("Detected: **Several labels per text (multi-label)** — ‘tags’ holds several labels")
               for i in at.info), [i.value for i in at.info]
    assert _kind(at).value == "multi_label"
    assert next(s for s in at.selectbox if s.label == "Separator between labels").value == "|"
    assert [m.label for m in at.metric] == ["Rows kept", "Labels", "Rows dropped"]
    assert next(m for m in at.metric if m.label == "Labels").value == "5"
    assert {"Texts per label", "Labels per text", "How often the top labels occur together"} <= _charts(at)
    _save(at)
    (record,) = store.list_datasets()
    assert task_of(record) == Task("multi_label") and record.labels == sorted(TAGS)
    assert record.meta["health"]["multi_label"]["cardinality"]["2"] > 0
    assert any(s.value.startswith("Saved ‘tickets’: 240 rows, 5 labels.") for s in at.success)


def test_zero_one_label_columns_are_picked_as_labels():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"id": range(240), "ticket": sentiment_sample(240)["text"],
                          **{tag: rng.integers(0, 2, 240) for tag in TAGS}})
    at = _upload(frame, "flags.csv")
    assert _kind(at).value == "multi_label"
    assert at.multiselect[0].value == TAGS and at.radio[-1].value == "columns"
    _save(at)
    (record,) = store.list_datasets()
    assert record.labels == sorted(TAGS) and record.meta["label_columns"] == TAGS


def test_a_pair_file_is_detected_with_its_second_column():
    at = _upload(pair_frame(), "pairs.csv")
    assert any("‘sentence1’ and ‘sentence2’ are named like the two texts of a pair" in i.value for i in at.info)
    assert _kind(at).value == "pair_single_label"
    assert next(s for s in at.selectbox if s.label == "Second text column").value == "sentence2"
    assert "Length of each text of a pair, in tokens (sample)" in _charts(at)
    _save(at)
    (record,) = store.list_datasets()
    assert task_of(record) == Task("single_label", pair=True) and record.meta["pair_column"] == "sentence2"
    assert "text_pair" in record.columns and record.meta["health"]["pairs"]["pair_tokens"]["mean"] > 0
    assert any(s.value.startswith("Saved ‘pairs’: 200 rows, 2 classes.") for s in at.success)


def test_a_numeric_target_is_detected_and_never_called_classes():
    at = _upload(regression_frame(), "scores.csv")
    assert _kind(at).value == "regression"
    assert [m.label for m in at.metric] == ["Rows kept", "Target range", "Rows dropped"]
    assert "Distribution of the target" in _charts(at) and "Examples per class" not in _charts(at)
    _save(at)
    (record,) = store.list_datasets()
    assert task_of(record) == Task("regression") and record.labels == []
    (saved,) = [s.value for s in at.success if s.value.startswith("Saved")]
    assert saved.startswith("Saved ‘scores’: 200 rows, a numeric target from") and "class" not in saved


def test_star_ratings_ask_classes_or_numbers():
    frame = sentiment_sample(150).assign(stars=np.random.default_rng(3).integers(1, 6, 150)).drop(columns="label")
    at = _upload(frame, "stars.csv")
    (question,) = [r for r in at.radio if r.label == "Are the values of ‘stars’ classes or numbers?"]
    assert question.value == "single_label" and _kind(at).value == "single_label"  # kept as classes until answered
    question.set_value("regression").run()
    assert not at.exception and _kind(at).value == "regression"
    _save(at)
    assert task_of(store.list_datasets()[0]) == Task("regression")


def test_the_kind_can_be_overridden():
    at = _upload(multi_label_frame(), "tickets.csv")
    _kind(at).set_value("single_label").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.label for m in at.metric] == ["Rows kept", "Classes", "Rows dropped"]
    _save(at)
    (record,) = store.list_datasets()
    assert task_of(record) == Task() and "billing|refund" in record.labels


def test_pair_regression_in_chinese():
    frame = pair_frame(target="score")
    at = _upload(frame, "sts.csv", language="zh")
    assert any(i.value.startswith("识别结果：**文本对，每对一个数值") for i in at.info), [i.value for i in at.info]
    assert [m.label for m in at.metric] == ["保留的行数", "目标值范围", "丢弃的行数"]
    assert {"目标值的分布", "文本对中各段文本的长度（token，抽样）"} <= _charts(at)
    _save(at)
    assert any(s.value.startswith("已保存“sts”：200 行，数值目标范围") for s in at.success)
    user_data = ["sts", "sts.csv", "sentence1", "sentence2", "score", *frame.sentence1, *frame.sentence2, "train"]
    assert [pair for pair in english_leftovers(at, data=user_data) if pair not in LANGUAGE_SWITCH] == []
