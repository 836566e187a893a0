"""The comparison of 2–10 runs: curves, metric table, settings diff, per-class F1, confusion matrices,
hyperparameters and the test examples the runs disagree on.  All numbers come from :mod:`core.compare`,
all charts from :mod:`core.plots`.

User text (run names, labels, example texts) is only shown in tables, chart labels and captions with
Markdown escaped -- never as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core.compare import alignment, curves, leaderboard, loading, tables
from core.evaluate.report import METRIC_NAMES, format_metric
from core.plots import compare_figures, confusion
from core.store import Run

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
_BEST_CSS = "background-color: rgba(46, 160, 67, 0.22); font-weight: 600"
_BETTER_CSS, _WORSE_CSS = "color: #1a7f37", "color: #cf222e"
MAX_DISAGREEMENTS_SHOWN = 1000


def plain(text: object) -> str:
    """Escape Markdown so user text (run names, labels) renders literally in captions and messages."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def render(runs: Sequence[Run]) -> None:
    """All comparison sections for ``runs`` (2–10 runs), in tabs; curves first."""
    labels = loading.run_labels(runs)
    reports = {r.id: loading.load_report(r.id) for r in runs}
    pending = [labels[r.id] for r in runs if reports[r.id] is None]
    if pending:
        st.caption(plain(f"No evaluation report yet for {', '.join(pending)} (not completed): they appear in the curves only."))
    tabs = st.tabs(["Curves", "Metrics", "Settings", "Per class", "Confusion matrices", "Hyperparameters", "Disagreements"])
    with tabs[0]:
        _curves(runs)
    with tabs[1]:
        _metrics(runs, labels)
    with tabs[2]:
        _settings(runs, labels)
    with tabs[3]:
        _per_class(runs, labels, reports)
    with tabs[4]:
        _confusions(runs, labels, reports)
    with tabs[5]:
        _hyperparameters(runs, labels)
    with tabs[6]:
        _disagreements(runs, labels)


# ---------------------------------------------------------------------------- curves
def _curves(runs: Sequence[Run]) -> None:
    st.subheader("Loss curves")
    left, right = st.columns([2, 1])
    x = left.radio("X axis", list(curves.X_AXES), format_func=lambda k: {"time": "wall-clock time"}.get(k, k),
                   horizontal=True, key="cmp_x")
    smooth = right.toggle("Smooth train loss", value=True, key="cmp_smooth", help="Moving average, as in the live view.")
    trained, baselines = curves.without_curves(runs)
    if baselines:
        names = ", ".join(f"‘{loading.run_labels(runs)[r.id]}’" for r in baselines)
        st.caption(plain(f"Baselines have no training curve, so {names} "
                         f"{'is' if len(baselines) == 1 else 'are'} left out here; see the other tabs."))
    data = curves.curves(trained, names=("loss", "accuracy", "f1_macro"), x=x, smooth=smooth)
    if data.empty:
        st.info("None of these runs has logged any metric yet." if trained else "Baselines have no training curves to show.")
        return
    st.plotly_chart(compare_figures.curves_figure(data, name="loss", x_title=curves.X_AXES[x],
                                                  title="Train (solid) and validation (dashed) loss"), key="cmp_loss_chart")
    st.subheader("Validation metric curves")
    metric = st.selectbox("Validation metric", ["f1_macro", "accuracy"], format_func=METRIC_NAMES.get, key="cmp_val_metric")
    if (data["name"] == metric).any():
        st.plotly_chart(compare_figures.curves_figure(data, name=metric, x_title=curves.X_AXES[x], splits=("validation",),
                                                      title=f"Validation {METRIC_NAMES[metric]}"), key="cmp_val_chart")
    else:
        st.caption("No validation measurements yet.")


# ---------------------------------------------------------------------------- metrics
def _metrics(runs: Sequence[Run], labels: dict[str, str]) -> None:
    ids = [r.id for r in runs]
    reference = st.selectbox("Reference run (differences are measured against it)", ids, format_func=labels.get, key="cmp_reference")
    table = tables.metric_table(runs, reference_id=reference)
    if table.values.empty:
        st.info("No final metrics yet: metrics appear when a run completes.")
        return
    st.caption("Test-set metrics; the best value of each row is highlighted (lowest for log loss and calibration error).")
    values = table.values.copy()
    shown = values.apply(lambda row: row.map(lambda v: "n/a" if pd.isna(v) else format_metric(str(row.name), v)), axis=1)
    styles = pd.DataFrame("", index=values.index, columns=values.columns)
    for metric, best in table.best.items():
        styles.loc[metric, best] = _BEST_CSS
    frame = shown.rename(index=METRIC_NAMES, columns=labels)
    st.dataframe(frame.style.apply(lambda _: styles.rename(index=METRIC_NAMES, columns=labels).to_numpy(), axis=None),
                 key="cmp_metric_table")
    st.caption(plain(f"Difference to ‘{labels[table.reference_id]}’ (green = better)."))
    others = [i for i in ids if i != table.reference_id]
    deltas = table.deltas[others]
    delta_text = deltas.apply(lambda row: row.map(lambda v: tables.format_delta(str(row.name), v)), axis=1)
    colors = deltas.apply(lambda row: row.map(lambda v: _delta_css(str(row.name), v)), axis=1)
    st.dataframe(delta_text.rename(index=METRIC_NAMES, columns=labels).style.apply(lambda _: colors.to_numpy(), axis=None),
                 key="cmp_delta_table")
    _efficiency(runs, labels)


def _delta_css(metric: str, delta: float) -> str:
    if pd.isna(delta) or abs(delta) < 1e-12:
        return ""
    better = delta < 0 if metric in tables.LOWER_IS_BETTER else delta > 0
    return _BETTER_CSS if better else _WORSE_CSS


def _efficiency(runs: Sequence[Run], labels: dict[str, str]) -> None:
    rows = {}
    for run in runs:
        eff = loading.report_digest(run.id)["efficiency"]
        params = run.info.get("parameters") or {}
        train_s = eff.get("train_seconds") or run.duration_s
        rows[labels[run.id]] = {
            "trainable parameters": params.get("trainable", eff.get("trainable")),
            "training time (min)": round(train_s / 60, 2) if train_s else None,
            "throughput (texts/s)": eff.get("throughput_texts_per_s"),
            "latency p50 (ms)": eff.get("latency_p50_ms"),
        }
    st.caption("Size and speed")
    st.dataframe(pd.DataFrame.from_dict(rows, orient="index"), key="cmp_efficiency",
                 column_config={"throughput (texts/s)": st.column_config.NumberColumn(format="%.1f"),
                                "latency p50 (ms)": st.column_config.NumberColumn(format="%.2f"),
                                "trainable parameters": st.column_config.NumberColumn(format="localized")})


# ---------------------------------------------------------------------------- settings, per class, confusion
def _settings(runs: Sequence[Run], labels: dict[str, str]) -> None:
    diff = tables.config_diff(runs)
    if diff.empty:
        st.info("These runs have identical settings (apart from their names).")
        return
    st.caption(f"Only the settings that differ between the runs ({len(diff)} of them).")
    st.dataframe(diff.rename(columns=labels, index=_words), key="cmp_config_diff")


def _words(name: str) -> str:
    """'learning_rate' -> 'learning rate': setting names as words in tables."""
    return str(name).replace("_", " ")


def _per_class(runs: Sequence[Run], labels: dict[str, str], reports: dict) -> None:
    frame = tables.per_class_f1(runs, reports)
    if frame.empty:
        st.info("Per-class results appear when the runs complete.")
        return
    st.plotly_chart(compare_figures.per_class_figure(frame, labels), key="cmp_per_class_chart")
    pct = st.column_config.NumberColumn(format="percent")
    st.dataframe(frame.rename(columns=labels), key="cmp_per_class_table", column_config={labels[c]: pct for c in frame.columns})


def _confusions(runs: Sequence[Run], labels: dict[str, str], reports: dict) -> None:
    result = alignment.confusion_alignment(runs, reports)
    normalized = st.toggle("Show shares of each true class (comparable across test sizes)", value=True, key="cmp_cm_norm")
    if not result.aligned:
        st.warning(result.message)
    shown = [r for r in runs if (reports.get(r.id) or {}).get("confusion")]
    many = len(result.labels or (reports[shown[0].id] or {})["confusion"]["labels"]) > 15 if shown else False
    per_row = 1 if many else 2 if len(shown) <= 4 else 3  # many classes need the full width to stay readable
    for start in range(0, len(shown), per_row):
        cols = st.columns(per_row)
        for col, run in zip(cols, shown[start : start + per_row], strict=False):
            fig = confusion.confusion_matrix_figure(reports[run.id], order=result.labels or None, normalized=normalized,
                                                   max_classes=None, title=labels[run.id])
            col.plotly_chart(fig, key=f"cmp_cm_{run.id}", width="content" if fig.layout.width else "stretch")


# ---------------------------------------------------------------------------- hyperparameters, disagreements
def _hyperparameters(runs: Sequence[Run], labels: dict[str, str]) -> None:
    metric = st.selectbox("Metric", list(tables.TABLE_METRICS), index=2, format_func=METRIC_NAMES.get, key="cmp_hp_metric")
    frame = leaderboard.hyperparameter_frame(runs, metric)
    st.plotly_chart(compare_figures.parallel_figure(frame, metric, metric_title=METRIC_NAMES[metric],
                                                    lower_is_better=metric in tables.LOWER_IS_BETTER), key="cmp_parallel")
    # Settings as text (a column may mix numbers and "None"); the metric stays a number so it sorts.
    table = frame.drop(columns=[metric]).astype(str).rename(columns=_words).assign(**{metric: frame[metric]}).rename(index=labels)
    percent = metric not in {"mcc", "cohen_kappa", "log_loss"}
    st.dataframe(table, key="cmp_hp_table",
                 column_config={metric: st.column_config.NumberColumn(METRIC_NAMES[metric], format="percent" if percent else "%.3f")})


def _disagreements(runs: Sequence[Run], labels: dict[str, str]) -> None:
    predictions = {r.id: loading.load_predictions(r.id) for r in runs}
    result = alignment.disagreements(runs, predictions)
    if result.frame is None:
        st.warning(result.message)
        return
    st.caption(plain(result.message))
    if result.frame.empty:
        st.success("Every run predicts the same label for every shared test example.")
        return
    # Prefixed so a run called "text" or "label" cannot clash with the fixed columns.
    frame = result.frame.head(MAX_DISAGREEMENTS_SHOWN).rename(columns={i: f"pred: {name}" for i, name in labels.items()})
    if len(result.frame) > MAX_DISAGREEMENTS_SHOWN:
        st.caption(f"Showing the {MAX_DISAGREEMENTS_SHOWN} most divided of {len(result.frame)} examples.")
    st.dataframe(frame, hide_index=True, key="cmp_disagreements",
                 column_config={"text": st.column_config.TextColumn("text", width="large"),
                                "n_correct": st.column_config.NumberColumn("runs right", help="How many of the runs got it right.")})
