"""The "Suites" view of the Compare page: a suite's table (a row per settings, a column per dataset, the average),
its downloads, "Run this suite" with a run's settings or a preset, and a form for a new suite (core.compare.suites)."""

from __future__ import annotations

import streamlit as st

from core import store
from core.compare import suites
from core.config import BUILTIN_MODEL, PRESETS, RunConfig
from core.errors import TuneboardError
from core.serve.predict import to_csv_bytes
from pages.components.i18n import t, tr
from pages.components.safe_text import escape_markdown as plain

_FIXED_PRESETS = [p for p in PRESETS if p != "Auto"]


def render() -> None:
    """Pick a suite, show its table and downloads, queue it, or define a new one."""
    known = suites.suites()
    shown = {n: t("suites.builtin", n=len(s["datasets"]) + len(s["examples"])) if n == suites.BUILTIN else n
             for n, s in known.items()}  # a dict, not t() in format_func: AppTest formats outside the script
    name = st.selectbox(t("suites.pick"), list(known), key="suite_name", format_func=shown.__getitem__)
    st.caption(t("suites.intro"))
    if "suite_queued" in st.session_state:
        st.success(t("suites.queued", n=st.session_state.pop("suite_queued")))
    table = suites.suite_table(name)
    if table.empty:
        st.info(t("suites.empty"))
    else:
        _table(table, name)
    _run_form(name)
    _new_suite()


def _table(table, name: str) -> None:
    columns = suites.dataset_columns(table)
    shown = {t("suites.settings"): [plain(v) for v in table["label"]], t("suites.model"): list(table["model"])}
    for column in columns:
        shown[column] = [suites.cell_text(row[column], row.get(f"{column} low"), row.get(f"{column} high"))
                         for _, row in table.iterrows()]
    shown[t("suites.average")] = [suites.cell_text(v) for v in table["average"]]
    st.dataframe(shown, hide_index=True, key="suite_table")
    st.caption(t("suites.how_to_read"))
    left, right = st.columns(2)
    left.download_button(t("suites.download_csv"), to_csv_bytes(table), file_name=f"{name}.csv", mime="text/csv",
                         icon=":material/download:", key="suite_csv")
    right.download_button(t("suites.download_markdown"), suites.to_markdown(table), file_name=f"{name}.md",
                          mime="text/markdown", icon=":material/download:", key="suite_md")


def _run_form(name: str) -> None:
    with st.expander(t("suites.run_title"), icon=":material/playlist_play:"):
        runs = [r for r in store.list_runs(statuses=["completed"]) if r.info.get("kind") != "baseline"]
        sources = {s: t(f"suites.source_{s}") for s in ("preset", "run")}
        source = st.radio(t("suites.source"), list(sources), horizontal=True, key="suite_source",
                          format_func=sources.__getitem__)
        if source == "run" and runs:
            by_id = {r.id: r for r in runs}
            run_id = st.selectbox(t("suites.from_run"), list(by_id), key="suite_from_run",
                                  format_func=lambda i: f"{by_id[i].name} ({i})")
            config = RunConfig.from_dict({**by_id[run_id].config, "resume_from": ""})
        elif source == "run":
            st.caption(t("suites.no_runs"))
            return
        else:
            presets = {p: t(f"train.preset.{p.lower().replace(' ', '_')}.name") for p in _FIXED_PRESETS}
            preset = st.selectbox(t("suites.preset"), list(presets), key="suite_preset", format_func=presets.__getitem__)
            config = RunConfig(dataset_id="suite", model=BUILTIN_MODEL, **PRESETS[preset])
        label = st.text_input(t("suites.label"), key="suite_label", help=t("suites.label_help"))
        st.code(suites.suite_cli_command(name, config, label=label), language="bash")
        size = len(suites.suites()[name]["datasets"]) + len(suites.suites()[name]["examples"])
        if st.button(t("suites.run_button", n=size),
                     type="primary", icon=":material/play_arrow:", key="suite_run"):
            try:
                queued = suites.run_suite(name, config, label=label)
            except TuneboardError as exc:
                st.error(tr(exc))
                return
            st.session_state["suite_queued"] = len(queued)  # said after the rerun, above the table that now has them
            st.rerun()


def _new_suite() -> None:
    with st.expander(t("suites.new_title"), icon=":material/add:"):
        stored = store.list_datasets()
        with st.form("suite_new", border=False):
            name = st.text_input(t("suites.new_name"), key="suite_new_name")
            by_id = {d.id: d for d in stored}
            chosen = st.multiselect(t("suites.new_datasets"), list(by_id), key="suite_new_datasets",
                                    format_func=lambda i: f"{by_id[i].name} ({i})")
            if st.form_submit_button(t("suites.new_save"), icon=":material/save:"):
                try:
                    suites.create_suite(name, chosen)
                except TuneboardError as exc:
                    st.error(tr(exc))
                else:
                    st.success(t("suites.saved", name=name))
