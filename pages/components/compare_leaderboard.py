"""The leaderboard: completed runs grouped by dataset, ranked by a chosen metric."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.compare.leaderboard import leaderboard
from core.compare.tables import LOWER_IS_BETTER, TABLE_METRICS
from core.store import Run
from pages.components.compare_view import metric_name, namer, plain
from pages.components.i18n import t

KINDS = ("fine-tuned", "baseline")
"""The values of the leaderboard's ``kind`` column (``run.info["kind"]``), each with a ``compare.kind.*`` text."""
_COLUMNS = ("rank", "run", "model", "kind", "trainable_parameters", "train_minutes", "throughput_texts_per_s", "run_id")


def kind_name(kind: object) -> str:
    """A run kind in the interface language; an unknown one as it is."""
    return t(f"compare.kind.{kind}") if kind in KINDS else str(kind)


def render_leaderboard(runs: Sequence[Run]) -> None:
    """Metric picker, then one ranked table per dataset (model, parameters, training time, throughput)."""
    metric = st.selectbox(t("compare.leaderboard.rank_by"), list(TABLE_METRICS), index=2, format_func=namer("compare.metric"),
                          key="leaderboard_metric")
    board = leaderboard(metric, runs)
    if board.empty:
        st.info(t("compare.leaderboard.empty"))
        return
    direction = "lowest" if metric in LOWER_IS_BETTER else "highest"
    st.caption(t(f"compare.leaderboard.caption_{direction}", metric=metric_name(metric)))
    # The frame's columns are renamed to the shown headers, so every view of the table (and its tests) sees them.
    names = {c: t(f"compare.leaderboard.{'throughput' if c == 'throughput_texts_per_s' else c}") for c in _COLUMNS}
    names[metric] = metric_name(metric)
    percent = metric not in {"mcc", "cohen_kappa", "log_loss"}
    config = {
        names["rank"]: st.column_config.NumberColumn(width="small"),
        names[metric]: st.column_config.NumberColumn(format="percent" if percent else "%.3f"),
        names["trainable_parameters"]: st.column_config.NumberColumn(format="localized"),
        names["train_minutes"]: st.column_config.NumberColumn(format="%.2f"),
        names["throughput_texts_per_s"]: st.column_config.NumberColumn(format="%.1f"),
        names["run_id"]: st.column_config.TextColumn(width="small"),
    }
    shown = ["rank", "run", "model", "kind", metric, "trainable_parameters", "train_minutes", "throughput_texts_per_s", "run_id"]
    for (dataset_id, name), part in board.groupby(["dataset_id", "dataset"], sort=False, dropna=False):
        st.subheader(plain(name))
        table = part[shown].assign(kind=part["kind"].map(kind_name)).rename(columns=names)
        st.dataframe(table, hide_index=True, column_config=config, key=f"leaderboard_{dataset_id}")
