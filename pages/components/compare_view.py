"""The comparison of 2–10 runs: whether each run really differs from the first (one sentence per run, above the
tabs), curves, metric table, settings diff, per-class F1, confusion matrices, hyperparameters and the test examples
the runs disagree on.  All numbers come from :mod:`core.compare`,
all charts from :mod:`core.plots`.

The sections follow the runs' kind of task: multi-label runs compare F1 per label (no confusion matrix), regression
runs the examples on which their predicted numbers differ most (no per-class sections), named-entity runs their
entity-level numbers with intervals and F1 per entity type (compare_ner); runs of different kinds are
not compared, with one sentence saying why.

User text (run names, labels, example texts) is only shown in tables, chart labels and captions with
Markdown escaped -- never as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from core import i18n
from core.compare import alignment, curves, label_fixes, leaderboard, loading, resampling, significance, tables
from core.plots import compare_figures, confusion
from core.store import Run
from core.tasks import Task
from pages.components import compare_groups, compare_ner
from pages.components.i18n import current_language, t, tr

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
_BEST_CSS = "background-color: rgba(46, 160, 67, 0.22); font-weight: 600"
_BETTER_CSS, _WORSE_CSS = "color: #1a7f37", "color: #cf222e"
MAX_DISAGREEMENTS_SHOWN = 1000
_NOT_SET = "(not set)"  # what core.compare.tables.config_diff writes for a setting a run lacks


def plain(text: object) -> str:
    """Escape Markdown so user text (run names, labels) renders literally in captions and messages."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def metric_name(key: str) -> str:
    """A final metric's name (``compare.metric.<key>``: every kind's metrics) in the interface language."""
    return t(f"compare.metric.{key}")


def number_format(metric: str) -> str:
    """The st.column_config number format of a metric: percent for shares, decimals for the others."""
    return "percent" if tables.is_percent(metric) else "%.4f" if metric in tables.IN_TARGET_UNITS else "%.3f"


def namer(prefix: str) -> Callable[[object], str]:
    """A widget's ``format_func`` naming option ``k`` by catalogue key ``prefix.k`` in this session's language.

    The language is read now, while the page runs: Streamlit's AppTest also calls format_func outside a script
    run, where the session (and so the language) cannot be read.
    """
    language = current_language()
    return lambda key: i18n.translate(language, f"{prefix}.{key}")


def setting_name(name: object) -> str:
    """A setting (a RunConfig field) as words in the interface language; an unknown one with spaces for '_'."""
    key = f"compare.setting.{name}"
    return t(key) if key in i18n.catalogue(i18n.DEFAULT_LANGUAGE) else str(name).replace("_", " ")


def render(runs: Sequence[Run]) -> None:
    """All comparison sections for ``runs`` (2–10 runs of one kind), in tabs; curves first."""
    problem = tables.kinds_problem(runs)
    if problem is not None:
        st.warning(tr(problem))
        return
    task = tables.common_task(runs) or Task()
    labels = loading.run_labels(runs)
    reports = {r.id: loading.load_report(r.id) for r in runs}
    pending = [labels[r.id] for r in runs if reports[r.id] is None]
    if pending:
        st.caption(plain(t("compare.pending", runs=", ".join(pending))))
    if task != Task():
        st.caption(t("compare_tasks.kind", kind=t(f"task.name.{task.key}")))
    for note in label_fixes.fix_notes(runs, labels):
        st.info(plain(tr(note)), icon=":material/rule:")
    _significance(runs, labels)
    sections = {
        t("compare.tabs.curves"): lambda: _curves(runs, task),
        t("compare.tabs.metrics"): lambda: _metrics(runs, labels, task),
        t("compare.tabs.settings"): lambda: _settings(runs, labels),
    }
    if task.multi_label:
        sections[t("compare_tasks.tab.per_label")] = lambda: _per_class(runs, labels, reports, task)
    elif task.target == "ner":  # entity-level numbers with intervals, F1 per entity type; no confusion matrix
        sections[t("ner_compare.tab.summary")] = lambda: compare_ner.summary(runs, labels)
        sections[t("ner_compare.tab.per_type")] = lambda: _per_class(runs, labels, reports, task)
    elif not task.regression:
        sections[t("compare.tabs.per_class")] = lambda: _per_class(runs, labels, reports, task)
        sections[t("compare.tabs.confusion")] = lambda: _confusions(runs, labels, reports)
    sections[t("compare.tabs.hyperparameters")] = lambda: _hyperparameters(runs, labels, task)
    if compare_groups.has_groups(runs):
        sections[t("groups.tab")] = lambda: compare_groups.render(runs, task)
    if task.regression:
        sections[t("compare_tasks.tab.differences")] = lambda: _differences(runs, labels)
    elif task.target == "ner":
        sections[t("compare.tabs.disagreements")] = lambda: compare_ner.disagreements(runs, labels)
    else:
        sections[t("compare.tabs.disagreements")] = lambda: _disagreements(runs, labels)
    for tab, draw in zip(st.tabs(list(sections)), sections.values(), strict=True):
        with tab:
            draw()


# ---------------------------------------------------------------------------- is B really better than A?
def _significance(runs: Sequence[Run], labels: dict[str, str]) -> None:
    """Each run against the first in one plain sentence (its lead paired test, or why the rows cannot be paired),
    so a 0.5-point win on 800 rows is not read as real; the other metrics' tests wait in an expander."""
    pairs = significance.against_reference(runs, names=labels)
    for pair in pairs:
        if pair.paired:
            st.info(plain(tr(pair.sentence)), icon=":material/balance:")
        else:
            st.caption(plain(tr(pair.sentence)))
    more = [said for pair in pairs if pair.paired for said in pair.sentences[1:]]
    if more:
        with st.expander(t("significance.ui.more")):
            method = "method_ner" if (tables.common_task(runs) or Task()).target == "ner" else "method"
            st.caption(plain(t(f"significance.ui.{method}", run=labels[runs[0].id], resamples=resampling.RESAMPLES)))
            for said in more:
                st.markdown(plain(tr(said)))


# ---------------------------------------------------------------------------- curves
def _curves(runs: Sequence[Run], task: Task) -> None:
    st.subheader(t("compare.curves.heading"))
    left, right = st.columns([2, 1])
    x = left.radio(t("compare.curves.x_label"), list(curves.X_AXES), format_func=namer("compare.curves.x"),
                   horizontal=True, key="cmp_x")
    smooth = right.toggle(t("compare.curves.smooth"), value=True, key="cmp_smooth", help=t("compare.curves.smooth_help"))
    trained, baselines = curves.without_curves(runs)
    if baselines:
        names = ", ".join(f"‘{loading.run_labels(runs)[r.id]}’" for r in baselines)
        one = "one" if len(baselines) == 1 else "many"
        st.caption(plain(t(f"compare.curves.baselines_left_out_{one}", names=names)))
    logged = curves.validation_metrics(task)  # what runs of this kind log on the validation split
    data = curves.curves(trained, names=("loss", *logged), x=x, smooth=smooth)
    if data.empty:
        st.info(t("compare.curves.nothing_logged") if trained else t("compare.curves.baselines_only"))
        return
    language, x_title = current_language(), t(f"compare.curves.axis.{x}")
    st.plotly_chart(compare_figures.curves_figure(data, name="loss", x_title=x_title, title=t("compare.curves.loss_title"),
                                                  language=language), key="cmp_loss_chart")
    st.subheader(t("compare.curves.validation_heading"))
    metric = st.selectbox(t("compare.curves.validation_metric"), list(logged), format_func=namer("compare.metric"),
                          key="cmp_val_metric")
    if (data["name"] == metric).any():
        st.plotly_chart(compare_figures.curves_figure(data, name=metric, x_title=x_title, splits=("validation",), language=language,
                                                      title=t("compare.curves.validation_title", metric=metric_name(metric))),
                        key="cmp_val_chart")
    else:
        st.caption(t("compare.curves.no_validation"))


# ---------------------------------------------------------------------------- metrics
def _metrics(runs: Sequence[Run], labels: dict[str, str], task: Task) -> None:
    ids = [r.id for r in runs]
    reference = st.selectbox(t("compare.metrics.reference"), ids, format_func=labels.get, key="cmp_reference")
    table = tables.metric_table(runs, reference_id=reference, metrics=tables.table_metrics(task))
    if table.values.empty:
        st.info(t("compare.metrics.empty"))
        return
    st.caption(t("compare.metrics.caption") if task.target == "single_label" else
               t(f"compare_tasks.metrics.caption_{task.target}"))
    values = table.values.copy()
    missing = t("compare.metrics.missing")
    shown = values.apply(lambda row: row.map(lambda v: missing if pd.isna(v) else tables.format_value(str(row.name), v)), axis=1)
    styles = pd.DataFrame("", index=values.index, columns=values.columns)
    for metric, best in table.best.items():
        styles.loc[metric, best] = _BEST_CSS
    names = {m: metric_name(m) for m in values.index}
    frame = shown.rename(index=names, columns=labels).rename_axis(t("compare.metrics.index"))
    st.dataframe(frame.style.apply(lambda _: styles.to_numpy(), axis=None), key="cmp_metric_table")
    st.caption(plain(t("compare.metrics.difference", run=labels[table.reference_id])))
    others = [i for i in ids if i != table.reference_id]
    deltas = table.deltas[others]
    delta_text = deltas.apply(lambda row: row.map(lambda v: tables.format_delta(str(row.name), v)), axis=1)
    colors = deltas.apply(lambda row: row.map(lambda v: _delta_css(str(row.name), v)), axis=1)
    delta_frame = delta_text.rename(index=names, columns=labels).rename_axis(t("compare.metrics.index"))
    st.dataframe(delta_frame.style.apply(lambda _: colors.to_numpy(), axis=None), key="cmp_delta_table")
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
            "trainable_parameters": params.get("trainable", eff.get("trainable")),
            "train_minutes": round(train_s / 60, 2) if train_s else None,
            "throughput": eff.get("throughput_texts_per_s"),
            "latency": eff.get("latency_p50_ms"),
        }
    st.caption(t("compare.metrics.efficiency"))
    # The frame's own column names are the shown headers (st.column_config labels would not reach every view of it).
    names = {c: t(f"compare.metrics.{c}") for c in ("trainable_parameters", "train_minutes", "throughput", "latency")}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(names)).rename(columns=names)
    st.dataframe(frame, key="cmp_efficiency",
                 column_config={names["throughput"]: st.column_config.NumberColumn(format="%.1f"),
                                names["latency"]: st.column_config.NumberColumn(format="%.2f"),
                                names["trainable_parameters"]: st.column_config.NumberColumn(format="localized")})


# ---------------------------------------------------------------------------- settings, per class, confusion
def _settings(runs: Sequence[Run], labels: dict[str, str]) -> None:
    diff = tables.config_diff(runs)
    if diff.empty:
        st.info(t("compare.settings.identical"))
        return
    st.caption(t("compare.settings.caption", count=len(diff)))
    diff = diff.replace(_NOT_SET, t("compare.settings.not_set"))
    st.dataframe(diff.rename(columns=labels, index=setting_name).rename_axis(t("compare.settings.index")), key="cmp_config_diff")


def _per_class(runs: Sequence[Run], labels: dict[str, str], reports: dict, task: Task) -> None:
    frame = tables.per_class_f1(runs, reports)
    if frame.empty:
        st.info(t("compare.per_class.empty"))
        return
    unit = "label" if task.multi_label else "entity_type" if task.target == "ner" else "class"
    st.plotly_chart(compare_figures.per_class_figure(frame, labels, language=current_language(), unit=unit),
                    key="cmp_per_class_chart")
    pct = st.column_config.NumberColumn(format="percent")
    index = (t("compare_tasks.per_label.index") if task.multi_label else t("ner_compare.per_type_index")
             if task.target == "ner" else t("compare.per_class.index"))
    st.dataframe(frame.rename(columns=labels).rename_axis(index), key="cmp_per_class_table",
                 column_config={labels[c]: pct for c in frame.columns})


def _confusions(runs: Sequence[Run], labels: dict[str, str], reports: dict) -> None:
    result = alignment.confusion_alignment(runs, reports)
    normalized = st.toggle(t("compare.confusion.normalized"), value=True, key="cmp_cm_norm")
    if not result.aligned:
        st.warning(tr(result.sentence))
    shown = [r for r in runs if (reports.get(r.id) or {}).get("confusion")]
    many = len(result.labels or (reports[shown[0].id] or {})["confusion"]["labels"]) > 15 if shown else False
    per_row = 1 if many else 2 if len(shown) <= 4 else 3  # many classes need the full width to stay readable
    for start in range(0, len(shown), per_row):
        cols = st.columns(per_row)
        for col, run in zip(cols, shown[start : start + per_row], strict=False):
            fig = confusion.confusion_matrix_figure(reports[run.id], order=result.labels or None, normalized=normalized,
                                                   max_classes=None, title=labels[run.id], language=current_language())
            col.plotly_chart(fig, key=f"cmp_cm_{run.id}", width="content" if fig.layout.width else "stretch")


# ---------------------------------------------------------------------------- hyperparameters, disagreements
def _hyperparameters(runs: Sequence[Run], labels: dict[str, str], task: Task) -> None:
    options = list(tables.table_metrics(task))
    metric = st.selectbox(t("compare.hyperparameters.metric"), options, index=options.index(task.headline_metric),
                          format_func=namer("compare.metric"), key="cmp_hp_metric")
    frame = leaderboard.hyperparameter_frame(runs, metric)
    title = metric_name(metric)
    st.plotly_chart(compare_figures.parallel_figure(frame, metric, metric_title=title, language=current_language(),
                                                    lower_is_better=metric in tables.LOWER_IS_BETTER), key="cmp_parallel")
    # Settings as text (a column may mix numbers and "None"); the metric stays a number so it sorts.
    table = frame.drop(columns=[metric]).astype(str).rename(columns=setting_name).assign(**{title: frame[metric]}).rename(index=labels)
    st.dataframe(table, key="cmp_hp_table", column_config={title: st.column_config.NumberColumn(format=number_format(metric))})


def _disagreements(runs: Sequence[Run], labels: dict[str, str]) -> None:
    predictions = {r.id: loading.load_predictions(r.id) for r in runs}
    result = alignment.disagreements(runs, predictions)
    if result.frame is None:
        st.warning(tr(result.sentence))
        return
    st.caption(plain(tr(result.sentence)))
    if result.frame.empty:
        st.success(t("compare.disagree.all_agree"))
        return
    # Prefixed so a run called "text" or "label" cannot clash with the fixed columns.
    fixed = {c: t(f"compare.disagree.{c}") for c in ("row_id", "text", "label", "n_correct")}
    fixed["text_pair"] = t("compare_tasks.differences.text_pair")  # sentence pairs: both texts
    preds = {i: t("compare.disagree.pred", run=name) for i, name in labels.items()}
    frame = result.frame.head(MAX_DISAGREEMENTS_SHOWN).rename(columns={**fixed, **preds})
    if len(result.frame) > MAX_DISAGREEMENTS_SHOWN:
        st.caption(t("compare.disagree.showing", shown=MAX_DISAGREEMENTS_SHOWN, total=len(result.frame)))
    st.dataframe(frame, hide_index=True, key="cmp_disagreements",
                 column_config={fixed["text"]: st.column_config.TextColumn(width="large"),
                                fixed["n_correct"]: st.column_config.NumberColumn(help=t("compare.disagree.n_correct_help"))})


def _differences(runs: Sequence[Run], labels: dict[str, str]) -> None:
    """Regression runs: the test examples on which their predicted numbers differ most."""
    result = alignment.prediction_differences(runs, {r.id: loading.load_predictions(r.id) for r in runs})
    if result.frame is None:
        st.warning(tr(result.sentence))
        return
    st.caption(plain(tr(result.sentence)))
    fixed = {c: t(f"compare_tasks.differences.{c}") for c in ("text", "text_pair", "label", "spread", "closest")}
    fixed["row_id"] = t("compare.disagree.row_id")
    preds = {i: t("compare_tasks.differences.pred", run=name) for i, name in labels.items()}
    frame = result.frame.head(MAX_DISAGREEMENTS_SHOWN).assign(closest=lambda d: d["closest"].map(labels))
    if len(result.frame) > MAX_DISAGREEMENTS_SHOWN:
        st.caption(t("compare.disagree.showing", shown=MAX_DISAGREEMENTS_SHOWN, total=len(result.frame)))
    st.dataframe(frame.rename(columns={**fixed, **preds}), hide_index=True, key="cmp_differences",
                 column_config={fixed["text"]: st.column_config.TextColumn(width="large"),
                                fixed["spread"]: st.column_config.NumberColumn(format="%.3f", help=t("compare_tasks.differences.spread_help")),
                                fixed["closest"]: st.column_config.TextColumn(help=t("compare_tasks.differences.closest_help"))})
