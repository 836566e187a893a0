"""The evaluation report in 简体中文: no English left on it but the user's data and the sentences core writes.

The report's sections come from the report dict; the TF-IDF baseline notice (report_guard) and the Efficiency tab
(report_efficiency) belong to the runs page's components and are left out of these checks (stubbed in the
synthetic reports, skipped when walking the runs page), so a leftover here is always one of this view's own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n, results
from core.config import RunConfig
from core.jobs import queue as jobs
from pages.components.report_tables import plain as _plain
from pages.components.safe_text import escape_markdown
from tests.conftest import ROOT, save_sample, wait_for
from tests.ui.i18n_check import _figure_texts, _texts_of, _walk, english_leftovers, english_words

ROOT_STR = str(Path(ROOT))


@pytest.fixture(autouse=True)
def _restore_runs_parts():
    """The script below stubs two of the runs area's components in this process: put them back afterwards."""
    from pages.components import report_efficiency, report_guard

    saved = report_guard.render, report_efficiency.render
    yield
    report_guard.render, report_efficiency.render = saved


def _app(root: str, labels: list[str], full: bool) -> None:
    """Script run by AppTest (executed from its source): a synthetic report, the runs page's parts stubbed."""
    import sys

    sys.path.insert(0, root)
    import numpy as np
    import pandas as pd
    import streamlit as st

    from core.evaluate.report import build_report
    from pages.components import report_efficiency, report_guard, report_view

    report_guard.render = lambda report: None  # the runs area's components: checked by their own tests
    report_efficiency.render = lambda report, key: None
    rng = np.random.default_rng(0)
    n, k = 240, len(labels)
    true = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), true] += 2.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame = pd.DataFrame({
        "row_id": np.arange(n), "text": [f"text {i}" for i in range(n)], "label": [labels[i] for i in true],
        "pred": [labels[i] for i in proba.argmax(axis=1)], "confidence": proba.max(axis=1),
        "channel": rng.choice(["email", "chat", "phone"], n), "row_copy": [f"r{i}" for i in range(n)],
    })
    frame = pd.concat([frame, pd.DataFrame(proba, columns=[f"prob::{x}" for x in labels])], axis=1)
    extras = {}
    if full:
        from core.evaluate.robustness import CJK_DESCRIPTIONS, DESCRIPTIONS

        rows = [*DESCRIPTIONS.items(), *CJK_DESCRIPTIONS.items()]
        extras = {"slice_columns": ["channel", "row_copy", "missing_column"],
                  "robustness": [{"perturbation": name, "description": text, "accuracy": 0.6, "drop": 5.0,
                                  "changed_share": 0.1, "texts_modified_share": 0.9, "n_texts": n}
                                 for name, text in rows]}
    report = build_report(frame, labels, **extras)
    st.session_state["report"] = report  # for the test: the core-made sentences it shows
    report_view.render_report(report, frame, key="r")


def _core_sentences(report: dict) -> list[str]:
    """The sentences core wrote into the report (metric and class explanations): English until core gets message
    keys.  Metric help shows them Markdown-escaped, so both forms.  (Skipped slices say why in Chinese: not data.)"""
    sentences = list(report.get("explanations", {}).values())
    sentences += [row[c] for row in report["per_class"] for c in ("recall_explanation", "precision_explanation",
                                                                  "f1_explanation") if c in row]
    return sentences + [_plain(s) for s in sentences]


def _tables_and_charts(root) -> list[tuple[str, str]]:
    """Table headers and chart texts under ``root``, looked at directly: english_leftovers skips a keyed
    st.dataframe (a selectable widget) and reads plotly specs from a field AppTest does not have."""
    found = []
    for node in _walk(root):
        if type(node).__name__ == "Dataframe":
            found += [("Dataframe.column", str(c)) for c in node.value.columns]
        proto = getattr(node, "proto", None)
        if proto is not None and proto.DESCRIPTOR.name == "PlotlyChart":
            found += [("chart", text) for text in _figure_texts(json.loads(proto.spec))]
    return found


def _leftovers(at: AppTest, data: list[str]) -> list[tuple[str, str]]:
    """Every English text on the page (see :func:`english_leftovers`), table headers and charts included."""
    extra = [(where, text) for where, text in _tables_and_charts(at._tree) if english_words(text, data)]
    return english_leftovers(at, data=data) + extra


def _zh(labels: list[str], full: bool) -> AppTest:
    at = AppTest.from_function(_app, args=(ROOT_STR, labels, full), default_timeout=60)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _data(at: AppTest, labels: list[str]) -> list[str]:
    """The user's data on the page (class names, slice columns and values) and core's sentences."""
    return [*labels, *(escape_markdown(label) for label in labels), "channel", "email", "chat", "phone", "row_copy", "missing_column",
            *_core_sentences(at.session_state["report"])]


def test_binary_report_in_chinese_has_no_english_left():
    labels = ["ham", "spam"]
    at = _zh(labels, full=True)
    assert [t.label for t in at.tabs][:4] == ["概览", "混淆矩阵", "错误样本", "二分类"]
    assert "准确率" in [m.label for m in at.metric]
    assert _leftovers(at, _data(at, labels)) == []
    assert {"已跳过列‘missing_column’：预测结果中没有这一列。",
            "已跳过列‘row_copy’：该列有 240 个不同的值；切片需要 2 到 50 个。"} <= {t.value for t in at.text}
    at.slider(key="r-threshold").set_value(0.9).run()  # the threshold block recomputes in Chinese too
    at.selectbox(key="r-cm-true").set_value("spam").run()
    at.selectbox(key="r-cm-pred").set_value("ham").run()
    assert not at.exception
    assert any("真实为‘spam’、预测为‘ham’" in t.value for t in at.text)
    assert _leftovers(at, _data(at, labels)) == []


@pytest.mark.parametrize("full", [True, False])
def test_multiclass_report_in_chinese_has_no_english_left(full):
    labels = [f"intent_{i}" for i in range(12)]
    at = _zh(labels, full=full)
    assert "二分类" not in [t.label for t in at.tabs]
    if not full:  # missing sections say so, in Chinese
        assert "此运行没有做鲁棒性检查。" in [i.value for i in at.info]
    assert _leftovers(at, _data(at, labels)) == []


def test_many_classes_say_which_are_shown_in_chinese():
    labels = [f"c{i:02d}" for i in range(40)]
    at = _zh(labels, full=False)
    assert "显示 40 个类别中错误（漏判或误判）最多的 30 个；选择类别或修改显示数量可查看其他类别。" in [c.value for c in at.caption]
    at.multiselect(key="r-cm-classes").set_value(["c03", "c07"]).run()
    assert "显示你选择的 2 个类别（共 40 个）。" in [c.value for c in at.caption]
    assert _leftovers(at, _data(at, labels)) == []


def _report_texts(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) inside the report's own tabs (all but Efficiency, which the runs area owns) and their labels."""
    mine = {i18n.translate("zh", f"report.tab.{name}") for name in
            ("overview", "confusion", "errors", "binary", "calibration", "robustness", "slices")}
    tabs = [tab for tab in at.tabs if tab.label in mine]
    assert len(tabs) >= 6, [tab.label for tab in at.tabs]
    return [pair for tab in tabs for pair in [*(p for node in _walk(tab) for p in _texts_of(node)),
                                               *_tables_and_charts(tab)]]


def test_a_finished_runs_report_in_chinese():
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=8))
    assert wait_for(run.id, {"completed", "failed"}).status == "completed"
    report = results.load_report(run.id)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/runs.py")
    at.query_params["run"] = run.id
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "准确率" in [m.label for m in at.metric]
    labels = [str(x) for x in report["confusion"]["labels"]]
    data = [*labels, *_core_sentences(report)]
    left = [(where, text) for where, text in _report_texts(at) if english_words(text, data)]
    assert left == []
