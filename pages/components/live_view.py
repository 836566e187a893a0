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

POLL_S = 1.5
# The finishing phases in the order the worker runs them (core.train.finish), for "Finishing 3/5".
_FINISHING = [evaluation.TEST, evaluation.SAVE, evaluation.ROBUSTNESS, evaluation.LATENCY, evaluation.REPORT]


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
        st.progress((index + within) / len(_FINISHING),
                    text=f"Training done · finishing {index + 1}/{len(_FINISHING)}: {phase}{count}")
        return phase
    if not total:
        st.progress(0.0, text=f"{phase}…")
        return None
    fraction = min(1.0, step / total)
    st.progress(fraction, text=f"step {step:,} / {total:,} · {fraction:.0%}")
    return None


def _progress(run: Run) -> None:
    p = run.progress or {}
    if run.status == "queued":
        st.info(f"Queued: position {jobs.queue_position(run.id) or '?'} — it starts when its device is free.", icon=":material/schedule:")
        return
    finishing = _bar(run) if run.status == "running" else None
    gpu = p.get("gpu_mem_gb")
    # Short labels: five metrics share the width, and at 800 px longer ones were cut ("Time left (E…").
    cols = st.columns(5 if gpu else 4)
    cols[0].metric("Epoch", f"{p.get('epoch') or 0:.2f}")
    cols[1].metric("Elapsed", _fmt_seconds(run.duration_s))
    if finishing:
        cols[2].metric("Time left", "–", help="Training is done; the test evaluation, robustness checks, "
                       "latency measurement and report are being made (see the bar above).")
    else:
        cols[2].metric("Time left", _fmt_seconds(p.get("eta_s")) if run.status == "running" else "–",
                       help="Estimated time to the last training step, from the speed so far.")
    cols[3].metric("Texts / s", f"{p.get('samples_per_s', 0):.1f}", help="Training speed in texts per second.")
    if gpu:
        per_device = ", ".join(f"GPU {k}: {v:.1f}" for k, v in (p.get("gpu_mem_by_device") or {}).items())
        cols[4].metric("GPU GB", f"{gpu:.1f}", help="Peak GPU memory reserved since training began, in GB "
                       f"(the fullest GPU{'; ' + per_device if per_device else ''}"
                       f"{'; ' + p['gpu_mem_scope'] if p.get('gpu_mem_scope') else ''}).")


def _charts(run: Run) -> None:
    # Long series come back as bucket means (thinned in SQL), so a 10k-step run polls as fast as a short one.
    history = store.metric_series(run.id, max_points=charts.MAX_POINTS)
    if history.empty:
        st.caption("The first loss values appear after a few training steps.")
        return
    st.plotly_chart(charts.loss_figure(history), key=f"loss_{run.id}")
    left, right = st.columns(2)
    with left:
        fig = charts.validation_metrics_figure(history)
        if fig is not None:
            st.plotly_chart(fig, key=f"valm_{run.id}")
        else:
            st.caption("Validation metrics appear after the first evaluation.")
    with right:
        fig = charts.learning_rate_figure(history)
        if fig is not None:
            st.plotly_chart(fig, key=f"lr_{run.id}")


def body(run: Run) -> None:
    """Progress, charts and log of ``run`` as read now (no polling of its own)."""
    _progress(run)
    _charts(run)
    with st.expander("Training log (last lines)", expanded=False):
        st.code(runs.log_tail(run.id) or "(no log yet)", language=None)
    st.caption(f"Updated {time.strftime('%H:%M:%S')}" + (f" · refreshes every {POLL_S:g} s" if run.is_active else ""))


def render(run: Run) -> None:
    """Draw the live view once (for a run that is no longer active; active runs are drawn by the Runs page)."""
    body(run)
