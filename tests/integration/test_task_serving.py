"""Playground predictor, batch prediction, the predict CLI and export for multi-label, sentence-pair and regression
runs (issue 18 item 4).

One tiny run per kind is trained once for the module (tiny-random-bert barely learns: the shapes are what is tested,
and that every path gives the same numbers as the run's own model).  The exported zip is unpacked and its model card's
code is run in a fresh interpreter with nothing of Tuneboard importable: a plain ``transformers.pipeline``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, ModelError
from core.serve import export, predict, quantize, task_output
from core.serve import loading as serving
from core.serve.explain import occlusion_scores
from core.tasks import Task, split_labels
from tests.conftest import ROOT, module_workspace
from tests.integration.test_task_kinds import TOPICS, _store, _train, pair_frame, scored_frame, tagged_frame

pytestmark = pytest.mark.integration
PAIR_LABELS = {"paraphrase", "different"}


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("task-serving-home")


@pytest.fixture(scope="module")
def task_runs(module_home: Path, models_dir: Path) -> dict[str, str]:
    """A completed multi-label, sentence-pair (single label) and regression run."""
    with module_workspace(module_home, models_dir):
        return {
            "multi_label": _train(_store(tagged_frame(), Task("multi_label"), label_col="tags", label_separator="|")),
            "pair": _train(_store(pair_frame(), Task("single_label", pair=True), text_col="sentence1",
                                  pair_col="sentence2")),
            "regression": _train(_store(scored_frame(), Task("regression"), label_col="score")),
        }


@pytest.fixture
def home(module_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUNEBOARD_HOME", str(module_home))
    return module_home


def _fresh_python(code: str, cwd: Path) -> str:
    """Run ``code`` in a fresh interpreter outside the project (nothing of Tuneboard importable); its stdout."""
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=240,
                         env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                              "HOME": str(cwd)})
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def _unzipped(run_id: str, target: Path) -> Path:
    with zipfile.ZipFile(export.export_zip(run_id, target / "model.zip")) as archive:
        archive.extractall(target / "unzipped")
    return target / "unzipped"


def _answers(run_id: str, folder: Path, call: str) -> tuple[object, object]:
    """What the model card's usage code prints (run as it is in the unzipped folder), and the JSON of ``call`` on
    ``clf``, a plain pipeline of the unzipped model: one fresh interpreter for both."""
    (folder / "use.py").write_text(export.usage_snippet(run_id))
    code = ("import json, runpy\nrunpy.run_path('use.py')\nfrom transformers import pipeline\n"
            f"clf = pipeline('text-classification', model='model')\nprint(json.dumps({call}))")
    lines = _fresh_python(code, folder).strip().splitlines()
    return ast.literal_eval(lines[-2]), json.loads(lines[-1])


# ---------------------------------------------------------------------------- export
def test_multi_label_export_answers_with_sigmoid_scores_and_thresholds(home, task_runs, tmp_path):
    run_id = task_runs["multi_label"]
    folder = _unzipped(run_id, tmp_path)
    thresholds = json.loads((folder / "thresholds.json").read_text())
    assert set(thresholds) == set(TOPICS)
    assert json.loads((folder / "model" / "config.json").read_text())["label_thresholds"] == thresholds
    card = (folder / "README.md").read_text()
    for expected in ("**Task:** multi-label classification", "| micro F1 |", "| macro F1 |", "| subset accuracy",
                     "| Hamming loss", "## Label thresholds", "a label is predicted when its score ≥ its threshold",
                     'top_k=None, function_to_apply="sigmoid"', "- multi-label-classification"):
        assert expected.lower() in card.lower(), expected
    assert "| accuracy |" not in card and "always answers with one of its" not in card
    snippet = export.usage_snippet(run_id)
    example = snippet.split("classifier(")[1].split(", top_k")[0]
    predicted, answer = _answers(run_id, folder, "clf('my invoice and the parcel', top_k=None, function_to_apply='sigmoid')")
    ours = serving.predict_texts(run_id, [ast.literal_eval(example)])
    assert sorted(predicted) == sorted(split_labels(ours["pred"].iloc[0]))  # the labels at or above their thresholds
    scores = {row["label"]: row["score"] for row in answer}
    expected = serving.predict_texts(run_id, ["my invoice and the parcel"])
    assert scores == pytest.approx({label: float(expected[f"prob::{label}"].iloc[0]) for label in TOPICS}, abs=1e-4)


def test_pair_export_answers_a_text_and_text_pair_call(home, task_runs, tmp_path):
    run_id = task_runs["pair"]
    folder = _unzipped(run_id, tmp_path)
    card = (folder / "README.md").read_text()
    assert "**Task:** sentence-pair classification" in card and "| accuracy |" in card
    assert "two texts of a pair together are longer than 128 tokens" in card
    printed, answer = _answers(run_id, folder,
                               "clf({'text': 'the red car is new', 'text_pair': 'the old door is gone'}, top_k=None)")
    assert {row["label"] for row in printed} == PAIR_LABELS  # every class with its probability, for the example pair
    scores = {row["label"]: row["score"] for row in answer}
    ours = serving.predict_texts(run_id, ["the red car is new"], pairs=["the old door is gone"])
    assert scores == pytest.approx({label: float(ours[f"prob::{label}"].iloc[0]) for label in PAIR_LABELS}, abs=1e-4)


def test_regression_export_answers_a_number_in_the_targets_units(home, task_runs, tmp_path):
    run_id = task_runs["regression"]
    folder = _unzipped(run_id, tmp_path)
    assert json.loads((folder / "labels.json").read_text()) == ["score"]
    card = (folder / "README.md").read_text()
    for expected in ("**Task:** regression", "| MSE (mean squared error) |", "| MAE (mean absolute error) |",
                     "| Pearson correlation |", "| Spearman correlation |", "| lowest |", "| highest |",
                     'function_to_apply="none"', "It always answers with a number"):
        assert expected in card, expected
    assert "| class |" not in card and "| accuracy |" not in card
    answer, plain = _answers(run_id, folder, "clf('great great great', function_to_apply='none')")
    assert plain[0]["label"] == "score"
    assert plain[0]["score"] == pytest.approx(float(serving.predict_texts(run_id, ["great great great"])["pred"].iloc[0]),
                                              abs=1e-4)
    assert isinstance(answer, list) and answer[0]["label"] == "score" and isinstance(answer[0]["score"], float)
    example = ast.literal_eval(export.usage_snippet(run_id).split("classifier(")[1].split(", function_to_apply")[0])
    assert answer[0]["score"] == pytest.approx(float(serving.predict_texts(run_id, [example])["pred"].iloc[0]), abs=1e-4)


def test_cards_in_chinese_state_the_kind(home, task_runs):
    assert "**任务：**多标签分类" in export.model_card(task_runs["multi_label"], language="zh")
    regression = export.model_card(task_runs["regression"], language="zh")
    assert "**任务：**回归" in regression and "| 斯皮尔曼相关系数 |" in regression
    assert "**任务：**句对分类" in export.model_card(task_runs["pair"], language="zh")


def test_int8_is_refused_for_the_other_kinds(home, task_runs, tmp_path):
    for run_id in task_runs.values():
        with pytest.raises(ModelError, match="single-text, single-label runs only"):
            export.export_zip(run_id, tmp_path / "q.zip", int8=True)
        with pytest.raises(ModelError, match="single-text, single-label runs only"):
            quantize.make_int8(run_id)


# ---------------------------------------------------------------------------- playground predictor
def test_playground_predictor_answers_per_kind(home, task_runs):
    texts = ["my invoice and the parcel", "crash"]
    ml = serving.load_predictor(task_runs["multi_label"], device="cpu")
    assert ml.task == Task("multi_label") and len(ml.thresholds) == len(ml.labels)
    scores = ml.predict_proba(texts)
    assert scores.shape == (2, 3) and ((scores >= 0) & (scores <= 1)).all()
    assert not np.allclose(scores.sum(1), 1)  # one sigmoid per label, not a softmax
    frame = serving.predictions_frame(texts, scores, ml.labels, task=ml.task, thresholds=ml.thresholds)
    assert list(frame.columns) == ["text", "pred", "prob::billing", "prob::bug", "prob::shipping"]
    chosen = [set(split_labels(cell)) for cell in frame["pred"]]
    assert chosen == [{x for j, x in enumerate(ml.labels) if scores[i, j] >= ml.thresholds[j]} for i in range(2)]
    assert len(occlusion_scores(ml.predict_proba, texts[0], 1)) == 5  # a label's probability explained

    reg = serving.load_predictor(task_runs["regression"], device="cpu")
    numbers = reg.predict_proba(["great great great", "meh meh"])
    assert reg.labels == ["score"] and numbers.shape == (2, 1)
    frame = serving.predictions_frame(["a", "b"], numbers, reg.labels, task=reg.task)
    assert list(frame.columns) == ["text", "pred"] and frame["pred"].tolist() == pytest.approx(numbers[:, 0].tolist())
    found = task_output.target_range(task_runs["regression"])
    assert found is not None and -0.5 < found["low"] < found["mean"] < found["high"] < 5.5

    pair = serving.load_predictor(task_runs["pair"], device="cpu")
    probs = pair.predict_proba(["the red car is new"], ["the red car is new"])
    assert probs.shape == (1, 2) and probs.sum() == pytest.approx(1, abs=1e-5)
    frame = serving.predictions_frame(["the red car is new"], probs, pair.labels, task=pair.task,
                                      pairs=["the red car is new"])
    assert list(frame.columns)[:4] == ["text", "text_pair", "pred", "confidence"]
    with pytest.raises(DataError, match="pairs of texts"):
        serving.predict_texts(task_runs["pair"], ["one text only"])


# ---------------------------------------------------------------------------- batch prediction and CLI
def _finished(job_id: str, timeout: float = 300) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = predict.job_progress(job_id)
        if status["state"] in {"completed", "failed"}:
            return status
        time.sleep(0.3)
    raise AssertionError(predict.job_progress(job_id))


def test_batch_jobs_write_the_columns_of_each_kind(home, task_runs):
    texts = ["my invoice", "the parcel crash", "=1+2"]
    jobs = {
        "multi_label": predict.start_job(task_runs["multi_label"], pd.DataFrame({"body": texts}), "body"),
        "regression": predict.start_job(task_runs["regression"], pd.DataFrame({"body": texts}), "body"),
        "pair": predict.start_job(task_runs["pair"], pd.DataFrame({"a": texts, "b": texts[::-1]}), "a",
                                  pair_column="b"),
    }
    for kind, job_id in jobs.items():
        assert _finished(job_id)["state"] == "completed", (kind, predict.job_progress(job_id))
    ml = predict.job_result(jobs["multi_label"])
    assert list(ml.columns) == ["body", "predicted_labels", "prob::billing", "prob::bug", "prob::shipping"]
    expected = serving.predict_texts(task_runs["multi_label"], texts)
    assert ml["predicted_labels"].tolist() == expected["pred"].tolist()
    reg = predict.job_result(jobs["regression"])
    assert list(reg.columns) == ["body", "predicted_score"]
    assert reg["predicted_score"].tolist() == pytest.approx(
        serving.predict_texts(task_runs["regression"], texts)["pred"].tolist(), abs=1e-4)
    pair = predict.job_result(jobs["pair"])
    assert list(pair.columns) == ["a", "b", "predicted_label", "confidence", "prob::different", "prob::paraphrase"]
    ours = serving.predict_texts(task_runs["pair"], texts, pairs=texts[::-1])
    assert pair["prob::paraphrase"].tolist() == pytest.approx(ours["prob::paraphrase"].tolist(), abs=1e-4)
    assert predict.job_info(jobs["pair"])["pair_column"] == "b"
    assert predict.job_info(jobs["regression"])["task"] == {"target": "regression", "pair": False}


def test_a_pair_job_needs_its_second_column(home, task_runs):
    with pytest.raises(DataError, match="second text"):
        predict.start_job(task_runs["pair"], pd.DataFrame({"a": ["x"]}), "a")
    with pytest.raises(DataError, match="one text at a time"):
        predict.start_job(task_runs["regression"], pd.DataFrame({"a": ["x"], "b": ["y"]}), "a", pair_column="b")


def test_predict_cli_finds_the_pair_columns_of_a_file(home, task_runs, tmp_path):
    source = tmp_path / "pairs.csv"
    pd.DataFrame({"id": [1, 2], "premise": ["the red car is new", "a"], "hypothesis": ["the red car is new", "b"]}
                 ).to_csv(source, index=False)
    out = subprocess.run([sys.executable, "-m", "core", "predict", task_runs["pair"], "--file", str(source), "--out",
                          str(tmp_path / "out.csv")], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "second text column ‘hypothesis’" in out.stderr
    written = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig")
    assert list(written.columns) == ["id", "premise", "hypothesis", "predicted_label", "confidence", "prob::different",
                                     "prob::paraphrase"]
    out = subprocess.run([sys.executable, "-m", "core", "predict", task_runs["regression"], "--text", "great great"],
                         cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    assert set(json.loads(out.stdout)) == {"text", "score"}


def test_pair_columns_are_guessed_from_the_table():
    assert task_output.pair_columns_by_name(["id", "Sentence1", "Sentence2", "label"]) == ("Sentence1", "Sentence2")
    assert task_output.pair_columns_by_name(["question", "sentence"]) == ("question", "sentence")
    assert task_output.pair_columns_by_name(["review", "stars"]) is None
    free = pd.DataFrame({"a": ["the red car is new today", "a cat sat on a mat", "the lamp was broken again"],
                         "b": ["the red car is new", "a dog sat on the rug", "somebody fixed the lamp"]})
    assert task_output.guess_pair_columns(free) == ("a", "b")  # upload's detection: two free-text columns
    short = pd.DataFrame({"text_a": ["x", "y"], "text_b": ["z", "w"]})  # too short for detection; the names decide
    assert task_output.guess_pair_columns(short) == ("text_a", "text_b")
