"""The Compare page with named-entity runs (issue 21, "comparison as for classification"): the paired test of entity
F1 over the shared sentences above the tabs, the entity metric table, the summary with 95 % intervals, F1 per entity
type side by side, and the leaderboard ranked by entity F1 — in English and in 简体中文.  Runs are made without
training (tests/ner_runs.py)."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from core.compare import loading, significance
from pages.components.compare_ner import entity_text
from pages.components.compare_view import plain
from tests.conftest import ROOT
from tests.ner_runs import TYPES, WORDS, fake_ner_run
from tests.ui.i18n_check import english_leftovers


def _compare(runs: list[str], *, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    if lang:
        at.session_state["lang"] = lang
    at.session_state["compare_runs"] = runs
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _said(at: AppTest) -> list[str]:
    return [i.value for i in at.info if i.icon == ":material/balance:"]


def _tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def _with_index(at: AppTest, name: str):
    """The first table whose index is named ``name`` (AppTest does not keep st.dataframe keys)."""
    return next(frame for frame in _tables(at) if frame.index.name == name)


def test_two_ner_runs_side_by_side_with_a_paired_test():
    a = fake_ner_run(name="weak tagger", quality=0.3, seed=1, n_sentences=120)
    b = fake_ner_run(name="strong tagger", quality=0.95, seed=2, n_sentences=120)
    at = _compare([a.id, b.id])
    pair = significance.compare_pair(a, b, names=loading.run_labels([a, b]))
    assert _said(at) == [plain(pair.sentence.in_language("en"))]
    assert _said(at)[0].startswith("strong tagger") and "entity F1" in _said(at)[0]
    assert "unlikely to be chance" in _said(at)[0]
    (more,) = [e for e in at.expander if e.label == "More paired tests"]
    # A TF-IDF classifier cannot tag words (each NER report has its lookup baseline): not offered for NER runs.
    assert not [e for e in at.expander if "classical baseline" in e.label]
    assert "sentences only one of the two runs gets entirely right" in more.caption[0].value
    assert "share of fully right sentences" in more.markdown[0].value
    tabs = [t.label for t in at.tabs]
    assert {"Entity summary", "Per entity type", "Metrics"} <= set(tabs) and "Confusion" not in " ".join(tabs)
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text") for c in at.get("plotly_chart")]
    assert "F1 per entity type" in titles and "F1 per class" not in titles
    metrics = next(f for f in _tables(at) if "Entity F1 (micro)" in f.index)
    assert list(metrics.index) == ["Entity F1 (micro)", "Entity precision (micro)", "Entity recall (micro)",
                                   "F1 (macro)", "Token accuracy"]
    summary = _with_index(at, "Run")
    assert list(summary.index) == ["weak tagger", "strong tagger"]
    cell = summary.loc["strong tagger", "Entity F1 (micro)"]
    assert cell.startswith(f"{100 * b.final_metrics['f1']:.1f}%") and "–" in cell and cell.endswith("%)")
    per_type = _with_index(at, "Entity type")
    assert list(per_type.index) == ["LOC", "ORG", "PER"] and list(per_type.columns) == ["weak tagger", "strong tagger"]
    differ = next(f for f in _tables(at) if "true entities" in f.columns)
    assert {"sentence", "entities: weak tagger", "entities: strong tagger", "runs right"} <= set(differ.columns)
    first = differ.iloc[0]
    assert first["true entities"] == entity_text(first["sentence"], _gold(a, int(first["row_id"])))


def _gold(run, row_id: int) -> str:
    frame = loading.load_predictions(run.id)
    return str(frame.loc[frame["row_id"] == row_id, "label"].iloc[0])


def test_entity_text_writes_each_entity_with_its_type():
    assert entity_text("Maria Pemberly told Oslo", "B-PER I-PER O B-LOC") == "Maria Pemberly (PER) · Oslo (LOC)"
    assert entity_text("told them", "O O") == "–"
    assert entity_text("two words", "O") == "O"  # a tag count that does not fit: the tags as they are


def test_leaderboard_ranks_ner_runs_by_entity_f1():
    fake_ner_run(name="weak tagger", quality=0.3, seed=1)
    fake_ner_run(name="strong tagger", quality=0.95, seed=2)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/compare.py").run()
    at.segmented_control(key="compare_view_mode").set_value("Leaderboard").run()
    assert not at.exception, [e.value for e in at.exception]
    (board,) = [f for f in _tables(at) if "Entity F1 (micro)" in f.columns]
    assert list(board["run"]) == ["strong tagger", "weak tagger"]
    options = at.selectbox(key="leaderboard_metric").options
    assert {"Entity F1 (micro)", "Token accuracy"} <= set(options)


def test_ner_compare_in_chinese():
    a = fake_ner_run(name="A", quality=0.4, seed=1, n_sentences=80)
    b = fake_ner_run(name="B", quality=0.9, seed=2, n_sentences=80)
    at = _compare([a.id, b.id], lang="zh")
    said = _said(at)
    assert len(said) == 1 and "实体 F1" in said[0]
    tabs = [t.label for t in at.tabs]
    assert "实体概要" in tabs and "各实体类型" in tabs
    assert list(_with_index(at, "实体类型").index) == ["LOC", "ORG", "PER"]
    data = ["A", "B", a.id, b.id, "ds-ner", "tiny-random-bert", *TYPES, *(w for ws in WORDS.values() for w in ws),
            "NER"]  # the task's name keeps its acronym: 命名实体识别（NER）
    assert english_leftovers(at, data=data) == []
