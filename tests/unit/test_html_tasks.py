"""The standalone HTML report of multi-label and regression runs and of sentence pairs (issue 18; see
core/evaluate/html_tasks.py): the sections of the app's views, in English and Chinese, offline and escaped."""

from __future__ import annotations

import html as html_lib
import re

import numpy as np
import pandas as pd
import pytest

from core import cli, i18n, results, store
from core.evaluate import html
from core.evaluate.report import build_report
from core.evaluate.report_multilabel import build_multilabel_report
from core.evaluate.report_regression import build_regression_report
from core.tasks import labels_of_rows

XSS = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
LABELS = ["体育", "政治", "科技", "罕见"]
THRESHOLDS = [0.5, 0.5, 0.45, 0.2]
RUN_NAME = "评分模型 第1轮"
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# The product, abbreviations (the run fact "ID" included), the timestamp's zone.
KEPT_IN_LATIN = {"Tuneboard", "UTC", "F1", "ROC", "AUC", "ID", "ms"}
ML_H2_EN = ["Summary", "Per label", "Label pairs", "Errors", "Efficiency", "Slices", "Run"]
ML_H2_ZH = ["概览", "各标签结果", "标签共现", "错误样本", "效率", "切片分析", "运行"]
REG_H2_EN = ["Summary", "Predicted against true values", "By target range", "Largest misses", "Efficiency", "Slices", "Run"]
REG_H2_ZH = ["概览", "预测值与真实值对比", "按目标值区间", "偏差最大的文本", "效率", "切片分析", "运行"]
EFFICIENCY = {"latency_p50_ms": 3.2, "throughput_texts_per_s": 120.0}


def _texts(n: int) -> list[str]:
    """Chinese texts, every 10th carrying a script tag that must be shown as text."""
    return [f"第{i}条留言 {XSS}" if i % 10 == 0 else f"第{i}条留言：快递还没到" for i in range(n)]


def _channel(n: int) -> np.ndarray:
    """A slice column: two large groups and one of two rows (too few for a rank correlation)."""
    values = np.where(np.arange(n) % 2 == 0, "邮件", "电话").astype(object)
    values[:2] = "信件"
    return values


def multilabel_frame(n: int = 240, *, pair: bool = False, seed: int = 0) -> pd.DataFrame:
    """A multi-label predictions frame as results.task_predictions_frame writes it: noisy sigmoid scores, pred after
    the per-label thresholds."""
    rng = np.random.default_rng(seed)
    true = (rng.random((n, len(LABELS))) < [0.4, 0.3, 0.2, 0.05]).astype(int)
    scores = np.clip(0.4 * true + 0.6 * rng.random(true.shape), 0, 1)
    frame = pd.DataFrame({"row_id": np.arange(n), "text": _texts(n)})
    if pair:
        frame["text_pair"] = [f"第二段 {i} {XSS}" for i in range(n)]
    frame["label"] = labels_of_rows(true, LABELS)
    frame["pred"] = labels_of_rows(scores >= np.array(THRESHOLDS), LABELS)
    probs = pd.DataFrame(scores, columns=[results.prob_column(label) for label in LABELS])
    return pd.concat([frame, probs, pd.DataFrame({"渠道": _channel(n)})], axis=1)


def regression_frame(n: int = 200, *, pair: bool = False, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    true = rng.uniform(0.0, 5.0, n)
    frame = pd.DataFrame({"row_id": np.arange(n), "text": _texts(n)})
    if pair:
        frame["text_pair"] = [f"第二段 {i}" for i in range(n)]
    frame["label"] = true
    frame["pred"] = true + rng.normal(0.0, 0.5, n)
    frame["渠道"] = _channel(n)
    return frame


def _ml_report(*, pair: bool = False, run_id: str = "r-ml") -> dict:
    task = {"target": "multi_label", "pair": pair}
    return build_multilabel_report(multilabel_frame(pair=pair), LABELS, dict(zip(LABELS, THRESHOLDS, strict=True)),
                                   slice_columns=["渠道", "text", "缺少的列"], efficiency=EFFICIENCY,
                                   run_info={"name": RUN_NAME, "id": run_id, "task": task})


def _reg_report(frame: pd.DataFrame | None = None, *, run_id: str = "r-gone") -> dict:
    frame = regression_frame() if frame is None else frame
    task = {"target": "regression", "pair": "text_pair" in frame}
    return build_regression_report(frame, slice_columns=["渠道"], efficiency=EFFICIENCY,
                                   run_info={"name": RUN_NAME, "id": run_id, "labels": [], "task": task})


def _visible(page: str, tag: str | None = None) -> list[str]:
    """The texts a reader sees (scripts and styles removed), or only those inside ``<tag>`` elements."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    if tag:
        return [html_lib.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", page, re.S)]
    return [t.strip() for t in html_lib.unescape(re.sub(r"<[^>]+>", "\n", page)).splitlines() if t.strip()]


def _english_words(texts: list[str], *, data: tuple[str, ...] = ()) -> list[str]:
    words = []
    for text in texts:
        for item in sorted(data, key=len, reverse=True):
            text = text.replace(item, " ")
        words += [w for w in ENGLISH_WORD.findall(text) if w not in KEPT_IN_LATIN]
    return words


def _table_after(page: str, heading: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows (cell texts, unescaped) of the first table after ``<h2>heading</h2>`` or ``<h3>``."""
    start = re.search(rf"<h[23]>{re.escape(heading)}</h[23]>", page).end()
    table = re.search(r"<table>(.*?)</table>", page[start:], re.S).group(1)
    cells = lambda chunk, tag: [html_lib.unescape(c) for c in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", chunk, re.S)]  # noqa: E731
    return cells(table, "th"), [cells(row, "td") for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S)]


def _assert_offline_and_escaped(page: str, figures: int) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert len(re.findall(r"plotly\.js v\d", page)) == 1  # the bundle inlined exactly once
    assert page.count("Plotly.newPlot") == figures
    assert not re.search(r"<script[^>]*\bsrc=", page) and "cdn.plot.ly/plotly" not in page  # nothing fetched
    assert "<script>alert" not in page and ESCAPED in page


# --- multi-label --------------------------------------------------------------------------------------------------

def test_multilabel_html_in_english_has_every_section_and_number():
    report = _ml_report()
    page = html.report_to_html(report, title=f"Report {XSS}")
    _assert_offline_and_escaped(page, figures=2)  # F1 per label and the co-occurrence heatmap
    assert _visible(page, "h2") == ML_H2_EN
    assert '<html lang="en">' in page and "<title>Report &lt;script&gt;" in page
    summary = report["summary"]
    tiles = _visible(page, "div")
    for name, key in [("F1 (micro)", "f1_micro"), ("F1 (macro)", "f1_macro"), ("F1 (per text)", "f1_samples"),
                      ("Subset accuracy", "subset_accuracy"), ("Hamming loss", "hamming_loss")]:
        assert f'<div>{name}</div><div class="v">{100 * summary[key]:.1f}%</div>' in page, name
    cardinality = f"{summary['label_cardinality_true']:.2f} / {summary['label_cardinality_pred']:.2f}"
    assert "Labels per text (true / predicted)" in tiles and cardinality in tiles
    assert f"{summary['n_test']} test texts, {summary['n_errors']} of them with at least one label wrong" in page
    assert "Kind of data: Several labels per text (multi-label)." in page

    headers, rows = _table_after(page, "Per label")
    assert headers == ["Label", "Precision", "Recall", "F1", "Texts with this label", "Texts given this label",
                       "Threshold", "ROC AUC"]
    assert [row[0] for row in rows] == LABELS and [row[6] for row in rows] == ["0.50", "0.50", "0.45", "0.20"]
    first = report["per_label"][0]
    assert rows[0][3] == f"{100 * first['f1']:.1f}%" and rows[0][4] == str(first["support"])

    _, patterns = _table_after(page, "Most frequent mix-ups")
    top = report["cooccurrence_errors"][0]
    assert patterns[0] == [f"‘{top['label_a']}’ taken for ‘{top['label_b']}’", str(top["n"])]

    headers, errors = _table_after(page, "Errors")
    assert headers == ["Row", "Text", "True labels", "Predicted labels", "Missed labels", "Wrongly added labels"]
    assert summary["n_errors"] > 100 and len(errors) == 100  # the worst 100, as the report orders them
    assert f"The 100 texts with the most wrong labels (of {summary['n_errors']} with a wrong label set)." in page
    worst = report["errors"][0]
    assert errors[0][0] == str(worst["row_id"]) and errors[0][4] == (", ".join(worst["missing"]) or "(none)")
    assert "(none)" in {cell for row in errors for cell in row}  # an empty label set, in words

    headers, slices = _table_after(page, "渠道")
    assert headers == ["Value", "Examples", "Micro F1", "Subset accuracy", "Micro F1 gap to overall (points)"]
    assert {row[0] for row in slices} == {"邮件", "电话", "信件"}
    assert "Column ‘text’ skipped" in page and "Column ‘缺少的列’ skipped" in page
    assert "<td>latency_p50_ms</td>" in page and "<td>task</td><td>Several labels per text (multi-label)</td>" in page


def test_multilabel_html_in_chinese_has_no_english_left():
    report = _ml_report()
    page = html.report_to_html(report, title=i18n.translate("zh", "export.html.title", name=RUN_NAME), language="zh")
    _assert_offline_and_escaped(page, figures=2)
    assert '<html lang="zh">' in page and _visible(page, "h2") == ML_H2_ZH
    summary = report["summary"]
    assert f'<div>微平均 F1</div><div class="v">{100 * summary["f1_micro"]:.1f}%</div>' in page
    assert f'<div>汉明损失</div><div class="v">{100 * summary["hamming_loss"]:.1f}%</div>' in page
    assert "数据类型：每条文本多个标签（多标签）。" in page
    headers, rows = _table_after(page, "各标签结果")
    assert headers[:4] == ["标签", "精确率", "召回率", "F1"] and "阈值" in headers
    assert [row[6] for row in rows] == ["0.50", "0.50", "0.45", "0.20"]
    top = report["cooccurrence_errors"][0]
    assert f"把‘{top['label_a']}’当成‘{top['label_b']}’" in _visible(page)
    assert "（无）" in _visible(page) and "列“text”" not in page
    assert _english_words(_visible(page), data=(XSS, "text", "r-ml")) == []  # "text": the skipped column's name


def test_multilabel_pairs_show_both_texts():
    report = _ml_report(pair=True)
    page = html.report_to_html(report, title="pairs")
    headers, errors = _table_after(page, "Errors")
    assert headers[:3] == ["Row", "First text", "Second text"]
    assert all(row[2].startswith("第二段 ") for row in errors)
    assert re.search(rf'<td class="text">第二段 \d+ {re.escape(ESCAPED)}</td>', page)  # the second text, escaped
    assert "Kind of data: Text pairs, several labels per pair." in page
    chinese = html.report_to_html(report, title="句子对", language="zh")
    assert _table_after(chinese, "错误样本")[0][:3] == ["行", "第一段文本", "第二段文本"]


def test_multilabel_without_errors_or_extras_says_so():
    frame = multilabel_frame(60)
    frame["pred"] = frame["label"]
    report = build_multilabel_report(frame.drop(columns=[results.prob_column(x) for x in LABELS]), LABELS, None)
    page = html.report_to_html(report, title="t")
    assert "Every test text got exactly its labels." in page and "No label was taken for another" in page
    assert "Efficiency measurement is not available" in page and "A slice analysis is not available" in page
    _, rows = _table_after(page, "Per label")
    assert {row[7] for row in rows} == {"n/a"}  # no probabilities: no ROC AUC, said as n/a, not left blank
    assert "<h2>Run</h2>" not in page


# --- regression ---------------------------------------------------------------------------------------------------

def test_regression_html_in_english_with_the_scatter():
    frame = regression_frame()
    report = _reg_report(frame)
    page = html.report_to_html(report, title="scores", predictions=frame)
    _assert_offline_and_escaped(page, figures=2)  # the scatter and the misses by range
    assert _visible(page, "h2") == REG_H2_EN
    summary = report["summary"]
    for name, value in [("MSE (mean squared error)", f"{summary['mse']:.4g}"), ("RMSE (root mean squared error)", f"{summary['rmse']:.4g}"),
                        ("MAE (mean absolute error)", f"{summary['mae']:.4g}"), ("R² (coefficient of determination)", f"{summary['r2']:.3f}"),
                        ("Pearson correlation", f"{summary['pearson']:.3f}"), ("Spearman rank correlation", f"{summary['spearman']:.3f}"),
                        ("MSE of always predicting the average", f"{summary['baseline_mse']:.4g}")]:
        assert f'<div>{name}</div><div class="v">{value}</div>' in page, name
    assert (f"A model predicting the average ({summary['target_mean']:.4g}) for every text would have an MSE of "
            f"{summary['baseline_mse']:.4g}. This model&#39;s MSE is lower") in page
    assert "200 test texts." in page and "Points on the dashed line are predicted exactly" in page

    headers, ranges = _table_after(page, "By target range")
    assert headers == ["True values", "Examples", "Mean absolute error", "Mean miss"]
    assert [row[0] for row in ranges] == [r["range"] for r in report["by_range"]]
    assert ranges[0][3] == format(report["by_range"][0]["mean_residual"], "+.4g")

    headers, errors = _table_after(page, "Largest misses")
    assert headers == ["Row", "Text", "True value", "Predicted value", "Miss"]
    assert len(errors) == 100 and "The 100 largest misses, largest first." in page
    worst = report["errors"][0]
    assert errors[0] == [str(worst["row_id"]), worst["text"], f"{worst['label']:.4g}", f"{worst['pred']:.4g}",
                         f"{worst['residual']:+.4g}"]

    _, slices = _table_after(page, "渠道")
    small = next(row for row in slices if row[0] == "信件")
    assert small[1] == "2" and small[3] == "n/a"  # too few rows for a rank correlation


def test_regression_html_without_predictions_skips_the_scatter():
    report = _reg_report(run_id="no-such-run")  # the run does not exist: nothing to read the points from
    page = html.report_to_html(report, title="t")
    assert "The predicted values of this run are not available, so the scatter cannot be drawn." in page
    _assert_offline_and_escaped(page, figures=1)  # only the misses by range
    assert _visible(page, "h2") == REG_H2_EN


def test_regression_html_in_chinese_has_no_english_left():
    frame = regression_frame(pair=True)
    report = _reg_report(frame)
    page = html.report_to_html(report, title="评分报告", language="zh", predictions=frame)
    _assert_offline_and_escaped(page, figures=2)
    assert '<html lang="zh">' in page and _visible(page, "h2") == REG_H2_ZH
    summary = report["summary"]
    assert f'<div>均方误差</div><div class="v">{summary["mse"]:.4g}</div>' in page
    assert f'<div>斯皮尔曼等级相关系数</div><div class="v">{summary["spearman"]:.3f}</div>' in page
    assert "如果模型对每条文本都预测平均值" in page and "。本模型的均方误差更低" in page  # no space between sentences
    assert _table_after(page, "偏差最大的文本")[0] == ["行", "第一段文本", "第二段文本", "真实值", "预测值", "偏差"]
    assert "数据类型：文本对，每对一个数值（如相似度分数）。" in page and "<td>任务类型</td>" in page
    assert _english_words(_visible(page), data=(XSS, "r-gone")) == []


@pytest.fixture
def regression_run() -> store.Run:
    """A finished regression run with saved predictions and report, made without training."""
    run = store.create_run({"model": "tiny-random-bert"}, name=RUN_NAME, dataset_id=None, status="completed",
                           info={"task": {"target": "regression", "pair": False}})
    frame = regression_frame()
    # The report names another id (a copied run): the page reads the points of the run it is made for.
    results.write_results(run.id, frame, _reg_report(frame, run_id="elsewhere"))
    return run


def test_a_run_report_reads_its_saved_predictions_for_the_scatter(regression_run, tmp_path):
    page = html.run_report_html(regression_run.id, language="zh")
    assert "<title>Tuneboard 评估报告 · 评分模型 第1轮</title>" in page and page.count("Plotly.newPlot") == 2
    assert "无法绘制散点图" not in page
    out = tmp_path / "报告.html"
    assert cli.main(["report", regression_run.id, "--html", str(out)]) == 0
    assert _visible(out.read_text(encoding="utf-8"), "h2") == REG_H2_EN
    results.predictions_file(regression_run.id).unlink()  # the predictions are gone: the page still renders
    page = html.run_report_html(regression_run.id)
    assert "the scatter cannot be drawn" in page and page.count("Plotly.newPlot") == 1


# --- single-label pairs -------------------------------------------------------------------------------------------

def _single_frame(n: int = 120, *, pair: bool) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    classes = ["相同", "不同"]
    true = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < 0.7, true, 1 - true)
    frame = pd.DataFrame({"row_id": np.arange(n), "text": _texts(n)})
    if pair:
        frame["text_pair"] = [f"另一句 {i} {XSS}" for i in range(n)]
    frame["label"] = [classes[i] for i in true]
    frame["pred"] = [classes[i] for i in pred]
    frame["confidence"] = rng.uniform(0.5, 1.0, n)
    return frame


def test_single_label_pairs_show_the_second_text_and_plain_text_is_unchanged():
    task = {"target": "single_label", "pair": True}
    report = build_report(_single_frame(pair=True), ["相同", "不同"], task=task)
    page = html.report_to_html(report, title="pairs")
    headers, errors = _table_after(page, "Errors")
    assert headers == ["Row", "First text", "Second text", "True label", "Predicted", "Confidence"]
    assert all(row[2].startswith("另一句 ") for row in errors) and "<script>alert" not in page
    assert "Kind of data: Text pairs, one label per pair." in page
    chinese = html.report_to_html(report, title="句子对", language="zh")
    assert _table_after(chinese, "错误样本")[0][:3] == ["行", "第一段文本", "第二段文本"]
    assert "数据类型：文本对，每对一个标签。" in chinese

    plain = html.report_to_html(build_report(_single_frame(pair=False), ["相同", "不同"]), title="plain")
    assert _table_after(plain, "Errors")[0] == ["Row", "Text", "True label", "Predicted", "Confidence"]
    assert "Kind of data" not in plain


def test_catalogue_parts_have_the_same_keys_and_placeholders():
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh")
    keys = [k for k in english if k.startswith("html_tasks.")]
    assert keys and all(k in chinese for k in keys)
    assert all(i18n.placeholders(english[k]) == i18n.placeholders(chinese[k]) for k in keys)
