"""Live view of a run: progress, loss curves, validation metrics, LR, log — polled while it trains.

The fragment polls only while the run is queued or running; when the run ends it triggers one
full rerun, after which the page draws the fragment again *without* ``run_every``.
"""

from __future__ import annotations

import time

import streamlit as st

from core import charts, jobs, runs, store
from core.store import Run

POLL_S = 1.5


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


def _progress(run: Run) -> None:
    p = run.progress or {}
    if run.status == "queued":
        st.info(f"Queued: position {jobs.queue_position(run.id) or '?'} — it starts when its device is free.", icon=":material/schedule:")
        return
    total, step = p.get("total_steps") or 0, p.get("step") or 0
    fraction = min(1.0, step / total) if total else 0.0
    phase = p.get("phase", "starting")
    label = f"step {step:,} / {total:,}" if total else phase
    st.progress(fraction, text=f"{label} · {fraction:.0%}" if total else label)
    cols = st.columns(5)
    cols[0].metric("Epoch", f"{p.get('epoch') or 0:.2f}")
    cols[1].metric("Elapsed", _fmt_seconds(run.duration_s))
    cols[2].metric("Time left (ETA)", _fmt_seconds(p.get("eta_s")) if run.status == "running" else "–")
    cols[3].metric("Samples / s", f"{p.get('samples_per_s', 0):.1f}")
    cols[4].metric("GPU memory", f"{p['gpu_mem_gb']:.1f} GB" if p.get("gpu_mem_gb") else "–",
                   help="Peak GPU memory of the worker (only on a GPU).")


def _charts(run: Run) -> None:
    history = runs.history(run.id)
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


def _body(run_id: str, was_active: bool) -> None:
    run = store.get_run(run_id)
    if run is None:
        st.warning("This run no longer exists.")
        return
    if was_active and not run.is_active:
        st.rerun(scope="app")  # the run ended: redraw the page once, without polling
    _progress(run)
    _charts(run)
    with st.expander("Training log (last lines)", expanded=False):
        st.code(runs.log_tail(run.id) or "(no log yet)", language=None)
    st.caption(f"Updated {time.strftime('%H:%M:%S')}" + (f" · refreshes every {POLL_S:g} s" if run.is_active else ""))


def render(run: Run) -> None:
    """Draw the live view; polls every ``POLL_S`` seconds only while the run is active."""
    active = run.is_active
    fragment = st.fragment(run_every=POLL_S if active else None)(_body)
    fragment(run.id, active)
