"""Runs & results: every run with its status; the selected run's live view, controls and report.

Everything that depends on a run's status (the table's status column, the header facts, Stop/Cancel/Resume,
the error and stopped notices, the live view) is drawn inside fragments that re-read the store on every tick
while a run is queued or running; when the run ends, one full rerun draws the report.
"""

import streamlit as st

from core import results as runs
from core import store
from core.errors import TuneboardError
from core.jobs import queue as jobs
from core.store import Run
from pages.components import (
    export_panel,
    live_view,
    preset_picker,
    report_download,
    run_manage,
    run_seeds,
    run_status,
    run_table,
    run_tracking,
)
from pages.components.i18n import t, tr
from pages.components.report_view import render_report
from pages.components.safe_text import escape_markdown

st.title(t("runs.title"))
all_runs = store.list_runs()
if any(r.is_active for r in all_runs):
    jobs.reconcile()  # a worker killed while we watch shows as failed within one refresh
    jobs.ensure_scheduler()
if not all_runs:
    st.info(t("runs.empty"))
    st.page_link("pages/train.py", label=t("runs.go_train"), icon=":material/model_training:")
    st.stop()

shown = run_table.filter_bar(all_runs)
picked = run_table.live_select_runs(shown, poll_s=live_view.POLL_S)
if len(picked) == 1:
    st.query_params["run"] = picked[0]
elif len(picked) > 1:
    run_table.compare_link(picked)
    run_manage.render_bulk([r for r in shown if r.id in picked])
run_id = st.query_params.get("run") or all_runs[0].id
run = store.get_run(run_id) or all_runs[0]

st.divider()
st.subheader(escape_markdown(run.name))


def _status_panel(run_id: str, was_active: bool) -> None:
    """Header facts, controls, notices and (until it completes) the live view, from a fresh read of the run."""
    now = store.get_run(run_id)
    if now is None:
        st.warning(t("runs.gone"))
        return
    if now.is_active:
        jobs.reconcile()  # a worker that died shows as failed within one tick
        now = store.get_run(run_id) or now
    if now.is_active != was_active:
        st.rerun(scope="app")  # it ended (or was resumed): redraw the page once, polling only if it is active
    facts = [run_status.status_text(now), *run_status.header_facts(now)]
    st.caption(" · ".join(escape_markdown(f) for f in facts))
    run_manage.controls(now)
    run_manage.notices(now)
    if now.status != "completed":
        live_view.body(now)


st.fragment(run_every=live_view.POLL_S if run.is_active else None)(_status_panel)(run.id, run.is_active)
run_manage.render(run)
run_seeds.render(run)
with st.expander(t("runs.reproduce")):
    st.code(run.info["cli"] if run.info.get("kind") == "baseline" else jobs.cli_command(run), language="bash")
    preset_picker.render_run_preset(run)
run_tracking.render(run)


def _results(run: Run) -> None:
    st.page_link("pages/playground.py", label=t("runs.try_playground"), icon=":material/science:",
                 query_params={"run": run.id})
    tab_report, tab_curves, tab_export = st.tabs([t("runs.tab_report"), t("runs.tab_curves"), t("runs.tab_export")])
    with tab_export:
        report_download.render(run)  # the report as one HTML file, in the interface's language
        export_panel.render(run)
    with tab_curves:
        live_view.render(run)
    with tab_report:
        try:
            render_report(runs.load_report(run.id), runs.load_predictions(run.id), key=f"report_{run.id}")
        except TuneboardError as exc:
            st.warning(tr(exc))


if run.status == "completed":
    _results(run)
