"""The report's fixed words in the interface language: chart texts, summary metric names and robustness
perturbations (names and descriptions), from the catalogue sections ``report.*`` (see :mod:`core.i18n`).

The report itself stores English keys and sentences (``"accuracy"``, ``"typos"``, core's description of a
perturbation); these functions turn those closed vocabularies into the chosen language when drawn.  In
English they give back exactly the words the report has always shown.
"""

from __future__ import annotations

from core.i18n import catalogue, translate

__all__ = ["chart_text", "metric_name", "perturbation_description", "perturbation_name"]


def chart_text(language: str, key: str, /, **params: object) -> str:
    """Text ``report.chart.<key>`` in ``language``, ``params`` filled in."""
    return translate(language, f"report.chart.{key}", **params)


def metric_name(language: str, key: str) -> str:
    """Display name of summary metric ``key`` (a key of ``METRIC_NAMES``); unknown keys as they are."""
    name = f"report.metric.{key}"
    return translate(language, name) if name in catalogue("en") else key


def perturbation_name(language: str, name: str) -> str:
    """Display name of robustness perturbation ``name``; an unknown one (older report) as it is."""
    key = f"report.perturbation.{name}.name"
    return translate(language, key) if key in catalogue("en") else name


def perturbation_description(language: str, name: str, description: str) -> str:
    """``description`` of perturbation ``name`` in ``language`` when it is one of core's own descriptions.

    A perturbation can have two (``strip_punctuation``: one for alphabetic, one for CJK text), so the
    stored sentence says which: the English catalogue holds core's sentences word for word (tested; core.plots
    may not import core.evaluate).  Any other sentence (an older report's) is returned unchanged.
    """
    english = catalogue("en")
    for kind in ("help", "help_cjk"):
        key = f"report.perturbation.{name}.{kind}"
        if english.get(key) == description:
            return translate(language, key)
    return description
