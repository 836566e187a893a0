"""build_report / report_to_json / report_to_html and the figures built from a report."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from sklearn import metrics as skm

from core.errors import DataError
from core.evaluate.html import report_to_html
from core.evaluate.report import build_report, report_to_json
from core.plots import classification_figures, confusion, reliability_figures
from core.plots.class_layout import confusion_subset

XSS = "<script>alert('x')</script>"


def make_predictions(n: int, labels: list, *, seed: int = 0, strength: float = 2.5) -> pd.DataFrame:
    """A predictions frame as the trainer writes it, from noisy softmax scores.

    Class frequencies are skewed (first classes commoner) so ordering and the
    minority-class rules are exercised; every 10th text carries an XSS payload.
    """
    rng = np.random.default_rng(seed)
    k = len(labels)
    weights = 1.0 / np.arange(1, k + 1)
    true = rng.choice(k, n, p=weights / weights.sum())
    logits = rng.normal(0.0, 1.0, (n, k))
    logits[np.arange(n), true] += strength
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    frame = pd.DataFrame(
        {
            "row_id": np.arange(n),
            "text": [f"example {i} {XSS}" if i % 10 == 0 else f"example {i}" for i in range(n)],
            "label": [labels[i] for i in true],
            "pred": [labels[i] for i in pred],
            "confidence": proba.max(axis=1),
        }
    )
    probs = pd.DataFrame(proba, columns=[f"prob::{label}" for label in labels])
    extra = pd.DataFrame(
        {
            "channel": np.where(np.arange(n) % 2 == 0, "email", "chat"),
            "row_text_copy": frame["text"],  # > 50 distinct values: must be skipped as a slice
        }
    )
    return pd.concat([frame, probs, extra], axis=1)


@pytest.fixture(scope="module")
def binary():
    frame = make_predictions(300, ["ham", "spam"], seed=1, strength=1.5)
    return frame, build_report(frame, ["ham", "spam"], slice_columns=["channel", "row_text_copy"])


@pytest.fixture(scope="module")
def many():
    labels = [f"intent_{i:02d}" for i in range(77)]
    frame = make_predictions(2000, labels, seed=2, strength=3.0)
    robustness = [
        {"perturbation": "typos", "description": "Typos.", "accuracy": 0.7, "drop": 4.5, "changed_share": 0.1},
        {"perturbation": "lowercase", "description": "Lower.", "accuracy": 0.74, "drop": 0.5, "changed_share": 0.02},
    ]
    efficiency = {"latency_p50_ms": 4.2, "latency_p95_ms": 6.0, "throughput_texts_per_s": 900.0, "device": "cpu"}
    run = {"name": f"run {XSS}", "model": "MiniLM", "epochs": np.int64(3), "lr": np.float32(2e-5)}
    report = build_report(
        frame,
        labels,
        slice_columns=["channel"],
        robustness=robustness,
        efficiency=efficiency,
        run_info=run,
        dataset_noun="messages",
    )
    return frame, labels, report


def test_summary_matches_sklearn(many):
    frame, labels, report = many
    s = report["summary"]
    assert s["n_test"] == 2000
    assert s["n_errors"] == int((frame["label"] != frame["pred"]).sum())
    assert s["accuracy"] == pytest.approx(skm.accuracy_score(frame["label"], frame["pred"]))
    assert s["f1_macro"] == pytest.approx(
        skm.f1_score(frame["label"], frame["pred"], labels=labels, average="macro", zero_division=0)
    )
    assert {"log_loss", "ece"} <= set(s)


def test_json_round_trip_is_exact_and_strict(many, binary):
    for report in (many[2], binary[1]):
        text = report_to_json(report)
        assert "NaN" not in text and "Infinity" not in text
        assert json.loads(text) == report


def test_confusion_section(many):
    frame, labels, report = many
    conf = report["confusion"]
    assert conf["labels"] == labels
    counts = np.array(conf["counts"])
    assert counts.shape == (77, 77) and counts.sum() == 2000
    np.testing.assert_allclose(np.array(conf["normalized"]).sum(axis=1)[counts.sum(axis=1) > 0], 1.0)
    top = conf["top_confusions"]
    assert top and all(t != p for t, p, _ in top)
    assert [c for *_, c in top] == sorted((c for *_, c in top), reverse=True)
    t, p, c = top[0]
    assert c == int(((frame["label"] == t) & (frame["pred"] == p)).sum())


def test_errors_sorted_by_confidence(many):
    report = many[2]
    errors = report["errors"]
    assert len(errors) == report["summary"]["n_errors"]
    assert all(e["label"] != e["pred"] for e in errors)
    confidences = [e["confidence"] for e in errors]
    assert confidences == sorted(confidences, reverse=True)
    assert set(errors[0]) == {"row_id", "text", "label", "pred", "confidence"}


def test_explanations_use_this_runs_numbers(many):
    frame, _, report = many
    s, ex = report["summary"], report["explanations"]
    n_correct = int((frame["label"] == frame["pred"]).sum())
    assert f"{n_correct} of 2000 test messages" in ex["accuracy"]
    assert f"{100 * s['accuracy']:.1f}%" in ex["accuracy"]
    assert f"{s['mcc']:.2f}" in ex["mcc"]
    assert f"{s['log_loss']:.3f}" in ex["log_loss"]
    assert f"{100 * s['ece']:.1f} percentage points" in ex["ece"]
    assert set(s) - {"n_test", "n_errors"} <= set(ex)
    row = report["per_class"][0]
    assert f"Of the {row['support']} test messages that really are ‘{row['label']}’" in row["recall_explanation"]
    assert f"When the model says ‘{row['label']}’" in row["precision_explanation"]
    assert f"{100 * row['precision']:.0f}%" in row["precision_explanation"]


def test_binary_section(binary):
    frame, report = binary
    b = report["binary"]
    assert b["positive"] == "spam" and b["negative"] == "ham"  # named like a positive class
    assert b["auc"] == pytest.approx(skm.roc_auc_score(frame["label"] == "spam", frame["prob::spam"]))
    assert b["average_precision"] == pytest.approx(skm.average_precision_score(frame["label"] == "spam", frame["prob::spam"]))
    assert b["at_threshold_0_5"]["tp"] + b["at_threshold_0_5"]["fn"] == int((frame["label"] == "spam").sum())


def test_binary_positive_is_minority_when_no_name_matches():
    frame = make_predictions(200, ["alpha", "beta"], seed=4)  # 'alpha' is twice as common
    assert build_report(frame, ["alpha", "beta"])["binary"]["positive"] == "beta"


def test_no_binary_section_for_many_classes(many):
    assert many[2]["binary"] is None


def test_slices_gaps_and_skips(binary):
    frame, report = binary
    (block,) = report["slices"]
    assert block["column"] == "channel"
    overall = (frame["label"] == frame["pred"]).mean()
    for row in block["values"]:
        part = frame[frame["channel"] == row["value"]]
        accuracy = (part["label"] == part["pred"]).mean()
        assert row["n"] == len(part)
        assert row["accuracy"] == pytest.approx(accuracy)
        assert row["gap_points"] == pytest.approx(100 * (accuracy - overall))
        assert row["f1_macro"] == pytest.approx(skm.f1_score(part["label"], part["pred"], average="macro"))
    assert [s["column"] for s in report["slices_skipped"]] == ["row_text_copy"]


def test_calibration_section(many):
    cal = many[2]["calibration"]
    assert cal["ece"] == many[2]["summary"]["ece"]
    assert sum(cal["reliability"]["count"]) == 2000
    assert sum(cal["histogram"]["correct"]) + sum(cal["histogram"]["wrong"]) == 2000


def test_report_without_probabilities_or_extras():
    frame = make_predictions(120, ["a", "b", "c"], seed=5).drop(columns=["prob::a", "prob::b", "prob::c"])
    report = build_report(frame, ["a", "b", "c"])
    assert report["calibration"] is None and report["binary"] is None
    assert "log_loss" not in report["summary"] and report["robustness"] is None
    html_text = report_to_html(report, title="no probs")
    assert "not available for this run" in html_text


def test_integer_labels_are_reported_as_strings():
    frame = make_predictions(100, [0, 1], seed=6)
    report = build_report(frame, [0, 1])
    assert report["labels"] == ["0", "1"] and report["binary"]["positive"] == "1"


def test_unusable_predictions_raise_one_sentence_errors():
    with pytest.raises(DataError, match="no rows"):
        build_report(make_predictions(10, ["a", "b"]).iloc[:0], ["a", "b"])
    with pytest.raises(DataError, match="pred"):
        build_report(make_predictions(10, ["a", "b"]).drop(columns=["pred"]), ["a", "b"])


def test_html_is_standalone_offline_and_escaped(many):
    _, _, report = many
    html_text = report_to_html(report, title=f"Report for {XSS}")
    assert html_text.startswith("<!DOCTYPE html>")
    assert len(re.findall(r"plotly\.js v\d", html_text)) == 1  # bundle inlined exactly once
    assert html_text.count("Plotly.newPlot") >= 5
    assert not re.search(r"<script[^>]*\bsrc=", html_text)  # nothing fetched: no CDN, works offline
    assert "cdn.plot.ly/plotly" not in html_text
    assert "<script>alert" not in html_text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html_text  # Jinja2 autoescape spells ' as &#39;
    assert report["explanations"]["accuracy"] in html_text
    for section in (
        "Summary",
        "Per class",
        "Confusion matrix",
        "Errors",
        "Calibration",
        "Robustness",
        "Efficiency",
        "Slices",
        "Run",
    ):
        assert f"<h2>{section}</h2>" in html_text


def test_html_escapes_labels_and_settings_from_the_user():
    labels = [XSS, "<b>bold</b>"]
    frame = make_predictions(80, labels, seed=3)
    frame["channel"] = np.where(np.arange(80) % 2 == 0, f"{XSS} & co", "plain")
    report = build_report(frame, labels, slice_columns=["channel"], efficiency={XSS: 1.5},
                          run_info={"name": XSS, "config": {"note": XSS}})
    html_text = report_to_html(report, title="labels")
    assert "<script>alert" not in html_text and "<b>bold" not in html_text
    assert "<td>&lt;b&gt;bold&lt;/b&gt;</td>" in html_text  # per-class table
    assert "<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</td>" in html_text  # slice value
    assert "<td>{&#34;note&#34;: &#34;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#34;}</td>" in html_text  # run settings
    assert "<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td><td class=\"num\">1.50</td>" in html_text  # efficiency
    # In the figures (axis labels) plotly's JSON writes '<' as \u003c, so no label can end a script early.
    assert r"\u003cscript\u003ealert" in html_text and "alert('x')</script>" not in html_text


def test_html_binary_has_curves(binary):
    html_text = report_to_html(binary[1], title="binary")
    assert "ROC curve" in html_text and "Precision-recall" in html_text


def _heatmap(fig: go.Figure) -> go.Heatmap:
    return next(t for t in fig.data if t.type == "heatmap")


@pytest.mark.parametrize("k", [2, 100])
def test_all_figures_build(k):
    labels = [f"L{i}" for i in range(k)]
    report = build_report(make_predictions(max(300, 12 * k), labels, seed=k), labels, slice_columns=["channel"])
    report["robustness"] = [{"perturbation": "typos", "description": "d", "accuracy": 0.5, "drop": 3.0, "changed_share": 0.2}]
    built = [
        confusion.confusion_matrix_figure(report),
        confusion.confusion_matrix_figure(report, normalized=True, max_classes=100),
        classification_figures.per_class_f1_figure(report),
        classification_figures.roc_figure(report),
        classification_figures.pr_figure(report),
        reliability_figures.reliability_figure(report),
        reliability_figures.confidence_histogram_figure(report),
        reliability_figures.robustness_figure(report),
        reliability_figures.slice_figure(report, "channel"),
        reliability_figures.slice_figure(report, "no-such-column"),
    ]
    assert all(isinstance(f, go.Figure) for f in built)
    full = built[1]
    assert full.layout.xaxis.title.text == "Predicted label" and full.layout.yaxis.title.text == "True label"
    assert len(_heatmap(full).x) == k
    assert (_heatmap(full).texttemplate is not None) == (k <= 20)  # cell numbers only when readable
    assert len(_heatmap(built[0]).x) == min(k, 30)


def test_confusion_figure_keeps_most_confused_classes_in_frequency_order(many):
    _, _, report = many
    fig = confusion.confusion_matrix_figure(report, max_classes=10)
    shown = list(_heatmap(fig).x)
    assert len(shown) == 10
    true, pred, _ = report["confusion"]["top_confusions"][0]
    assert true in shown and pred in shown
    support = {r["label"]: r["support"] for r in report["per_class"]}
    assert [support[x] for x in shown] == sorted((support[x] for x in shown), reverse=True)
    scatter = next(t for t in fig.data if t.type == "scatter")  # click target for Streamlit selection
    assert len(scatter.customdata) == 100


def test_figures_for_missing_sections_do_not_fail(many):
    report = dict(many[2], binary=None, calibration=None, robustness=None, slices=[])
    for fn in (classification_figures.roc_figure, classification_figures.pr_figure, reliability_figures.reliability_figure, reliability_figures.robustness_figure):
        note = fn(report).layout.annotations[0].text
        assert "available" in note or "need" in note
    assert "Not available" in reliability_figures.slice_figure(report, "channel").layout.annotations[0].text


def test_a_large_matrix_shows_the_classes_with_most_errors_and_says_so(many):
    frame, labels, report = many
    wrong = frame[frame["label"] != frame["pred"]]
    errors = pd.concat([wrong["label"], wrong["pred"]]).value_counts()
    support = frame["label"].value_counts()
    expected = sorted(labels, key=lambda x: (-errors.get(x, 0), -support.get(x, 0), labels.index(x)))[:20]
    chosen, note = confusion_subset(report, 20)
    assert [labels[i] for i in chosen] == expected
    assert note.startswith("Showing the 20 classes with the most errors") and "of 77" in note
    assert set(_heatmap(confusion.confusion_matrix_figure(report, max_classes=20)).x) == set(expected)
    picked, note = confusion_subset(report, 20, ["intent_05", "intent_70", "not-a-class"])
    assert [labels[i] for i in picked] == ["intent_05", "intent_70"] and note == "Showing the 2 classes you picked of 77."
    assert confusion_subset(report, 20, ["intent_05"])[1] == "Showing the class you picked of 77."
    assert confusion_subset(report, 100) == (list(range(77)), "")


def test_77_classes_get_a_readable_label_each(many):
    _, _, report = many
    for fig in (classification_figures.per_class_f1_figure(report), confusion.confusion_matrix_figure(report, max_classes=77)):
        axes = [fig.layout.yaxis] + ([fig.layout.xaxis] if fig.layout.xaxis.type == "category" else [])
        for axis in axes:  # every label drawn (no automatic skipping), never smaller than 10 px
            assert axis.tickmode == "linear" and axis.dtick == 1 and axis.tickfont.size >= 10 and axis.automargin
        assert fig.layout.height >= 77 * 20  # sized to the classes, not squeezed into a fixed height
    matrix = confusion.confusion_matrix_figure(report, max_classes=77)
    assert matrix.layout.width >= 77 * 20  # wider than the page: scrolls instead of squeezing columns
    assert confusion.confusion_matrix_figure(report, max_classes=20).layout.width is None  # fits: page width


def test_class_count_chart_turns_horizontal_and_tall_for_many_classes():
    from core.data.health import health_report
    from core.plots.health_figures import label_distribution_figure

    labels = [f"intent_{i:02d}" for i in range(77)]
    df = pd.DataFrame({"text": [f"text {i}" for i in range(77 * 6)], "label": labels * 6})
    fig = label_distribution_figure(health_report(df))
    bar = fig.data[0]
    assert bar.orientation == "h" and list(bar.y) == labels and fig.layout.height >= 77 * 20
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tickfont.size >= 10
