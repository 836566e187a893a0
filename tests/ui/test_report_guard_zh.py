"""AppTest: the TF-IDF baseline check of a report in 简体中文 (issue 17, item 1) — core's sentences shown from the
message dicts report.json stores; a report made before they existed keeps its English."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from core.config import RunConfig
from core.evaluate import guard
from pages.components.safe_text import escape_markdown
from tests.conftest import ROOT
from tests.ui.i18n_check import english_leftovers

LOST = {"accuracy": 0.5, "f1_macro": 0.4}
BASE = {"accuracy": 0.8, "f1_macro": 0.7, "fit_seconds": 1.25, "note": "Fitted on a seeded sample of 50,000 of the "
        "80,000 training texts.", "messages": {"note": {"key": "guard.sampled_note",
                                                        "params": {"max_rows": 50_000, "total": 80_000}}}}


def _render(root: str, check: dict | None) -> None:
    """Script run by AppTest (executed from its source, so it imports everything itself)."""
    import sys

    sys.path.insert(0, root)
    import streamlit as st

    from pages.components import report_guard

    st.session_state["lang"] = "zh"
    report_guard.render({"baseline_check": check})


def _run(check: dict) -> AppTest:
    at = AppTest.from_function(_render, args=(str(ROOT), json.loads(json.dumps(check))), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_verdict_its_suggestions_and_the_sampling_note_are_chinese():
    config = RunConfig(model="bert-base-chinese", learning_rate=1e-5, epochs=2, max_length=64, head_lr_multiplier=1.0)
    facts = {"n_classes": 8, "final_train_loss": 2.0, "validation_f1": [0.3, 0.5], "truncated_share": 0.3}
    verdict = guard.baseline_verdict(LOST, BASE, config=config, facts=facts)
    at = _run({"status": "done", "baseline": BASE, "model": LOST, "verdict": verdict})
    (warning,) = [w.value for w in at.warning]
    assert warning.count("\n- ") == 6 and "基线胜过了此模型" in warning and "约 10" in warning
    note = "基线在 80,000 条训练文本中按固定随机种子抽取的 50,000 条上训练。"
    assert [c.value for c in at.caption] == [escape_markdown(note)]
    assert english_leftovers(at) == []


def test_the_model_s_lead_and_a_skipped_check_are_chinese():
    ahead = _run({"status": "done", "baseline": {**BASE, "messages": None, "note": None},
                  "model": {"accuracy": 0.9, "f1_macro": 0.88}, "verdict": None})
    assert not ahead.warning and english_leftovers(ahead) == []
    assert "领先 10\\.\u200b0 个百分点" in ahead.caption[0].value
    skipped = _run(guard.skipped("ValueError: empty vocabulary"))
    assert "已跳过 TF\\-IDF 基线检查" in skipped.caption[0].value
    assert english_leftovers(skipped, data=["ValueError", "empty vocabulary"]) == []


def test_a_report_made_before_the_messages_keeps_its_english_sentences():
    old = {"status": "done", "verdict": {"sentence": "The TF-IDF baseline beat this model.", "suggestions": ["Try more."]}}
    (warning,) = [w.value for w in _run(old).warning]
    assert "baseline beat this model" in warning and "Try more" in warning
