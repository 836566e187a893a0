"""The TF-IDF + logistic regression baseline: same split as its source run, metrics equal to a direct
scikit-learn computation, stored as a complete run that every view can show."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core import cli, paths, store
from core.compare import alignment, leaderboard, tables
from core.config import RunConfig
from core.data import library as datasets
from core.data.splits import split_frame
from core.errors import DataError, RunError
from core.evaluate import baseline
from core.jobs import queue as jobs
from tests.conftest import save_sample, wait_for


def _source(dataset_id: str, **changes) -> store.Run:
    """A run that was only configured (no training needed: the baseline reads its config)."""
    config = RunConfig(dataset_id=dataset_id, model="tiny-random-bert", **changes)
    return store.create_run(config.to_dict(), name="source", dataset_id=dataset_id, status="completed",
                            info={"dataset_name": "sst2-sample"})


def test_metrics_equal_a_direct_scikit_learn_computation_on_the_same_split():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    dataset_id = save_sample(400)
    source = _source(dataset_id, test_size=0.25, validation_size=0.1, seed=7)
    run = baseline.train_baseline(source.id)

    df = datasets.load_frame(dataset_id)
    df["label"] = df["label"].astype(str)
    parts = split_frame(df, test_size=0.25, validation_size=0.1, seed=7)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, max_features=200_000, sublinear_tf=True, strip_accents="unicode")
    model = LogisticRegression(C=4.0, max_iter=2000, random_state=7)
    model.fit(vectorizer.fit_transform(parts["train"]["text"].astype(str)), parts["train"]["label"])
    pred = model.predict(vectorizer.transform(parts["test"]["text"].astype(str)))
    truth = parts["test"]["label"]

    assert run.final_metrics["accuracy"] == pytest.approx(accuracy_score(truth, pred), abs=1e-12)
    assert run.final_metrics["f1_macro"] == pytest.approx(f1_score(truth, pred, average="macro"), abs=1e-12)
    report = json.loads((paths.run_dir(run.id) / "report.json").read_text())
    assert report["summary"]["accuracy"] == pytest.approx(run.final_metrics["accuracy"])
    predictions = pd.read_parquet(paths.run_dir(run.id) / "predictions.parquet")
    assert predictions["text"].tolist() == parts["test"]["text"].astype(str).tolist()  # same rows, same order
    assert predictions["pred"].tolist() == list(pred)


def test_baseline_is_a_complete_run():
    dataset_id = save_sample(300)
    source = _source(dataset_id, class_weighted_loss=True)
    run = baseline.train_baseline(source.id)
    assert run.status == "completed" and run.finished_at and run.started_at
    assert run.config["model"] == "tfidf-logreg" and run.config["dataset_id"] == dataset_id
    assert run.info["kind"] == "baseline" and run.parent_id == source.id
    assert run.info["parameters"]["trainable"] > 0 and run.pid is None
    folder = paths.run_dir(run.id)
    predictions = pd.read_parquet(folder / "predictions.parquet")
    assert {"row_id", "text", "label", "pred", "confidence", "prob::negative", "prob::positive"} <= set(predictions.columns)
    assert np.allclose(predictions[["prob::negative", "prob::positive"]].sum(axis=1), 1.0)
    report = json.loads((folder / "report.json").read_text())
    assert len(report["robustness"]) == 5
    assert report["efficiency"]["throughput_texts_per_s"] > 0 and report["efficiency"]["latency_p50_ms"] > 0
    assert report["run"]["model"] == "tfidf-logreg"
    points = store.metric_points(run.id)
    assert set(zip(points["split"], points["name"], strict=True)) == {
        ("train", "loss"), ("validation", "loss"), ("validation", "accuracy"), ("validation", "f1_macro")}
    # It shows up in the comparison and the leaderboard like any run.
    assert tables.metric_table([source, run]).values.at["accuracy", run.id] == run.final_metrics["accuracy"]
    board = leaderboard.leaderboard("accuracy")
    assert board.set_index("run_id").at[run.id, "kind"] == "baseline"


def test_saved_model_reloads_without_pickle():
    dataset_id = save_sample(200)
    run = baseline.train_baseline(_source(dataset_id).id)
    predict, labels = baseline.load_predictor(run.id)
    predictions = pd.read_parquet(paths.run_dir(run.id) / "predictions.parquet")
    proba = predict(predictions["text"].tolist())
    assert labels == ["negative", "positive"]
    assert np.allclose(proba, predictions[[f"prob::{x}" for x in labels]].to_numpy())
    with pytest.raises(RunError, match="no saved TF-IDF"):
        baseline.load_predictor(_source(dataset_id).id)


def test_clear_errors_for_runs_without_usable_data():
    orphan = store.create_run({"model": "m"}, name="orphan", dataset_id=None, status="completed")
    with pytest.raises(RunError, match="has no dataset"):
        baseline.train_baseline(orphan.id)
    dataset_id = save_sample(100)
    source = _source(dataset_id)
    datasets.delete(dataset_id)
    with pytest.raises(DataError):
        baseline.train_baseline(source.id)
    with pytest.raises(RunError, match="no run"):
        baseline.train_baseline("missing")
    assert [r.id for r in store.list_runs()] == [source.id, orphan.id]  # nothing half-made was left behind


def test_cli_baseline(capsys):
    source = _source(save_sample(200))
    assert cli.main(["baseline", source.id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["parent_id"] == source.id and 0 <= data["final_metrics"]["accuracy"] <= 1
    assert cli.main(["baseline", source.id]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert cli.main(["baseline", "missing"]) == 1


@pytest.mark.integration
def test_baseline_uses_exactly_the_test_set_of_a_real_training_run():
    run = jobs.submit(RunConfig(dataset_id=save_sample(400), model="tiny-random-bert", max_steps=10))
    run = wait_for(run.id, {"completed", "failed"})
    assert run.status == "completed", run.error
    base = baseline.train_baseline(run.id)
    trained = pd.read_parquet(paths.run_dir(run.id) / "predictions.parquet")
    ours = pd.read_parquet(paths.run_dir(base.id) / "predictions.parquet")
    assert ours[["row_id", "text", "label"]].equals(trained[["row_id", "text", "label"]])
    aligned = alignment.align_predictions([run, base], {run.id: trained, base.id: ours})
    assert aligned.method == "row_id"


def test_pressing_baseline_twice_returns_the_existing_run():
    dataset_id = save_sample(200)
    source = _source(dataset_id, seed=3)
    first = baseline.train_baseline(source.id)
    again = baseline.train_baseline(source.id)  # the second press, or a press after leaving the page
    assert again.id == first.id
    twin = _source(dataset_id, seed=3, learning_rate=1e-3)  # another run on the same split: same baseline
    assert baseline.train_baseline(twin.id).id == first.id
    assert baseline.existing_baseline(twin.id).id == first.id
    other_split = baseline.train_baseline(_source(dataset_id, seed=4).id)
    assert other_split.id != first.id
    weighted = baseline.train_baseline(_source(dataset_id, seed=3, class_weighted_loss=True).id)
    assert weighted.id not in {first.id, other_split.id}
    kinds = [r for r in store.list_runs() if r.info.get("kind") == "baseline"]
    assert len(kinds) == 3
    # A baseline whose model files were removed is not reused: a fresh one is trained.
    (paths.run_dir(first.id) / "model" / "baseline.json").unlink()
    assert baseline.train_baseline(source.id).id != first.id
