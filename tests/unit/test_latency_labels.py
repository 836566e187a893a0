"""One latency measurement and one label for it: the report's Efficiency tab and the int8 comparison agree on what
"latency" means (issue 14: "62 ms vs 8.6 ms" was a GPU number next to a CPU one, measured with different settings)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from core.evaluate import efficiency, latency
from core.serve import quantize
from core.train import finish as evaluation

ROOT = str(Path(__file__).resolve().parents[2])

COMPARISON = {  # a saved comparison.json as quantize.compare writes it
    "fp32": {"latency_p50_ms": 20.0, "latency_p95_ms": 25.0, "throughput_texts_per_s": 300.0, "size_bytes": 90e6,
             "accuracy": 0.9, "f1_macro": 0.9, "device": "cpu", "n_single": 20, "batch_size": 32, "threads": 3},
    "int8": {"latency_p50_ms": 8.6, "latency_p95_ms": 9.0, "throughput_texts_per_s": 700.0, "size_bytes": 40e6,
             "accuracy": 0.89, "f1_macro": 0.89, "device": "cpu", "n_single": 20, "batch_size": 32, "threads": 3},
    "agreement": 0.98, "n_test": 100, "device": "cpu", "threads": 3, "repeats": 2,
}
REPORT_EFFICIENCY = {"latency_p50_ms": 62.0, "latency_p95_ms": 70.0, "throughput_texts_per_s": 900.0, "device": "cuda:0",
                     "n_single": 20, "batch_size": 32, "n_texts": 128, "max_length": 128}


def test_the_int8_comparison_measures_like_the_report(monkeypatch):
    calls = []

    def fake_measure(model, tokenizer, texts, **kwargs):
        calls.append({"n_texts": len(texts), **kwargs})
        return {"latency_p50_ms": 1.0, "latency_p95_ms": 2.0, "throughput_texts_per_s": 3.0, **kwargs}

    monkeypatch.setattr(efficiency, "measure_inference", fake_measure)
    texts = [f"text {i}" for i in range(500)]
    result = quantize._speed({"fp32": (None, None), "int8": (None, None)}, texts, 64, repeats=2)
    assert len(calls) == 4
    for call in calls:  # the settings of the report's measurement (core.train.finish uses latency.measure too)
        assert call["n_texts"] == latency.N_TEXTS and call["n_single"] == latency.N_SINGLE
        assert call["batch_size"] == latency.BATCH_SIZE and call["device"] == "cpu"
    assert evaluation.LATENCY_SINGLE == latency.N_SINGLE and evaluation.THROUGHPUT_TEXTS == latency.N_TEXTS
    assert result["int8"]["n_single"] == latency.N_SINGLE and "threads" in result["int8"]


def test_describe_says_where_and_how():
    cpu = latency.describe(quantize.speed_measurement(COMPARISON))
    gpu = latency.describe(REPORT_EFFICIENCY)
    assert "the CPU (3 threads)" in cpu and "median of 20 one-text calls" in cpu
    assert "the GPU (cuda:0)" in gpu and "batches of 32" in gpu
    # An older comparison.json kept the thread count only at the top level.
    old = {**COMPARISON, "int8": {k: v for k, v in COMPARISON["int8"].items() if k not in {"threads", "device"}}}
    assert "the CPU (3 threads)" in latency.describe(quantize.speed_measurement(old))


def _both_displays(root: str, measured: dict) -> None:
    """AppTest script: the report's Efficiency tab and the export panel's int8 comparison, side by side."""
    import sys

    sys.path.insert(0, root)
    from pages.components import export_panel, report_efficiency

    report_efficiency.render({"efficiency": measured}, key="r")
    export_panel._int8_body("0101-000000-abcd", False)


def test_both_displays_label_their_latency_with_the_one_function(monkeypatch):
    # AppTest runs the script in this process: the patched modules are the ones the components use.
    # The UI shows the sentence in its language: describe_message (describe is its English text).
    monkeypatch.setattr(latency, "describe_message", lambda m: f"MEASURED-BY-ONE-FUNCTION on {m.get('device')}")
    monkeypatch.setattr(quantize, "job_status", lambda run_id: {"state": "completed"})
    monkeypatch.setattr(quantize, "load_comparison", lambda run_id: COMPARISON)
    at = AppTest.from_function(_both_displays, args=(ROOT, REPORT_EFFICIENCY), default_timeout=60).run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any("MEASURED-BY-ONE-FUNCTION on cuda:0" in c for c in captions), captions  # the report: on the GPU
    assert any("MEASURED-BY-ONE-FUNCTION on cpu" in c for c in captions), captions  # the int8 comparison: on the CPU
    table = at.dataframe[-1].value
    row = table[table["measure"].str.startswith("latency")].iloc[0]
    assert np.isclose(row["int8"], 8.6) and "median" in row["measure"]


def test_the_int8_model_card_uses_the_same_label(monkeypatch):
    from core.serve import export

    monkeypatch.setattr(quantize, "load_comparison", lambda run_id: COMPARISON)
    card = "\n".join(export._int8_section("0101-000000-abcd"))
    assert latency.describe(quantize.speed_measurement(COMPARISON)) in card and "| 20.0 ms | 8.6 ms |" in card
