"""The "Seed groups" tab of a comparison: each group's metrics as mean ± sd with the range, and its validation curve
as a mean line with a ± 1 sd band (core.compare.groups)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.compare import curves, groups, tables
from core.plots import compare_figures
from core.store import Run
from core.tasks import Task
from pages.components.i18n import current_language, t
from pages.components.safe_text import escape_markdown as plain

SHOWN_METRICS = 4  # the kind's first metrics (headline first): a table that fits at 800 px


def metric_name(key: str) -> str:
    """A final metric's name in the interface language (as the comparison's tables name it)."""
    return t(f"compare.metric.{key}")


def has_groups(runs: Sequence[Run]) -> bool:
    """Whether at least two of ``runs`` are seeds of one group (the tab is offered then)."""
    return any(len(members) > 1 for members in groups.by_group(runs).values())


def render(runs: Sequence[Run], task: Task) -> None:
    """The groups' table and curves."""
    st.caption(t("groups.intro"))
    language = current_language()
    metrics = tables.table_metrics(task)[:SHOWN_METRICS]
    frame = groups.group_table(runs, metrics)
    shown = {
        t("groups.table_name"): [plain(n) for n in frame["name"]],
        t("groups.table_completed"): [f"{done} / {n}" for done, n in zip(frame["completed"], frame["runs"], strict=True)],
        t("groups.table_seeds"): frame["seeds"],
    }
    for metric in metrics:
        shown[metric_name(metric)] = [
            groups.stats_text(metric, {"n": done, **{k: row[f"{metric}_{k}"] for k in ("mean", "sd", "min", "max")}},
                              language) or "—"
            for done, (_, row) in zip(frame["completed"], frame.iterrows(), strict=True)
        ]
    st.dataframe(shown, hide_index=True, key="cmp_groups_table")
    _curves(runs, task, dict(zip(frame["group"], frame["name"], strict=True)))


def _curves(runs: Sequence[Run], task: Task, names: dict[str, str]) -> None:
    st.subheader(t("groups.curves_heading"))
    metric = curves.validation_metrics(task)[0]
    members = [r for r in runs if groups.group_of(r)]
    data = curves.curves(members, names=(metric,), x="step")
    labels = {r.id: f"{names[groups.group_of(r)]} · {groups.group_of(r)}" for r in members}  # names may repeat
    bands = groups.band_curves(data, labels)
    if bands.empty:
        st.caption(t("compare.curves.no_validation"))
        return
    st.plotly_chart(compare_figures.group_curves_figure(bands, name=metric, x_title=t("compare.curves.axis.step"),
                                                        title=t("compare.curves.validation_title", metric=metric_name(metric)),
                                                        language=current_language()), key="cmp_group_curves")
