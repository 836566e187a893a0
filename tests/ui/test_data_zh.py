"""The Data page in 中文: empty, uploading a file (health report, fixes, save), the examples, the Hub tab, the
library with its delete warning; and the catalogue keys the page builds from core's vocabularies (examples, splits)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import i18n, store
from core.data.examples import EXAMPLES
from core.plots.health_figures import label_distribution_figure, length_histogram_figure
from pages.components.dataset_library import COUNTED_NOUNS, SPLITS
from pages.components.upload_flow import ENCODINGS
from tests.conftest import ROOT, save_sample, sentiment_sample
from tests.ui.i18n_check import _figure_texts, _walk, english_leftovers, english_words

# Codec names, which Chinese UIs show as they are (not yet in i18n_check.KEEP: asked the lead to add them).
CODECS = [e for e in ENCODINGS if e]
# The sidebar's language switch is labelled in both languages on purpose (the lead's sidebar, not this page).
LANGUAGE_SWITCH = {("ButtonGroup.value", "zh"), ("ButtonGroup.label", "Language · 语言"), ("ButtonGroup.option", "English")}


def _data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = "zh"
    at.switch_page("pages/data.py")
    return at.run()


def _chart_texts(at: AppTest) -> list[tuple[str, str]]:
    """Titles, axes, annotations and trace names of the page's plotly charts.  AppTest gives a chart as an
    UnknownElement whose proto is the chart itself, which i18n_check does not read yet (told the lead)."""
    charts = [node for node in _walk(at._tree) if getattr(node, "type", None) == "plotly_chart"]
    return [("chart", text) for node in charts for text in _figure_texts(json.loads(node.proto.spec))]


def _leftovers(at: AppTest, data: list[str]) -> list[tuple[str, str]]:
    data = [*data, *CODECS]
    charts = [pair for pair in _chart_texts(at) if english_words(pair[1], data)]
    return [pair for pair in english_leftovers(at, data=data) if pair not in LANGUAGE_SWITCH] + charts


def test_a_broken_file_is_explained_in_chinese():
    """core's DataError carries its catalogue sentence: the page shows it in Chinese (the CLI keeps the English)."""
    at = _data_page()
    at.file_uploader[0].set_value(("x.csv", b"\x00\x01\x02garbage\x00\xff\xfe\x00", "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == ["x.csv: 这个文件包含二进制数据，不是文本；请改为上传 CSV、Excel、JSON 或 Parquet 文件。"]
    assert _leftovers(at, data=["x.csv", "train"]) == []
    at = _data_page()
    at.file_uploader[0].set_value(("y.csv", b"text,label\n", "text/csv")).run()
    assert [e.value for e in at.error] == ["y.csv: 文件有表头行（‘text’, ‘label’），但没有数据行；请在表头下方添加样本。"]


def test_empty_data_page_in_chinese():
    at = _data_page()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "数据"
    assert [tab.label for tab in at.tabs] == ["上传文件", "内置示例", "Hugging Face Hub 数据集"]
    # "train" is the Hub split id prefilled in the Split box: an input value the user edits, not interface text.
    assert _leftovers(at, data=["train"]) == []


def test_upload_health_report_and_save_in_chinese():
    df = sentiment_sample(120)
    df.loc[:9, "label"] = df.loc[:9, "label"].str.capitalize()  # "Positive"/"positive": the labels get normalised
    dirty = pd.concat([df, df.head(15)], ignore_index=True)  # duplicates: a finding with a fix
    # Column names unlike the page's words, so removing the user's data from the texts cannot hide a leftover.
    dirty = dirty.rename(columns={"text": "review", "label": "sentiment"})
    raw = dirty.to_csv(index=False).encode()
    at = _data_page()
    at.file_uploader[0].set_value(("dirty.csv", raw, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value == "数据健康报告" for s in at.subheader)
    assert [m.label for m in at.metric] == ["保留的行数", "类别数", "丢弃的行数"]
    assert any(e.label == "标签是如何规范化的" for e in at.expander)
    next(b for b in at.button if b.label == "保存数据集").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (record,) = store.list_datasets()
    assert any(s.value.startswith("已保存“dirty”：") and "个类别" in s.value for s in at.success)

    # The column-detection reasons, the health findings (title and message) and the file-reading notes are in
    # Chinese; the saved record keeps the English findings with their message dicts beside them.
    findings = record.meta["health"]["findings"]
    assert findings, "the duplicates are reported"
    assert all(f["title"] and f["messages"]["title"]["key"].startswith("health.") for f in findings)
    assert any("重复" in text for text in (b.value for b in [*at.warning, *at.info]))
    assert any(c.value.endswith("按 UTF\\-8 编码读取，逗号分隔。") for c in at.caption), [c.value for c in at.caption]
    user_data = ["dirty", "dirty.csv", "review", "sentiment", "Positive", "Negative", "positive", "negative", *dirty.review]
    assert {text for _, text in _chart_texts(at)} >= {"各类别的样本数", "文本长度（token，抽样）"}
    assert _leftovers(at, data=[*user_data, "train"]) == []


def test_separate_files_mode_in_chinese():
    at = _data_page()
    at.radio[0].set_value(3).run()
    assert not at.exception
    assert [f.label for f in at.file_uploader] == ["训练集文件", "验证集文件", "测试集文件"]
    assert _leftovers(at, data=["train"]) == []


def test_loading_an_example_and_the_library_in_chinese():
    save_sample(60, name="my-reviews")
    at = _data_page()
    assert any(m.value.startswith("**客服意图** — 636 条") for m in at.markdown)
    at.button(key="ex_finance_sentiment").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("已加载“财经新闻情感”：505 行，3 个类别") for s in at.success), \
        [s.value for s in at.success]
    at.run()  # the library now lists both datasets
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["名称", "类型", "行数", "类别数", "标签", "划分", "来源", "添加时间", "ID"]
    assert set(frame["划分"]) == {"自动划分"}
    target = next(r.id for r in store.list_datasets() if r.name == "my-reviews")
    at.selectbox[0].set_value(target).run()
    assert any("“my-reviews”？有 0 个运行用过它" in w.value for w in at.warning)
    records = store.list_datasets()
    user_data = [name for r in records for name in (r.name, *r.labels, r.meta.get("source", ""), r.id)]
    assert _leftovers(at, data=[*user_data, "train"]) == []


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_every_example_split_and_counted_noun_has_its_words(language):
    words = i18n.catalogue(language)
    for key in EXAMPLES:
        assert words[f"data.example.{key}.title"] and words[f"data.example.{key}.description"]
    assert {f"data.split.{s}" for s in SPLITS} <= set(words)
    assert {f"data.count.{n}_{form}" for n in COUNTED_NOUNS for form in ("one", "other")} <= set(words)


def test_english_example_words_match_core():
    """The catalogue repeats core/data/examples.py's English (the CLI's), so the English page is unchanged."""
    for example in EXAMPLES.values():
        assert i18n.translate("en", f"data.example.{example.key}.title") == example.title
        assert i18n.translate("en", f"data.example.{example.key}.description") == example.description


def test_health_charts_in_chinese_and_unchanged_in_english():
    df = pd.DataFrame({"text": ["word " * n for n in range(1, 41)], "label": ["a", "b"] * 20,
                       "split": ["train"] * 30 + ["test"] * 10})
    from core.data.health import health_report

    report = health_report(df, count_tokens=lambda texts: [len(t.split()) for t in texts], max_length=16)
    english, chinese = label_distribution_figure(report), label_distribution_figure(report, language="zh")
    assert [bar.name for bar in english.data] == ["train", "test"] and english.layout.title.text == "Examples per class"
    assert [bar.name for bar in chinese.data] == ["训练集", "测试集"] and chinese.layout.title.text == "各类别的样本数"
    assert chinese.layout.xaxis.title.text == "类别" and chinese.layout.yaxis.title.text == "样本数"
    hist = length_histogram_figure(report, language="zh")
    assert hist.layout.xaxis.title.text == "token 数" and hist.layout.annotations[0].text.startswith("最大长度 16：")
    assert length_histogram_figure(report).layout.annotations[0].text.startswith("max length 16: ")
