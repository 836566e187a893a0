"""What the standalone HTML report (:mod:`core.evaluate.html`) prints for a named-entity run.

Turns a NER report dict (:mod:`core.evaluate.report_ner`) into the values ``templates/report_ner.html.j2`` lays out:
headline tiles (entity F1, precision, recall, macro F1 with their 95 % intervals), token accuracy as a secondary line,
the per-type table, the type-confusion and outcome charts of :mod:`core.plots.ner_report_figures`, and the sentences
with mistakes — each shown twice, true entities then predicted ones, every entity's words marked with its type.
The words are the app's (catalogue ``ner_report.*``).  Every value stays plain text: the template's autoescape
escapes it, so a sentence holding ``<script>`` prints as text.
"""

from __future__ import annotations

from typing import Any

from core.evaluate.html_tasks import MAX_ERRORS_SHOWN, Tile, capitalized, sentences
from core.evaluate.intervals import interval_text
from core.i18n import translate

__all__ = ["marked_parts", "ner_context"]

_TILES = ("f1", "precision", "recall", "f1_macro")


def marked_parts(words: list[str], spans: list[list[Any]]) -> list[dict[str, Any]]:
    """A sentence as parts to print: plain runs of words, and entities (their words, type and confidence if any)."""
    parts: list[dict[str, Any]] = []
    position = 0
    for span in sorted(spans, key=lambda s: (s[1], s[2])):
        type_, start, end = span[0], int(span[1]), int(span[2])
        if start < position:  # overlapping spans cannot come from BIO tags; keep the first
            continue
        if start > position:
            parts.append({"text": " ".join(words[position:start])})
        score = span[3] if len(span) > 3 else None
        parts.append({"text": " ".join(words[start:end]), "type": type_,
                      "score": None if score is None else f"{100 * float(score):.0f}%"})
        position = end
    if position < len(words):
        parts.append({"text": " ".join(words[position:])})
    return parts


def _tiles(report: dict, language: str) -> list[Tile]:
    summary = report["summary"]
    t = lambda key, /, **p: translate(language, key, **p)  # noqa: E731
    return [Tile(t(f"ner_report.metric.{m}"), f"{100 * summary[m]:.1f}%", t(f"ner_report.explain.{m}"),
                 interval_text(m, (report.get("intervals") or {}).get(m), language))
            for m in _TILES if summary.get(m) is not None]


def ner_context(report: dict, language: str) -> dict[str, Any]:
    """The values ``report_ner.html.j2`` prints for a NER report, in ``language``."""
    from core.plots import ner_report_figures

    summary = report["summary"]
    errors = (report.get("errors") or [])[:MAX_ERRORS_SHOWN]
    t = lambda key, /, **p: translate(language, key, **p)  # noqa: E731
    kind = lambda k: t(f"ner_report.kind.{k}")  # noqa: E731
    return {
        "col": capitalized(language),
        "counts": t("ner_report.counts", sentences=f"{summary.get('n_sentences', 0):,}",
                    entities=f"{summary.get('n_entities', 0):,}", predicted=f"{summary.get('n_predicted', 0):,}"),
        "rule": t("ner_report.rule"),
        "tiles": _tiles(report, language),
        "token_accuracy": sentences(language, t("ner_report.token_accuracy",
                                                value=f"{100 * summary.get('token_accuracy', 0):.1f}%"),
                                    t("ner_report.explain.token_accuracy")),
        "baseline": _baseline_line(report, language),
        "per_type": report.get("per_type") or [],
        "confusion_figure": ner_report_figures.type_confusion_figure(report, language=language),
        "outcomes_figure": ner_report_figures.outcomes_figure(report, language=language),
        "errors": [{"row": row.get("row_id"), "kinds": t("ner_report.errors.joiner").join(kind(k) for k in row.get("kinds", [])),
                    "gold": marked_parts(row["words"], row.get("gold", [])),
                    "pred": marked_parts(row["words"], row.get("pred", []))} for row in errors],
    }


def _baseline_line(report: dict, language: str) -> str:
    from core.evaluate.report_ner import baseline_verdict

    verdict = baseline_verdict(report)
    return "" if verdict is None else verdict.in_language(language)
