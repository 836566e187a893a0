"""The report's closed vocabularies and charts in both languages (keys built at run time, invisible to test_i18n)."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import pytest

from core import i18n
from core.evaluate.report import METRIC_NAMES, build_report
from core.evaluate.robustness import CJK_DESCRIPTIONS, DESCRIPTIONS
from core.plots import classification_figures, confusion, reliability_figures
from core.plots.class_layout import confusion_subset
from core.plots.report_words import metric_name, perturbation_description, perturbation_name
from tests.ui.i18n_check import english_words
from tests.unit.test_report import make_predictions

PLOTLY_REF = re.compile(r"%\{[^}]*\}|<br>|<extra></extra>")


def test_every_summary_metric_has_its_name_in_both_languages():
    for key, english in METRIC_NAMES.items():
        assert metric_name("en", key) == english  # the English UI shows core's words, unchanged
        assert metric_name("zh", key) != english and not english_words(metric_name("zh", key)), key
    assert metric_name("zh", "no_such_metric") == "no_such_metric"


def test_every_perturbation_has_its_name_and_descriptions_in_both_languages():
    for descriptions in (DESCRIPTIONS, CJK_DESCRIPTIONS):
        for name, sentence in descriptions.items():
            assert perturbation_name("en", name) == name
            assert perturbation_description("en", name, sentence) == sentence  # catalogue == core, word for word
            chinese = perturbation_description("zh", name, sentence)
            assert chinese != sentence and not english_words(chinese), (name, chinese)
            assert not english_words(perturbation_name("zh", name)), name
    # A sentence core no longer writes (an older report) stays as stored; an unknown name too.
    assert perturbation_description("zh", "typos", "Typos.") == "Typos."
    assert perturbation_name("zh", "shout") == "shout"


def _figures(report: dict, language: str) -> list[go.Figure]:
    return [
        confusion.confusion_matrix_figure(report, max_classes=3, language=language),
        confusion.confusion_matrix_figure(report, normalized=True, language=language),
        classification_figures.per_class_f1_figure(report, language=language),
        classification_figures.roc_figure(report, language=language),
        classification_figures.pr_figure(report, language=language),
        reliability_figures.reliability_figure(report, language=language),
        reliability_figures.confidence_histogram_figure(report, language=language),
        reliability_figures.robustness_figure(report, language=language),
        reliability_figures.slice_figure(report, "channel", language=language),
        reliability_figures.slice_figure(report, "no-such-column", language=language),
    ]


def _texts(fig: go.Figure) -> list[str]:
    """Every text a reader sees on a figure: titles, axis and colour-bar titles, notes, trace names, hover texts."""
    layout = fig.layout
    texts = [layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text]
    texts += [a.text for a in layout.annotations or ()]
    for trace in fig.data:
        texts += [trace.name, PLOTLY_REF.sub(" ", trace.hovertemplate or "")]
        if trace.type == "heatmap":
            texts.append(trace.colorbar.title.text)
    return [t for t in texts if t]


@pytest.mark.parametrize("k", [2, 5])
def test_charts_in_chinese_have_no_english_but_the_data(k):
    labels = [f"L{i}" for i in range(k)]
    report = build_report(make_predictions(300, labels, seed=k), labels, slice_columns=["channel"])
    report["robustness"] = [{"perturbation": name, "description": text, "accuracy": 0.5, "drop": 3.0,
                             "changed_share": 0.2} for name, text in DESCRIPTIONS.items()]
    data = [*labels, "channel", "email", "chat", "no-such-column"]
    for fig in _figures(report, "zh"):
        left = [text for text in _texts(fig) if english_words(text, data)]
        assert left == [], left
    robustness = reliability_figures.robustness_figure(report, language="zh")
    assert list(robustness.data[0].x) == [perturbation_name("zh", name) for name in DESCRIPTIONS]
    english = _figures(report, "en")
    assert english[2].layout.title.text == "F1 per class (worst at the top)"  # English stays as it was
    assert "precision %{customdata[0]:.1%}" in english[2].data[0].hovertemplate


def test_missing_sections_say_so_in_chinese():
    labels = ["a", "b", "c"]
    report = build_report(make_predictions(300, labels), labels)
    report.update(binary=None, calibration=None, robustness=None, slices=[])
    for fig in _figures(report, "zh")[3:]:
        note = fig.layout.annotations[0].text
        assert not english_words(note, ["no-such-column"]), note
    assert reliability_figures.reliability_figure(report, language="zh").layout.annotations[0].text == \
        i18n.translate("zh", "report.chart.unavailable")


def test_the_shown_classes_are_explained_in_chinese():
    labels = [f"c{i:02d}" for i in range(40)]
    report = build_report(make_predictions(600, labels), labels)
    assert confusion_subset(report, 20, language="zh")[1] == \
        "显示 40 个类别中错误（漏判或误判）最多的 20 个；选择类别或修改显示数量可查看其他类别。"
    assert confusion_subset(report, 20, ["c01"], language="zh")[1] == "显示你选择的 1 个类别（共 40 个）。"
    assert confusion_subset(report, 20, ["c01", "c02"], language="zh")[1] == "显示你选择的 2 个类别（共 40 个）。"
    fig = confusion.confusion_matrix_figure(report, max_classes=20, language="zh")
    assert fig.layout.title.text == "混淆矩阵 — 计数（40 个类别中的 20 个）"


def test_every_chart_names_a_cjk_font():
    """Chinese labels need a CJK face: each figure sets the shared stack (Streamlit's Latin font has no Chinese)."""
    from core.plots import curves, placeholder
    from core.plots.fonts import FONT_FAMILY

    labels = ["好评", "差评"]
    report = build_report(make_predictions(120, labels, seed=1), labels, slice_columns=["channel"])
    history = pd.DataFrame({"step": [1, 2, 2], "epoch": [0.5, 1.0, 1.0], "split": ["train", "train", "validation"],
                            "name": ["loss", "loss", "accuracy"], "value": [0.9, 0.7, 0.6], "t": [0.0, 1.0, 1.0]})
    figures = [*_figures(report, "zh"), placeholder.unavailable_figure("标题", language="zh"),
               curves.loss_figure(history, language="zh"), curves.validation_metrics_figure(history, language="zh")]
    assert "Noto Sans CJK SC" in FONT_FAMILY and "Microsoft YaHei" in FONT_FAMILY
    assert all(fig.layout.font.family == FONT_FAMILY for fig in figures)
