"""Runs & results: every run with its status; the selected run's live view, controls and report."""

import streamlit as st

from core import jobs, runs, store
from core.errors import TuneboardError
from pages.components import export_panel, live_view, run_manage, run_table
from pages.components.report_view import render_report
from pages.components.safe_text import escape_markdown

st.title("Runs & results")
all_runs = store.list_runs()
if any(r.is_active for r in all_runs):
    jobs.reconcile()  # a worker killed while we watch shows as failed within one refresh
    jobs.ensure_scheduler()
if not all_runs:
    st.info("No runs yet. Start one on the Train page, or press the demo button on the start page.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()

shown = run_table.filter_bar(all_runs)
picked = run_table.select_runs(shown)
if len(picked) == 1:
    st.query_params["run"] = picked[0]
elif len(picked) > 1:
    run_table.compare_link(picked)
    run_manage.render_bulk([r for r in shown if r.id in picked])
run_id = st.query_params.get("run") or all_runs[0].id
run = store.get_run(run_id) or all_runs[0]

st.divider()
st.subheader(escape_markdown(run.name))
st.caption(" · ".join(escape_markdown(f) for f in runs.header_facts(run)))
run_manage.render(run)
for retry in run.info.get("oom_retries", []):
    st.info(f"Ran out of memory at batch size {retry['from_batch_size']}; retried with {retry['to_batch_size']} "
            "and more gradient accumulation (same effective batch).", icon=":material/memory:")


def _controls() -> None:
    cols = st.columns(4)
    try:
        if run.status == "running" and cols[0].button("Stop", icon=":material/stop:", help="Stop after the current step; keeps metrics and a checkpoint."):
            jobs.request_stop(run.id)
            st.toast("Stopping… (the run keeps its last checkpoint)")
        if run.status == "queued" and cols[0].button("Cancel", icon=":material/cancel:"):
            jobs.cancel(run.id)
            st.rerun()
        if run.status in {"stopped", "failed"} and cols[0].button("Resume", icon=":material/play_arrow:",
                                                                  help="Continue from the last checkpoint."):
            jobs.resume(run.id)
            st.rerun()
        if run.status == "completed":
            more = cols[1].number_input("More epochs", min_value=0.5, value=1.0, step=0.5, label_visibility="collapsed")
            if cols[0].button("Train further", icon=":material/add:", help="Start a new linked run from this model."):
                new = jobs.continue_training(run.id, more)
                st.query_params["run"] = new.id
                st.rerun()
        with cols[2]:
            new = run_manage.baseline_button(run)
            if new:
                st.query_params["run"] = new.id
                st.rerun()
    except TuneboardError as exc:
        st.error(str(exc))


_controls()
if run.status == "failed" and run.error:
    st.error(run.error, icon=":material/error:")
if run.status == "stopped":
    st.warning("This run was stopped. Its metrics so far and its last checkpoint are kept; Resume continues it.")

with st.expander("Reproduce this run"):
    st.code(run.info["cli"] if run.info.get("kind") == "baseline" else jobs.cli_command(run), language="bash")

if run.status == "completed":
    st.page_link("pages/playground.py", label="Try this model in the Playground", icon=":material/science:",
                 query_params={"run": run.id})
    tab_report, tab_curves, tab_export = st.tabs(["Evaluation report", "Training curves", "Export & use"])
    with tab_export:
        export_panel.render(run)
    with tab_curves:
        live_view.render(run)
    with tab_report:
        try:
            render_report(runs.load_report(run.id), runs.load_predictions(run.id), key=f"report_{run.id}")
        except TuneboardError as exc:
            st.warning(str(exc))
else:
    live_view.render(run)
