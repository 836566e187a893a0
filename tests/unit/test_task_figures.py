"""The multi-label and regression report charts (core/plots/task_figures.py) build from report dicts laid out as
issue 18's brief says, in both languages, and fall back to a 'not available' figure for a missing section."""

from __future__ import annotations

import numpy as np
import pytest

from core.plots import task_figures
from core.plots.fonts import FONT_FAMILY


def multilabel_report(labels: list[str]) -> dict:
    """A multi-label report with the brief's keys (numbers made up, shapes right)."""
    k = len(labels)
    counts = [[(10 + i if i == j else (i + j) % 4) for j in range(k)] for i in range(k)]
    return {
        "task": {"target": "multi_label", "pair": False},
        "labels": labels,
        "per_label": [{"label": name, "precision": 0.5 + i / (4 * k), "recall": 0.6, "f1": i / k, "support": 10 + i,
                       "predicted": 9 + i, "threshold": 0.4, "roc_auc": None if i == 0 else 0.8}
                      for i, name in enumerate(labels)],
        "cooccurrence": {"labels": labels, "counts": counts},
    }


def regression_report() -> dict:
    return {
        "task": {"target": "regression", "pair": True},
        "by_range": [{"range": "0.0–1.0", "low": 0.0, "high": 1.0, "n": 20, "mae": 0.4, "mean_residual": 0.3},
                     {"range": "1.0–3.0", "low": 1.0, "high": 3.0, "n": 21, "mae": 0.6, "mean_residual": -0.2},
                     {"range": "3.0–5.0", "low": 3.0, "high": 5.0, "n": 19, "mae": 0.9, "mean_residual": -0.7}],
    }


def _fonted(fig) -> None:
    assert fig.layout.font.family == FONT_FAMILY


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("k", [3, 25])
def test_per_label_f1_has_one_bar_per_label_and_grows_with_them(language, k):
    labels = [f"label_{i}" for i in range(k)]
    fig = task_figures.per_label_f1_figure(multilabel_report(labels), language=language)
    _fonted(fig)
    (bars,) = fig.data
    assert bars.type == "bar" and len(bars.y) == k and set(bars.y) == set(labels)
    assert list(bars.x) == sorted(bars.x, reverse=True)  # worst at the top (plotly draws bottom-up)
    small = task_figures.per_label_f1_figure(multilabel_report(labels[:3]), language=language)
    assert fig.layout.height >= small.layout.height
    assert ("标签" in fig.layout.yaxis.title.text) == (language == "zh")


def test_cooccurrence_heatmap_keeps_the_most_frequent_labels():
    labels = [f"l{i:02d}" for i in range(50)]
    fig = task_figures.cooccurrence_figure(multilabel_report(labels), language="en", max_labels=10)
    _fonted(fig)
    (heat,) = fig.data
    assert heat.type == "heatmap" and len(heat.x) == 10 == len(heat.y)
    assert set(heat.x) == {f"l{i:02d}" for i in range(40, 50)}  # the diagonal (label count) grows with i
    assert "10 most frequent of 50" in fig.layout.title.text
    full = task_figures.cooccurrence_figure(multilabel_report(labels[:4]), language="zh")
    assert np.asarray(full.data[0].z).shape == (4, 4) and "同时出现" in full.layout.title.text


def test_scatter_draws_the_diagonal_and_at_most_max_points():
    rng = np.random.default_rng(0)
    true = rng.normal(3, 1, 12_000)
    pred = true + rng.normal(0, 0.3, true.size)
    fig = task_figures.scatter_figure(true, pred, language="en")
    _fonted(fig)
    diagonal, points = fig.data
    assert list(diagonal.x) == list(diagonal.y) and len(diagonal.x) == 2  # y = x across the whole range
    assert diagonal.x[0] <= min(true.min(), pred.min()) and diagonal.x[1] >= max(true.max(), pred.max())
    assert len(points.x) == task_figures.MAX_POINTS
    assert "5,000 of 12,000" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "True value" and fig.layout.yaxis.title.text == "Predicted value"
    again = task_figures.scatter_figure(true, pred, language="zh")
    assert list(again.data[1].x) == list(points.x)  # a fixed seed: the same points on every rerun
    assert again.layout.xaxis.title.text == "真实值"


def test_sample_points_drops_missing_pairs_and_keeps_small_sets_whole():
    true, pred = task_figures.sample_points([1.0, np.nan, 3.0], [1.5, 2.0, np.inf])
    assert true.tolist() == [1.0] and pred.tolist() == [1.5]
    x, y = task_figures.sample_points(np.arange(10.0), np.arange(10.0) * 2, max_points=4, seed=1)
    assert len(x) == 4 and (y == 2 * x).all() and (np.diff(x) > 0).all()  # pairs kept together, in row order
    with pytest.raises(ValueError):
        task_figures.sample_points([1.0, 2.0], [1.0])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_by_range_shows_mae_and_mean_residual_per_range(language):
    fig = task_figures.by_range_figure(regression_report(), language=language)
    _fonted(fig)
    mae, residual = fig.data
    assert list(mae.x) == ["0.0–1.0", "1.0–3.0", "3.0–5.0"] == list(residual.x)
    assert list(mae.y) == [0.4, 0.6, 0.9] and list(residual.y) == [0.3, -0.2, -0.7]
    assert fig.layout.barmode == "group"


@pytest.mark.parametrize("draw", [task_figures.per_label_f1_figure, task_figures.cooccurrence_figure,
                                  task_figures.by_range_figure])
def test_a_missing_section_gives_a_figure_that_says_so(draw):
    fig = draw({}, language="zh")
    _fonted(fig)
    assert fig.layout.annotations[0].text == "此运行没有这项结果。"
    empty = task_figures.scatter_figure([], [], language="en")
    assert empty.layout.annotations[0].text == "Not available for this run."
