"""Charts with one row or column per class (confusion matrices, per-class bars, class counts) that stay
readable with many classes: every label written at a legible size, the chart sized by the class count,
and -- where only some classes fit -- a stated rule for which ones are drawn.  No plotly import here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.i18n import translate

__all__ = ["PX_PER_CLASS", "class_axis_style", "class_chart_height", "confusion_subset"]

PX_PER_CLASS = 20  # room for one 10-11 px label per class, whatever the number of classes


def class_axis_style(n: int) -> dict[str, Any]:
    """Category-axis settings that write every one of ``n`` class names legibly.

    Plotly drops tick labels it thinks are crowded, so the ticks are listed explicitly; the font
    never goes below 10 px, and callers size the chart with :data:`PX_PER_CLASS` per class instead.
    """
    return {"type": "category", "automargin": True, "tickmode": "linear", "dtick": 1,
            "tickfont": {"size": 11 if n <= 40 else 10}}


def _errors_per_class(counts: np.ndarray) -> np.ndarray:
    """Misclassified test examples each class takes part in: missed (row) plus wrongly predicted (column)."""
    off = counts - np.diag(np.diag(counts))
    return off.sum(axis=1) + off.sum(axis=0)


def confusion_subset(report: dict, max_classes: int = 30, classes: list[str] | None = None, *,
                     language: str = "en") -> tuple[list[int], str]:
    """Indices of the classes to draw and one sentence (in ``language``) saying how they were chosen ('' when all
    are shown).

    ``classes`` (names picked by the user) wins; otherwise the ``max_classes`` classes involved in the
    most errors, ties broken by test frequency -- where the interesting confusions are.
    """
    conf = report["confusion"]
    labels = [str(x) for x in conf["labels"]]
    counts = np.asarray(conf["counts"], dtype=float)
    total = len(labels)
    if classes:
        chosen = [labels.index(c) for c in dict.fromkeys(map(str, classes)) if c in labels]
        if chosen and len(chosen) < total:
            key = "report.classes.picked_one" if len(chosen) == 1 else "report.classes.picked_many"
            return chosen, translate(language, key, n=len(chosen), total=total)
        if chosen:
            return chosen, ""
    if total <= max_classes:
        return list(range(total)), ""
    errors, support = _errors_per_class(counts), counts.sum(axis=1)
    ranked = sorted(range(total), key=lambda i: (-errors[i], -support[i], i))
    return ranked[:max_classes], translate(language, "report.classes.most_errors", n=max_classes, total=total)


def class_chart_height(n: int, *, per_class: int = PX_PER_CLASS, extra: int = 140, minimum: int = 300) -> int:
    """Pixel height of a chart with one row (or row group) per class: ``per_class`` pixels each."""
    return int(max(minimum, extra + per_class * n))
