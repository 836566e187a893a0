"""AppTest: the run report shows the TF-IDF baseline check (issue 16, item 4) — a warning with suggestions when the
baseline beat the model, one caption when the model won."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, train_tiny_in

APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report-guard-home")


@pytest.fixture(scope="module")
def run_id(module_home: Path, models_dir: Path) -> str:
    """A tiny random model trained 10 steps: TF-IDF beats it on the separable generated data."""
    return train_tiny_in(module_home, models_dir, rows=200)


def test_the_runs_page_warns_when_the_baseline_beat_the_model(module_home, run_id, monkeypatch):
    monkeypatch.setenv("TUNEBOARD_HOME", str(module_home))
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/runs.py")
    at.query_params["run"] = run_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (warning,) = [w.value for w in at.warning if "baseline beat this model" in w.value]
    assert "TF\\-IDF baseline beat this model on this split" in warning  # Markdown-escaped, shown literally
    assert "\n- " in warning and "Try the Auto preset" in warning  # the suggestions as a bullet list


def _render(root: str, check: dict | None) -> None:
    """Script run by AppTest (executed from its source, so it imports everything itself)."""
    import sys

    sys.path.insert(0, root)
    from pages.components import report_guard

    report_guard.render({"baseline_check": check})


def _run(check: dict | None) -> AppTest:
    at = AppTest.from_function(_render, args=(str(ROOT), check), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_model_ahead_of_the_baseline_gets_one_caption_and_no_warning():
    check = {"status": "done", "verdict": None, "baseline": {"accuracy": 0.8, "f1_macro": 0.75, "fit_seconds": 1.25},
             "model": {"accuracy": 0.9, "f1_macro": 0.88}}
    at = _run(check)
    assert not at.warning
    (caption,) = [c.value for c in at.caption]
    assert "accuracy 80" in caption and "1\\.\u200b2 s" in caption and "ahead by 10" in caption


def test_a_verdict_from_user_text_stays_text_and_old_reports_show_nothing():
    check = {"status": "done", "verdict": {"sentence": "The TF-IDF baseline beat [x](http://evil) model.",
                                           "suggestions": ["Use <b>bold</b>.", "Try the Auto preset."]}}
    (warning,) = [w.value for w in _run(check).warning]
    assert "[x](http" not in warning and "\\[x\\]" in warning and "<b>" not in warning
    assert warning.count("\n- ") == 2
    empty = _run(None)
    assert not empty.warning and not empty.caption
    skipped = _run({"status": "skipped", "reason": "ValueError: empty vocabulary", "verdict": None})
    assert "skipped" in skipped.caption[0].value
