"""Starting a label check and following it: the mode (fast: the TF-IDF baseline, seconds; thorough: fine-tuned fold
runs with the chosen model), Start, and a status panel in a fragment that polls only while the check runs (with
Stop); a failed check says why in the interface language.  The check itself runs in its own process
(core.quality.job); this only reads its status file.
"""

from __future__ import annotations

import streamlit as st

from core.config import RunConfig
from core.errors import TuneboardError
from core.quality import findings, job
from pages.components.i18n import t, tr

POLL_S = 1.0
MODES = findings.MODES
PHASES = ("starting", "fold", "folds", "ranking", "done")  # what core.quality.job writes as the check goes


def _settings(dataset_id: str, mode: str) -> RunConfig | None:
    """Thorough mode's fold-run settings (model and epochs); None in fast mode."""
    if mode != "thorough":
        return None
    default = RunConfig()
    left, right = st.columns([3, 1])
    model = left.text_input(t("labels.check.model"), default.model, key="labels_model",
                            help=t("labels.check.model_help"))
    epochs = right.number_input(t("labels.check.epochs"), min_value=0.1, max_value=100.0, value=float(default.epochs),
                                step=1.0, key="labels_epochs")
    return RunConfig(dataset_id=dataset_id, model=model.strip() or default.model, epochs=float(epochs))


def render(dataset_id: str, *, checked: bool = False) -> None:
    """Mode, Start (Check again when ``checked``) and the live status of this dataset's check in the chosen mode."""
    names = {m: t(f"labels.mode.{m}") for m in MODES}
    mode = st.radio(t("labels.check.mode"), MODES, format_func=names.__getitem__, horizontal=True,
                    key="labels_mode", captions=[t(f"labels.mode.{m}_help") for m in MODES])
    base = _settings(dataset_id, mode)
    running = findings.read_status(dataset_id, mode).get("state") == findings.ACTIVE
    if not running and st.button(t("labels.check.again" if checked else "labels.check.start"), type="primary", icon=":material/play_arrow:",
                                 key="labels_start"):
        try:
            job.start(dataset_id, mode, base=base)
        except TuneboardError as exc:
            st.error(tr(exc))
        else:
            st.rerun()
    st.fragment(run_every=POLL_S if running else None)(status_panel)(dataset_id, mode, running)


def status_panel(dataset_id: str, mode: str, was_running: bool) -> None:
    """The check's progress (and Stop) while it runs; why it failed, or that it was stopped, afterwards."""
    status = findings.read_status(dataset_id, mode)
    state = status.get("state")
    if (state == findings.ACTIVE) != was_running:
        st.rerun(scope="app")  # it ended (or started elsewhere): redraw once, polling only while it runs
    if state == findings.ACTIVE:
        phase = status.get("phase") if status.get("phase") in PHASES else "starting"
        st.progress(min(1.0, float(status.get("progress") or 0.0)),
                    text=t("labels.check.progress", phase=t(f"labels.phase.{phase}"),
                           percent=f"{float(status.get('progress') or 0.0):.0%}"))
        if status.get("fold_runs"):
            st.caption(t("labels.check.fold_runs", runs=", ".join(status["fold_runs"])))
        if st.button(t("labels.check.stop"), icon=":material/stop:", key="labels_stop"):
            job.stop(dataset_id, mode)
            st.rerun(scope="app")
    elif state == "failed":
        st.error(tr(status.get("error")) or t("labels.check.failed"), icon=":material/error:")
    elif state == "stopped":
        st.info(t("labels.check.stopped"), icon=":material/stop_circle:")
