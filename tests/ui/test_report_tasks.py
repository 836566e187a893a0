"""The Runs page's report for multi-label and regression runs (issue 18), in English and 简体中文: render_report
picks the view from ``report["task"]``, the headline measures carry their plain sentences, nothing raises, and a
Chinese page has no English left but the user's data.  A single-label pair report shows the second text.

The reports are written by hand following the brief's report.json layout, so these tests do not depend on the
builders; the regression scatter reads its points from a predictions file seeded in the test's TUNEBOARD_HOME.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import results
from tests.ui.i18n_check import _figure_texts, _walk, english_leftovers, english_words

ROOT = str(Path(__file__).resolve().parents[2])
LABELS = ["toxic", "insult", "threat", "spam"]
SLICE_DATA = ["channel", "email", "chat", "source", "_"]


def _app(root: str, report: dict, predictions: object) -> None:
    """Script run by AppTest (executed from its source, so it imports what it needs)."""
    import sys

    sys.path.insert(0, root)
    from pages.components.report_view import render_report

    render_report(report, predictions, key="r")


def _slices(metrics: dict[str, list[float]]) -> tuple[list[dict], list[dict]]:
    values = [{"value": v, "n": 30 + i, **{m: xs[i] for m, xs in metrics.items()}} for i, v in enumerate(("email", "chat"))]
    skipped = [{"column": "source", "reason": "The column is not in the predictions.",
                "message": {"key": "evalmsg.slices.not_in_predictions", "params": {}}}]
    return [{"column": "channel", "values": values}], skipped


def multilabel_report(pair: bool = True) -> dict:
    k = len(LABELS)
    slices, skipped = _slices({"f1_micro": [0.7, 0.6], "subset_accuracy": [0.5, 0.4]})
    errors = [{"row_id": i, "text": f"text {i} <b>*bold*</b>", "label": "insult|toxic" if i % 2 else "threat",
               "pred": "spam|toxic" if i % 2 else "", "missing": ["insult"] if i % 2 else ["threat"],
               "extra": ["spam"] if i % 2 else []} for i in range(12)]
    if pair:
        for row in errors:
            row["text_pair"] = f"second {row['row_id']}"
    return {
        "task": {"target": "multi_label", "pair": pair}, "run": {"id": "ml-run", "name": "demo"},
        "labels": LABELS, "thresholds": dict.fromkeys(LABELS, 0.4),
        "summary": {"f1_micro": 0.71, "f1_macro": 0.64, "f1_samples": 0.69, "precision_micro": 0.74,
                    "recall_micro": 0.68, "precision_macro": 0.66, "recall_macro": 0.62, "subset_accuracy": 0.48,
                    "hamming_loss": 0.11, "jaccard_samples": 0.6, "roc_auc_macro": None, "label_cardinality_true": 1.6,
                    "label_cardinality_pred": 1.4, "n_test": 120, "n_errors": 12},
        "per_label": [{"label": name, "precision": 0.7, "recall": 0.6, "f1": 0.2 * (i + 1), "support": 20 + i,
                       "predicted": 18 + i, "threshold": 0.35 + 0.05 * i, "roc_auc": None if i == 3 else 0.9}
                      for i, name in enumerate(LABELS)],
        "cooccurrence": {"labels": LABELS, "counts": [[30 if i == j else i + j for j in range(k)] for i in range(k)]},
        "cooccurrence_errors": [{"label_a": "toxic", "label_b": "insult", "n": 7, "kind": "confused"},
                                {"label_a": "insult", "label_b": "threat", "n": 3, "kind": "missed_together"}],
        "errors": errors, "slices": slices, "slices_skipped": skipped, "efficiency": None,
    }


def regression_report(run_id: str = "reg-run", pair: bool = True) -> dict:
    slices, skipped = _slices({"mae": [0.5, 0.7], "spearman": [0.8, None]})
    errors = [{"row_id": i, "text": f"text {i} <script>x</script>", "label": 1.0 + i, "pred": 4.5 - i,
               "residual": (1.0 + i) - (4.5 - i)} for i in range(6)]
    if pair:
        for row in errors:
            row["text_pair"] = f"second {row['row_id']}"
    return {
        "task": {"target": "regression", "pair": pair}, "run": {"id": run_id, "name": "demo"},
        "summary": {"mse": 0.42, "rmse": 0.648, "mae": 0.51, "r2": 0.73, "pearson": 0.86, "spearman": 0.84,
                    "n_test": 6000, "target_mean": 2.7, "target_std": 1.2, "baseline_mse": 1.44},
        "by_range": [{"range": f"{lo:.1f}–{lo + 1:.1f}", "low": lo, "high": lo + 1, "n": 1200, "mae": 0.3 + lo / 10,
                      "mean_residual": 0.4 - lo / 5} for lo in (0.0, 1.0, 2.0, 3.0, 4.0)],
        "errors": errors, "slices": slices, "slices_skipped": skipped, "efficiency": None,
    }


def seed_predictions(run_id: str, n: int = 6000) -> None:
    """A regression run's predictions.parquet in this test's workspace (label and pred, as core writes them)."""
    rng = np.random.default_rng(0)
    label = rng.uniform(0, 5, n)
    frame = pd.DataFrame({"row_id": np.arange(n), "text": [f"t{i}" for i in range(n)], "label": label,
                          "pred": label + rng.normal(0, 0.5, n)})
    file = results.predictions_file(run_id)
    file.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(file)


def _run(report: dict, predictions: pd.DataFrame | None = None, language: str = "en") -> AppTest:
    at = AppTest.from_function(_app, args=(ROOT, report, predictions), default_timeout=60)
    at.session_state["lang"] = language
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(node.proto.spec) for node in _walk(at._tree)
            if getattr(getattr(node, "proto", None), "DESCRIPTOR", None) is not None
            and node.proto.DESCRIPTOR.name == "PlotlyChart"]


def _columns(at: AppTest) -> set[str]:
    return {str(c) for d in at.dataframe for c in d.value.columns}


def _leftovers(at: AppTest, data: list[str]) -> list[tuple[str, str]]:
    """English on a Chinese page, table headers and chart texts included (see tests/ui/test_report_zh.py)."""
    found = [("column", c) for c in _columns(at)] + [("chart", x) for spec in _charts(at) for x in _figure_texts(spec)]
    return english_leftovers(at, data=data) + [(w, x) for w, x in found if english_words(x, data)]


# ------------------------------------------------------------------ multi-label


def test_multilabel_report_in_english():
    at = _run(multilabel_report())
    assert [t.label for t in at.tabs] == ["Overview", "Label pairs", "Errors", "Efficiency", "Slices"]
    names = [m.label for m in at.metric]
    for name in ("F1 (micro)", "F1 (macro)", "F1 (per text)", "Subset accuracy", "Hamming loss",
                 "Labels per text (true / predicted)"):
        assert name in names, names
    assert "1.60 / 1.40" in [m.value for m in at.metric]
    captions = [c.value for c in at.caption]
    assert "Share of texts where every label is exactly right: none missed and none added." in captions
    columns = _columns(at)
    assert {"threshold", "ROC AUC", "texts with this label", "second text", "missed labels",
            "wrongly added labels", "mix-up"} <= columns, columns
    patterns = next(d.value for d in at.dataframe if "mix-up" in d.value.columns)["mix-up"].tolist()
    assert patterns == ["‘toxic’ taken for ‘insult’", "‘insult’ and ‘threat’ both missed"]
    bars = next(s for s in _charts(at) if s["data"][0]["type"] == "bar")
    assert len(bars["data"][0]["y"]) == len(LABELS)
    assert any(s["data"][0]["type"] == "heatmap" for s in _charts(at))
    assert "12 texts with a wrong label set, worst first." in [t.value for t in at.text]


def test_multilabel_errors_filter_by_label_and_show_user_text_as_cells():
    at = _run(multilabel_report())
    at.multiselect(key="r-ml-err-labels").set_value(["threat"]).run()
    assert not at.exception
    assert "6 texts with a wrong label set, worst first." in [t.value for t in at.text]
    errors = next(d.value for d in at.dataframe if "missed labels" in d.value.columns)
    assert errors["missed labels"].tolist() == ["threat"] * 6
    assert errors["text"].iloc[0] == "text 0 <b>*bold*</b>"  # a plain cell, exactly as written
    assert errors["predicted labels"].iloc[0] == "(none)"
    at.selectbox(key="r-slice-col").set_value("channel").run()
    slices = next(d.value for d in at.dataframe if "subset accuracy" in d.value.columns)
    assert slices["value"].tolist() == ["email", "chat"]


def test_multilabel_report_in_chinese():
    at = _run(multilabel_report(), language="zh")
    assert [t.label for t in at.tabs] == ["概览", "标签共现", "错误样本", "效率", "切片分析"]
    names = [m.label for m in at.metric]
    assert {"微平均 F1", "宏平均 F1", "完全匹配率", "汉明损失", "每条文本的标签数（真实 / 预测）"} <= set(names), names
    assert "所有标签都完全正确的文本所占的比例：一个没漏，也一个没多。" in [c.value for c in at.caption]
    assert {"第二段文本", "漏掉的标签", "多加的标签", "阈值"} <= _columns(at)
    texts = [f"text {i} <b>*bold*</b>" for i in range(12)] + [f"second {i}" for i in range(12)]
    assert _leftovers(at, [*LABELS, *SLICE_DATA, *texts]) == []


def test_a_multilabel_report_without_errors_or_sections_says_so():
    report = multilabel_report(pair=False)
    report.update(errors=[], cooccurrence_errors=[], slices=[], slices_skipped=[], per_label=[], cooccurrence={})
    at = _run(report)
    assert "Every test text got exactly its labels." in [s.value for s in at.success]
    assert "A slice analysis is not available for this run." in [i.value for i in at.info]


# ------------------------------------------------------------------ regression


def test_regression_report_in_english_reads_the_points_from_the_run():
    seed_predictions("reg-run")
    at = _run(regression_report())
    assert [t.label for t in at.tabs] == ["Overview", "By target range", "Errors", "Efficiency", "Slices"]
    names = [m.label for m in at.metric]
    for name in ("MSE (mean squared error)", "RMSE (root mean squared error)", "MAE (mean absolute error)",
                 "R² (coefficient of determination)", "Pearson correlation", "Spearman rank correlation"):
        assert name in names, names
    texts = [t.value for t in at.text]
    assert "A model predicting the average (2.7) for every text would have an MSE of 1.44." in texts
    assert "This model's MSE is lower, so it learned more than the average." in texts
    scatter = next(s for s in _charts(at) if len(s["data"]) == 2 and s["data"][1]["type"] == "scattergl")
    assert "(5,000 of 6,000 texts shown)" in scatter["layout"]["title"]["text"]
    assert scatter["data"][0]["name"] == "Exact prediction (y = x)"
    by_range = next(s for s in _charts(at) if s["layout"].get("barmode") == "group")
    assert len(by_range["data"][0]["x"]) == 5
    assert {"second text", "true value", "predicted value", "miss", "mean miss"} <= _columns(at)


def test_regression_scatter_uses_the_page_s_predictions_and_says_when_there_are_none():
    frame = pd.DataFrame({"label": [1.0, 2.0, 3.0], "pred": [1.5, 2.0, 2.0]})
    at = _run(regression_report(run_id="no-such-run"), frame)
    scatter = next(s for s in _charts(at) if len(s["data"]) == 2 and s["data"][1]["type"] == "scattergl")
    assert scatter["layout"]["title"]["text"] == "Predicted against true value"
    at = _run(regression_report(run_id="no-such-run", pair=False))
    assert any("scatter cannot be drawn" in i.value for i in at.info)


@pytest.mark.parametrize("pair", [True, False])
def test_regression_report_in_chinese(pair):
    seed_predictions("reg-run")
    at = _run(regression_report(pair=pair), language="zh")
    assert [t.label for t in at.tabs] == ["概览", "按目标值区间", "错误样本", "效率", "切片分析"]
    names = [m.label for m in at.metric]
    assert {"均方误差", "均方根误差", "平均绝对误差", "决定系数", "皮尔逊相关系数", "斯皮尔曼等级相关系数"} <= set(names), names
    assert "如果模型对每条文本都预测平均值（2.7），均方误差将是 1.44。" in [t.value for t in at.text]
    assert ("第二段文本" in _columns(at)) == pair
    texts = [f"text {i} <script>x</script>" for i in range(6)] + [f"second {i}" for i in range(6)]
    assert _leftovers(at, [*SLICE_DATA, *texts]) == []


# ------------------------------------------------------------------ single-label pairs


def test_a_single_label_pair_report_lists_the_second_text():
    from core.evaluate.report import build_report

    n, labels = 60, ["same", "different"]
    rng = np.random.default_rng(1)
    true = rng.integers(0, 2, n)
    proba = np.clip(np.where(true[:, None] == [0, 1], 0.7, 0.3) + rng.normal(0, 0.25, (n, 1)) * [1, -1], 0.01, 0.99)
    proba = proba / proba.sum(axis=1, keepdims=True)
    frame = pd.DataFrame({"row_id": np.arange(n), "text": [f"first {i}" for i in range(n)],
                          "text_pair": [f"second {i}" for i in range(n)], "label": [labels[i] for i in true],
                          "pred": [labels[i] for i in proba.argmax(1)], "confidence": proba.max(1),
                          "prob::same": proba[:, 0], "prob::different": proba[:, 1]})
    report = {**build_report(frame, labels), "task": {"target": "single_label", "pair": True}}
    at = _run(report, frame)
    assert "Binary" in [t.label for t in at.tabs]  # the single-label view, unchanged
    assert "second text" in _columns(at)
    zh = _run(report, frame, language="zh")
    assert "第二段文本" in _columns(zh)


# ------------------------------------------------------------------ the builders' own reports


@pytest.mark.parametrize("language", ["en", "zh"])
def test_reports_made_by_the_builders_render(language):
    """The contract end to end: what core.evaluate's builders write, this view draws."""
    ml = pytest.importorskip("core.evaluate.report_multilabel")
    reg = pytest.importorskip("core.evaluate.report_regression")
    rng = np.random.default_rng(2)
    n = 80
    true = rng.random((n, len(LABELS))) < 0.4
    pred = true ^ (rng.random((n, len(LABELS))) < 0.15)
    cell = lambda row: "|".join(sorted(LABELS[j] for j in np.flatnonzero(row)))  # noqa: E731
    frame = pd.DataFrame({"row_id": np.arange(n), "text": [f"a {i}" for i in range(n)],
                          "text_pair": [f"b {i}" for i in range(n)], "label": [cell(r) for r in true],
                          "pred": [cell(r) for r in pred], "channel": rng.choice(["email", "chat"], n)})
    for j, label in enumerate(LABELS):
        frame[f"prob::{label}"] = np.clip(pred[:, j] * 0.6 + rng.random(n) * 0.4, 0, 1)
    report = ml.build_multilabel_report(frame, LABELS, None, slice_columns=["channel"], run_info={"id": "ml"})
    at = _run(report, frame, language=language)
    assert ("完全匹配率" if language == "zh" else "Subset accuracy") in [m.label for m in at.metric]
    assert ("第二段文本" if language == "zh" else "second text") in _columns(at)
    if language == "zh":
        assert _leftovers(at, [*LABELS, *SLICE_DATA, *(f"{x} {i}" for x in "ab" for i in range(n))]) == []
    y = rng.uniform(0, 5, n)
    frame = pd.DataFrame({"row_id": np.arange(n), "text": [f"a {i}" for i in range(n)], "label": y,
                          "pred": y + rng.normal(0, 0.5, n), "channel": rng.choice(["email", "chat"], n)})
    report = reg.build_regression_report(frame, slice_columns=["channel"], run_info={"id": "reg"})
    at = _run(report, frame, language=language)
    assert ("均方误差" if language == "zh" else "MSE (mean squared error)") in [m.label for m in at.metric]
    if language == "zh":
        texts = [f"a {i}" for i in range(n)] + [f"b {i}" for i in range(n)]
        ranges = [r["range"] for r in report["by_range"]]
        assert _leftovers(at, [*LABELS, *SLICE_DATA, *texts, *ranges]) == []
