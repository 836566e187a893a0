"""The leaderboard: completed runs grouped by dataset, ranked by a chosen metric."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.compare.leaderboard import leaderboard
from core.compare.tables import LOWER_IS_BETTER, TABLE_METRICS
from core.evaluate.report import METRIC_NAMES
from core.store import Run
from pages.components.compare_view import plain


def render_leaderboard(runs: Sequence[Run]) -> None:
    """Metric picker, then one ranked table per dataset (model, parameters, training time, throughput)."""
    metric = st.selectbox("Rank by", list(TABLE_METRICS), index=2, format_func=METRIC_NAMES.get, key="leaderboard_metric")
    board = leaderboard(metric, runs)
    if board.empty:
        st.info("No completed runs yet: the leaderboard ranks runs once they finish.")
        return
    direction = "lowest" if metric in LOWER_IS_BETTER else "highest"
    st.caption(f"Completed runs on each dataset, {direction} {METRIC_NAMES[metric]} first. Baselines are marked in the kind column.")
    percent = metric not in {"mcc", "cohen_kappa", "log_loss"}
    config = {
        "rank": st.column_config.NumberColumn("#", width="small"),
        metric: st.column_config.NumberColumn(METRIC_NAMES[metric], format="percent" if percent else "%.3f"),
        "trainable_parameters": st.column_config.NumberColumn("trainable parameters", format="localized"),
        "train_minutes": st.column_config.NumberColumn("training time (min)", format="%.2f"),
        "throughput_texts_per_s": st.column_config.NumberColumn("inference (texts/s)", format="%.1f"),
        "run_id": st.column_config.TextColumn("id", width="small"),
    }
    shown = ["rank", "run", "model", "kind", metric, "trainable_parameters", "train_minutes", "throughput_texts_per_s", "run_id"]
    for (dataset_id, name), part in board.groupby(["dataset_id", "dataset"], sort=False, dropna=False):
        st.subheader(plain(name))
        st.dataframe(part[shown], hide_index=True, column_config=config, key=f"leaderboard_{dataset_id}")
