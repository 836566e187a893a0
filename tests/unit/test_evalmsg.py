"""Sentences core makes for the compare, report, efficiency and playground views (issue 17): each is a message
whose English text is the sentence printed before (byte for byte: the literal old f-strings below) and whose
Chinese has no English left but the values filled in."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bench.bench_compare import fabricate_run
from core import i18n, store
from core.compare import alignment, loading
from core.config import RunConfig
from core.evaluate import latency
from core.evaluate.report import build_report
from core.i18n import Message
from core.results import MAX_SLICE_VALUES
from core.serve import loading as serving
from tests.ui.i18n_check import english_words
from tests.unit.test_compare import runs_on_different_splits


def _chinese_is_clean(said: Message, *data: str) -> None:
    """Every key in both languages, and no English in the Chinese but the data (run ids, devices)."""
    assert said.key in i18n.catalogue("en") and said.key in i18n.catalogue("zh")
    chinese = said.in_language("zh")
    assert chinese != str(said) and english_words(chinese, data) == [], chinese


def test_every_evalmsg_key_exists_in_both_languages_with_the_same_placeholders():
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh")
    mine = sorted(k for k in english if k.startswith("evalmsg."))
    assert mine and mine == sorted(k for k in chinese if k.startswith("evalmsg."))
    assert [k for k in mine if i18n.placeholders(english[k]) != i18n.placeholders(chinese[k])] == []
    # Every status a run can have but "completed" has its own sentence (so the status is translated with it).
    assert {f"evalmsg.playground.status.{s}" for s in store.STATUSES if s != "completed"} <= set(mine)


# ---------------------------------------------------------------------------- core.compare.alignment
def test_confusion_alignment_sentences_are_unchanged_in_english():
    a = fabricate_run("ds-a", labels=("negative", "positive"), seed=1)
    b = fabricate_run("ds-b", labels=("neg", "neutral", "pos"), seed=2)
    reports = {r.id: loading.load_report(r.id) for r in (a, b)}
    differ = alignment.confusion_alignment([a, b], reports)
    assert differ.message == "Confusion matrices cannot be aligned because the runs have different label sets."
    _chinese_is_clean(differ.sentence)
    missing = alignment.confusion_alignment([a, b], {a.id: reports[a.id], b.id: None})
    assert missing.message == f"Run(s) {b.id} have no confusion matrix yet; only completed runs have one."
    _chinese_is_clean(missing.sentence, b.id)
    same = alignment.confusion_alignment([a, a], reports)
    assert same.aligned and same.sentence is None and same.message == ""


def test_disagreement_sentences_are_unchanged_in_english():
    runs = [fabricate_run("ds-a", name=f"r{i}", accuracy=0.7 + 0.1 * i, seed=i) for i in range(2)]
    result = alignment.disagreements(runs, {r.id: loading.load_predictions(r.id) for r in runs})
    n, k = len(loading.load_predictions(runs[0].id)), len(result.frame)
    assert result.message == f"All runs were tested on the same {n} examples (same dataset and split). The runs disagree on {k} of them."
    _chinese_is_clean(result.sentence)
    assert f"{n} 个样本" in result.sentence.in_language("zh") and f"{k} 个样本" in result.sentence.in_language("zh")
    assert json.loads(json.dumps(result.sentence.to_dict())) == result.sentence.to_dict()  # plain JSON params


def test_sentences_of_runs_matched_by_text_are_unchanged_in_english():
    runs, frames = runs_on_different_splits()
    aligned = alignment.align_predictions(runs, frames)
    assert aligned.message == ("The runs used different splits; 20 test examples appear in every run's test split and are "
                               "matched by their text.")
    _chinese_is_clean(aligned.sentence)
    result = alignment.disagreements(runs, frames)
    assert result.message == f"{aligned.message} The runs disagree on {len(result.frame)} of them."
    _chinese_is_clean(result.sentence)


def test_sentences_of_runs_that_cannot_be_aligned_are_unchanged_in_english():
    a = fabricate_run("ds-a", seed=1)
    b = fabricate_run("ds-b", seed=2)
    c = fabricate_run("ds-a", seed=3, config={"seed": 7})  # other split seed: no texts in common with a
    d = fabricate_run("ds-a", labels=("x", "y", "z"), seed=4)
    e = fabricate_run("ds-a", seed=5, with_files=False)
    cases = [
        ((a, b), "The test examples cannot be aligned because the runs were trained on different datasets."),
        ((a, c), "The runs' test sets share no examples, so their predictions cannot be compared example by example."),
        ((a, d), "The test examples cannot be aligned because the runs have different label sets."),
        ((a, e), f"Run(s) {e.id} have no test predictions yet; only completed runs have them."),
    ]
    for runs, old in cases:
        result = alignment.disagreements(list(runs), {r.id: loading.load_predictions(r.id) for r in runs})
        assert result.frame is None and result.message == old
        _chinese_is_clean(result.sentence, e.id)


# ---------------------------------------------------------------------------- core.evaluate.report
def test_skipped_slices_keep_the_english_reason_and_store_the_message():
    n = 120
    frame = pd.DataFrame({"row_id": range(n), "text": [f"t{i}" for i in range(n)], "label": ["a", "b"] * (n // 2),
                          "pred": ["a"] * n, "row_copy": [f"r{i}" for i in range(n)]})
    report = build_report(frame, ["a", "b"], slice_columns=["row_copy", "missing_column"])
    skipped = {s["column"]: s for s in report["slices_skipped"]}
    assert skipped["row_copy"]["reason"] == f"It has {n} distinct values; slices need 2 to {MAX_SLICE_VALUES}."
    assert skipped["missing_column"]["reason"] == "The column is not in the predictions."
    assert json.loads(json.dumps(report))["slices_skipped"] == report["slices_skipped"]  # as report.json keeps it
    for entry in skipped.values():
        assert i18n.localize(entry["message"], "en") == entry["reason"]
        _chinese_is_clean(Message(entry["message"]["key"], entry["message"]["params"]))
    assert i18n.localize(skipped["row_copy"]["message"], "zh") == f"该列有 {n} 个不同的值；切片需要 2 到 {MAX_SLICE_VALUES} 个。"


# ---------------------------------------------------------------------------- core.evaluate.latency
@pytest.mark.parametrize(("measurement", "place"), [
    ({"device": "cpu", "threads": 4, "n_single": 20, "batch_size": 32}, "the CPU (4 threads)"),
    ({"device": "cpu"}, "the CPU"),
    ({}, "the CPU"),
    ({"device": "cuda:0", "n_single": 50, "batch_size": 16}, "the GPU (cuda:0)"),
    ({"device": "mps", "threads": 8}, "mps"),
])
def test_the_latency_sentence_is_unchanged_in_english(measurement, place):
    n_single, batch = measurement.get("n_single") or latency.N_SINGLE, measurement.get("batch_size") or latency.BATCH_SIZE
    old = (f"Latency: median of {n_single} one-text calls on {place}, tokenisation included; "
           f"throughput: batches of {batch}.")
    assert latency.describe(measurement) == old
    assert latency.where(measurement) == place  # the same place where() names
    _chinese_is_clean(latency.describe_message(measurement))


# ---------------------------------------------------------------------------- core.serve.loading
def test_playground_problems_are_unchanged_in_english():
    assert serving.playground_problem("nosuchrun") == "There is no run nosuchrun; it may have been deleted."
    _chinese_is_clean(serving.playground_problem_message("nosuchrun"), "nosuchrun")
    config = RunConfig(dataset_id="ds-x", model="tiny-random-bert").to_dict()
    for status in [s for s in store.STATUSES if s != "completed"]:
        run = store.create_run(config, name=status, dataset_id="ds-x", status=status)
        assert serving.playground_problem(run.id) == f"Run {run.id} is {status}; only completed runs have a model to try."
        _chinese_is_clean(serving.playground_problem_message(run.id), run.id)
    done = store.create_run(config, name="done", dataset_id="ds-x", status="completed")
    assert serving.playground_problem(done.id) == (f"The model files of run {done.id} are missing from the workspace; "
                                                   "train the run again.")
    _chinese_is_clean(serving.playground_problem_message(done.id), done.id)
    base = store.create_run(config, name="base", dataset_id="ds-x", status="completed", info={"kind": "baseline"})
    assert serving.playground_problem(base.id) == (f"The saved TF-IDF baseline of run {base.id} is missing; "
                                                   "train the baseline again.")
    _chinese_is_clean(serving.playground_problem_message(base.id), base.id)


def test_an_unknown_status_still_gets_a_sentence():
    config = RunConfig(dataset_id="ds-x", model="tiny-random-bert").to_dict()
    run = store.create_run(config, name="odd", dataset_id="ds-x", status="queued")
    with store.transaction() as conn:  # not a status Tuneboard writes: an old or hand-edited store
        conn.execute("UPDATE runs SET status = 'paused' WHERE id = ?", (run.id,))
    assert store.require_run(run.id).status == "paused"
    assert serving.playground_problem(run.id) == f"Run {run.id} is paused; only completed runs have a model to try."
    assert run.id in serving.playground_problem_message(run.id).in_language("zh")
