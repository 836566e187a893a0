"""Comparison data: curves of runs of different lengths, metric table, config diff, per-class F1,
confusion alignment, disagreements, the leaderboard and the `compare` CLI (fabricated runs, no training)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from bench.bench_compare import fabricate_run, fake_predictions
from core import cli, paths, store
from core.compare import alignment, curves, leaderboard, loading, tables
from core.errors import RunError
from core.evaluate.report import METRIC_NAMES
from core.plots import compare_figures, confusion
from core.plots import curves as charts


def test_curves_of_runs_with_different_lengths():
    short = fabricate_run("ds-a", name="short", n_steps=40, eval_every=10, seed=1)
    long = fabricate_run("ds-a", name="long", n_steps=300, eval_every=100, seed=2)
    data = curves.curves([short, long], names=("loss", "accuracy"))
    train = data[(data["split"] == "train") & (data["name"] == "loss")]
    assert train.groupby("label").size().to_dict() == {"short": 40, "long": 300}
    assert train.groupby("label")["x"].max().to_dict() == {"short": 40, "long": 300}
    val = data[(data["split"] == "validation") & (data["name"] == "accuracy")]
    assert val.groupby("run_id").size().to_dict() == {short.id: 4, long.id: 3}
    by_epoch = curves.curves([short, long], x="epoch")
    assert by_epoch["x"].max() == pytest.approx(3.0, rel=0.02)  # both runs end after about 3 epochs
    by_time = curves.curves([short, long], x="time")
    assert (by_time["x"] >= 0).all()
    fig = compare_figures.curves_figure(data, name="loss")
    assert {t.name for t in fig.data} == {"short · train", "short · validation", "long · train", "long · validation"}
    with pytest.raises(RunError, match="x axis"):
        curves.curves([short, long], x="hours")


def test_long_histories_are_thinned_for_drawing():
    run = fabricate_run("ds-a", n_steps=10_000, eval_every=1000, seed=3, with_files=False)
    data = curves.curves([run])
    train = data[(data["split"] == "train") & (data["name"] == "loss")]
    assert len(train) == charts.MAX_POINTS
    assert train["step"].max() == 10_000 and train["step"].is_monotonic_increasing
    full = store.metric_points(run.id, names=["loss"], split="train")
    # Bucket means keep the overall level of the curve.
    assert train["value"].mean() == pytest.approx(full["value"].mean(), rel=0.01)
    assert len(data[data["split"] == "validation"]) == 10  # short series come back unchanged


def test_store_thinning_matches_a_hand_computed_example():
    run = fabricate_run("ds-a", n_steps=1, eval_every=1, seed=3, with_files=False)
    store.add_metric_points(run.id, [(step, step / 10, "train", "probe", float(step - 1)) for step in range(1, 11)])
    out = store.metric_series(run.id, names=["probe"], max_points=5)
    assert out["step"].tolist() == [2, 4, 6, 8, 10]  # each bucket of two steps keeps its last step...
    assert out["value"].tolist() == [0.5, 2.5, 4.5, 6.5, 8.5]  # ...and the mean of its values
    assert len(store.metric_series(run.id, names=["probe"], max_points=10)) == 10  # short series come back whole


def test_metric_table_best_values_and_deltas():
    a = fabricate_run("ds-a", name="A", accuracy=0.70, seed=1)
    b = fabricate_run("ds-a", name="B", accuracy=0.90, seed=2)
    table = tables.metric_table([a, b], reference_id=a.id)
    assert table.reference_id == a.id
    acc = table.values.loc["accuracy"]
    assert table.best["accuracy"] == [acc.idxmax()]
    assert table.deltas.at["accuracy", a.id] == 0
    assert table.deltas.at["accuracy", b.id] == pytest.approx(acc[b.id] - acc[a.id])
    losses = table.values.loc["log_loss"]
    assert table.best["log_loss"] == [losses.idxmin()]  # lower is better for log loss
    assert tables.format_delta("accuracy", 0.013) == "+1.3 pts"
    assert tables.format_delta("log_loss", -0.25) == "-0.250"


def test_metric_table_uses_stored_metrics_when_a_run_has_no_report():
    a = fabricate_run("ds-a", name="A", seed=1)
    b = fabricate_run("ds-a", name="B", seed=2, with_files=False, accuracy=0.5)
    table = tables.metric_table([a, b])
    assert table.values.at["accuracy", b.id] == 0.5
    assert math.isnan(table.values.at["log_loss", b.id])


def test_config_diff_shows_only_what_differs():
    a = fabricate_run("ds-a", name="A", config={"learning_rate": 1e-5})
    b = fabricate_run("ds-a", name="B", config={"learning_rate": 3e-5, "batch_size": 32})
    c = fabricate_run("ds-a", name="C", config={"learning_rate": 1e-5})
    diff = tables.config_diff([a, b, c])
    assert set(diff.index) == {"learning_rate", "batch_size"}  # names differ too but are not settings
    assert diff.loc["batch_size"].tolist() == ["16", "32", "16"]
    assert tables.config_diff([a, c]).empty


def test_per_class_f1_side_by_side_with_different_label_sets():
    a = fabricate_run("ds-a", labels=("negative", "positive"), seed=1)
    b = fabricate_run("ds-b", labels=("neg", "neutral", "pos"), seed=2)
    reports = {r.id: loading.load_report(r.id) for r in (a, b)}
    frame = tables.per_class_f1([a, b], reports)
    assert set(frame.index) == {"negative", "positive", "neg", "neutral", "pos"}
    assert frame.loc["neutral", a.id] != frame.loc["neutral", a.id]  # NaN: run A has no such class
    assert 0 <= frame.loc["neutral", b.id] <= 1
    assert len(compare_figures.per_class_figure(frame, loading.run_labels([a, b])).data) == 2


def test_confusion_matrices_cannot_be_aligned_across_label_sets():
    a = fabricate_run("ds-a", labels=("negative", "positive"), seed=1)
    b = fabricate_run("ds-b", labels=("neg", "neutral", "pos"), seed=2)
    reports = {r.id: loading.load_report(r.id) for r in (a, b)}
    result = alignment.confusion_alignment([a, b], reports)
    assert not result.aligned
    assert result.message == "Confusion matrices cannot be aligned because the runs have different label sets."


def test_confusion_matrices_share_class_order_when_labels_match():
    a = fabricate_run("ds-a", labels=("x", "y", "z"), seed=1)
    b = fabricate_run("ds-a", labels=("x", "y", "z"), seed=2)
    reports = {r.id: loading.load_report(r.id) for r in (a, b)}
    result = alignment.confusion_alignment([a, b], reports)
    assert result.aligned and sorted(result.labels) == ["x", "y", "z"]
    fig = confusion.confusion_matrix_figure(reports[b.id], order=result.labels, max_classes=None)
    assert list(fig.data[0].x) == result.labels


def test_disagreements_aligned_by_row_id_on_the_same_split():
    runs = [fabricate_run("ds-a", name=f"r{i}", accuracy=0.7 + 0.1 * i, seed=i) for i in range(3)]
    preds = {r.id: loading.load_predictions(r.id) for r in runs}
    result = alignment.disagreements(runs, preds)
    assert result.method == "row_id"
    matrix = np.column_stack([preds[r.id].sort_values("row_id")["pred"] for r in runs])
    expected = int((matrix != matrix[:, :1]).any(axis=1).sum())
    assert len(result.frame) == expected > 0
    row = result.frame.iloc[0]
    assert row["n_correct"] == sum(row[r.id] == row["label"] for r in runs)
    assert f"disagree on {expected} of them" in result.message


def runs_on_different_splits():
    """Two runs whose split settings differ: 20 of their test texts are shared (run B gets them all wrong)."""
    a = fabricate_run("ds-a", name="A", seed=1)
    b = fabricate_run("ds-a", name="B", seed=2, config={"seed": 7})
    shared = fake_predictions("ds-a", ["negative", "positive"], n_test=50, seed=5)
    other = fake_predictions("ds-a", ["negative", "positive"], n_test=30, seed=6, split_seed=7)
    frames = {a.id: shared, b.id: pd.concat([shared.iloc[:20].assign(pred="negative"), other]).assign(row_id=lambda d: range(len(d)))}
    return [a, b], frames


def test_different_split_settings_are_aligned_by_text():
    aligned = alignment.align_predictions(*runs_on_different_splits())
    assert aligned.method == "text" and len(aligned.frame) == 20
    assert "matched by their text" in aligned.message


def test_runs_that_share_no_examples_cannot_be_aligned():
    a = fabricate_run("ds-a", name="A", seed=1)
    b = fabricate_run("ds-a", name="B", seed=2, config={"seed": 7})  # different split seed: other texts
    result = alignment.disagreements([a, b], {r.id: loading.load_predictions(r.id) for r in (a, b)})
    assert result.frame is None and "share no examples" in result.message


def test_runs_on_different_datasets_cannot_be_aligned():
    a = fabricate_run("ds-a", seed=1)
    b = fabricate_run("ds-b", seed=2)
    result = alignment.disagreements([a, b], {r.id: loading.load_predictions(r.id) for r in (a, b)})
    assert result.frame is None
    assert result.message == "The test examples cannot be aligned because the runs were trained on different datasets."


def test_runs_without_predictions_are_named():
    a = fabricate_run("ds-a", seed=1)
    b = fabricate_run("ds-a", seed=2, with_files=False)
    result = alignment.align_predictions([a, b], {a.id: loading.load_predictions(a.id), b.id: None})
    assert result.frame is None and b.id in result.message


def test_hyperparameter_chart_with_text_and_numeric_settings():
    a = fabricate_run("ds-a", config={"learning_rate": 1e-5, "model": "org/model-a"}, accuracy=0.7)
    b = fabricate_run("ds-a", config={"learning_rate": 1e-4, "model": "model-b", "batch_size": 32}, accuracy=0.9, seed=1)
    frame = leaderboard.hyperparameter_frame([a, b], "accuracy")
    assert {"model", "learning_rate", "batch_size", "accuracy"} <= set(frame.columns)
    assert frame.loc[a.id, "model"] == "model-a"
    fig = compare_figures.parallel_figure(frame, "accuracy", metric_title=METRIC_NAMES["accuracy"])
    labels = [d.label for d in fig.data[0].dimensions]
    assert "learning rate (log)" in labels and labels[-1] == "Accuracy"


def test_leaderboard_groups_by_dataset_and_ranks():
    runs = [fabricate_run("ds-a", name=f"a{i}", accuracy=acc, seed=i, dataset_name="alpha") for i, acc in enumerate([0.6, 0.9, 0.75])]
    fabricate_run("ds-b", name="b0", accuracy=0.8, seed=9, dataset_name="beta")
    queued = store.create_run({"model": "m"}, name="queued", dataset_id="ds-a", info={"dataset_name": "alpha"})
    board = leaderboard.leaderboard("accuracy")
    assert queued.id not in set(board["run_id"])
    alpha = board[board["dataset"] == "alpha"]
    assert alpha["run"].tolist() == ["a1", "a2", "a0"] and alpha["rank"].tolist() == [1, 2, 3]
    assert alpha.iloc[0]["throughput_texts_per_s"] == 501.0  # from the report's efficiency section
    assert alpha.iloc[0]["trainable_parameters"] == 3_900_001
    assert alpha.iloc[0]["train_minutes"] == pytest.approx(61 / 60)
    by_loss = leaderboard.leaderboard("log_loss", runs)
    assert by_loss["log_loss"].is_monotonic_increasing  # lower is better
    with pytest.raises(RunError, match="not a metric"):
        leaderboard.leaderboard("speed")


def test_require_runs_limits():
    runs = [fabricate_run("ds-a", seed=i, with_files=False) for i in range(11)]
    with pytest.raises(RunError, match="at least 2"):
        loading.require_runs([runs[0].id, runs[0].id])
    with pytest.raises(RunError, match="at most 10"):
        loading.require_runs([r.id for r in runs])
    with pytest.raises(RunError, match="no run"):
        loading.require_runs([runs[0].id, "nope"])


def test_run_labels_disambiguate_equal_names():
    a = fabricate_run("ds-a", name="same", with_files=False)
    b = fabricate_run("ds-a", name="same", seed=1, with_files=False)
    labels = loading.run_labels([a, b])
    assert labels[a.id] != labels[b.id] and labels[a.id].startswith("same")


def test_cli_compare_text_and_json(capsys):
    a = fabricate_run("ds-a", name="A", accuracy=0.7, config={"learning_rate": 1e-5})
    b = fabricate_run("ds-a", name="B", accuracy=0.9, seed=1, config={"learning_rate": 2e-5})
    assert cli.main(["compare", a.id, b.id]) == 0
    out = capsys.readouterr().out
    assert "Accuracy" in out and "learning_rate" in out and "*" in out and "pts)" in out
    assert cli.main(["compare", a.id, b.id, "--json", "--reference", b.id]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reference"] == b.id
    assert data["config_diff"]["learning_rate"] == {a.id: "1e-05", b.id: "2e-05"}
    assert data["best"]["accuracy"] == [b.id]
    assert data["deltas"]["accuracy"][b.id] == 0
    assert cli.main(["compare", a.id]) == 1
    assert "at least 2" in capsys.readouterr().err


def test_half_written_files_read_as_missing():
    a = fabricate_run("ds-a", name="A", accuracy=0.6, seed=1)
    b = fabricate_run("ds-a", name="B", seed=2)
    (paths.run_dir(b.id) / "report.json").write_text('{"summary": {"accur')  # the trainer is still writing it
    (paths.run_dir(b.id) / "predictions.parquet").write_bytes(b"PAR1")
    assert loading.load_report(b.id) is None and loading.load_predictions(b.id) is None
    assert tables.metric_table([a, b]).values.at["accuracy", b.id] == b.final_metrics["accuracy"]
    assert "no test predictions yet" in alignment.align_predictions([a, b], {a.id: loading.load_predictions(a.id), b.id: None}).message


def test_single_evaluation_is_a_marker_and_baselines_stay_off_the_curves():
    once = fabricate_run("ds-a", name="once", n_steps=40, eval_every=40, seed=5)  # evaluated a single time
    base = fabricate_run("ds-a", name="base", n_steps=1, eval_every=1, seed=6)
    store.update_run(base.id, info={**base.info, "kind": "baseline"})
    base = store.require_run(base.id)
    trained, baselines = curves.without_curves([once, base])
    assert [r.id for r in trained] == [once.id] and [r.id for r in baselines] == [base.id]
    data = curves.curves(trained, names=("loss", "accuracy"))
    fig = compare_figures.curves_figure(data, name="accuracy", splits=("validation",))
    (trace,) = fig.data
    assert len(trace.x) == 1 and "markers" in trace.mode  # a lone point is visible, not an empty line
    loss = compare_figures.curves_figure(data, name="loss")
    assert {t.name for t in loss.data} == {"once · train", "once · validation"}
    # Nothing is stretched into a flat line across the step axis any more.
    assert all(len(t.x) == len(data[(data["name"] == "loss") & (data["split"] == t.name.split(" · ")[1])]) for t in loss.data)


def test_learning_rate_axis_reads_as_scientific_notation():
    history = pd.DataFrame({"step": [1, 2, 3], "split": "train", "name": "learning_rate", "value": [2e-4, 1.5e-4, 1e-4]})
    fig = charts.learning_rate_figure(history)
    assert fig.layout.yaxis.tickformat == charts.LR_FORMAT == ".2~e"  # 0.0002 -> "2e-4", never "200µ"
    assert charts.LR_FORMAT in fig.data[0].hovertemplate


def test_many_classes_keep_readable_labels_in_comparison_charts():
    labels = [f"intent_{i:02d}" for i in range(77)]
    frame = pd.DataFrame({"a": np.linspace(0, 1, 77), "b": np.linspace(1, 0, 77)}, index=pd.Index(labels, name="class"))
    fig = compare_figures.per_class_figure(frame, {"a": "A", "b": "B"})
    assert fig.layout.height >= 77 * 20 and fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tickfont.size >= 10
    counts = np.eye(77, dtype=int) * 5
    report = {"confusion": {"labels": labels, "counts": counts.tolist(), "normalized": (counts / 5).tolist()}}
    matrix = confusion.confusion_matrix_figure(report, normalized=True, max_classes=None)
    assert matrix.layout.height >= 77 * 20 and matrix.layout.width >= 77 * 20 and matrix.layout.xaxis.tickfont.size >= 10


def test_the_per_class_legend_sits_above_the_plot_and_the_title_names_the_rows():
    """Under the plot (y = -0.15) Streamlit drew the legend over the x axis' tick labels of a short chart."""
    frame = pd.DataFrame({"a": [1.0, 0.5], "b": [0.2, 0.9]}, index=pd.Index(["PER", "LOC"], name="type"))
    for unit, title in [("class", "F1 per class"), ("label", "F1 per label"), ("entity_type", "F1 per entity type")]:
        fig = compare_figures.per_class_figure(frame, {"a": "A", "b": "B"}, unit=unit)
        assert fig.layout.title.text == title
    assert (fig.layout.legend.y, fig.layout.legend.yanchor) == (1.0, "bottom") and fig.layout.margin.t >= 70
