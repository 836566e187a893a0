"""Each headline tile of a report shows its 95 % bootstrap interval under it (issue 19 item 1), for single-label
(pairs included), multi-label and regression reports, in English and 简体中文; reports saved before intervals
existed show none and still render.  The reports come from core.evaluate's builders (the real contract).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = str(Path(__file__).resolve().parents[2])
WORDS = {"en": "95% CI ", "zh": "95% 置信区间 "}


def _app(root: str, report: dict, predictions: object) -> None:
    """Script run by AppTest (executed from its source, so it imports what it needs)."""
    import sys

    sys.path.insert(0, root)
    from pages.components.report_view import render_report

    render_report(report, predictions, key="r")


def _run(report: dict, predictions: pd.DataFrame, language: str) -> AppTest:
    at = AppTest.from_function(_app, args=(ROOT, report, predictions), default_timeout=60)
    at.session_state["lang"] = language
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _intervals_shown(at: AppTest, language: str) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith(WORDS[language])]


def _single(pair: bool) -> tuple[dict, pd.DataFrame]:
    from core.evaluate.report import build_report

    rng = np.random.default_rng(0)
    labels = ["ham", "spam", "eggs"]
    true = rng.integers(0, 3, 300)
    pred = np.where(rng.random(300) < 0.8, true, rng.integers(0, 3, 300))
    frame = pd.DataFrame({"row_id": np.arange(300), "text": [f"t {i}" for i in range(300)],
                          "label": [labels[i] for i in true], "pred": [labels[i] for i in pred]})
    if pair:
        frame["text_pair"] = [f"u {i}" for i in range(300)]
    return build_report(frame, labels), frame


def _multilabel() -> tuple[dict, pd.DataFrame]:
    from core.evaluate.report_multilabel import build_multilabel_report

    rng = np.random.default_rng(1)
    labels = ["toxic", "insult", "threat"]
    true = rng.random((200, 3)) < 0.4
    pred = true ^ (rng.random((200, 3)) < 0.15)
    cell = lambda row: "|".join(labels[j] for j in np.flatnonzero(row))  # noqa: E731
    frame = pd.DataFrame({"row_id": np.arange(200), "text": [f"t {i}" for i in range(200)],
                          "label": [cell(r) for r in true], "pred": [cell(r) for r in pred]})
    return build_multilabel_report(frame, labels, None), frame


def _regression() -> tuple[dict, pd.DataFrame]:
    from core.evaluate.report_regression import build_regression_report

    rng = np.random.default_rng(2)
    y = rng.uniform(0, 5, 200)
    frame = pd.DataFrame({"row_id": np.arange(200), "text": [f"t {i}" for i in range(200)], "label": y,
                          "pred": y + rng.normal(0, 0.5, 200)})
    return build_regression_report(frame), frame


KINDS = {"single_label": lambda: _single(False), "pair_single_label": lambda: _single(True),
         "multi_label": _multilabel, "regression": _regression}
TILES_WITH_INTERVALS = {"single_label": 8, "pair_single_label": 8, "multi_label": 5, "regression": 6}


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_headline_tile_shows_its_interval(kind, language):
    report, frame = KINDS[kind]()
    shown = _intervals_shown(_run(report, frame, language), language)
    assert len(shown) == TILES_WITH_INTERVALS[kind], shown
    if language == "zh":
        assert not [text for text in shown if re.search("[A-Za-z]", text)]
    if kind == "single_label":
        low, high = report["intervals"]["accuracy"]["low"], report["intervals"]["accuracy"]["high"]
        assert f"{WORDS[language]}{100 * low:.1f}–{100 * high:.1f}%" in shown


def test_the_interval_says_what_it_means_on_hover():
    report, frame = _single(False)
    at = _run(report, frame, "en")
    caption = next(c for c in at.caption if c.value.startswith(WORDS["en"]))
    assert "1,000 resamples" in caption.help


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_report_saved_before_intervals_existed_shows_none(kind):
    report, frame = KINDS[kind]()
    old = {k: v for k, v in report.items() if k != "intervals"}
    assert _intervals_shown(_run(old, frame, "en"), "en") == []
