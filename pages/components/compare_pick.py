"""Choosing the runs to compare, and adding a TF-IDF baseline to them.

Preselection: the page reads ``?runs=ID,ID,...`` (what the run table's "Compare" link sets) whenever
that query value changes, and otherwise keeps the widget's own state ``st.session_state["compare_runs"]``
(a list of run ids), which tests and other pages may also set before the page runs.  The current choice is
written back to ``?runs=`` so the URL can be bookmarked or shared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from core import i18n
from core.compare.loading import MAX_RUNS
from core.compare.tables import score_message
from core.errors import TuneboardError
from core.store import STATUSES, Run
from core.tasks import task_of
from pages.components.i18n import current_language, t, tr

STATE_KEY = "compare_runs"
_APPLIED_KEY = "_compare_runs_query_applied"
_MESSAGE_KEY = "_compare_baseline_message"


def _option_labels(runs: Sequence[Run]) -> Callable[[str], str]:
    """The format_func of a run picker: "name (id, status · macro-F1 0.912)" by run id (the run's headline metric:
    micro-F1, Spearman for other kinds), in this session's language (read now: AppTest also calls format_func
    outside a script run, where the session cannot be read)."""
    language = current_language()
    by_id = {r.id: r for r in runs}
    scores = {r.id: score_message(r) for r in runs}

    def label(run_id: str) -> str:
        run = by_id[run_id]
        score = f" · {scores[run_id].in_language(language)}" if scores[run_id] is not None else ""
        status = i18n.translate(language, f"compare.status.{run.status}") if run.status in STATUSES else run.status
        return i18n.translate(language, "compare.pick.option", name=run.name, id=run.id, status=status, score=score)

    return label


def pick_runs(runs: Sequence[Run]) -> list[str]:
    """The "Runs to compare" multiselect (at most 10); returns the chosen run ids in the chosen order."""
    by_id = {r.id: r for r in runs}
    query = st.query_params.get("runs", "")
    if query and query != st.session_state.get(_APPLIED_KEY):
        st.session_state[STATE_KEY] = [i for i in dict.fromkeys(query.split(",")) if i in by_id][:MAX_RUNS]
        st.session_state[_APPLIED_KEY] = query
    elif STATE_KEY in st.session_state:
        # Runs deleted since the last visit would make the widget fail; drop them quietly.
        st.session_state[STATE_KEY] = [i for i in st.session_state[STATE_KEY] if i in by_id][:MAX_RUNS]
    chosen = st.multiselect(
        t("compare.pick.label"), list(by_id), key=STATE_KEY, max_selections=MAX_RUNS,
        format_func=_option_labels(runs), placeholder=t("compare.pick.placeholder"),
        help=t("compare.pick.help"),
    )
    value = ",".join(chosen)
    if st.query_params.get("runs", "") != value:
        if value:
            st.query_params["runs"] = value
        else:
            del st.query_params["runs"]
    st.session_state[_APPLIED_KEY] = value
    return list(chosen)


def _train_baseline(source_id: str) -> None:
    """Button callback: runs before the page is drawn again, so it may still change the selection."""
    from core.evaluate import baseline

    try:
        new = baseline.train_baseline(source_id)
    except TuneboardError as exc:
        st.session_state[_MESSAGE_KEY] = ("error", tr(exc))
        return
    chosen = list(st.session_state.get(STATE_KEY, []))
    if len(chosen) < MAX_RUNS:
        st.session_state[STATE_KEY] = [*chosen, new.id]
    accuracy, score = new.final_metrics.get("accuracy"), score_message(new)
    if accuracy is not None:  # one label per text (or pair): as it always said
        done = t("compare.pick.baseline_done", id=new.id, accuracy=f"{accuracy:.1%}")
    else:
        done = t("compare_tasks.pick.baseline_done", id=new.id, score=tr(score) if score else "")
    st.session_state[_MESSAGE_KEY] = ("success", done)


def baseline_adder(runs: Sequence[Run]) -> None:
    """One click: the TF-IDF baseline of the chosen run's kind, on exactly its split, added to the comparison."""
    message = st.session_state.pop(_MESSAGE_KEY, None)
    if message:
        (st.error if message[0] == "error" else st.success)(message[1])
    # NER runs carry their own lookup baseline in the report; a TF-IDF classifier cannot tag words.
    candidates = [r for r in runs if r.dataset_id and r.info.get("kind") != "baseline" and not task_of(r).ner]
    if not candidates:
        return
    with st.expander(t("compare.pick.baseline_expander"), icon=":material/functions:"):
        st.caption(t("compare.pick.baseline_caption"))
        st.caption(t("compare_tasks.pick.baseline_kinds"))
        chosen = st.session_state.get(STATE_KEY) or []
        default = next((i for i, r in enumerate(candidates) if r.id in chosen), 0)
        by_id = {r.id: r for r in candidates}
        source = st.selectbox(t("compare.pick.baseline_source"), list(by_id), index=default, format_func=_option_labels(candidates),
                              key="compare_baseline_source")
        st.button(t("compare.pick.baseline_button"), icon=":material/bolt:", key="compare_baseline_button", on_click=_train_baseline, args=(source,))
