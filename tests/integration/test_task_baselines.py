"""The TF-IDF baseline of each kind of labelled text (issue 18): one-vs-rest logistic regression with tuned
thresholds (multi-label), ridge (regression) and pair features (sentence pairs), each trained on small, clearly
learnable data written here and stored as a complete run that reloads for the playground.

The baselines read only their source run's config, so most tests need no training; the last one trains a real tiny
multi-label model through the worker and checks that the baseline is tested on exactly its test rows.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest

from core import cli, results, store
from core.config import RunConfig
from core.data import library as datasets
from core.data.clean import clean_examples
from core.data.splits import split_frame
from core.errors import RunError
from core.evaluate import baseline, baseline_tasks
from core.evaluate.thresholds import DEFAULT_GRID
from core.jobs import queue as jobs
from core.tasks import Task, label_matrix
from tests.conftest import wait_for

TOPICS = {"billing": ["invoice", "charged", "refund"], "shipping": ["parcel", "courier", "delivery"],
          "login": ["password", "account", "locked"], "app": ["crash", "screen", "update"]}
FILLER = ["please", "help", "today", "my", "the", "again", "now", "hello"]
COLORS, THINGS, STATES = ("red", "blue", "green", "black"), ("car", "door", "lamp", "chair"), ("old", "new", "big", "small")


def tagged_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Support messages mentioning one to three topics (a few mention none); their tags are those topics."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        tags = rng.sample(sorted(TOPICS), rng.choice([0, 1, 1, 2, 2, 3]))
        words = [rng.choice(TOPICS[t]) for t in tags] + rng.sample(FILLER, 4)
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "tags": "|".join(tags)})
    return pd.DataFrame(rows)


def scored_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Reviews whose score (0–6) is the number of good words in them, with a little noise."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        good = rng.randint(0, 6)
        words = rng.choices(["great", "lovely", "superb"], k=good) + rng.choices(["meh", "dull", "bad"], k=6 - good)
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "score": round(good + rng.uniform(-0.3, 0.3), 2)})
    return pd.DataFrame(rows)


def _thing(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(COLORS), rng.choice(THINGS), rng.choice(STATES)


def _sentence(parts: tuple[str, str, str]) -> str:
    return "the {} {} is {}".format(*parts)


def pair_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Pairs that repeat a sentence (paraphrase) or pair it with a different one."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a = _thing(rng)
        same = rng.random() < 0.5
        b = a
        while not same and b == a:
            b = _thing(rng)
        rows.append({"sentence1": _sentence(a), "sentence2": _sentence(b), "label": "paraphrase" if same else "different"})
    return pd.DataFrame(rows)


def similarity_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Pairs of sentences scored by how many of colour, thing and state they share (0–3)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b = _thing(rng), list(_thing(rng))
        for i in range(3):
            if rng.random() < 0.5:
                b[i] = a[i]
        shared = sum(x == y for x, y in zip(a, b, strict=True))
        rows.append({"sentence1": _sentence(a), "sentence2": _sentence(tuple(b)), "score": shared + rng.uniform(-0.2, 0.2)})
    return pd.DataFrame(rows)


def matching_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Pairs tagged with what they have in common: same_colour, same_thing (none, one or both)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b = _thing(rng), list(_thing(rng))
        b[0] = a[0] if rng.random() < 0.5 else rng.choice([c for c in COLORS if c != a[0]])
        b[1] = a[1] if rng.random() < 0.5 else rng.choice([t for t in THINGS if t != a[1]])
        tags = (["same_colour"] if a[0] == b[0] else []) + (["same_thing"] if a[1] == b[1] else [])
        rows.append({"sentence1": _sentence(a), "sentence2": _sentence(tuple(b)), "tags": "|".join(tags)})
    return pd.DataFrame(rows)


def _store(df: pd.DataFrame, task: Task, **columns: object) -> str:
    clean = clean_examples(df, columns.pop("text_col", "text"), columns.pop("label_col", "label"), task=task, **columns)
    return datasets.save_frame(clean.df, name=f"{task.key} sample", task=task).id


def _source(dataset_id: str, **changes: object) -> store.Run:
    """A run that was only configured: the baseline reads its dataset and split settings."""
    config = RunConfig(dataset_id=dataset_id, model="tiny-random-bert", **changes)
    return store.create_run(config.to_dict(), name="source", dataset_id=dataset_id, status="completed",
                            info={"dataset_name": "sample"})


def _check_run(run: store.Run, task: Task, model: str) -> dict:
    """The baseline is a completed run of the kind, its final metrics the numbers of its report's summary."""
    assert run.status == "completed" and run.info["kind"] == "baseline" and run.pid is None
    assert run.info["task"] == task.to_dict() and run.config["model"] == model
    report = results.load_report(run.id)
    assert report["task"] == task.to_dict() and report["run"]["model"] == model
    assert run.final_metrics == baseline_tasks.final_metrics(report)
    assert report["efficiency"]["throughput_texts_per_s"] > 0 and report["efficiency"]["trainable"] > 0
    return report


def test_multi_label_baseline_tunes_thresholds_and_scores_well():
    run = baseline.train_baseline(_source(_store(tagged_frame(), Task("multi_label"), label_col="tags",
                                                 label_separator="|")).id)
    report = _check_run(run, Task("multi_label"), "tfidf-ovr-logreg")
    summary = report["summary"]
    assert summary["f1_micro"] > 0.9 and summary["subset_accuracy"] > 0.7 and summary["hamming_loss"] < 0.05
    assert set(report["thresholds"]) == set(TOPICS) and all(t in DEFAULT_GRID for t in report["thresholds"].values())
    assert [row["label"] for row in report["per_label"]] == sorted(TOPICS)
    predictions = results.load_predictions(run.id)
    assert {f"prob::{t}" for t in TOPICS} <= set(predictions.columns) and predictions["pred"].map(type).eq(str).all()
    points = store.metric_points(run.id)
    assert {("validation", "f1_micro"), ("validation", "f1_macro"), ("train", "loss")} <= set(
        zip(points["split"], points["name"], strict=True))
    # Reloaded without pickle: the same probabilities, thresholds and decisions as the stored test predictions.
    predictor = baseline_tasks.load_task_predictor(run.id)
    assert predictor.task == Task("multi_label") and predictor.labels == sorted(TOPICS)
    scores = predictor(predictions["text"].tolist())
    assert np.allclose(scores, predictions[[f"prob::{t}" for t in predictor.labels]].to_numpy())
    assert np.allclose(predictor.thresholds, [report["thresholds"][t] for t in predictor.labels])
    decided = (scores >= predictor.thresholds).astype(float)
    assert np.array_equal(decided, label_matrix(predictions["pred"], predictor.labels))


def test_regression_baseline_is_ridge_and_ranks_the_texts():
    run = baseline.train_baseline(_source(_store(scored_frame(), Task("regression"), label_col="score")).id)
    report = _check_run(run, Task("regression"), "tfidf-ridge")
    summary = report["summary"]
    assert summary["spearman"] > 0.9 and summary["mse"] < 0.25 * summary["baseline_mse"]
    assert run.info["labels"] == ["score"] and run.name.startswith("TF-IDF + ridge regression")
    predictions = results.load_predictions(run.id)
    assert list(predictions.columns[:4]) == ["row_id", "text", "label", "pred"] and predictions["pred"].dtype == float
    predict, labels = baseline.load_predictor(run.id)  # the playground's call: single texts in, one number each
    assert labels == ["score"]
    assert np.allclose(predict(predictions["text"].tolist())[:, 0], predictions["pred"])
    assert predict(["great superb lovely great great great"])[0, 0] > predict(["meh dull bad bad meh dull"])[0, 0] + 3
    points = store.metric_points(run.id)
    assert ("validation", "spearman") in set(zip(points["split"], points["name"], strict=True))


def test_pair_baseline_sees_both_texts():
    source = _source(_store(pair_frame(), Task("single_label", pair=True), text_col="sentence1", pair_col="sentence2"))
    run = baseline.train_baseline(source.id)
    report = _check_run(run, Task("single_label", pair=True), "tfidf-pair-logreg")
    assert report["summary"]["accuracy"] > 0.9 and report["robustness"] is None
    assert "product" in run.info["features"]
    predictions = results.load_predictions(run.id)
    assert list(predictions.columns[:3]) == ["row_id", "text", "text_pair"]
    assert all("text_pair" in row for row in report["errors"])
    predict, labels = baseline.load_predictor(run.id)
    proba = predict(predictions["text"].tolist(), predictions["text_pair"].tolist())
    assert np.allclose(proba, predictions[[f"prob::{x}" for x in labels]].to_numpy())
    same, other = predict(["the red car is old"] * 2, ["the red car is old", "the blue lamp is new"])
    assert labels[int(np.argmax(same))] == "paraphrase" and labels[int(np.argmax(other))] == "different"
    with pytest.raises(RunError, match="second text"):
        predict(["the red car is old"])  # a pair model cannot score one text


def test_pair_regression_and_pair_multi_label_baselines():
    sim = baseline.train_baseline(_source(_store(similarity_frame(), Task("regression", pair=True), text_col="sentence1",
                                                 pair_col="sentence2", label_col="score")).id)
    report = _check_run(sim, Task("regression", pair=True), "tfidf-pair-ridge")
    assert report["summary"]["spearman"] > 0.8
    match = baseline.train_baseline(_source(_store(matching_frame(), Task("multi_label", pair=True), text_col="sentence1",
                                                   pair_col="sentence2", label_col="tags", label_separator="|")).id)
    report = _check_run(match, Task("multi_label", pair=True), "tfidf-pair-ovr-logreg")
    assert report["summary"]["f1_micro"] > 0.8 and set(report["thresholds"]) == {"same_colour", "same_thing"}
    predictor = baseline_tasks.load_task_predictor(match.id)
    scores = predictor(["the red car is old", "the red car is old"], ["the red car is new", "the blue door is new"])
    first, second = scores >= predictor.thresholds
    assert first.all() and not second.any()


def test_the_baseline_uses_the_split_training_would_use_and_is_reused():
    dataset_id = _store(scored_frame(200, seed=3), Task("regression"), label_col="score")
    source = _source(dataset_id, seed=5, test_size=0.25)
    run = baseline.train_baseline(source.id)
    df = datasets.load_frame(dataset_id)
    parts = split_frame(df.assign(label=df["label"].astype(float)), test_size=0.25, validation_size=0.1, seed=5,
                        task=Task("regression"))
    predictions = results.load_predictions(run.id)
    assert predictions["text"].tolist() == parts["test"]["text"].tolist()
    assert np.allclose(predictions["label"], parts["test"]["label"].astype(float))
    assert baseline.train_baseline(_source(dataset_id, seed=5, test_size=0.25, learning_rate=1e-3).id).id == run.id
    assert baseline.train_baseline(_source(dataset_id, seed=6, test_size=0.25).id).id != run.id


def test_cli_baseline_prints_the_kinds_metrics(capsys):
    source = _source(_store(tagged_frame(200), Task("multi_label"), label_col="tags", label_separator="|"))
    assert cli.main(["baseline", source.id]) == 0
    out = capsys.readouterr().out
    assert "micro F1" in out and "subset accuracy" in out and "accuracy 0." not in out.replace("subset accuracy", "")
    assert cli.main(["baseline", source.id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task"] == "multi_label" and 0.5 < data["final_metrics"]["f1_micro"] <= 1


@pytest.mark.integration
def test_baseline_is_tested_on_exactly_the_rows_of_a_real_multi_label_run():
    dataset_id = _store(tagged_frame(240, seed=1), Task("multi_label"), label_col="tags", label_separator="|")
    run = jobs.submit(RunConfig(dataset_id=dataset_id, model="tiny-random-bert", max_steps=10, batch_size=16))
    run = wait_for(run.id, {"completed", "failed"})
    assert run.status == "completed", run.error
    base = baseline.train_baseline(run.id)
    trained, ours = results.load_predictions(run.id), results.load_predictions(base.id)
    assert ours[["row_id", "text", "label"]].equals(trained[["row_id", "text", "label"]])
    assert base.info["labels"] == run.info["labels"] and base.info["task"] == run.info["task"]
    assert base.final_metrics["f1_micro"] > run.final_metrics["f1_micro"]  # 10 steps of a random model: TF-IDF wins
