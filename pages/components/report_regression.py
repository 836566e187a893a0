"""The evaluation report of a regression run (see :mod:`core.evaluate.report_regression`): headline measures with a
plain sentence each and the mean-predictor baseline, predicted against true values, the misses per range of the
target, the largest misses, and slices.

Every number comes from the report dict; the scatter reads its points (true and predicted values only) from the
run's predictions.  User text is only shown in table cells (``st.dataframe``) or through ``st.text``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import results
from core.errors import TuneboardError
from core.plots import task_figures
from pages.components import report_efficiency, report_guard
from pages.components import report_tables as tables
from pages.components.i18n import current_language, t
from pages.components.report_multilabel import headline, interval, metric_value, slices

__all__ = ["render", "scatter_points"]

# Headline measure → how its tile writes the value (errors in the target's units, correlations to 3 decimals).
_HEADLINE = {"mse": ".4g", "rmse": ".4g", "mae": ".4g", "r2": ".3f", "pearson": ".3f", "spearman": ".3f"}


def scatter_points(predictions: pd.DataFrame | None, run_id: str | None) -> pd.DataFrame | None:
    """``label`` and ``pred`` of every test row: from the frame the page already has, else read from the run's
    predictions (those two columns only); None when neither has them."""
    if predictions is not None and {"label", "pred"} <= set(predictions.columns) and len(predictions):
        return predictions[["label", "pred"]]
    if not run_id:
        return None
    try:
        return results.load_predictions(run_id, columns=["label", "pred"])
    except (TuneboardError, OSError, KeyError, ValueError):  # no predictions saved, or an older file without them
        return None


def _overview(report: dict, predictions: pd.DataFrame | None, run_id: str | None, *, key: str) -> None:
    summary = report["summary"]
    st.text(t("report_ui.reg.counts", n_test=f"{summary.get('n_test', 0):,}"))
    headline([(t(f"report_ui.metric.{m}"), metric_value(summary.get(m), percent=False, digits=digits),
               t(f"report_ui.explain.{m}"), interval(report, m)) for m, digits in _HEADLINE.items() if m in summary])
    if summary.get("baseline_mse") is not None and summary.get("target_mean") is not None:
        st.text(t("report_ui.reg.baseline", mean=f"{summary['target_mean']:.4g}", mse=f"{summary['baseline_mse']:.4g}"))
        if summary.get("mse") is not None:
            better = summary["mse"] < summary["baseline_mse"]
            st.text(t("report_ui.reg.baseline_better" if better else "report_ui.reg.baseline_worse"))
    st.subheader(t("report_ui.reg.scatter"))
    points = scatter_points(predictions, run_id)
    if points is None:
        st.info(t("report_ui.reg.no_points"))
        return
    true = pd.to_numeric(points["label"], errors="coerce").to_numpy()
    pred = pd.to_numeric(points["pred"], errors="coerce").to_numpy()
    st.plotly_chart(task_figures.scatter_figure(true, pred, language=current_language()), key=f"{key}-reg-scatter")
    st.caption(t("report_ui.reg.scatter_help"))


def _number(name: str) -> object:
    return st.column_config.NumberColumn(name, format="%.4g")


def _by_range(report: dict, *, key: str) -> None:
    rows = report.get("by_range") or []
    if not rows:
        st.info(t("report_ui.reg.no_ranges"))
        return
    st.plotly_chart(task_figures.by_range_figure(report, language=current_language()), key=f"{key}-reg-range")
    st.caption(t("report_ui.reg.by_range_help"))
    tables.table(pd.DataFrame(rows), {
        "range": ("report_ui.col.range", tables.text),
        "n": ("n", tables.number),
        "mae": ("report_ui.col.mae", _number),
        "mean_residual": ("report_ui.col.mean_residual",
                          lambda name: st.column_config.NumberColumn(name, format="%+.4g",
                                                                     help=t("report_ui.col.residual_help"))),
    }, key=f"{key}-reg-range-table")


def _errors(report: dict, *, key: str) -> None:
    rows = report.get("errors") or []
    if not rows:
        st.success(t("report_ui.reg.no_errors"))
        return
    count = "one" if len(rows) == 1 else "other"
    st.text(t(f"report_ui.reg.errors_listed_{count}", n=f"{len(rows):,}"))
    wide = lambda name: st.column_config.TextColumn(name, width="large")  # noqa: E731
    tables.table(pd.DataFrame(rows), {
        "row_id": ("row", tables.number),
        "text": ("text", wide),
        "text_pair": ("report_ui.col.text_pair", wide),
        "label": ("report_ui.col.true_value", _number),
        "pred": ("report_ui.col.predicted_value", _number),
        "residual": ("report_ui.col.residual",
                     lambda name: st.column_config.NumberColumn(name, format="%+.4g", help=t("report_ui.col.residual_help"))),
    }, key=f"{key}-reg-errors")


def render(report: dict, predictions: pd.DataFrame | None = None, *, key: str, run_id: str | None = None) -> None:
    """Render a regression report in tabs; ``key`` must be unique on the page.

    The scatter's points come from ``predictions`` when given, else from run ``run_id``'s saved predictions
    (default: the run the report names).
    """
    run_id = run_id or (report.get("run") or {}).get("id")
    report_guard.render(report)
    names = ["overview", "by_range", "errors", "efficiency", "slices"]
    labels = [t(f"report_ui.tab.{name}") if name == "by_range" else t(f"report.tab.{name}") for name in names]
    tabs = dict(zip(names, st.tabs(labels), strict=True))
    with tabs["overview"]:
        _overview(report, predictions, run_id, key=key)
    with tabs["by_range"]:
        _by_range(report, key=key)
    with tabs["errors"]:
        _errors(report, key=key)
    with tabs["efficiency"]:
        report_efficiency.render(report, key=key)
    with tabs["slices"]:
        slices(report, key=key)
