"""The Playground page for the other task kinds (issue 18): two text boxes for a pair run, a number for a regression
run, every label with its probability and threshold for a multi-label run; the batch tab's columns per kind; the
Runs page's export panel; one case in 简体中文.  Runs are trained once for the module (tiny-random-bert)."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import store
from core.serve import predict
from core.tasks import Task
from tests.conftest import ROOT, module_workspace
from tests.integration.test_task_kinds import TOPICS, _store, _train, pair_frame, scored_frame, tagged_frame
from tests.ui.i18n_check import english_leftovers

APP = str(ROOT / "app.py")
PAIR_LABELS = {"paraphrase", "different"}


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("playground-tasks-home")


@pytest.fixture(scope="module")
def task_runs(module_home: Path, models_dir: Path) -> dict[str, str]:
    with module_workspace(module_home, models_dir):
        return {
            "pair": _train(_store(pair_frame(), Task("single_label", pair=True), text_col="sentence1",
                                  pair_col="sentence2")),
            "regression": _train(_store(scored_frame(), Task("regression"), label_col="score")),
            "multi_label": _train(_store(tagged_frame(), Task("multi_label"), label_col="tags", label_separator="|")),
        }


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


def _press(at: AppTest) -> AppTest:
    at.button(key="pg_classify").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_a_pair_run_gets_two_text_boxes(home, task_runs):
    at = _playground(task_runs["pair"])
    assert [a.label for a in at.text_area] == ["First texts (one per line)", "Second texts (one per line)"]
    assert any("sentence pairs" in c.value for c in at.caption)
    at.text_area(key="pg_texts").set_value("the red car is new\nthe old door is gone")
    at.text_area(key="pg_pairs").set_value("the red car is new\nthe blue lamp is broken")
    _press(at)
    assert at.metric[0].value in PAIR_LABELS
    summary = _frame(at, "second text")
    assert summary["text"].tolist() == ["the red car is new", "the old door is gone"]
    assert summary["second text"].tolist() == ["the red car is new", "the blue lamp is broken"]
    assert set(_frame(at, "probability")["class"]) == PAIR_LABELS
    assert any("Word explanations are for runs on single texts" in c.value for c in at.caption)
    at.text_area(key="pg_pairs").set_value("only one second text").run()  # one pair kept, and the user is told
    assert any("2 first texts and 1 second texts" in w.value for w in at.warning)
    assert len(_frame(at, "second text")) == 1


def test_pair_test_examples_fill_both_boxes(home, task_runs):
    at = _playground(task_runs["pair"])
    at.button(key="pg_examples").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.text_area(key="pg_texts").value.splitlines()) == len(at.text_area(key="pg_pairs").value.splitlines()) == 5
    summary = _frame(at, "true label")
    assert len(summary) == 5 and set(summary["true label"]) <= PAIR_LABELS  # each pair found among the test pairs


def test_a_regression_run_shows_a_number_with_the_target_range(home, task_runs):
    at = _playground(task_runs["regression"])
    assert [a.label for a in at.text_area] == ["Texts to score (one per line)"]
    assert at.button(key="pg_classify").label == "Predict"
    at.text_area(key="pg_texts").set_value("great great great meh meh")
    _press(at)
    assert at.metric[0].label == "Predicted value" and -5 < float(at.metric[0].value) < 10
    assert any("learnt from targets between" in c.value for c in at.caption)
    assert _frame(at, "predicted")["predicted"].dtype.kind == "f"
    influence = _frame(at, "influence")
    assert set(influence["word"]) <= {"great", "meh"} and len(influence) > 0
    assert any("raised the predicted value" in c.value for c in at.caption)


def test_a_multi_label_run_shows_every_label_against_its_threshold(home, task_runs):
    at = _playground(task_runs["multi_label"])
    at.text_area(key="pg_texts").set_value("my invoice and the parcel")
    _press(at)
    assert at.metric[0].label == "Predicted labels"
    table = _frame(at, "threshold")
    assert set(table["label"]) == set(TOPICS) and list(table.columns) == ["label", "probability", "threshold", "predicted"]
    chosen = set(table.loc[table["predicted"], "label"])
    assert at.metric[0].value == (", ".join(sorted(chosen)) if chosen else "(no label)")
    assert (table["predicted"] == (table["probability"] >= table["threshold"])).all()
    assert at.selectbox(key="pg_ml_label").value == table["label"].iloc[0]  # the most probable label is explained
    assert len(_frame(at, "influence")) > 0
    assert any("raised the probability of" in c.value for c in at.caption)


def test_batch_results_of_a_regression_and_a_multi_label_job(home, task_runs):
    jobs = {kind: predict.start_job(task_runs[kind], pd.DataFrame({"body": ["great", "invoice"]}), "body",
                                    source_name="mine.csv") for kind in ("regression", "multi_label")}
    deadline = time.time() + 240
    while any(predict.job_progress(j)["state"] not in {"completed", "failed"} for j in jobs.values()):
        assert time.time() < deadline
        time.sleep(0.3)
    at = _playground(task_runs["regression"], pg_batch_job=jobs["regression"])
    assert _frame(at, "body").columns.tolist() == ["body", "predicted_score"]
    at = _playground(task_runs["multi_label"], pg_batch_job=jobs["multi_label"])
    assert _frame(at, "body").columns.tolist() == ["body", "predicted_labels", "prob::billing", "prob::bug",
                                                   "prob::shipping"]


def test_regression_and_multi_label_runs_in_chinese(home, task_runs):
    runs = [store.require_run(r) for r in task_runs.values()]  # run and dataset names: the user's own
    data = [*(f"{r.name} · {r.id}" for r in runs), *(r.name for r in runs), *task_runs.values(), "regression",
            "multi_label", *TOPICS]
    at = _playground(task_runs["regression"], "zh")
    assert english_leftovers(at, data=data) == []
    text = "great great meh"
    at.text_area(key="pg_texts").set_value(text)
    _press(at)
    assert at.metric[0].label == "预测值" and any("模型学习时的目标值" in c.value for c in at.caption)
    columns = [list(d.value.columns) for d in at.dataframe]
    assert ["文本", "预测"] in columns and ["词", "影响"] in columns
    words = [m.value for m in at.markdown if "great" in m.value]
    assert english_leftovers(at, data=[*data, text, *words]) == []

    at = _playground(task_runs["multi_label"], "zh")
    text = "my invoice and the parcel"
    at.text_area(key="pg_texts").set_value(text)
    _press(at)
    assert at.metric[0].label == "预测的标签"
    assert ["标签", "概率", "阈值", "是否预测"] in [list(d.value.columns) for d in at.dataframe]
    words = [m.value for m in at.markdown if "invoice" in m.value]
    shown = [at.metric[0].value]  # the predicted labels (the user's), joined by 、
    assert english_leftovers(at, data=[*data, text, *words, *shown]) == []


def _panel(root: str, run_id: str) -> None:
    import sys

    sys.path.insert(0, root)
    from core import store
    from pages.components import export_panel

    export_panel.render(store.require_run(run_id))


def test_export_panel_of_a_pair_run(home, task_runs):
    at = AppTest.from_function(_panel, args=(str(ROOT), task_runs["pair"]), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert '"text_pair":' in at.code[0].value and "**Task:** sentence-pair classification" in at.code[1].value
    assert any("single-text, single-label runs only" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "Make int8 copy and compare"]
