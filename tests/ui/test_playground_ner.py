"""The Playground for a named-entity (NER) run (issue 21 item 4): typed text with its entities highlighted in place
(escaped: user text is never HTML), a legend and a table of entities; the batch tab's entity columns and downloads;
the Runs page's export panel (token-classification code, int8 hidden with a sentence); one case in 简体中文.
The run is trained once for the module (tiny-random-bert, through the CLI and the worker)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import store
from core.serve import predict
from pages.components import playground_ner
from tests.conftest import ROOT
from tests.integration.test_ner_serving import train_ner_run
from tests.ui.i18n_check import english_leftovers

APP = str(ROOT / "app.py")
HOSTILE = "<b>Hi</b> & co met Maria Pemberly in Quarry Point <script>alert(1)</script>"


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("playground-ner-home")


@pytest.fixture(scope="module")
def ner_run(module_home: Path, models_dir: Path) -> str:
    return train_ner_run(module_home, models_dir)


@pytest.fixture
def home(module_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUNEBOARD_HOME", str(module_home))
    return module_home


def _playground(run_id: str, language: str = "en", **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = language
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.query_params["run"] = run_id
    at.switch_page("pages/playground.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="pg_run").value == run_id
    return at


def _find(at: AppTest, text: str) -> AppTest:
    at.text_area(key=playground_ner.TEXT_KEY).set_value(text)
    at.button(key="pg_ner_find").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_typed_text_is_highlighted_escaped_with_a_legend_and_an_entity_table(home, ner_run):
    at = _playground(ner_run)
    assert any("named entities" in c.value and "entity F1" in c.value for c in at.caption)
    assert [a.label for a in at.text_area] == ["Texts to tag (one per line)"]
    assert any("press Find entities" in c.value for c in at.caption)
    _find(at, HOSTILE)
    shown = [h.value for h in at.html]
    assert shown[0].startswith("<div") and "Entity types:" in shown[0]
    for type_ in ("LOC", "MISC", "ORG", "PER"):
        assert f">{type_}<" in shown[0]
    line = shown[1]
    # Every piece of the typed text is escaped: no tag of the user's reaches the page as HTML.
    # (The random tiny model may put any word, even "b" or "&", in a chip: the check holds wherever they land.)
    assert "<b>" not in line and "<script>" not in line and "</b>" not in line
    assert all(re.match(r"</?(div|span)[ >]", line[i:]) for i in range(len(line)) if line[i] == "<"), line
    assert line.count("&lt;") == HOSTILE.count("<") and line.count("&gt;") == HOSTILE.count(">")
    assert "&amp;" in line and " & " not in line
    assert "<b>" not in "".join(m.value for m in at.markdown)
    table = next(d.value for d in at.dataframe)
    assert table.columns.tolist() == ["entity", "type", "score", "start", "end"]
    assert len(table) and all(HOSTILE[s:e] == x for x, s, e in zip(table["entity"], table["start"], table["end"],
                                                                    strict=True))
    assert any("lowest probability" in c.value for c in at.caption)


def test_highlight_html_escapes_every_piece():
    text = "<b>Hi</b> & co"
    entities = [{"type": "<i>T</i>", "start": 0, "end": 9, "text": "<b>Hi</b>", "score": 0.5}]
    out = playground_ner.highlight_html(text, entities, ["<i>T</i>"])
    assert "<b>" not in out and "<i>" not in out
    assert "&lt;b&gt;Hi&lt;/b&gt;" in out and "&lt;i&gt;T&lt;/i&gt; 50%" in out and " &amp; co" in out


def test_examples_fill_the_box_and_several_lines_get_a_line_column(home, ner_run):
    at = _playground(ner_run)
    at.button(key="pg_ner_examples").click().run()
    assert at.text_area(key=playground_ner.TEXT_KEY).value == "\n".join(playground_ner.EXAMPLES)
    at.button(key="pg_ner_find").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.html) == 1 + len(playground_ner.EXAMPLES)  # the legend, then one line per text
    assert next(d.value for d in at.dataframe).columns.tolist()[0] == "line"


def test_batch_tab_shows_entity_columns_and_offers_jsonl(home, ner_run):
    df = pd.DataFrame({"id": [1, 2], "text": ["Maria Pemberly visited Quarry Point.", "=cmd said"]})
    job_id = predict.start_job(ner_run, df, "text", source_name="news.csv")
    deadline = time.time() + 180
    while predict.job_progress(job_id)["state"] in {"queued", "running"} and time.time() < deadline:
        time.sleep(0.5)
    assert predict.job_progress(job_id)["state"] == "completed"
    at = _playground(ner_run, pg_batch_job=job_id)
    result = next(d.value for d in at.dataframe if "id" in d.value.columns)
    assert result.columns.tolist() == ["id", "text", "entities in words", "entities"]
    labels = [b.label for b in at.get("download_button")]
    assert {"Download CSV", "Download JSON lines"} <= set(labels), labels
    assert any("`entities`" in c.value and "`entities_text`" in c.value for c in at.caption)
    assert any("Found the entities of 2 rows of news.csv" in s.value for s in at.success)


def test_playground_in_chinese(home, ner_run):
    run = store.require_run(ner_run)
    data = [f"{run.name} · {run.id}", run.name, run.id, "news_entities", "tiny-random-bert", "LOC", "MISC", "ORG", "PER"]
    at = _playground(ner_run, "zh")
    assert english_leftovers(at, data=data) == []
    _find(at, HOSTILE)
    assert [a.label for a in at.text_area] == ["要标注的文本（每行一条）"]
    assert "实体类型：" in at.html[0].value
    assert next(d.value for d in at.dataframe).columns.tolist() == ["实体", "类型", "分数", "起始", "结束"]
    highlighted = [h.value for h in at.html]  # the user's text in our chips (style attributes are not words)
    entities = next(d.value for d in at.dataframe)["实体"].tolist()
    assert english_leftovers(at, data=[*data, HOSTILE, *highlighted, *entities]) == []


def _panel(root: str, run_id: str) -> None:
    import sys

    sys.path.insert(0, root)
    from core import store
    from pages.components import export_panel

    export_panel.render(store.require_run(run_id))


def test_export_panel_of_a_ner_run(home, ner_run):
    at = AppTest.from_function(_panel, args=(str(ROOT), ner_run), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    snippet, card = at.code[0].value, at.code[1].value
    assert 'pipeline("token-classification", model="model", aggregation_strategy="first")' in snippet
    assert "pipeline_tag: token-classification" in card and "| LOC |" in card
    assert any("named-entity recognition" in c.value for c in at.caption)
    assert any("single-text, single-label runs only" in c.value for c in at.caption)  # int8: one sentence, no button
    assert not [b for b in at.button if "int8" in b.label]
    assert [b.label for b in at.get("download_button")] == ["Download model (zip, Hugging Face format)"]
