"""The Playground page (typing texts, test examples, explanations, batch results) and the Runs page's export panel."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.serve import predict, quantize
from tests.conftest import ROOT, train_tiny_in

APP = str(ROOT / "app.py")
TEXTS = "Texts to classify (one per line)"


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("playground-home")


@pytest.fixture(scope="module")
def run_id(module_home: Path, models_dir: Path) -> str:
    """One tiny completed run for the whole module."""
    return train_tiny_in(module_home, models_dir, rows=200, name="tiny <b>run</b>")


@pytest.fixture
def home(module_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUNEBOARD_HOME", str(module_home))
    return module_home


def _playground(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("pages/playground.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    """The first table showing ``column`` (AppTest does not expose dataframe keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _text_area(at: AppTest):
    return next(t for t in at.text_area if t.label == TEXTS)


def test_without_runs_the_page_says_what_to_do():
    at = _playground()
    assert "No finished model yet" in at.info[0].value


def test_typing_a_sentence_shows_probabilities_and_an_explanation(home, run_id):
    at = _playground()
    assert at.selectbox(key="pg_run").value == run_id
    _text_area(at).set_value("a gripping, beautifully acted <script>alert(1)</script> story")
    next(b for b in at.button if b.label == "Classify").click().run()
    assert not at.exception, [e.value for e in at.exception]
    predicted = at.metric[0].value
    assert predicted in {"negative", "positive"}
    probs = _frame(at, "probability")
    assert set(probs["class"]) == {"negative", "positive"}
    assert abs(probs["probability"].sum() - 1) < 1e-5 and probs["probability"].iloc[0] == probs["probability"].max()
    influence = _frame(at, "influence")
    assert len(influence) > 0 and set(influence["word"]) <= {"a", "gripping,", "beautifully", "acted", "<script>alert(1)</script>", "story"}
    highlighted = next(m.value for m in at.markdown if "gripping" in m.value)
    assert "<script>" not in highlighted and "\\<script\\>" in highlighted


def test_several_lines_and_test_examples(home, run_id):
    at = _playground()
    at.button(key="pg_examples").click().run()
    lines = _text_area(at).value.splitlines()
    assert len(lines) == 5
    summary = _frame(at, "predicted")
    assert len(summary) == 5 and "true label" in summary.columns  # test examples show their real class
    at.selectbox(key="pg_pick").set_value(3).run()
    assert not at.exception
    _text_area(at).set_value("my own text\n\nanother one").run()
    summary = _frame(at, "predicted")
    assert summary["text"].tolist() == ["my own text", "another one"] and "true label" not in summary.columns


def test_batch_tab_shows_a_finished_job_with_downloads(home, run_id):
    job_id = predict.start_job(run_id, pd.DataFrame({"body": ["fine", "=1+2", "awful"]}), "body", source_name="mine.csv")
    deadline = time.time() + 240
    while predict.job_progress(job_id)["state"] not in {"completed", "failed"} and time.time() < deadline:
        time.sleep(0.3)
    assert predict.job_progress(job_id)["state"] == "completed"
    at = _playground(pg_batch_job=job_id)
    assert any("Classified 3 rows of mine.csv" in s.value for s in at.success)
    result = _frame(at, "predicted_label")
    assert result.columns.tolist()[:2] == ["body", "predicted_label"] and len(result) == 3
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download Excel"]


def _panel(root: str, run_id: str) -> None:
    import sys

    sys.path.insert(0, root)
    from core import store
    from pages.components import export_panel

    export_panel.render(store.require_run(run_id))


def test_export_panel_offers_zip_snippet_card_and_int8_comparison(home, run_id):
    at = AppTest.from_function(_panel, args=(str(ROOT), run_id), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.proto.label for b in at.get("download_button")] == ["Download model (zip, Hugging Face format)"]
    assert 'pipeline("text-classification", model="model")' in at.code[0].value
    assert "## Intended use" in at.code[1].value
    assert at.button(key=f"int8_make_{run_id}").label == "Make int8 copy and compare"
    quantize.compare(run_id, n_single=5)  # what the button's background job does
    at.run()
    table = _frame(at, "int8 / fp32")
    assert table["measure"].tolist()[0] == "size on disk (MB)" and table["int8 / fp32"].iloc[0] < 1
    assert "Download int8 model (zip)" in [b.proto.label for b in at.get("download_button")]


def _baseline_workspace() -> tuple[str, str]:
    """A source run without model files and its TF-IDF baseline (the only run the playground can open)."""
    from core import store
    from core.config import RunConfig
    from core.evaluate import baseline
    from tests.conftest import save_sample

    dataset_id = save_sample(200)
    config = RunConfig(dataset_id=dataset_id, model="tiny-random-bert")
    source = store.create_run(config.to_dict(), name="source", dataset_id=dataset_id, status="completed",
                              info={"dataset_name": "sst2-sample"})
    return source.id, baseline.train_baseline(source.id).id


def _playground_at(run: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.query_params["run"] = run
    at.switch_page("pages/playground.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_baseline_run_opens_with_its_own_tfidf_model():
    _, baseline_id = _baseline_workspace()
    at = _playground_at(baseline_id)
    assert at.selectbox(key="pg_run").value == baseline_id and not at.warning
    _text_area(at).set_value("a gripping, beautifully acted story\nawful and boring")
    next(b for b in at.button if b.label == "Classify").click().run()
    assert not at.exception, [e.value for e in at.exception]
    from core.evaluate import baseline

    predict, labels = baseline.load_predictor(baseline_id)
    expected = predict(["a gripping, beautifully acted story"])[0]
    probs = _frame(at, "probability").set_index("class")["probability"]
    assert probs.to_dict() == pytest.approx(dict(zip(labels, expected, strict=True)))
    assert at.metric[0].value == labels[int(expected.argmax())]
    assert len(_frame(at, "influence")) > 0
    assert any("TF-IDF + logistic regression baseline" in i.value for i in at.info)  # the batch tab says why not


def test_a_run_that_cannot_be_opened_is_named_and_no_other_model_is_loaded():
    source_id, baseline_id = _baseline_workspace()
    at = _playground_at(source_id)  # completed, but its model files are missing
    assert any(source_id in w.value and "missing" in w.value for w in at.warning)
    assert at.selectbox(key="pg_run").value is None  # nothing chosen for the user, no other run's model
    assert not at.metric and not any(t.label == TEXTS for t in at.text_area)
    at = _playground_at("nosuchrun")
    assert any("There is no run nosuchrun" in w.value for w in at.warning)
    at.selectbox(key="pg_run").set_value(baseline_id).run()
    assert not at.warning and any(t.label == TEXTS for t in at.text_area)
