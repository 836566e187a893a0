"""One sweep as it runs: its status and controls (Stop, Resume), the best trial so far with the button that trains a
normal run with its settings, and the table of trials.  Everything is drawn from one fresh read of the sweep's
record (which its driver rewrites as trials progress); the Sweeps page calls :func:`panel` inside a fragment that
polls only while the sweep runs.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from core import store
from core.errors import TuneboardError
from core.jobs.sweep import manage, record
from core.jobs.sweep.record import INTERRUPTED, Sweep
from core.plots.sweep_figures import metric_name, setting_name
from pages.components import sweep_charts
from pages.components.i18n import current_language, t, tr
from pages.components.run_status import status_text
from pages.components.safe_text import escape_markdown

POLL_S = 2.0
_ICONS = {"running": ":material/autorenew:", "completed": ":material/check_circle:", "stopped": ":material/stop_circle:",
          "failed": ":material/error:", INTERRUPTED: ":material/warning:"}


def _value(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "–"


def _param_text(params: dict[str, Any]) -> str:
    language = current_language()
    return " · ".join(f"{setting_name(k, language)} = {v:.3g}" if isinstance(v, float) else f"{setting_name(k, language)} = {v}"
                      for k, v in params.items())


def _header(sweep: Sweep, now: str) -> None:
    counts = sweep.counts()
    finished = counts["complete"] + counts["pruned"] + counts["failed"]
    parts = [t(f"sweep.status.{now}"), t("sweep.view.id", id=sweep.id),
             t("sweep.view.counts", done=finished, total=sweep.n_trials, complete=counts["complete"],
               pruned=counts["pruned"], failed=counts["failed"], active=counts["running"] + counts["queued"]),
             t("sweep.view.optimising", metric=metric_name(sweep.metric, current_language()),
               direction=t(f"sweep.direction.{sweep.direction}"), pruner=t(f"sweep.pruner.{sweep.pruner}"))]
    st.caption(" · ".join(parts))  # catalogue texts and the sweep's id: nothing the user typed
    st.progress(min(1.0, finished / max(1, sweep.n_trials)), text=t("sweep.view.progress", done=finished, total=sweep.n_trials))


def _controls(sweep: Sweep, now: str) -> None:
    if now == INTERRUPTED:
        st.warning(t("sweep.view.interrupted"), icon=":material/warning:")
    if sweep.error:
        st.error(tr(sweep.error), icon=":material/error:")
    if now == "running" and record.stop_requested(sweep.id):
        st.info(t("sweep.view.stopping"), icon=":material/hourglass_top:")
    elif now == "running":
        if st.button(t("sweep.view.stop"), icon=":material/stop:", key=f"sweep_stop_{sweep.id}", help=t("sweep.view.stop_help")):
            manage.stop(sweep.id)
            st.rerun(scope="app")
    elif now in ("stopped", "failed", INTERRUPTED):
        cols = st.columns([1, 1, 3])
        if cols[0].button(t("sweep.view.resume"), icon=":material/play_arrow:", key=f"sweep_resume_{sweep.id}",
                          help=t("sweep.view.resume_help")):
            try:
                manage.resume(sweep.id)
            except TuneboardError as exc:
                st.error(tr(exc))
            else:
                st.rerun(scope="app")
        if now == INTERRUPTED and cols[1].button(t("sweep.view.stop"), icon=":material/stop:", key=f"sweep_halt_{sweep.id}"):
            manage.stop(sweep.id)
            st.rerun(scope="app")


def _best(sweep: Sweep) -> None:
    best = sweep.best
    if best is None:
        st.caption(t("sweep.view.no_best_yet"))
        return
    left, right = st.columns([1, 3], vertical_alignment="center")
    left.metric(t("sweep.view.best", metric=metric_name(sweep.metric, current_language())), _value(best["value"]),
                help=t("sweep.view.best_help"))
    right.markdown(t("sweep.view.best_trial", number=best["number"], params=escape_markdown(_param_text(best["params"]))))
    if right.button(t("sweep.view.promote"), type="primary", icon=":material/rocket_launch:", key=f"sweep_promote_{sweep.id}",
                    help=t("sweep.view.promote_help")):
        try:
            run = manage.promote(sweep.id)
        except TuneboardError as exc:
            right.error(tr(exc))
        else:
            right.success(t("sweep.view.promoted", run=run.id))
    for run in manage.promoted_runs(sweep)[:3]:
        right.page_link("pages/runs.py", label=t("sweep.view.promoted_run", name=escape_markdown(run.name),
                                                  status=status_text(run)),
                        icon=":material/model_training:", query_params={"run": run.id})


def trials_frame(sweep: Sweep) -> pd.DataFrame:
    """The trials table: number, state (a running trial: its run's status), score, evaluations, settings, run."""
    language = current_language()
    rows = []
    for row in sorted(sweep.trials, key=lambda r: r["number"], reverse=True):
        state = t(f"sweep.trial_state.{row['state']}")
        if row["state"] in ("queued", "running") and row.get("run_id"):
            run = store.get_run(row["run_id"])
            state = status_text(run) if run is not None else state
        elif row["state"] == "pruned":
            state = t("sweep.view.pruned_at", evaluation=row.get("pruned_at") or row["steps"])
        item = {t("sweep.col.trial"): row["number"], t("sweep.col.state"): state,
                t("sweep.col.value", metric=metric_name(sweep.metric, language)): row["value"],
                t("sweep.col.last"): row["last"], t("sweep.col.evaluations"): row["steps"]}
        for name, value in row["params"].items():
            item[setting_name(name, language)] = value if isinstance(value, int | float) else str(value)
        item[t("sweep.col.run")] = row.get("run_id") or ""
        item[t("sweep.col.note")] = tr(row["reason"]) if row.get("reason") else ""
        rows.append(item)
    return pd.DataFrame(rows)


def panel(sweep_id: str, was_active: bool) -> None:
    """Status, controls, best so far, trials and charts, from a fresh read of the sweep."""
    sweep = record.load(sweep_id)
    if sweep is None:
        st.warning(t("sweep.view.gone"))
        return
    now = record.state(sweep)
    if (now == "running") != was_active:
        st.rerun(scope="app")  # it ended (or was resumed): redraw once, polling only while it runs
    _header(sweep, now)
    _controls(sweep, now)
    _best(sweep)
    if sweep.trials:
        st.dataframe(trials_frame(sweep), hide_index=True)
    else:
        st.caption(t("sweep.view.no_trials_yet"))
    sweep_charts.render(sweep)
    updated = time.strftime("%H:%M:%S")
    st.caption(t("sweep.view.updated_polling", time=updated, seconds=f"{POLL_S:g}") if now == "running"
               else t("sweep.view.updated", time=updated))
