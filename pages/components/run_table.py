"""The table of runs with status and key metrics: a filter bar, single selection (the run to show) and
multi-selection (runs to compare or manage together).  Columns sort by clicking their header.

Accuracy and macro-F1 are the single-label numbers; the "score" column names each run's headline metric, whatever
its kind ("macro-F1 0.912", "micro-F1 0.810", "Spearman 0.741"), so multi-label and regression runs have one too."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core import store
from core.compare import manage
from core.compare.groups import group_of, headline_text
from core.compare.loading import MAX_RUNS, MIN_RUNS
from core.compare.tables import headline, headline_interval, score_message
from core.evaluate.intervals import N_RESAMPLES, interval_text
from core.store import Run
from pages.components.i18n import current_language, t, tr
from pages.components.run_status import status_text

_COLUMN_ORDER = ["name", "status", "accuracy", "f1_macro", "score", "score_ci", "seed_group", "model", "dataset", "minutes",
                 "created", "tags", "id"]


def _column_config() -> dict:
    """Name, status and the two headline metrics first with fixed widths, so at 800 px they are all in view
    (accuracy and F1 used to be pushed off to the right); the rest scrolls sideways.  Keyed by shown header."""
    return {
        t("runs.table.name"): st.column_config.TextColumn(width=170),
        t("runs.table.status"): st.column_config.TextColumn(width=110),
        t("runs.table.accuracy"): st.column_config.NumberColumn(format="%.3f", width=75),
        t("runs.table.f1_macro"): st.column_config.NumberColumn(format="%.3f", width=75),
        t("runs.table.score"): st.column_config.TextColumn(width=120, help=t("compare_tasks.run_table.score_help")),
        t("runs.table.score_ci"): st.column_config.TextColumn(width=100, help=t("intervals.help", n_resamples=f"{N_RESAMPLES:,}")),
        t("runs.table.seed_group"): st.column_config.TextColumn(width=150, help=t("groups.column_help")),
        t("runs.table.id"): st.column_config.TextColumn(width="small"),
    }


def runs_frame(runs: list[Run]) -> pd.DataFrame:
    """One row per run with the columns people sort and filter by (column names are keys; statuses are shown text)."""
    # One queue query for all queued runs (status_text would ask once per queued run).
    language = current_language()
    positions = {r.id: i for i, r in enumerate(store.queued_runs(), start=1)} if any(r.status == "queued" for r in runs) else {}
    grouped = store.list_runs() if any(group_of(r) for r in runs) else []  # a group's members, even filtered out
    rows = []
    for r in runs:
        m = r.final_metrics or {}
        status = status_text(r, positions.get(r.id, "?"))
        score = score_message(r)
        ci = interval_text(headline(r)[0], headline_interval(r), language, bare=True) if score else ""
        rows.append({
            "id": r.id, "name": r.name, "status": status, "dataset": manage.dataset_name(r),
            "model": manage.model_name(r),
            "accuracy": m.get("accuracy"), "f1_macro": m.get("f1_macro"), "score": tr(score) if score else None, "score_ci": ci or None,
            "seed_group": headline_text(r, grouped, language) or None,
            "minutes": round(r.duration_s / 60, 2) if r.duration_s else None,
            "created": dt.datetime.fromtimestamp(r.created_at).strftime("%Y-%m-%d %H:%M"),
            "tags": ", ".join(r.tags),
        })
    columns = ["id", "name", "status", "dataset", "model", "accuracy", "f1_macro", "score", "score_ci", "seed_group", "minutes",
               "created", "tags"]
    return pd.DataFrame(rows, columns=columns)


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its headers in the interface language (what the table shows)."""
    return frame.rename(columns={c: t(f"runs.table.{c}") for c in frame.columns})


def _table(frame: pd.DataFrame, *, key: str, mode: str) -> object:
    return st.dataframe(_shown(frame), key=key, on_select="rerun", selection_mode=mode, hide_index=True,
                        column_config=_column_config(), column_order=[t(f"runs.table.{c}") for c in _COLUMN_ORDER])


def select_run(runs: list[Run], *, key: str = "runs_table") -> str | None:
    """Show the table; return the id of the selected row (or None)."""
    frame = runs_frame(runs)
    event = _table(frame, key=key, mode="single-row")
    rows = _valid_rows(event, len(frame))
    return frame.iloc[rows[0]]["id"] if rows else None


def select_runs(runs: list[Run], *, key: str = "runs_table_multi") -> list[str]:
    """Show the table with checkboxes; return the ids of all selected rows (in table order)."""
    frame = runs_frame(runs)
    event = _table(frame, key=key, mode="multi-row")
    return [frame.iloc[i]["id"] for i in sorted(_valid_rows(event, len(frame)))]


def live_select_runs(runs: list[Run], *, poll_s: float, key: str = "runs_table_multi") -> list[str]:
    """:func:`select_runs` for these runs, re-read from the store every ``poll_s`` seconds while any is queued or
    running, so statuses and queue positions stay current.  A selection change reruns the whole page (the page
    below the table depends on it); the ids selected are returned."""
    run_ids = [r.id for r in runs]
    active = any(r.is_active for r in runs)

    def table() -> list[str]:
        fresh = {r.id: r for r in store.list_runs()}
        picked = select_runs([fresh[i] for i in run_ids if i in fresh], key=key)
        seen = st.session_state.get(f"{key}_seen", picked)
        st.session_state[f"{key}_seen"] = picked
        if picked != seen:
            st.rerun(scope="app")
        if active and not any(fresh[i].is_active for i in run_ids if i in fresh):
            st.rerun(scope="app")  # the last active run ended: redraw once, without polling
        return picked

    return st.fragment(run_every=poll_s if active else None)(table)()


def _valid_rows(event: object, n_rows: int) -> list[int]:
    """Selected row positions that still exist (a selection can outlive rows deleted or filtered away)."""
    selection = getattr(event, "selection", None)
    return [i for i in (selection.rows if selection else []) if 0 <= i < n_rows]


def forget_selection(*keys: str) -> None:
    """Clear the tables' row selection (after deleting runs, old row positions would point at other runs)."""
    for key in keys or ("runs_table", "runs_table_multi"):
        if key in st.session_state:
            del st.session_state[key]


def filter_bar(runs: list[Run], *, key: str = "runs_filter") -> list[Run]:
    """Filters for dataset, model, status, tags, creation date and free text; returns the matching runs."""
    options = manage.filter_options(runs)
    with st.expander(t("runs.filter.title"), icon=":material/filter_list:", expanded=bool(st.session_state.get(f"{key}_active"))):
        top = st.columns(4)
        chosen_datasets = top[0].multiselect(t("runs.filter.dataset"), options["datasets"], key=f"{key}_datasets")
        chosen_models = top[1].multiselect(t("runs.filter.model"), options["models"], key=f"{key}_models")
        chosen_statuses = top[2].multiselect(t("runs.filter.status"), options["statuses"], key=f"{key}_statuses",
                                             format_func=lambda status: t(f"runs.status.{status}"))
        chosen_tags = top[3].multiselect(t("runs.filter.tags"), options["tags"], key=f"{key}_tags")
        bottom = st.columns([1, 2])
        dates = bottom[0].date_input(t("runs.filter.created"), value=(), key=f"{key}_dates", format="YYYY-MM-DD")
        text = bottom[1].text_input(t("runs.filter.text"), key=f"{key}_text")
    dates = tuple(dates) if isinstance(dates, list | tuple) else (dates,) if dates else ()
    spec = manage.RunFilter(
        datasets=chosen_datasets, models=chosen_models, statuses=chosen_statuses, tags=chosen_tags,
        since=dates[0] if dates else None, until=dates[1] if len(dates) > 1 else (dates[0] if dates else None), text=text,
    )
    active = bool(chosen_datasets or chosen_models or chosen_statuses or chosen_tags or dates or text.strip())
    st.session_state[f"{key}_active"] = active
    matching = manage.filter_runs(runs, spec) if active else list(runs)
    if active:
        st.caption(t("runs.filter.matching", matching=len(matching), total=len(runs)))
    return matching


def compare_link(run_ids: list[str]) -> None:
    """A link to the Compare page with these runs preselected (shown for 2–10 runs)."""
    if MIN_RUNS <= len(run_ids) <= MAX_RUNS:
        st.page_link("pages/compare.py", label=t("runs.table.compare", n=len(run_ids)), icon=":material/compare_arrows:",
                     query_params={"runs": ",".join(run_ids)})
    elif len(run_ids) > MAX_RUNS:
        st.caption(t("runs.table.compare_at_most", max=MAX_RUNS))
