"""The standalone HTML export of an evaluation report: one offline file a user can mail or archive.

:func:`report_to_html` renders the template of the report's task kind (``templates/report.html.j2`` for
single-label text or pairs, ``report_multilabel.html.j2``, ``report_regression.html.j2``; all extend
``_base.html.j2``) with Jinja2 (autoescape on, so every label, text,
run name and setting from the user is escaped) and embeds the report's plotly figures, with the plotly.js bundle
inlined once: the file loads nothing from the network.  What each section says comes from the report dict
(:mod:`core.evaluate.report`, and for the other kinds :mod:`core.evaluate.html_tasks`); these modules only decide
how it is laid out.  Its fixed words come from the
catalogue (``export.*`` in core/locales) in the language asked for; the metric sentences are written again in that
language from the report's numbers (:func:`core.evaluate.explanations.report_explanations`).
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import pandas as pd
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from core import results, store
from core.evaluate import guard, html_tasks
from core.evaluate.explanations import report_explanations
from core.evaluate.intervals import interval_text
from core.evaluate.report import METRIC_NAMES, format_metric
from core.i18n import DEFAULT_LANGUAGE, catalogue, localize, translate
from core.tasks import Task

__all__ = ["report_file_name", "report_to_html", "run_report_html"]

_TEMPLATES = Path(__file__).with_name("templates")
_TILE_KEYS = ("accuracy", "balanced_accuracy", "f1_macro", "mcc", "cohen_kappa", "log_loss", "ece")
_MAX_ERRORS_SHOWN = html_tasks.MAX_ERRORS_SHOWN
_MAX_CONFUSIONS_SHOWN = 20
# Characters no file system (Windows' included) accepts in a name, plus control characters; letters of any
# script, Chinese included, are fine.
_UNSAFE_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_MAX_NAME_CHARS = 120


class Cell(NamedTuple):
    """One table cell as the template prints it: its CSS class ('' for none) and its text."""

    css: str
    text: str


def _cell(value: Any, fmt: str | None, *, missing: str = "") -> Cell:
    """Numbers formatted with ``fmt`` (a format spec) and right-aligned, 'text' wrapped, anything else as text;
    None as ``missing``."""
    if fmt and fmt != "text" and isinstance(value, int | float) and not isinstance(value, bool):
        return Cell("num", format(value, fmt))
    text = missing if value is None else str(value)
    return Cell("text", text) if fmt == "text" else Cell("", text)


class _Words:
    """The report's fixed words in one language: ``t(key)``, metric values, and names of closed vocabularies."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.english = language == DEFAULT_LANGUAGE

    def t(self, key: str, /, **params: object) -> str:
        return translate(self.language, key, **params)

    def fmt(self, value: float | None, spec: str = ".3f") -> str:
        return self.t("export.html.na_value") if value is None else format(value, spec)

    def metric_value(self, key: str, value: float | None) -> str:
        """:func:`format_metric` with its 'n/a' and 'pts' in this language."""
        if value is None:
            return self.t("export.html.na_value")
        if key == "ece" and not self.english:
            return self.t("export.html.points", value=f"{100 * value:.1f}")
        return format_metric(key, value)

    def metric_name(self, key: str) -> str:
        return METRIC_NAMES[key] if self.english else self.t(f"export.metric.{key}")

    def known(self, key: str, fallback: str) -> str:
        """``key``'s text when the catalogue has it, else ``fallback`` (English shows core's own words)."""
        return fallback if self.english or key not in catalogue(self.language) else self.t(key)

    def robustness_rows(self, rows: list[dict]) -> list[dict]:
        """Perturbation names and descriptions, which core writes in English, in this language."""
        return [{**row, "perturbation": self.known(f"export.perturbation.{row.get('perturbation')}.name", row.get("perturbation")),
                 "description": self.known(f"export.perturbation.{row.get('perturbation')}.description",
                                           row.get("description"))} for row in rows]


def _with_language(func: Any, language: str) -> Any:
    """A figure function with ``language`` passed when it takes one (core.plots gains the parameter figure by figure)."""
    return functools.partial(func, language=language) if "language" in inspect.signature(func).parameters else func


class _Figures:
    """Embeds plotly figures in document order; the plotly.js bundle is inlined with the first one only."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, fig: Any) -> Markup:
        include = "inline" if self.count == 0 else False
        self.count += 1
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=include,
            div_id=f"fig-{self.count}",
            config={"displaylogo": False, "responsive": True},
        )
        # plotly's own output (JSON-encoded data with '<' escaped, plus its script): the one unescaped insertion
        return Markup(f'<div class="fig">{div}</div>')


def _environment() -> Environment:
    # autoescape=True for every template, not only *.html (the file is report.html.j2).  Missing optional
    # sections (reports saved by older versions) read as empty, as report.get(...) did.
    return Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True)


def _common(report: dict, title: str, language: str) -> dict[str, Any]:
    """What every kind's template prints: the frame (title, date, run facts), the baseline check, efficiency."""
    words = _Words(language)
    run = report.get("run") or {}
    return {
        "report": report,
        "title": title,
        "lang": language,
        "t": words.t,
        "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "efficiency_rows": [{"k": words.known(f"export.efficiency.{k}", k), "v": v}
                            for k, v in (report.get("efficiency") or {}).items()],
        # The TF-IDF baseline check (core.evaluate.guard): its verdict when the baseline won, else one line.
        **_baseline_check(report.get("baseline_check"), language),
        "run_rows": [_run_row(k, v, words) for k, v in run.items()],
        "figure": _Figures(),
        "cell": _cell,
        "fmt": words.fmt,
        # A headline number's 95 % bootstrap interval under its tile ('' for reports saved before intervals existed).
        "ci": lambda key: interval_text(key, (report.get("intervals") or {}).get(key), language),
    }


def _run_row(key: str, value: Any, words: _Words) -> dict[str, Any]:
    """One run fact: its name (English: the raw key) and value; the task kind in words, settings as JSON."""
    if key == "task" and isinstance(value, dict):
        return {"k": words.known("html_tasks.run.task", key), "v": words.t(f"task.name.{Task.from_dict(value).key}")}
    return {"k": words.known(f"export.run.{key}", key),
            "v": json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value}


def _context(report: dict, language: str) -> dict[str, Any]:
    """What the single-label template prints beyond :func:`_common`, prepared so the template only lays it out."""
    from core.plots import classification_figures, confusion, reliability_figures

    words = _Words(language)
    summary = report["summary"]
    explanations, per_class = report_explanations(report, language=language)
    noun = report.get("dataset_noun", "texts")
    errors = report["errors"][:_MAX_ERRORS_SHOWN]
    pair = Task.from_dict(report.get("task")).pair
    figures = (classification_figures.per_class_f1_figure, classification_figures.roc_figure, classification_figures.pr_figure,
               confusion.confusion_matrix_figure, reliability_figures.reliability_figure,
               reliability_figures.confidence_histogram_figure, reliability_figures.robustness_figure,
               reliability_figures.slice_figure)
    return {
        "summary": summary,
        "explanations": explanations,
        "per_class": per_class,
        "noun": noun if words.english or noun != "texts" else words.t("export.explain.noun_texts"),
        "tile_keys": _TILE_KEYS,
        "metric_name": words.metric_name,
        "metric_rows": [{"name": words.metric_name(k), "value": words.metric_value(k, summary[k]), "ex": explanations.get(k, "")}
                        for k in METRIC_NAMES if k in summary],
        "top_confusions": [{"true": t, "pred": p, "count": c}
                           for t, p, c in report["confusion"]["top_confusions"][:_MAX_CONFUSIONS_SHOWN]],
        "errors": errors,
        # Pairs show both texts and say what kind of data the run was on; plain text pages stay as they were.
        "text_columns": html_tasks.text_columns(errors, language),
        "task_line": html_tasks.task_line(report, language) if pair else "",
        "robustness_rows": words.robustness_rows(report.get("robustness") or []),
        # The figure functions the template calls, by name, wherever core.plots keeps them.
        "figs": SimpleNamespace(**{f.__name__: _with_language(f, language) for f in figures}),
        "format_metric": words.metric_value,
    }


def _baseline_check(check: dict | None, language: str) -> dict[str, Any]:
    """The baseline check's sentences in ``language`` (reports made before they had messages: their English)."""
    verdict = (check or {}).get("verdict")
    if verdict:
        sentence, tips = guard.verdict_texts(verdict)
        verdict = {"sentence": localize(sentence, language), "suggestions": [localize(tip, language) for tip in tips]}
    return {"baseline_verdict": verdict, "baseline_line": localize(guard.summary_message(check), language)}


def report_to_html(report: dict, *, title: str, language: str = DEFAULT_LANGUAGE,
                   predictions: pd.DataFrame | None = None) -> str:
    """One standalone, offline HTML file in ``language`` (a code of core.i18n.LANGUAGES): plotly.js inlined once,
    every user string escaped.  The layout follows the report's task kind (``report["task"]``; none: single-label).

    ``predictions`` (with ``label`` and ``pred``) gives a regression report its scatter; without it the saved
    predictions of the run the report names are read, and the chart is left out when there are none.
    """
    catalogue(language)  # an unknown language fails here, in one sentence, before any rendering
    task = Task.from_dict(report.get("task"))
    context = _common(report, title, language)
    if task.multi_label:
        name, extra = "report_multilabel.html.j2", html_tasks.multilabel_context(report, language)
    elif task.regression:
        name, extra = "report_regression.html.j2", html_tasks.regression_context(report, language, points=predictions)
    elif task.ner:
        from core.evaluate.html_ner import ner_context

        name, extra = "report_ner.html.j2", ner_context(report, language)
    else:
        name, extra = "report.html.j2", _context(report, language)
    if task.multi_label or task.regression:
        # The new kinds' tables have undefined values (a ROC AUC, a slice's Spearman): say 'n/a', not nothing.
        context["cell"] = functools.partial(_cell, missing=translate(language, "export.html.na_value"))
    return _environment().get_template(name).render(**context, **extra)


def run_report_html(run_id: str, *, language: str = DEFAULT_LANGUAGE) -> str:
    """The standalone HTML report of a finished run, titled with its name, in ``language`` (the CLI and the UI's
    download button both use it)."""
    run = store.require_run(run_id)
    title = translate(language, "export.html.title", name=run.name)
    report = results.load_report(run.id)
    # A regression report's scatter reads this run's predictions (its report may not name the run).
    points = html_tasks.saved_points(run.id) if Task.from_dict(report.get("task")).regression else None
    return report_to_html(report, title=title, language=language, predictions=points)


def report_file_name(run_name: str) -> str:
    """``<run name>-report.html``, with only the characters file systems reject removed (Chinese names stay)."""
    name = _UNSAFE_IN_FILE_NAMES.sub("_", run_name).strip(" ._")[:_MAX_NAME_CHARS].strip(" ._")
    return f"{name or 'run'}-report.html"
