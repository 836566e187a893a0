"""A finished label check at a glance: which check it was, tiles with its counts (probable label errors of N rows,
near-duplicates, outliers, time taken) and its two charts (issues per class, confused label pairs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from core.plots.quality_figures import confused_pairs_figure, issues_per_class_figure
from core.quality.detect import WEAK_AGREEMENT
from pages.components.i18n import current_language, t
from pages.components.safe_text import escape_markdown


def render(summary: dict[str, Any]) -> None:
    """Tiles and charts of one check's summary."""
    finished = summary.get("finished_at")
    when = dt.datetime.fromtimestamp(finished).strftime("%Y-%m-%d %H:%M") if finished else "–"
    mode = summary.get("mode", "fast")
    st.caption(t("labels.results.from", mode=t(f"labels.mode.{mode}"), when=when,
                 model=escape_markdown(summary.get("model", "")), folds=summary.get("folds", "?")))
    rows = int(summary.get("rows", 0))
    cols = st.columns(4)
    cols[0].metric(t("labels.results.issues", rows=f"{rows:,}"), f"{summary.get('label_issues', 0):,}",
                   help=t("labels.results.issues_help"))
    cols[1].metric(t("labels.results.duplicates"), f"{summary.get('near_duplicates', 0):,}",
                   help=t("labels.results.duplicates_help"))
    cols[2].metric(t("labels.results.outliers"), f"{summary.get('outliers', 0):,}",
                   help=t("labels.results.outliers_help"))
    cols[3].metric(t("labels.results.seconds"), t("labels.results.seconds_value", s=float(summary.get("seconds", 0))),
                   help=t("labels.results.agreement", share=float(summary.get("out_of_fold_agreement", 0.0))))
    if summary.get("out_of_fold_agreement", 1.0) < WEAK_AGREEMENT:
        st.warning(t("labels.results.weak_model", share=float(summary["out_of_fold_agreement"])), icon=":material/warning:")
    language = current_language()
    left, right = st.columns(2)
    left.plotly_chart(issues_per_class_figure(summary.get("issues_per_class") or {},
                                              summary.get("rows_per_class") or {}, language=language))
    pairs = confused_pairs_figure(summary.get("confused_pairs") or [], language=language)
    if pairs is None:
        right.info(t("labels.results.no_pairs"), icon=":material/check_circle:")
    else:
        right.plotly_chart(pairs)
