"""Live view of a run: progress (training steps, then the finishing phases), loss curves, validation
metrics, LR and the log.

``body(run)`` draws it from one fresh store read; the Runs page calls it inside its polling fragment
(together with the run's status, header and controls), and ``render(run)`` draws it once (the
"Training curves" tab of a finished run).
"""

from __future__ import annotations

import time

import streamlit as st

from core import results as runs
from core import store
from core.jobs import queue as jobs
from core.plots import curves as charts
from core.store import Run
from core.train import finish as evaluation
from pages.components.i18n import current_language, t
from pages.components.run_status import phase_text

POLL_S = 1.5
# The finishing phases in the order the worker runs them (core.train.finish.finish_run), for "finishing 3/6".
_FINISHING = [evaluation.CALIBRATE, evaluation.SAVE, evaluation.TEST, evaluation.ROBUSTNESS, evaluation.LATENCY,
              evaluation.BASELINE, evaluation.REPORT]


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


def _bar(run: Run) -> str | None:
    """Draw the progress bar; returns the finishing phase (None while training or starting)."""
    p = run.progress or {}
    total, step, phase = p.get("total_steps") or 0, p.get("step") or 0, p.get("phase") or "starting"
    if phase in _FINISHING:
        index, done, of = _FINISHING.index(phase), p.get("phase_done") or 0, p.get("phase_total")
        within = min(1.0, done / of) if of else 0.0
        count = f" {done:,} / {of:,}" if of else "…"
        text = t("runs.live.finishing", index=index + 1, count=len(_FINISHING), phase=phase_text(phase), done=count)
        st.progress((index + within) / len(_FINISHING), text=text)
        return phase
    if not total:
        st.progress(0.0, text=t("runs.live.phase", phase=phase_text(phase)))
        return None
    fraction = min(1.0, step / total)
    st.progress(fraction, text=t("runs.live.step", step=f"{step:,}", total=f"{total:,}", percent=f"{fraction:.0%}"))
    return None


def _progress(run: Run) -> None:
    p = run.progress or {}
    if run.status == "queued":
        st.info(t("runs.live.queued", position=jobs.queue_position(run.id) or "?"), icon=":material/schedule:")
        return
    if not run.is_active and not p.get("step"):
        return  # it ended before its first step (a model that cannot load, a cancelled run): no numbers to show
    finishing = _bar(run) if run.status == "running" else None
    gpu = p.get("gpu_mem_gb")
    # Short labels: five metrics share the width, and at 800 px longer ones were cut ("Time left (E…").
    cols = st.columns(5 if gpu else 4)
    cols[0].metric(t("runs.live.epoch"), f"{p.get('epoch') or 0:.2f}")
    cols[1].metric(t("runs.live.elapsed"), _fmt_seconds(run.duration_s))
    if finishing:
        cols[2].metric(t("runs.live.time_left"), "–", help=t("runs.live.time_left_finishing_help"))
    else:
        cols[2].metric(t("runs.live.time_left"), _fmt_seconds(p.get("eta_s")) if run.status == "running" else "–",
                       help=t("runs.live.time_left_help"))
    cols[3].metric(t("runs.live.speed"), f"{p.get('samples_per_s', 0):.1f}", help=t("runs.live.speed_help"))
    if gpu:
        details = [f"GPU {k}: {v:.1f}" for k, v in (p.get("gpu_mem_by_device") or {}).items()]
        details = [", ".join(details)] if details else []
        details += [p["gpu_mem_scope"]] if p.get("gpu_mem_scope") else []  # core's words (how memory was counted)
        cols[4].metric(t("runs.live.gpu_memory"), f"{gpu:.1f}",
                       help=t("runs.live.gpu_memory_help", details="".join(f"; {d}" for d in details)))


def _charts(run: Run) -> None:
    # Long series come back as bucket means (thinned in SQL), so a 10k-step run polls as fast as a short one.
    history = store.metric_series(run.id, max_points=charts.MAX_POINTS)
    if history.empty:
        st.caption(t("runs.live.no_loss_yet" if run.is_active else "runs.live.no_steps"))
        return
    language = current_language()
    st.plotly_chart(charts.loss_figure(history, language=language), key=f"loss_{run.id}")
    left, right = st.columns(2)
    with left:
        fig = charts.validation_metrics_figure(history, language=language)
        if fig is not None:
            st.plotly_chart(fig, key=f"valm_{run.id}")
        else:
            st.caption(t("runs.live.no_validation_yet"))
    with right:
        fig = charts.learning_rate_figure(history, language=language)
        if fig is not None:
            st.plotly_chart(fig, key=f"lr_{run.id}")


def body(run: Run) -> None:
    """Progress, charts and log of ``run`` as read now (no polling of its own)."""
    _progress(run)
    _charts(run)
    with st.expander(t("runs.live.log"), expanded=False):
        st.code(runs.log_tail(run.id) or t("runs.live.no_log"), language=None)
    updated = time.strftime("%H:%M:%S")
    st.caption(t("runs.live.updated_polling", time=updated, seconds=f"{POLL_S:g}") if run.is_active
               else t("runs.live.updated", time=updated))


def render(run: Run) -> None:
    """Draw the live view once (for a run that is no longer active; active runs are drawn by the Runs page)."""
    body(run)
