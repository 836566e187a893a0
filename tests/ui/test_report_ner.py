"""The report of a named-entity run (issue 21, item 3) on the Runs page and as a component, in English and 简体中文:
headline tiles with 95 % intervals, per-type table, type-confusion heatmap with missed/spurious set apart, outcome
breakdown, and the error list with escaped entity chips, filters and pages.  The runs are made without training
(tests/ner_runs.py: a store row, predictions and a report.json in the brief's layout).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core import results
from core.plots import ner_report_figures
from pages.components.report_ner_errors import PAGE_SIZE, filter_errors, sentence_html
from tests.ner_runs import TYPES, WORDS, fake_ner_run
from tests.ui.i18n_check import _figure_texts, _walk, english_leftovers, english_words

ROOT = str(Path(__file__).resolve().parents[2])
APP = str(Path(ROOT) / "app.py")


def _app(root: str, report: dict) -> None:
    """Script run by AppTest (executed from its source, so it imports what it needs)."""
    import sys

    sys.path.insert(0, root)
    from pages.components.report_view import render_report

    render_report(report, None, key="r")


def _component(report: dict, language: str = "en") -> AppTest:
    at = AppTest.from_function(_app, args=(ROOT, report), default_timeout=60)
    at.session_state["lang"] = language
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _html(at: AppTest) -> str:
    return "".join(h.proto.body for h in at.html)


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(node.proto.spec) for node in _walk(at._tree)
            if getattr(getattr(node, "proto", None), "DESCRIPTOR", None) is not None
            and node.proto.DESCRIPTOR.name == "PlotlyChart"]


def test_runs_page_draws_the_entity_report_of_a_ner_run():
    run = fake_ner_run(name="ner demo", quality=0.7, seed=3, n_sentences=80)
    report = results.load_report(run.id)
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/runs.py")
    at.query_params["run"] = run.id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [tab.label for tab in at.tabs]
    assert {"Overview", "Types and boundaries", "Errors", "Efficiency"} <= set(labels)
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Entity F1"] == f"{100 * report['summary']['f1']:.1f}%"
    assert {"Entity precision", "Entity recall", "Entity F1 (macro)"} <= set(tiles)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("95% CI ") for c in captions)
    assert any(c.startswith("Token accuracy (secondary): ") for c in captions)
    assert any("both its words and its type match" in i.value for i in at.info)
    per_type = next(d.value for d in at.dataframe if "Entity type" in d.value.columns)
    assert list(per_type["Entity type"]) == list(TYPES)
    assert {"Precision", "Recall", "F1", "True entities", "Predicted"} <= set(per_type.columns)


def test_component_charts_set_missed_and_spurious_apart():
    run = fake_ner_run(quality=0.5, seed=4)
    report = results.load_report(run.id)
    at = _component(report)
    specs = _charts(at)
    heatmaps = [tr for spec in specs for tr in spec["data"] if tr["type"] == "heatmap"]
    assert [h["colorscale"][-1][1] != heatmaps[0]["colorscale"][-1][1] for h in heatmaps[1:]] == [True]
    assert "(missed)" in heatmaps[0]["x"] and "(no true entity)" in heatmaps[0]["y"]
    bars = [tr["name"] for spec in specs for tr in spec["data"] if tr["type"] == "bar"]
    assert bars == ["Right", "Wrong type", "Wrong boundaries", "Wrong type and boundaries", "Missed"]
    outcome_table = next(d.value for d in at.dataframe if "Missed" in d.value.columns)
    assert outcome_table["Right"].sum() + outcome_table["Missed"].sum() <= report["summary"]["n_entities"]


def test_error_list_escapes_words_filters_and_pages():
    run = fake_ner_run(quality=0.4, seed=5, n_sentences=120)
    report = results.load_report(run.id)
    report["errors"][0]["words"][0] = "<script>alert(1)</script>"
    at = _component(report)
    body = _html(at)
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body or "<b>bold</b>" not in body
    assert len(at.html) == PAGE_SIZE and "true" in body and "predicted" in body
    assert any(c.value.startswith(f"Sentences 1–{PAGE_SIZE} of {len(report['errors'])}") for c in at.caption)
    at.number_input(key="r-ner-page").set_value(2).run()
    assert any(c.value.startswith(f"Sentences {PAGE_SIZE + 1}–") for c in at.caption)
    at.multiselect(key="r-ner-kinds").set_value(["missed"]).run()
    wanted = filter_errors(report["errors"], ["missed"], [])
    assert any(c.value.endswith(f"of {len(wanted)}") for c in at.caption)
    assert all("missed" in e["kinds"] for e in wanted) and len(wanted) < len(report["errors"])


def test_sentence_html_escapes_every_word_and_type_and_marks_entities():
    words = ["Maria", "<img src=x onerror=alert(1)>", "told", "Acme"]
    html_line = sentence_html(words, [["PER", 0, 2, 0.931], ["<b>", 3, 4, None], ["LOC", 9, 12]], caption="predicted",
                              types=["PER", "<b>"])
    assert "<img" not in html_line and "&lt;img src=x onerror=alert(1)&gt;" in html_line
    assert "&lt;b&gt;" in html_line and "<b>" not in html_line
    assert "PER 93%" in html_line and html_line.count("border-radius") == 2  # the out-of-range span is left out


def test_no_errors_and_no_entities_say_so():
    run = fake_ner_run(quality=1.0, seed=6, n_sentences=20)
    report = results.load_report(run.id)
    assert report["errors"] == []
    at = _component(report)
    assert any(s.value == "Every test sentence was entirely right." for s in at.success)
    empty = {**report, "per_type": [], "confusion": None, "outcomes": None, "errors": []}
    at = _component(empty)
    assert any("has no entities" in i.value for i in at.info)
    fig = ner_report_figures.type_confusion_figure(empty)
    assert fig.layout.title.text


def test_report_in_chinese_has_no_english_left():
    run = fake_ner_run(quality=0.6, seed=7, n_sentences=60)
    report = results.load_report(run.id)
    at = _component(report, "zh")
    data = [*TYPES, *(w for words in WORDS.values() for w in words), "B-PER", "I-PER"]
    charts = [x for spec in _charts(at) for x in _figure_texts(spec)]
    columns = {str(c) for d in at.dataframe for c in d.value.columns}
    # The chips' HTML is judged on its visible text (the tags and inline styles are ours, not words on the page).
    shown = [html.unescape(re.sub(r"<[^>]+>", " ", h.proto.body)) for h in at.html]
    found = [(where, x) for where, x in english_leftovers(at, data=data) if where != "Html.body"]
    found += [(w, x) for x in [*charts, *columns, *shown] for w in [x] if english_words(x, data)]
    assert found == []
    assert "实体 F1" in {m.label for m in at.metric}


def test_the_report_builders_own_report_renders():
    """The same view draws what core.evaluate.report_ner writes (not only the hand-built reports above)."""
    from core.evaluate.report_ner import build_ner_report

    run = fake_ner_run(quality=0.6, seed=8, n_sentences=50)
    report = build_ner_report(results.load_predictions(run.id), run_info={"id": run.id, "name": "built"})
    at = _component(json.loads(json.dumps(report)))
    assert {m.label for m in at.metric} >= {"Entity F1", "Entity precision", "Entity recall"}
    assert len(at.html) == min(PAGE_SIZE, len(report["errors"])) > 0
    assert any(c.value.startswith("95% CI ") for c in at.caption)
