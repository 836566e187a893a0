"""What the standalone HTML report (:mod:`core.evaluate.html`) prints for the task kinds beyond single-label text:
multi-label runs, regression runs, and the second text of sentence pairs.

Each ``*_context`` function turns a report dict (:mod:`core.evaluate.report_multilabel`,
:mod:`core.evaluate.report_regression`) into the values its template (``templates/report_multilabel.html.j2``,
``report_regression.html.j2``) lays out: headline tiles with a plain sentence each, table rows with label sets and
patterns written as words, and the plotly figures of :mod:`core.plots.task_figures`.  The sections and words mirror
the app's views (pages/components/report_multilabel.py, report_regression.py; catalogue ``report_ui.*``); words only
the export needs are ``html_tasks.*``.  Every value stays plain text here: the template's autoescape escapes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from core import results
from core.errors import TuneboardError
from core.evaluate.intervals import interval_text
from core.i18n import localize, translate
from core.tasks import PAIR_COLUMN, Task, split_labels

__all__ = ["MAX_ERRORS_SHOWN", "Tile", "capitalized", "multilabel_context", "regression_context", "saved_points",
           "sentences", "skipped_slice_lines", "task_line", "text_columns"]

MAX_ERRORS_SHOWN = 100
"""The error tables list at most this many rows: the worst ones, as the report orders them."""
_ML_TILES = ("f1_micro", "f1_macro", "f1_samples", "subset_accuracy", "hamming_loss")
_ML_MORE = ("precision_micro", "recall_micro", "precision_macro", "recall_macro", "jaccard_samples", "roc_auc_macro")
_RATIOS = {"roc_auc_macro"}  # a number between 0 and 1, not a percentage (as in the app)
# Regression headline → how its tile writes the value: errors in the target's units, correlations to 3 decimals.
_REG_TILES = {"mse": ".4g", "rmse": ".4g", "mae": ".4g", "r2": ".3f", "pearson": ".3f", "spearman": ".3f"}

Words = Callable[..., str]


class Tile(NamedTuple):
    """One headline tile: the measure's name, its value as shown, one plain sentence about it, and its 95 %
    bootstrap interval as shown ('' when the report has none)."""

    name: str
    value: str
    sentence: str
    interval: str = ""


def _words(language: str) -> Words:
    return lambda key, /, **params: translate(language, key, **params)


def _intervals(report: dict, language: str) -> Callable[[str], str]:
    """A measure's interval line ('95% CI 81.2–84.9%'), '' for reports saved before intervals existed."""
    return lambda metric: interval_text(metric, (report.get("intervals") or {}).get(metric), language)


def sentences(language: str, *texts: str) -> str:
    """Sentences one after another: a space between them, none in Chinese (its full stop needs none)."""
    return ("" if language == "zh" else " ").join(text for text in texts if text)


def capitalized(language: str) -> Words:
    """Catalogue text with its first letter in upper case: the app's lower-case column names (``report_ui.col.*``)
    as table headers, like the export's own ('Precision').  Chinese has no case, so it is unchanged."""
    def col(key: str, /, **params: object) -> str:
        text = translate(language, key, **params)
        return text[:1].upper() + text[1:]

    return col


def _value(value: float | None, t: Words, *, percent: bool = True, digits: str = ".3f") -> str:
    """A measure as a tile shows it: ``81.2%`` or ``0.812`` (``digits``), the catalogue's 'n/a' when missing."""
    if value is None:
        return t("export.html.na_value")
    return f"{100 * value:.1f}%" if percent else format(value, digits)


def task_line(report: dict, language: str) -> str:
    """'Kind of data: …' for the report's task (single-label text, before kinds existed, included)."""
    t = _words(language)
    return t("html_tasks.task", name=t(f"task.name.{Task.from_dict(report.get('task')).key}"))


def text_columns(rows: list[dict], language: str) -> list[tuple[str, str, str]]:
    """The error table's text column(s): 'Text', or 'First text' and 'Second text' when the rows are pairs."""
    t = _words(language)
    if not any(PAIR_COLUMN in row for row in rows):
        return [("text", t("export.html.col.text"), "text")]
    return [("text", t("html_tasks.col.text_first"), "text"), (PAIR_COLUMN, t("html_tasks.col.text_pair"), "text")]


def skipped_slice_lines(report: dict, language: str) -> list[str]:
    """One sentence per column the report could not slice by, and why, in ``language``."""
    t = _words(language)
    return [t("report.slices.skipped", column=row.get("column", ""), reason=localize(row.get("message") or row.get("reason"), language))
            for row in report.get("slices_skipped") or []]


# ------------------------------------------------------------------ multi-label


def _labels_cell(value: Any, t: Words) -> str:
    """A label set as one cell: 'a, b' ('(none)' for the empty set), from a list or a stored ``a|b`` cell."""
    labels = [str(x) for x in value] if isinstance(value, list | tuple) else split_labels(value)
    return ", ".join(labels) if labels else t("report_ui.ml.no_labels")


def _pattern(row: dict, t: Words) -> str:
    """One error pattern in words: '‘A’ taken for ‘B’' (an unknown kind: the two labels)."""
    kind = row.get("kind", "confused")
    key = f"report_ui.ml.pattern_{kind}" if kind in ("confused", "missed_together") else "report_ui.ml.pattern_other"
    return t(key, a=row.get("label_a", ""), b=row.get("label_b", ""))


def _ml_tiles(summary: dict, t: Words, ci: Callable[[str], str]) -> list[Tile]:
    tiles = [Tile(t(f"report_ui.metric.{m}"), _value(summary.get(m), t), t(f"report_ui.explain.{m}"), ci(m))
             for m in _ML_TILES if m in summary]
    true, pred = summary.get("label_cardinality_true"), summary.get("label_cardinality_pred")
    if true is not None and pred is not None:
        tiles.append(Tile(t("report_ui.metric.label_cardinality"), f"{true:.2f} / {pred:.2f}",
                          t("report_ui.explain.label_cardinality")))
    return tiles


def _ml_errors(report: dict, t: Words) -> list[dict]:
    """The worst rows, their label sets written as words."""
    keys = ("label", "pred", "missing", "extra")
    return [{**row, **{k: _labels_cell(row.get(k), t) for k in keys}} for row in (report.get("errors") or [])[:MAX_ERRORS_SHOWN]]


def multilabel_context(report: dict, language: str) -> dict[str, Any]:
    """The values ``report_multilabel.html.j2`` prints for a multi-label report, in ``language``."""
    from core.plots import task_figures

    t = _words(language)
    summary = report["summary"]
    errors = _ml_errors(report, t)
    return {
        "summary": summary,
        "task_line": task_line(report, language),
        "col": capitalized(language),
        "counts": t("report_ui.ml.counts", n_test=f"{summary.get('n_test', 0):,}", n_errors=f"{summary.get('n_errors', 0):,}"),
        "tiles": _ml_tiles(summary, t, _intervals(report, language)),
        "per_label_help": sentences(language, t("report_ui.col.threshold_help"), t("report_ui.col.roc_auc_help")),
        "more_rows": [{"name": t(f"report_ui.metric.{m}"), "value": _value(summary[m], t, percent=m not in _RATIOS)}
                      for m in _ML_MORE if m in summary],
        "per_label": report.get("per_label") or [],
        "patterns": [{"pattern": _pattern(row, t), "n": row.get("n")} for row in report.get("cooccurrence_errors") or []],
        "errors": errors,
        "text_columns": text_columns(errors, language),
        "f1_figure": task_figures.per_label_f1_figure(report, language=language),
        "cooccurrence_figure": task_figures.cooccurrence_figure(report, language=language),
        "skipped_slices": skipped_slice_lines(report, language),
    }


# ------------------------------------------------------------------ regression


def saved_points(run_id: str | None) -> pd.DataFrame | None:
    """``label`` and ``pred`` of every test row of run ``run_id`` (its saved predictions, those two columns only);
    None when the run, its predictions or those columns are missing: the report is then written without the
    scatter."""
    if not run_id:
        return None
    try:
        return results.load_predictions(run_id, columns=["label", "pred"])
    except (TuneboardError, OSError, KeyError, ValueError):  # no such run or file, or an older file without them
        return None


def _numbers(frame: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray] | None:
    """The scatter's true and predicted values; None without a usable frame."""
    if frame is None or not {"label", "pred"} <= set(frame.columns) or not len(frame):
        return None
    return (pd.to_numeric(frame["label"], errors="coerce").to_numpy(dtype=float),
            pd.to_numeric(frame["pred"], errors="coerce").to_numpy(dtype=float))


def _reg_tiles(summary: dict, t: Words, language: str, ci: Callable[[str], str]) -> list[Tile]:
    tiles = [Tile(t(f"report_ui.metric.{m}"), _value(summary.get(m), t, percent=False, digits=digits),
                  t(f"report_ui.explain.{m}"), ci(m)) for m, digits in _REG_TILES.items() if m in summary]
    baseline, mean = summary.get("baseline_mse"), summary.get("target_mean")
    if baseline is not None and mean is not None:
        verdict = ""
        if summary.get("mse") is not None:
            verdict = t("report_ui.reg.baseline_better" if summary["mse"] < baseline else "report_ui.reg.baseline_worse")
        sentence = sentences(language, t("report_ui.reg.baseline", mean=f"{mean:.4g}", mse=f"{baseline:.4g}"), verdict)
        tiles.append(Tile(t("html_tasks.metric.baseline_mse"), f"{baseline:.4g}", sentence))
    return tiles


def regression_context(report: dict, language: str, *, points: pd.DataFrame | None = None) -> dict[str, Any]:
    """The values ``report_regression.html.j2`` prints for a regression report, in ``language``.

    The scatter's points come from ``points`` (a frame with ``label`` and ``pred``) when given, else from the saved
    predictions of the run the report names; without either the section says the chart is not available.
    """
    from core.plots import task_figures

    t = _words(language)
    summary = report["summary"]
    errors = (report.get("errors") or [])[:MAX_ERRORS_SHOWN]
    pairs = _numbers(points if points is not None else saved_points((report.get("run") or {}).get("id")))
    count = "one" if len(errors) == 1 else "other"
    return {
        "summary": summary,
        "task_line": task_line(report, language),
        "col": capitalized(language),
        "counts": t("report_ui.reg.counts", n_test=f"{summary.get('n_test', 0):,}"),
        "tiles": _reg_tiles(summary, t, language, _intervals(report, language)),
        "scatter_figure": None if pairs is None else task_figures.scatter_figure(*pairs, language=language),
        "by_range": report.get("by_range") or [],
        "by_range_figure": task_figures.by_range_figure(report, language=language),
        "errors": errors,
        "errors_line": t(f"report_ui.reg.errors_listed_{count}", n=f"{len(errors):,}"),
        "text_columns": text_columns(errors, language),
        "skipped_slices": skipped_slice_lines(report, language),
    }
