"""Run management UI: rename, tag, notes and delete (with a confirmation) for one run or a selection.

Deleting always asks first, in two steps: "Delete…" arms a confirmation that names what will be removed,
and only "Yes, delete" removes the files and database rows.  The armed state is keyed by the exact
selection, so changing the selection disarms it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import streamlit as st

from core import store
from core.compare import manage
from core.errors import TuneboardError
from core.jobs import queue as jobs
from core.store import Run
from core.tasks import task_of
from pages.components.compare_view import plain
from pages.components.i18n import t, tr
from pages.components.run_table import forget_selection


def _arm(key: str, value: bool) -> None:
    st.session_state[key] = value


def render(run: Run) -> None:
    """Rename, tags and notes for one run (one form), and a delete button that asks first."""
    with st.expander(t("runs.manage.title"), icon=":material/edit:"):
        with st.form(key=f"manage_form_{run.id}", border=False):
            name = st.text_input(t("runs.manage.name"), value=run.name, max_chars=manage.MAX_NAME, key=f"manage_name_{run.id}")
            tags = st.text_input(t("runs.manage.tags"), value=", ".join(run.tags), key=f"manage_tags_{run.id}",
                                 help=t("runs.manage.tags_help"))
            notes = st.text_area(t("runs.manage.notes"), value=run.notes, key=f"manage_notes_{run.id}", max_chars=manage.MAX_NOTES)
            if st.form_submit_button(t("runs.manage.save"), icon=":material/save:"):
                try:
                    if name.strip() != run.name:
                        manage.rename_run(run.id, name)
                    manage.set_tags(run.id, tags)
                    manage.set_notes(run.id, notes)
                except TuneboardError as exc:
                    st.error(tr(exc))
                else:
                    st.toast(t("runs.manage.saved"))
                    st.rerun()
        _delete_one(run)


def _delete_one(run: Run) -> None:
    armed = f"manage_confirm_delete_{run.id}"
    if run.is_active:
        st.caption(t("runs.manage.stop_first"))
        return
    if not st.session_state.get(armed):
        st.button(t("runs.manage.delete"), icon=":material/delete:", key=f"manage_delete_{run.id}", on_click=_arm, args=(armed, True))
        return
    st.warning(plain(t("runs.manage.confirm_delete", name=run.name)))
    yes, no = st.columns(2)
    if yes.button(t("runs.manage.yes_delete"), type="primary", key=f"manage_delete_yes_{run.id}"):
        try:
            manage.delete_runs([run.id])
        except TuneboardError as exc:
            st.error(tr(exc))
            return
        st.session_state.pop(armed, None)
        forget_selection()
        if st.query_params.get("run") == run.id:
            del st.query_params["run"]
        st.rerun()
    no.button(t("runs.manage.cancel"), key=f"manage_delete_no_{run.id}", on_click=_arm, args=(armed, False))


def render_bulk(runs: Sequence[Run]) -> None:
    """Actions on several selected runs: add tags to all, or delete all (asks first)."""
    if not runs:
        return
    ids = [r.id for r in runs]
    token = hashlib.sha1(",".join(sorted(ids)).encode()).hexdigest()[:10]
    with st.container(border=True):
        st.caption(t("runs.bulk.selected", n=len(runs)))
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        tags = left.text_input(t("runs.bulk.tags"), key=f"bulk_tags_{token}", placeholder=t("runs.bulk.tags_placeholder"))
        if right.button(t("runs.bulk.add_tags"), key=f"bulk_tags_add_{token}", disabled=not tags.strip()):
            try:
                manage.add_tags(ids, tags)
            except TuneboardError as exc:
                st.error(tr(exc))
            else:
                st.rerun()
        armed = f"bulk_confirm_delete_{token}"
        active = [r for r in runs if r.is_active]
        if not st.session_state.get(armed):
            st.button(t("runs.bulk.delete", n=len(runs)), icon=":material/delete:", key=f"bulk_delete_{token}", on_click=_arm,
                      args=(armed, True), disabled=bool(active),
                      help=t("runs.bulk.delete_help") if active else None)
            return
        names = t("runs.bulk.list_separator").join(t("runs.bulk.quoted", name=r.name) for r in runs[:5])
        if len(runs) > 5:
            names = t("runs.bulk.and_more", names=names, n=len(runs) - 5)
        st.warning(plain(t("runs.bulk.confirm_delete", n=len(runs), names=names)))
        yes, no = st.columns(2)
        if yes.button(t("runs.bulk.yes_delete", n=len(runs)), type="primary", key=f"bulk_delete_yes_{token}"):
            try:
                manage.delete_runs(ids)
            except TuneboardError as exc:
                st.error(tr(exc))
                return
            st.session_state.pop(armed, None)
            forget_selection()
            if st.query_params.get("run") in ids:
                del st.query_params["run"]
            st.rerun()
        no.button(t("runs.manage.cancel"), key=f"bulk_delete_no_{token}", on_click=_arm, args=(armed, False))


def baseline_button(run: Run) -> Run | None:
    """"Train a TF-IDF baseline on this split": returns the new baseline run once trained (else None)."""
    if not run.dataset_id or run.info.get("kind") == "baseline" or task_of(run).ner:  # NER: the report has its own
        return None
    if not st.button(t("runs.controls.baseline"), icon=":material/functions:", key=f"baseline_{run.id}",
                     help=t("runs.controls.baseline_help")):
        return None
    from core.evaluate import baseline

    with st.spinner(t("runs.controls.baseline_training")):
        try:
            return baseline.train_baseline(run.id)
        except TuneboardError as exc:
            st.error(tr(exc))
            return None


# ---------------------------------------------------------------------------- status-dependent controls
_NOTICE = "run_control_notice"


def _act(action: str, run_id: str) -> None:
    """Button callback: act on the run's status *now* (the store's), not the one the button was drawn for."""
    try:
        if action == "stop":
            jobs.request_stop(run_id)
            st.session_state[_NOTICE] = ("info", t("runs.controls.stopping"))
        elif action == "cancel":
            jobs.cancel(run_id)  # raises for a run that is no longer queued: never a silent stop
        elif action == "resume":
            jobs.resume(run_id)
    except TuneboardError as exc:
        now = store.get_run(run_id)
        late = action == "cancel" and now and now.status == "running"
        st.session_state[_NOTICE] = ("warning", t("runs.controls.cancel_late", error=tr(exc)) if late else tr(exc))


def controls(run: Run) -> None:
    """The buttons that fit the run's status as just read: Stop (running), Cancel (queued), Resume (stopped, failed),
    Train further (completed), and a TF-IDF baseline.  Cancel never stands in for Stop, nor the other way round."""
    cols = st.columns([1, 1, 1.4, 0.6])  # the baseline button's label fits at 800 px
    if run.status == "running":
        cols[0].button(t("runs.controls.stop"), icon=":material/stop:", key=f"stop_{run.id}", on_click=_act,
                       args=("stop", run.id), help=t("runs.controls.stop_help"))
    elif run.status == "queued":
        cols[0].button(t("runs.controls.cancel"), icon=":material/cancel:", key=f"cancel_{run.id}", on_click=_act,
                       args=("cancel", run.id), help=t("runs.controls.cancel_help"))
    elif run.status in {"stopped", "failed"}:
        cols[0].button(t("runs.controls.resume"), icon=":material/play_arrow:", key=f"resume_{run.id}", on_click=_act,
                       args=("resume", run.id), help=t("runs.controls.resume_help"))
    elif run.status == "completed":
        more = cols[1].number_input(t("runs.controls.more_epochs"), min_value=0.5, value=1.0, step=0.5, label_visibility="collapsed",
                                    key=f"more_{run.id}")
        if cols[0].button(t("runs.controls.train_further"), icon=":material/add:", help=t("runs.controls.train_further_help")):
            try:
                new = jobs.continue_training(run.id, more)
            except TuneboardError as exc:
                st.error(tr(exc))
            else:
                st.query_params["run"] = new.id
                st.rerun()
    with cols[2]:
        new = baseline_button(run)
        if new:
            st.query_params["run"] = new.id
            st.rerun()
    kind, text = st.session_state.pop(_NOTICE, (None, None))
    if kind == "info":
        st.toast(text)
    elif kind:
        st.warning(text)


def notices(run: Run) -> None:
    """Out-of-memory retries, the error of a failed run, the note on a stopped one."""
    for retry in run.info.get("oom_retries", []):
        st.info(t("runs.notices.oom_retry", from_size=retry["from_batch_size"], to_size=retry["to_batch_size"]),
                icon=":material/memory:")
    if run.status == "failed" and run.error:
        st.error(tr(run.error_message or run.error), icon=":material/error:")
    if run.status == "stopped":
        st.warning(t("runs.notices.stopped"))
