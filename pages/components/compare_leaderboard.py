"""The leaderboard: completed runs grouped by dataset, ranked by each dataset's main metric or a chosen one."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core import i18n
from core.compare.groups import stats_text
from core.compare.leaderboard import leaderboard
from core.compare.loading import run_task
from core.compare.tables import KIND_METRICS, LOWER_IS_BETTER
from core.evaluate.intervals import N_RESAMPLES, interval_text
from core.store import Run
from core.tasks import TARGETS
from pages.components.compare_view import metric_name, number_format, plain
from pages.components.i18n import current_language, t

KINDS = ("fine-tuned", "baseline")
"""The values of the leaderboard's ``kind`` column (``run.info["kind"]``), each with a ``compare.kind.*`` text."""
AUTO = "auto"
"""The "Rank by" choice that ranks each dataset by the headline metric of its kind of task."""
_COLUMNS = ("rank", "run", "model", "kind", "trainable_parameters", "train_minutes", "throughput_texts_per_s", "run_id")


def kind_name(kind: object) -> str:
    """A run kind in the interface language; an unknown one as it is."""
    return t(f"compare.kind.{kind}") if kind in KINDS else str(kind)


def metric_options(runs: Sequence[Run]) -> list[str]:
    """"Each dataset's main metric", then the metrics of every kind of task among the completed runs."""
    targets = {run_task(r).target for r in runs if r.status == "completed"} or {"single_label"}
    return [AUTO, *dict.fromkeys(m for target in TARGETS if target in targets for m in KIND_METRICS[target])]


def render_leaderboard(runs: Sequence[Run]) -> None:
    """Metric picker, then one ranked table per dataset (model, parameters, training time, throughput)."""
    language = current_language()

    def option_name(key: str) -> str:  # the language is read above: AppTest calls format_func outside a script run
        return i18n.translate(language, "compare_tasks.leaderboard.auto" if key == AUTO else f"compare.metric.{key}")

    chosen = st.selectbox(t("compare.leaderboard.rank_by"), metric_options(runs), format_func=option_name,
                          key="leaderboard_metric")
    metric = None if chosen == AUTO else chosen
    board = leaderboard(metric, runs)
    if board.empty:
        st.info(t("compare.leaderboard.empty"))
        return
    if metric is None:
        st.caption(t("compare_tasks.leaderboard.caption_auto"))
    else:
        direction = "lowest" if metric in LOWER_IS_BETTER else "highest"
        st.caption(t(f"compare.leaderboard.caption_{direction}", metric=metric_name(metric)))
        if board["dataset_id"].nunique() < len({r.dataset_id for r in runs if r.status == "completed"}):
            st.caption(t("compare_tasks.leaderboard.left_out", metric=metric_name(metric)))
    # The frame's columns are renamed to the shown headers, so every view of the table (and its tests) sees them.
    names = {c: t(f"compare.leaderboard.{'throughput' if c == 'throughput_texts_per_s' else c}") for c in _COLUMNS}
    for (dataset_id, name), part in board.groupby(["dataset_id", "dataset"], sort=False, dropna=False):
        ranked_by = str(part["metric"].iloc[0])
        st.subheader(plain(name))
        if metric is None:
            st.caption(t("compare_tasks.leaderboard.dataset", kind=t(f"task.name.{part['task'].iloc[0]}"),
                         metric=metric_name(ranked_by)))
        header = metric_name(ranked_by)
        config = {
            names["rank"]: st.column_config.NumberColumn(width="small"),
            t("runs.table.score_ci"): st.column_config.TextColumn(help=t("intervals.help", n_resamples=f"{N_RESAMPLES:,}")),
            t("runs.table.seed_group"): st.column_config.TextColumn(help=t("groups.column_help")),
            header: st.column_config.NumberColumn(format=number_format(ranked_by)),
            names["trainable_parameters"]: st.column_config.NumberColumn(format="localized"),
            names["train_minutes"]: st.column_config.NumberColumn(format="%.2f"),
            names["throughput_texts_per_s"]: st.column_config.NumberColumn(format="%.1f"),
            names["run_id"]: st.column_config.TextColumn(width="small"),
        }
        shown = ["rank", "run", "model", "kind", "value", "ci", "group", "trainable_parameters", "train_minutes",
                 "throughput_texts_per_s", "run_id"]
        intervals = [interval_text(ranked_by, {"low": low, "high": high}, language, bare=True) or None
                     for low, high in zip(part["ci_low"], part["ci_high"], strict=True)]
        spread = [stats_text(ranked_by, {"n": n, "mean": mean, "sd": sd, "min": low, "max": high}, language) or None
                  if group else None for group, n, mean, sd, low, high in
                  part[["seed_group", "group_n", "group_mean", "group_sd", "group_min", "group_max"]].itertuples(index=False)]
        table = part.assign(kind=part["kind"].map(kind_name), ci=intervals, group=spread)[shown].rename(
            columns={**names, "value": header, "ci": t("runs.table.score_ci"), "group": t("runs.table.seed_group")})
        st.dataframe(table, hide_index=True, column_config=config, key=f"leaderboard_{dataset_id}")
