"""Comparing multi-label and regression runs (issue 18): each kind's metric table, the sentence for runs of different
kinds, the leaderboard ranked by each dataset's headline metric (errors lowest first), validation curves, per-label F1,
the regression runs' prediction differences, the `compare` CLI and the score in `core runs` / `core show`.

Runs are fabricated: store rows with ``info["task"]`` and final metrics, and predictions and reports made by the
same builders as real runs (no training).
"""

from __future__ import annotations

import json
import math
import zlib

import numpy as np
import pandas as pd
import pytest

from core import cli, results, store
from core.compare import alignment, curves, leaderboard, loading, tables
from core.config import RunConfig
from core.errors import RunError
from core.evaluate.report_multilabel import build_multilabel_report
from core.evaluate.report_regression import build_regression_report
from core.store import Run
from core.tasks import Task, label_matrix

TAGS = ["billing", "bug", "shipping"]


def _test_rows(dataset_id: str, task: Task, n: int) -> pd.DataFrame:
    """The test split of a fabricated dataset: the same rows for every run on it."""
    rng = np.random.default_rng(zlib.crc32(dataset_id.encode()))
    texts = [f"message {i} of {dataset_id}" for i in range(n)]
    if task.regression:
        label = np.round(rng.uniform(0, 5, n), 2)
    else:
        label = ["|".join(t for t in TAGS if rng.random() < 0.4) for _ in range(n)]
    frame = pd.DataFrame({"text": texts, "label": label})
    return frame.assign(text_pair=[f"reply {i}" for i in range(n)]) if task.pair else frame


def fake_task_run(task: Task, dataset_id: str = "ds-ml", *, name: str = "run", quality: float = 0.8, seed: int = 0,
                  dataset_name: str | None = None, kind: str | None = None, n_steps: int = 60,
                  config: dict | None = None, n_test: int = 120) -> Run:
    """A completed multi-label or regression run: metric points, predictions, report and final metrics."""
    cfg = RunConfig(**{"dataset_id": dataset_id, "model": "tiny-random-bert", **(config or {})}).to_dict()
    info = {"dataset_name": dataset_name or dataset_id, "task": task.to_dict(), "labels": TAGS if task.multi_label else ["score"],
            "parameters": {"total": 1000, "trainable": 900 + seed}, **({"kind": kind} if kind else {})}
    run = store.create_run(cfg, name=name, dataset_id=dataset_id, status="completed", info=info)
    test = _test_rows(dataset_id, task, n_test)
    rng = np.random.default_rng(seed)
    if task.regression:
        scores = (test["label"].to_numpy() + rng.normal(0, 2 * (1 - quality), n_test)).reshape(-1, 1)
        labels, thresholds = ["score"], None
    else:
        truth = label_matrix(test["label"], TAGS)
        flipped = rng.random(truth.shape) < (1 - quality) / 2  # these decisions go wrong
        scores = np.clip(np.where(flipped, 1 - truth, truth) * 0.6 + 0.2 + rng.normal(0, 0.05, truth.shape), 0, 1)
        labels, thresholds = TAGS, np.full(len(TAGS), 0.5)
    predictions = results.task_predictions_frame(test, task, labels, scores, thresholds)
    eff = {"train_seconds": 30.0 + seed, "throughput_texts_per_s": 100.0 + seed, "latency_p50_ms": 3.0}
    run_info = {"name": name, "id": run.id}
    report = (build_regression_report(predictions, efficiency=eff, run_info=run_info) if task.regression else
              build_multilabel_report(predictions, TAGS, thresholds, efficiency=eff, run_info=run_info))
    results.write_results(run.id, predictions, report)
    watched = curves.validation_metrics(task)
    points = [(s, s / 20, "train", "loss", 1.0 / s) for s in range(1, n_steps + 1)]
    points += [(s, s / 20, "validation", m, quality * s / n_steps) for s in range(20, n_steps + 1, 20) for m in watched]
    store.add_metric_points(run.id, points)
    final = {k: float(v) for k, v in report["summary"].items()
             if isinstance(v, int | float) and not isinstance(v, bool) and not k.startswith("n_")}
    store.update_run(run.id, final_metrics=final, started_at=run.created_at - 60, finished_at=run.created_at)
    return store.require_run(run.id)


MULTI, REG = Task("multi_label"), Task("regression")


def test_each_kind_gets_its_own_metric_table():
    a = fake_task_run(MULTI, name="A", quality=0.6, seed=1)
    b = fake_task_run(MULTI, name="B", quality=0.95, seed=2)
    table = tables.metric_table([a, b])
    assert list(table.values.index) == ["f1_micro", "f1_macro", "f1_samples", "subset_accuracy", "hamming_loss"]
    assert table.best["f1_micro"] == [b.id] and table.best["hamming_loss"] == [b.id]  # Hamming loss: lower is better
    x = fake_task_run(REG, "ds-reg", name="X", quality=0.5, seed=3)
    y = fake_task_run(REG, "ds-reg", name="Y", quality=0.9, seed=4)
    reg = tables.metric_table([x, y], reference_id=y.id)
    assert list(reg.values.index) == ["mse", "mae", "pearson", "spearman", "r2"]
    assert reg.best["mse"] == [y.id] and reg.best["mae"] == [y.id] and reg.best["spearman"] == [y.id]
    assert reg.deltas.at["mse", x.id] > 0  # X's error is larger
    assert tables.format_value("hamming_loss", 0.0312) == "3.1%" and tables.format_value("spearman", 0.74123) == "0.741"
    assert tables.format_value("mse", 12.3456) == "12.35" and tables.format_delta("mae", -0.25) == "-0.25"
    assert tables.format_delta("subset_accuracy", 0.02) == "+2.0 pts" and tables.format_delta("r2", 0.1) == "+0.100"


def test_runs_of_different_kinds_are_not_lined_up():
    ml = fake_task_run(MULTI, name="tags")
    reg = fake_task_run(REG, "ds-reg", name="scores", seed=1)
    assert tables.common_task([ml, reg]) is None and tables.common_task([ml, ml]) == MULTI
    sentence = tables.kinds_problem([ml, reg])
    assert str(sentence).startswith("These runs are not compared side by side because they are of different kinds "
                                    "(multi-label, regression)")
    assert "多标签、回归" in sentence.in_language("zh")
    assert tables.kinds_problem([ml, fake_task_run(MULTI, name="more", seed=2)]) is None
    with pytest.raises(RunError, match="different kinds"):
        tables.comparison([ml.id, reg.id])


def test_a_queued_run_has_its_datasets_kind():
    from core.data import library as datasets

    frame = pd.DataFrame({"text": ["a b", "c d", "e f"], "label": [1.0, 2.5, 4.0]})
    dataset_id = datasets.save_frame(frame, name="numbers", task=REG).id
    queued = store.create_run(RunConfig(dataset_id=dataset_id).to_dict(), name="q", dataset_id=dataset_id)
    assert loading.run_task(queued) == REG
    old = store.create_run(RunConfig().to_dict(), name="old", dataset_id="gone", status="completed")
    store.update_run(old.id, final_metrics={"accuracy": 0.9, "f1_macro": 0.8})
    assert loading.run_task(store.require_run(old.id)) == Task()  # finished before kinds existed


def test_leaderboard_ranks_each_dataset_by_its_headline_metric():
    from bench.bench_compare import fabricate_run

    for i, q in enumerate([0.6, 0.9, 0.75]):
        fake_task_run(MULTI, "ds-ml", name=f"ml{i}", quality=q, seed=i, dataset_name="tickets")
    for i, q in enumerate([0.9, 0.4]):
        fake_task_run(REG, "ds-reg", name=f"reg{i}", quality=q, seed=10 + i, dataset_name="ratings")
    fabricate_run("ds-sl", name="sl", accuracy=0.8, dataset_name="reviews")
    board = leaderboard.leaderboard()
    by_dataset = {name: part for name, part in board.groupby("dataset")}
    assert set(by_dataset["tickets"]["metric"]) == {"f1_micro"} and set(by_dataset["ratings"]["metric"]) == {"spearman"}
    assert set(by_dataset["reviews"]["metric"]) == {"f1_macro"}
    assert by_dataset["tickets"]["run"].tolist() == ["ml1", "ml2", "ml0"] and by_dataset["tickets"]["rank"].tolist() == [1, 2, 3]
    assert by_dataset["ratings"]["run"].tolist() == ["reg0", "reg1"]
    assert set(by_dataset["tickets"]["task"]) == {"multi_label"}
    # Errors rank lowest first; datasets without the metric are left out.
    by_mse = leaderboard.leaderboard("mse")
    assert set(by_mse["dataset"]) == {"ratings"} and by_mse["mse"].is_monotonic_increasing
    by_hamming = leaderboard.leaderboard("hamming_loss")
    assert by_hamming["hamming_loss"].is_monotonic_increasing and by_hamming["run"].iloc[0] == "ml1"
    with pytest.raises(RunError, match="not a metric"):
        leaderboard.leaderboard("loudness")


def test_curves_and_per_label_f1_follow_the_kind():
    a = fake_task_run(MULTI, name="A", quality=0.6, seed=1)
    b = fake_task_run(MULTI, name="B", quality=0.9, seed=2)
    assert curves.validation_metrics(MULTI)[0] == "f1_micro" and curves.validation_metrics(REG)[0] == "spearman"
    data = curves.curves([a, b], names=("loss", *curves.validation_metrics(MULTI)))
    assert set(data[data["split"] == "validation"]["name"]) == {"f1_micro", "f1_macro"}
    frame = tables.per_class_f1([a, b], {r.id: loading.load_report(r.id) for r in (a, b)})
    assert list(frame.index) == TAGS and (frame[b.id] >= 0).all()


def test_multi_label_disagreements_compare_label_sets():
    a = fake_task_run(MULTI, name="A", quality=0.6, seed=1)
    b = fake_task_run(MULTI, name="B", quality=0.95, seed=2)
    result = alignment.disagreements([a, b], {r.id: loading.load_predictions(r.id) for r in (a, b)})
    assert result.method == "row_id" and len(result.frame) > 0
    row = result.frame.iloc[0]
    assert row["n_correct"] == sum(row[r.id] == row["label"] for r in (a, b))


def test_regression_runs_are_compared_by_how_far_apart_their_predictions_are():
    x = fake_task_run(REG, "ds-reg", name="X", quality=0.5, seed=3)
    y = fake_task_run(REG, "ds-reg", name="Y", quality=0.9, seed=4)
    result = alignment.prediction_differences([x, y], {r.id: loading.load_predictions(r.id) for r in (x, y)})
    frame = result.frame
    assert result.method == "row_id" and len(frame) == 120 and frame["spread"].is_monotonic_decreasing
    assert frame["spread"].iloc[0] == pytest.approx(abs(frame[x.id].iloc[0] - frame[y.id].iloc[0]))
    nearest = np.where(abs(frame[x.id] - frame["label"]) <= abs(frame[y.id] - frame["label"]), x.id, y.id)
    assert frame["closest"].tolist() == nearest.tolist()
    assert str(result.sentence).startswith("All runs were tested on the same 120 examples")
    # Another split: matched by text, and still numbers (no label-set check for numeric targets).
    z = fake_task_run(REG, "ds-reg", name="Z", seed=5, config={"seed": 7})
    preds = {r.id: loading.load_predictions(r.id) for r in (x, z)}
    preds[z.id] = preds[z.id].iloc[:50].assign(row_id=range(50))
    moved = alignment.prediction_differences([x, z], preds)
    assert moved.method == "text" and len(moved.frame) == 50 and moved.frame["label"].dtype == float


def test_pair_runs_are_aligned_with_both_texts():
    pair = Task("regression", pair=True)
    a = fake_task_run(pair, "ds-pair", name="A", seed=1)
    b = fake_task_run(pair, "ds-pair", name="B", seed=2, config={"seed": 9})  # other split settings: matched by text
    result = alignment.prediction_differences([a, b], {r.id: loading.load_predictions(r.id) for r in (a, b)})
    assert result.method == "text" and "text_pair" in result.frame.columns and len(result.frame) == 120


def test_cli_compare_of_one_kind_and_of_different_kinds(capsys):
    x = fake_task_run(REG, "ds-reg", name="X", quality=0.5, seed=3)
    y = fake_task_run(REG, "ds-reg", name="Y", quality=0.9, seed=4)
    assert cli.main(["compare", x.id, y.id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task"] == "regression" and list(data["metrics"]) == ["mse", "mae", "pearson", "spearman", "r2"]
    assert data["best"]["spearman"] == [y.id] and set(data["lower_is_better"]) == {"mse", "mae"}
    assert cli.main(["compare", x.id, y.id]) == 0
    out = capsys.readouterr().out
    assert "Spearman correlation" in out and "Kind: A number per text (regression)" in out
    ml = fake_task_run(MULTI, name="tags")
    assert cli.main(["compare", x.id, ml.id]) == 1
    assert "different kinds" in capsys.readouterr().err


def test_runs_and_show_print_each_runs_score_and_kind(capsys):
    from bench.bench_compare import fabricate_run

    ml = fake_task_run(MULTI, name="tags run", quality=0.9)
    reg = fake_task_run(REG, "ds-reg", name="scores run", seed=1)
    sl = fabricate_run("ds-sl", name="classes run", accuracy=0.8)
    assert cli.main(["runs"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert f"micro-F1 {ml.final_metrics['f1_micro']:.3f}" in lines[ml.id]
    assert f"Spearman {reg.final_metrics['spearman']:.3f}" in lines[reg.id]
    acc, f1 = sl.final_metrics["accuracy"], sl.final_metrics["f1_macro"]
    assert f" {acc:.3f}  {f1:.3f}  macro-F1 {f1:.3f} " in lines[sl.id]  # accuracy and macro-F1 stay for one label
    assert cli.main(["show", reg.id]) == 0
    out = capsys.readouterr().out
    assert "task: regression — A number per text (regression)" in out and "score: Spearman" in out
    assert str(tables.score_message(ml)) == f"micro-F1 {ml.final_metrics['f1_micro']:.3f}"
    assert tables.score_message(store.create_run(RunConfig().to_dict(), name="new", dataset_id="x")) is None
    assert math.isnan(tables.headline(store.create_run(RunConfig().to_dict(), name="n2", dataset_id="x"))[1])
