"""Multi-label, sentence-pair and regression runs end to end through the real worker subprocess (issue 18).

Each kind trains a tiny model on data written here, then: the report carries the kind's metrics, the predictions
have the kind's shape, and the saved model answers a plain ``transformers.pipeline`` call in a fresh process in the
right shape (multi-label: every label with a sigmoid score; pairs: ``{"text", "text_pair"}``; regression: a number).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pandas as pd
import pytest

from core import paths
from core import results as runs
from core.config import RunConfig
from core.data import library as datasets
from core.data.clean import clean_examples
from core.jobs import queue as jobs
from core.tasks import Task
from tests.conftest import wait_for

pytestmark = pytest.mark.integration

TOPICS = {"billing": ["invoice", "charged", "payment"], "shipping": ["parcel", "delivery", "courier"],
          "bug": ["crash", "error", "broken"]}


def tagged_frame(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """Texts that mention one to three topics; their tags are those topics."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        tags = rng.sample(sorted(TOPICS), rng.choice([1, 1, 2, 3]))
        words = [rng.choice(TOPICS[t]) for t in tags] + rng.sample(["please", "help", "today", "my", "the"], 3)
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "tags": "|".join(tags)})
    return pd.DataFrame(rows)


def pair_frame(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """Pairs that repeat a sentence (paraphrase) or pair it with another one (different)."""
    rng = random.Random(seed)
    sentences = [f"the {a} {b} is {c}" for a in ("red", "blue", "old") for b in ("car", "door", "lamp")
                 for c in ("broken", "new", "gone")]
    rows = []
    for _ in range(n):
        a = rng.choice(sentences)
        same = rng.random() < 0.5
        b = a if same else rng.choice([s for s in sentences if s != a])
        rows.append({"sentence1": a, "sentence2": b, "label": "paraphrase" if same else "different"})
    return pd.DataFrame(rows)


def scored_frame(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """Texts whose score (0–5) grows with the number of good words in them."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        good = rng.randint(0, 5)
        words = ["great"] * good + ["meh"] * (5 - good)
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "score": round(good + rng.uniform(-0.3, 0.3), 2)})
    return pd.DataFrame(rows)


def _store(df: pd.DataFrame, task: Task, **columns: object) -> str:
    clean = clean_examples(df, columns.pop("text_col", "text"), columns.pop("label_col", "label"), task=task, **columns)
    return datasets.save_frame(clean.df, name=task.key, task=task).id


def _train(dataset_id: str) -> str:
    run = jobs.submit(RunConfig(dataset_id=dataset_id, model="tiny-random-bert", epochs=2, batch_size=16,
                                learning_rate=1e-3))
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "completed", done.error
    return run.id


def _pipeline(model_dir: str, call: str) -> object:
    code = ("import json\nfrom transformers import pipeline\n"
            f"clf = pipeline('text-classification', model={model_dir!r})\n"
            f"print(json.dumps({call}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_multi_label_run_reports_its_metrics_and_exports_sigmoid_scores():
    run_id = _train(_store(tagged_frame(), Task("multi_label"), label_col="tags", label_separator="|"))
    report = runs.load_report(run_id)
    assert report["task"]["target"] == "multi_label"
    for key in ("f1_micro", "f1_macro", "f1_samples", "subset_accuracy", "hamming_loss"):
        assert 0.0 <= report["summary"][key] <= 1.0
    assert {row["label"] for row in report["per_label"]} == set(TOPICS)
    assert set(report["thresholds"]) == set(TOPICS)
    predictions = runs.load_predictions(run_id)
    assert {"prob::billing", "prob::bug", "prob::shipping"} <= set(predictions.columns)
    model_dir = str(paths.run_dir(run_id) / "model")
    config = json.loads((paths.run_dir(run_id) / "model" / "config.json").read_text())
    assert config["problem_type"] == "multi_label_classification" and set(config["label_thresholds"]) == set(TOPICS)
    answer = _pipeline(model_dir, "clf(['my invoice and the parcel'], top_k=None, function_to_apply='sigmoid')")
    assert {item["label"] for item in answer[0]} == set(TOPICS)


def test_pair_run_keeps_both_texts_and_exports_a_pair_pipeline():
    run_id = _train(_store(pair_frame(), Task("single_label", pair=True), text_col="sentence1", pair_col="sentence2"))
    report = runs.load_report(run_id)
    assert report["task"] == {"target": "single_label", "pair": True}
    assert 0.0 <= report["summary"]["accuracy"] <= 1.0
    assert report["calibration"]["temperature_scaling"]["validation_rows"] > 0  # pairs are calibrated too
    predictions = runs.load_predictions(run_id)
    assert "text_pair" in predictions.columns
    assert all("text_pair" in row for row in report["errors"])
    answer = _pipeline(str(paths.run_dir(run_id) / "model"),
                       "clf({'text': 'the red car is new', 'text_pair': 'the red car is new'})")
    assert answer["label"] in {"paraphrase", "different"}


def test_regression_run_predicts_numbers_in_the_targets_units():
    run_id = _train(_store(scored_frame(), Task("regression"), label_col="score"))
    report = runs.load_report(run_id)
    assert report["task"]["target"] == "regression"
    for key in ("mse", "mae", "pearson", "spearman"):
        assert key in report["summary"]
    predictions = runs.load_predictions(run_id)
    assert predictions["pred"].between(-5, 10).all()
    answer = _pipeline(str(paths.run_dir(run_id) / "model"), "clf(['great great great great great'], "
                       "function_to_apply='none')")
    assert answer[0]["label"] == "score" and isinstance(answer[0]["score"], float)
    # the head was rescaled to the targets' units: a pipeline gives what the report's predictions give
    assert -5 < answer[0]["score"] < 10


@pytest.mark.parametrize(("frame", "kind", "metric"), [
    (tagged_frame, "multi_label", "f1_micro"),
    (pair_frame, "pair_single_label", "accuracy"),
    (scored_frame, "regression", "spearman"),
])
def test_cli_detects_trains_and_reports_each_kind(tmp_path, frame, kind, metric):
    """The issue's check: `core train --data FILE` on each kind completes; `core report RUN --json` has its metrics."""
    data = tmp_path / f"{kind}.csv"
    frame().to_csv(data, index=False)
    trained = subprocess.run([sys.executable, "-m", "core", "train", "--data", str(data), "--model", "tiny-random-bert",
                              "--max-steps", "6", "--batch-size", "16"], capture_output=True, text=True, timeout=300)
    assert trained.returncode == 0, trained.stderr
    assert f"({kind})" in trained.stderr and "task: " in trained.stderr  # the kind and why it was detected
    run_id = trained.stdout.strip().splitlines()[0]
    shown = subprocess.run([sys.executable, "-m", "core", "report", run_id, "--json"], capture_output=True, text=True,
                           timeout=120, check=True)
    report = json.loads(shown.stdout)
    assert report["task"] == Task.from_key(kind).to_dict()
    assert metric in report["summary"]


def test_lora_regression_saves_a_model_whose_pipeline_gives_the_reported_predictions():
    """PEFT trains the new kinds too; the merged, rescaled head answers exactly what the report's predictions say."""
    dataset_id = _store(scored_frame(), Task("regression"), label_col="score")
    run = jobs.submit(RunConfig(dataset_id=dataset_id, model="tiny-random-bert", epochs=2, batch_size=16,
                                learning_rate=1e-3, peft="lora"))
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "completed", done.error
    predictions = runs.load_predictions(run.id).head(3)
    texts = predictions["text"].tolist()
    answer = _pipeline(str(paths.run_dir(run.id) / "model"), f"clf({texts!r}, function_to_apply='none')")
    assert [a["score"] for a in answer] == pytest.approx(predictions["pred"].tolist(), abs=1e-4)
