"""render_report renders binary and multi-class reports without exceptions (Streamlit AppTest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = str(Path(__file__).resolve().parents[2])


def _app(root: str, labels: list[str], full: bool) -> None:
    """Script run by AppTest: it is executed from its source, so it imports everything itself."""
    import sys

    sys.path.insert(0, root)
    import numpy as np
    import pandas as pd

    from core.evaluate.report import build_report
    from pages.components.report_view import render_report

    rng = np.random.default_rng(0)
    n, k = 240, len(labels)
    true = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), true] += 2.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame = pd.DataFrame(
        {
            "row_id": np.arange(n),
            "text": [f"text {i} <script>alert(1)</script>" for i in range(n)],
            "label": [labels[i] for i in true],
            "pred": [labels[i] for i in proba.argmax(axis=1)],
            "confidence": proba.max(axis=1),
            "channel": rng.choice(["email", "chat", "phone"], n),
        }
    )
    frame = pd.concat([frame, pd.DataFrame(proba, columns=[f"prob::{x}" for x in labels])], axis=1)
    extras = {}
    if full:
        extras = {
            "slice_columns": ["channel"],
            "robustness": [
                {"perturbation": "typos", "description": "Typos.", "accuracy": 0.6, "drop": 5.0, "changed_share": 0.1}
            ],
            "efficiency": {
                "latency_p50_ms": 3.1,
                "latency_p95_ms": 4.0,
                "throughput_texts_per_s": 850.0,
                "device": "cpu",
                "parameters": {"total": 1000, "trainable": 900},
                "size_bytes": 4_000_000,
            },
            "run_info": {"name": "demo"},
        }
    render_report(build_report(frame, labels, **extras), frame, key="r")


def _run(labels: list[str], full: bool = True) -> AppTest:
    at = AppTest.from_function(_app, args=(ROOT, labels, full), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_binary_report_renders_and_threshold_recomputes():
    at = _run(["ham", "spam"])
    assert [t.label for t in at.tabs][:4] == ["Overview", "Confusion matrix", "Errors", "Binary"]
    before = [m.value for m in at.metric]
    at.slider(key="r-threshold").set_value(0.9).run()
    assert not at.exception
    assert [m.value for m in at.metric] != before  # precision/recall tiles follow the slider
    at.toggle(key="r-cm-norm").set_value(True).run()
    at.selectbox(key="r-cm-true").set_value("spam").run()
    at.selectbox(key="r-cm-pred").set_value("ham").run()
    at.multiselect(key="r-err-true").set_value(["spam"]).run()
    assert not at.exception
    assert any("True ‘spam’, predicted ‘ham’" in t.value for t in at.text)


@pytest.mark.parametrize("full", [True, False])
def test_multiclass_report_renders(full):
    at = _run([f"intent_{i}" for i in range(12)], full=full)
    labels = [t.label for t in at.tabs]
    assert "Binary" not in labels and "Slices" in labels
    if not full:  # missing sections say so instead of failing
        infos = " ".join(i.value for i in at.info)
        for what in ("robustness check", "Efficiency measurement", "slice analysis"):
            assert what in infos


def test_many_classes_render_with_class_limit():
    at = _run([f"c{i:02d}" for i in range(40)], full=False)
    at.slider(key="r-cm-max").set_value(12).run()
    assert not at.exception


def test_view_never_renders_html_or_loads_torch():
    source = (Path(ROOT) / "pages" / "components" / "report_view.py").read_text()
    assert "unsafe_allow_html" not in source
    code = "import sys, pages.components.report_view; print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_chart_selection_is_read_from_the_click_layer():
    sys.path.insert(0, ROOT)
    from pages.components.report_confusion import _selected_cell

    point = {"curve_number": 1, "x": "b", "y": "a", "customdata": ["a", "b", 3, 0.5]}
    assert _selected_cell({"selection": {"points": [point]}}) == ("a", "b")
    assert _selected_cell({"selection": {"points": [{"x": "p", "y": "t"}]}}) == ("t", "p")
    assert _selected_cell({"selection": {"points": []}}) is None
    assert _selected_cell(None) is None


def test_a_large_matrix_says_which_classes_it_shows_and_lets_you_pick():
    at = _run([f"c{i:02d}" for i in range(40)], full=False)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Showing the 30 classes with the most errors") and "of 40" in c for c in captions), captions
    at.multiselect(key="r-cm-classes").set_value(["c03", "c07", "c11"]).run()
    assert not at.exception
    assert "Showing the 3 classes you picked of 40." in [c.value for c in at.caption]


def test_tables_use_plain_column_names():
    at = _run([f"intent_{i}" for i in range(12)])
    configs = " ".join(d.proto.columns for d in at.dataframe)
    for plain in ("predicted as this class", "test examples", "predictions changed", "macro F1", "true label"):
        assert f'"label": "{plain}"' in configs, plain
    # Efficiency measures are words, not keys.
    measures = next(d.value for d in at.dataframe if "measure" in d.value.columns)["measure"].tolist()
    assert "Latency p50 (ms)" in measures and not any("_" in m for m in measures), measures


def _click_app(root: str) -> None:
    """Simulates what a click on the matrix does: the chart reports a new selection before the pickers."""
    import sys

    sys.path.insert(0, root)
    import streamlit as st

    from pages.components.report_confusion import _apply_click

    clicks = st.session_state.setdefault("clicks", [])
    event = {"selection": {"points": [{"customdata": list(clicks[-1])}]}} if clicks else None
    _apply_click(event, key="r")
    st.session_state.setdefault("r-cm-true", "a")
    st.session_state.setdefault("r-cm-pred", "a")
    st.selectbox("True label", ["a", "b", "c"], key="r-cm-true")
    st.selectbox("Predicted label", ["a", "b", "c"], key="r-cm-pred")


def test_a_click_moves_the_pickers_once_and_then_lets_them_be():
    at = AppTest.from_function(_click_app, args=(ROOT,)).run()
    at.session_state["clicks"] = [("b", "c")]
    at.run()
    assert (at.selectbox(key="r-cm-true").value, at.selectbox(key="r-cm-pred").value) == ("b", "c")
    at.selectbox(key="r-cm-pred").set_value("a").run()  # the same selection is still reported: the user's pick stays
    assert (at.selectbox(key="r-cm-true").value, at.selectbox(key="r-cm-pred").value) == ("b", "a")
    at.session_state["clicks"] = [("b", "c"), ("c", "b")]
    at.run()
    assert (at.selectbox(key="r-cm-true").value, at.selectbox(key="r-cm-pred").value) == ("c", "b")
