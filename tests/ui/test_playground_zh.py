"""The Playground page in 简体中文: no English left besides the user's own data.

Why a run cannot be opened (``serving.playground_problem_message(run_id)``) is a core message shown in Chinese, so
it is not passed to ``english_leftovers`` as data.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import i18n, store
from core.serve import predict
from tests.conftest import ROOT, train_tiny_in
from tests.ui.i18n_check import english_leftovers, english_words

APP = str(ROOT / "app.py")
RUN_NAME = "tiny run"
DATASET = "sentiment-sample"  # the name save_sample gives the dataset
LABELS = ["negative", "positive"]


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("playground-zh-home")


@pytest.fixture(scope="module")
def run_id(module_home: Path, models_dir: Path) -> str:
    """One tiny completed run for the whole module."""
    return train_tiny_in(module_home, models_dir, rows=200, name=RUN_NAME)


@pytest.fixture
def home(module_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUNEBOARD_HOME", str(module_home))
    return module_home


def _playground_zh(run: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "zh"
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if run:
        at.query_params["run"] = run
    at.switch_page("pages/playground.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _run_data(run_id: str) -> list[str]:
    """The user's own names on the page: the run's name and id, its dataset's name, its labels."""
    return [RUN_NAME, run_id, DATASET, *LABELS]


def _highlighted_line(at: AppTest, text: str) -> str:
    """The explanation's coloured line, checked to hold nothing but the words of ``text`` (so it is user data)."""
    values = [m.value for m in at.markdown]
    line = values[values.index("**哪些词起了作用**") + 1]
    plain = re.sub(r':color\[((?:\\.|[^\\\]])*)\]\{background="rgba\([\d.,]+\)"\}', r"\1", line)
    plain = re.sub(r"\\(.)", r"\1", plain).replace("\u200b", "")
    assert plain.split() == text.split(), line
    return line


def test_empty_workspace_in_chinese():
    at = _playground_zh()
    assert at.info and "还没有训练完成的模型" in at.info[0].value
    assert english_leftovers(at) == []


def test_try_texts_in_chinese(home, run_id):
    at = _playground_zh()
    assert at.selectbox(key="pg_run").value == run_id
    assert english_leftovers(at, data=_run_data(run_id)) == []  # before any text: hint, tabs, labels
    text = "a gripping, beautifully acted story"
    at.text_area(key="pg_texts").set_value(text)
    at.button(key="pg_classify").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].label == "预测类别" and at.metric[0].value in LABELS
    columns = [list(d.value.columns) for d in at.dataframe]
    assert ["文本", "预测", "置信度"] in columns and ["类别", "概率"] in columns and ["词", "影响"] in columns
    assert english_leftovers(at, data=[*_run_data(run_id), text, _highlighted_line(at, text)]) == []


def test_test_examples_and_too_many_lines_in_chinese(home, run_id):
    at = _playground_zh()
    at.button(key="pg_examples").click().run()
    assert not at.exception, [e.value for e in at.exception]
    examples = at.text_area(key="pg_texts").value.splitlines()
    summary = next(d.value for d in at.dataframe if "真实标签" in d.value.columns)
    assert len(summary) == 5
    # The test texts are the user's data; the "look closer" options show them cut at 90 characters.
    data = [*_run_data(run_id), *examples, *(e[:90] for e in examples), _highlighted_line(at, examples[0])]
    assert english_leftovers(at, data=data) == []
    lines = [f"line {i}" for i in range(51)]
    at.text_area(key="pg_texts").set_value("\n".join(lines)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("前 50 行" in w.value for w in at.warning)
    data = [*_run_data(run_id), *lines, _highlighted_line(at, lines[0])]
    assert english_leftovers(at, data=data) == []


def test_batch_results_in_chinese(home, run_id):
    job_id = predict.start_job(run_id, pd.DataFrame({"body": ["fine", "=1+2", "awful"]}), "body", source_name="mine.csv")
    deadline = time.time() + 240
    while predict.job_progress(job_id)["state"] not in {"completed", "failed"} and time.time() < deadline:
        time.sleep(0.3)
    assert predict.job_progress(job_id)["state"] == "completed"
    at = _playground_zh(pg_batch_job=job_id)
    assert any("已对 mine.csv 的 3 行完成分类" in s.value for s in at.success)
    result = next(d.value for d in at.dataframe if "body" in d.value.columns)
    assert result.columns.tolist() == ["body", "预测标签", "置信度", "概率：negative", "概率：positive"]
    assert any("`predicted_label`" in c.value for c in at.caption)  # the files keep their English column names
    assert [b.proto.label for b in at.get("download_button")] == ["下载 CSV", "下载 Excel"]
    assert english_leftovers(at, data=[*_run_data(run_id), "body", "mine.csv"]) == []


def _job_in_state(run_id: str, progress: dict) -> str:
    """A prediction job folder whose worker reports ``progress`` (no worker runs: the page only reads the files)."""
    job_id = f"{time.strftime('%m%d-%H%M%S')}-{os.urandom(3).hex()}"
    folder = predict.job_dir(job_id)
    folder.mkdir(parents=True)
    predict.write_json(folder / "job.json", {"job_id": job_id, "run_id": run_id, "text_column": "body",
                                             "source_name": "mine.csv", "n_rows": 10, "created_at": time.time()})
    predict.write_json(folder / "progress.json", {"created_at": time.time(), **progress})
    (folder / "worker.pid").write_text(str(os.getpid()))  # a live process, so a running job stays running
    return job_id


def test_running_and_failed_batch_jobs_in_chinese(home, run_id):
    running = _job_in_state(run_id, {"state": "running", "done": 4, "total": 10, "phase": "classifying"})
    at = _playground_zh(pg_batch_job=running)
    assert [p.proto.text for p in at.get("progress")] == ["正在分类 · 4 / 10 行"]
    assert english_leftovers(at, data=_run_data(run_id)) == []
    failed = _job_in_state(run_id, {"state": "failed"})
    at = _playground_zh(pg_batch_job=failed)
    assert [e.value for e in at.error] == ["预测失败。"]
    assert english_leftovers(at, data=_run_data(run_id)) == []


def test_runs_that_cannot_be_opened_and_a_baseline_in_chinese():
    from core.config import RunConfig
    from core.evaluate import baseline
    from core.serve import loading as serving
    from tests.conftest import save_sample

    dataset_id = save_sample(200, name="sst2-sample")
    config = RunConfig(dataset_id=dataset_id, model="tiny-random-bert")
    source = store.create_run(config.to_dict(), name="source", dataset_id=dataset_id, status="completed",
                              info={"dataset_name": "sst2-sample"})
    base = store.require_run(baseline.train_baseline(source.id).id)
    data = [source.id, base.id, base.name, "sst2-sample", *LABELS]

    at = _playground_zh(run=source.id)  # completed, but its model files are missing
    problem = serving.playground_problem_message(source.id).in_language("zh")  # core-made, shown in Chinese
    assert problem == f"工作区中缺少运行 {source.id} 的模型文件；请重新训练该运行。"
    assert any(problem in w.value and "请在上方另选一个运行" in w.value for w in at.warning)
    assert english_leftovers(at, data=data) == []

    at.selectbox(key="pg_run").set_value(base.id).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("TF-IDF + 逻辑回归基线" in i.value for i in at.info)  # the batch tab says why not
    text = "awful and boring"
    at.text_area(key="pg_texts").set_value(text)
    at.button(key="pg_classify").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert english_leftovers(at, data=[*data, text, _highlighted_line(at, text)]) == []


def test_every_worker_phase_has_a_translation():
    """The worker writes its phase as English words; each is shown through a catalogue key (invisible to the static
    test, which sees only literal keys)."""
    from pages.components.playground_batch import PHASE_KEYS

    source = (ROOT / "core" / "serve" / "predict_worker.py").read_text(encoding="utf-8")
    phases = set(re.findall(r'"phase": "([^"]+)"', source)) | {"starting"}  # "starting": the page's own default
    assert phases >= {"loading the model", "classifying", "done"}  # the pattern still finds what the worker writes
    assert phases <= set(PHASE_KEYS), phases - set(PHASE_KEYS)
    for phase, key in PHASE_KEYS.items():
        assert i18n.translate("en", f"playground.batch.phase.{key}") == phase  # English output unchanged
        assert not english_words(i18n.translate("zh", f"playground.batch.phase.{key}"))
