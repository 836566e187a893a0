"""Export & use panel for a completed run (Runs page): download the model, make an int8 copy, usage code.

The int8 copy and its comparison run in a separate process (``python -m core.serve.quantize RUN_ID``); the
panel polls its status every second only while that job runs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import TuneboardError
from core.evaluate import latency
from core.serve import export, quantize
from core.serve import loading as serving
from core.store import Run

POLL_S = 1.0


def _comparison_table(comparison: dict) -> pd.DataFrame:
    fp32, q = comparison["fp32"], comparison["int8"]
    rows = [
        ("size on disk (MB)", fp32["size_bytes"] / 1e6, q["size_bytes"] / 1e6),
        ("latency, 1 text, median (ms)", fp32["latency_p50_ms"], q["latency_p50_ms"]),
        ("throughput, batches of 32 (texts/s)", fp32["throughput_texts_per_s"], q["throughput_texts_per_s"]),
        ("test accuracy", fp32["accuracy"], q["accuracy"]),
        ("test macro F1", fp32["f1_macro"], q["f1_macro"]),
    ]
    frame = pd.DataFrame(rows, columns=["measure", "fp32", "int8"])
    frame["int8 / fp32"] = frame["int8"] / frame["fp32"].where(frame["fp32"] != 0)
    return frame


def _int8_body(run_id: str, was_active: bool) -> None:
    status = quantize.job_status(run_id)
    active = status.get("state") in {"queued", "running"}
    if was_active and not active:
        st.rerun(scope="app")  # finished: redraw once without polling
    if active:
        st.info("Making the int8 copy and measuring both versions on the CPU…", icon=":material/hourglass_top:")
        return
    if status.get("state") == "failed":
        st.error(status.get("error") or "Making the int8 copy failed.", icon=":material/error:")
    comparison = quantize.load_comparison(run_id)
    if not comparison:
        return
    st.dataframe(_comparison_table(comparison), hide_index=True, key=f"int8_cmp_{run_id}", column_config={
        "fp32": st.column_config.NumberColumn(format="%.3f"), "int8": st.column_config.NumberColumn(format="%.3f"),
        "int8 / fp32": st.column_config.NumberColumn(format="%.2f×")})
    st.caption(f"Measured on the CPU ({comparison.get('threads', '?')} threads) on {comparison.get('n_test', 0)} test texts; "
               f"fp32 and int8 agree on {comparison.get('agreement', 0):.1%} of them"
               + (f" ({comparison['agreement_confident']:.1%} of the {comparison['n_confident']} the fp32 model is confident "
                  f"about; probabilities move by {comparison['mean_abs_prob_delta']:.3f} on average)"
                  if "agreement_confident" in comparison else "")
               + f". {latency.describe(quantize.speed_measurement(comparison))} Best of {comparison.get('repeats', 1)} "
               "runs; the report's Efficiency tab measures the same way on the device the run trained on.")
    if comparison.get("busy_with_training"):
        st.warning("A training run was using the CPU during the measurement, so the timings are unreliable; "
                   "make the int8 copy again when the CPU is free.", icon=":material/warning:")
    st.download_button("Download int8 model (zip)", data=lambda: export.export_bytes(run_id, int8=True),
                       file_name=export.export_name(run_id, int8=True), mime="application/zip", on_click="ignore",
                       icon=":material/download:", key=f"int8_zip_{run_id}")


def _int8(run: Run) -> None:
    st.markdown("**Smaller, faster CPU model (int8)**")
    if serving.is_peft_folder(serving.model_dir(run.id)):
        st.caption("Prompt-tuned models keep their prompt outside the model, so they cannot be made int8.")
        return
    st.caption("Dynamic int8 quantisation of the Linear layers, compared with the original on size, speed and test "
               "accuracy. (ONNX export is not offered: the onnx package is not installed.)")
    state = quantize.job_status(run.id).get("state")
    active = state in {"queued", "running"}
    label = "Make the int8 copy again" if quantize.has_int8(run.id) else "Make int8 copy and compare"
    if st.button(label, icon=":material/compress:", key=f"int8_make_{run.id}", disabled=active):
        try:
            quantize.start_job(run.id)
            active = True
        except TuneboardError as exc:
            st.error(str(exc), icon=":material/error:")
    fragment = st.fragment(run_every=POLL_S if active else None)(_int8_body)
    fragment(run.id, active)


def render(run: Run) -> None:
    """Draw the panel: model zip download, int8 copy + comparison, model card and usage code."""
    if run.status != "completed" or not serving.has_model(run.id):
        return
    try:
        snippet = export.usage_snippet(run.id)
    except TuneboardError as exc:
        st.warning(str(exc))
        return
    st.download_button("Download model (zip, Hugging Face format)", data=lambda: export.export_bytes(run.id),
                       file_name=export.export_name(run.id), mime="application/zip", on_click="ignore",
                       icon=":material/download:", key=f"export_zip_{run.id}", type="primary",
                       help="config, safetensors weights, tokenizer and label names, plus a model card (README.md); "
                            "LoRA runs also include the adapter on its own.")
    st.markdown("**Use it in Python** (after unzipping)")
    st.code(snippet, language="python", wrap_lines=True)
    with st.expander("Model card (README.md in the zip)"):
        st.code(export.model_card(run.id), language="markdown", wrap_lines=True)
    st.divider()
    _int8(run)
