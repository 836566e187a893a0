"""Export & use panel for a completed run (Runs page): download the model, make an int8 copy, usage code.

The int8 copy and its comparison run in a separate process (``python -m core.serve.quantize RUN_ID``); the
panel polls its status every second only while that job runs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import TuneboardError
from core.evaluate import latency
from core.serve import card_tasks, export, quantize, task_output
from core.serve import loading as serving
from core.store import Run
from core.tasks import Task
from pages.components.i18n import t, tr

POLL_S = 1.0


def _comparison_table(comparison: dict) -> pd.DataFrame:
    fp32, q = comparison["fp32"], comparison["int8"]
    rows = [
        (t("runs.export.size"), fp32["size_bytes"] / 1e6, q["size_bytes"] / 1e6),
        (t("runs.export.latency"), fp32["latency_p50_ms"], q["latency_p50_ms"]),
        (t("runs.export.throughput"), fp32["throughput_texts_per_s"], q["throughput_texts_per_s"]),
        (t("runs.export.accuracy"), fp32["accuracy"], q["accuracy"]),
        (t("runs.export.f1_macro"), fp32["f1_macro"], q["f1_macro"]),
    ]
    frame = pd.DataFrame(rows, columns=[t("runs.export.measure"), "fp32", "int8"])
    frame["int8 / fp32"] = frame["int8"] / frame["fp32"].where(frame["fp32"] != 0)
    return frame


def _int8_body(run_id: str, was_active: bool) -> None:
    status = quantize.job_status(run_id)
    active = status.get("state") in {"queued", "running"}
    if was_active and not active:
        st.rerun(scope="app")  # finished: redraw once without polling
    if active:
        st.info(t("runs.export.int8_working"), icon=":material/hourglass_top:")
        return
    if status.get("state") == "failed":
        st.error(tr(status.get("error_message") or status.get("error")) or t("runs.export.int8_failed"), icon=":material/error:")
    comparison = quantize.load_comparison(run_id)
    if not comparison:
        return
    st.dataframe(_comparison_table(comparison), hide_index=True, key=f"int8_cmp_{run_id}", column_config={
        "fp32": st.column_config.NumberColumn(format="%.3f"), "int8": st.column_config.NumberColumn(format="%.3f"),
        "int8 / fp32": st.column_config.NumberColumn(format="%.2f×")})
    confident = ""
    if "agreement_confident" in comparison:
        confident = t("runs.export.agreement_confident", agreement=f"{comparison['agreement_confident']:.1%}",
                      n=comparison["n_confident"], delta=f"{comparison['mean_abs_prob_delta']:.3f}")
    st.caption(t("runs.export.measured", threads=comparison.get("threads", "?"), n_test=comparison.get("n_test", 0),
                 agreement=f"{comparison.get('agreement', 0):.1%}", confident=confident,
                 speed=tr(latency.describe_message(quantize.speed_measurement(comparison))),  # core's, shared with the report
                 repeats=comparison.get("repeats", 1)))
    if comparison.get("busy_with_training"):
        st.warning(t("runs.export.busy"), icon=":material/warning:")
    st.download_button(t("runs.export.download_int8"), data=lambda: export.export_bytes(run_id, int8=True),
                       file_name=export.export_name(run_id, int8=True), mime="application/zip", on_click="ignore",
                       icon=":material/download:", key=f"int8_zip_{run_id}")


def _int8(run: Run) -> None:
    st.markdown(t("runs.export.int8_title"))
    if serving.is_peft_folder(serving.model_dir(run.id)):
        st.caption(t("runs.export.int8_prompt_tuned"))
        return
    task = task_output.run_task(run.id)
    if task != Task():  # the int8 comparison measures single texts by argmax accuracy (core.serve.quantize)
        st.caption(t("serve_tasks.export.int8_single_text", kind=t(card_tasks.kind_key(task))))
        return
    st.caption(t("runs.export.int8_intro"))
    state = quantize.job_status(run.id).get("state")
    active = state in {"queued", "running"}
    label = t("runs.export.int8_again") if quantize.has_int8(run.id) else t("runs.export.int8_make")
    if st.button(label, icon=":material/compress:", key=f"int8_make_{run.id}", disabled=active):
        try:
            quantize.start_job(run.id)
            active = True
        except TuneboardError as exc:
            st.error(tr(exc), icon=":material/error:")
    fragment = st.fragment(run_every=POLL_S if active else None)(_int8_body)
    fragment(run.id, active)


def render(run: Run) -> None:
    """Draw the panel: model zip download, int8 copy + comparison, model card and usage code."""
    if run.status != "completed" or not serving.has_model(run.id):
        return
    try:
        snippet = export.usage_snippet(run.id)
    except TuneboardError as exc:
        st.warning(tr(exc))
        return
    st.download_button(t("runs.export.download"), data=lambda: export.export_bytes(run.id),
                       file_name=export.export_name(run.id), mime="application/zip", on_click="ignore",
                       icon=":material/download:", key=f"export_zip_{run.id}", type="primary",
                       help=t("runs.export.download_help"))
    task = task_output.run_task(run.id)
    if task != Task():
        st.caption(t("serve_tasks.export.kind", kind=t(card_tasks.kind_key(task))))
    st.markdown(t("runs.export.use_in_python"))
    st.code(snippet, language="python", wrap_lines=True)
    with st.expander(t("runs.export.model_card")):
        st.code(export.model_card(run.id), language="markdown", wrap_lines=True)
    st.divider()
    _int8(run)
