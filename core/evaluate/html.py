"""The standalone HTML export of an evaluation report: one offline file a user can mail or archive.

:func:`report_to_html` renders ``templates/report.html.j2`` with Jinja2 (autoescape on, so every label, text,
run name and setting from the user is escaped) and embeds the report's plotly figures, with the plotly.js bundle
inlined once: the file loads nothing from the network.  What each section says comes from the report dict
(:mod:`core.evaluate.report`); this module only decides how it is laid out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from core.evaluate.guard import summary_line
from core.evaluate.report import METRIC_NAMES, format_metric

__all__ = ["report_to_html"]

_TEMPLATES = Path(__file__).with_name("templates")
_TILE_KEYS = ("accuracy", "balanced_accuracy", "f1_macro", "mcc", "cohen_kappa", "log_loss", "ece")
_MAX_ERRORS_SHOWN = 100
_MAX_CONFUSIONS_SHOWN = 20


class Cell(NamedTuple):
    """One table cell as the template prints it: its CSS class ('' for none) and its text."""

    css: str
    text: str


def _cell(value: Any, fmt: str | None) -> Cell:
    """Numbers formatted with ``fmt`` (a format spec) and right-aligned, 'text' wrapped, anything else as text."""
    if fmt and fmt != "text" and isinstance(value, int | float) and not isinstance(value, bool):
        return Cell("num", format(value, fmt))
    text = "" if value is None else str(value)
    return Cell("text", text) if fmt == "text" else Cell("", text)


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


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


def _context(report: dict, title: str) -> dict[str, Any]:
    """Everything the template prints, prepared so the template only lays it out."""
    from core.plots import classification_figures, confusion, reliability_figures

    summary, explanations = report["summary"], report["explanations"]
    run = report.get("run") or {}
    return {
        "report": report,
        "title": title,
        "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "summary": summary,
        "explanations": explanations,
        "noun": report.get("dataset_noun", "texts"),
        "tile_keys": _TILE_KEYS,
        "metric_names": METRIC_NAMES,
        "metric_rows": [{"name": METRIC_NAMES[k], "value": format_metric(k, summary[k]), "ex": explanations.get(k, "")}
                        for k in METRIC_NAMES if k in summary],
        "top_confusions": [{"true": t, "pred": p, "count": c}
                           for t, p, c in report["confusion"]["top_confusions"][:_MAX_CONFUSIONS_SHOWN]],
        "errors": report["errors"][:_MAX_ERRORS_SHOWN],
        "efficiency_rows": [{"k": k, "v": v} for k, v in (report.get("efficiency") or {}).items()],
        # The TF-IDF baseline check (core.evaluate.guard): its verdict when the baseline won, else one line.
        "baseline_verdict": (report.get("baseline_check") or {}).get("verdict"),
        "baseline_line": summary_line(report.get("baseline_check")),
        "run_rows": [{"k": k, "v": json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v}
                     for k, v in run.items()],
        # The figure functions the template calls, by name, wherever core.plots keeps them.
        "figs": SimpleNamespace(**{f.__name__: f for f in (
            classification_figures.per_class_f1_figure, classification_figures.roc_figure, classification_figures.pr_figure,
            confusion.confusion_matrix_figure, reliability_figures.reliability_figure,
            reliability_figures.confidence_histogram_figure, reliability_figures.robustness_figure,
            reliability_figures.slice_figure)}),
        "figure": _Figures(),
        "format_metric": format_metric,
        "cell": _cell,
        "fmt": _fmt,
    }


def report_to_html(report: dict, *, title: str) -> str:
    """One standalone, offline HTML file: plotly.js inlined once, every user string escaped."""
    template = _environment().get_template("report.html.j2")
    return template.render(**_context(report, title))
