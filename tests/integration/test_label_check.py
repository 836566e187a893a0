"""The label-error loop end to end: the CLI (find-issues → apply-fixes), the background job, and thorough mode's
fold runs through the real scheduler and worker processes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from core import results, store
from core.config import RunConfig
from core.data import library
from core.data.examples import example_bytes
from core.quality import detect, findings, job
from tests.conftest import ROOT, sentiment_sample, wait_for
from tests.unit.test_quality import flipped


def core_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


def test_find_issues_ranks_the_flips_first_and_apply_fixes_makes_a_better_version(tmp_path):
    clean = pd.read_csv(io.BytesIO(example_bytes("support_intents")))[["text", "label"]]
    noisy, flips = flipped(clean)
    data = tmp_path / "intents-noisy.csv"
    noisy.to_csv(data, index=False)

    found = core_cli("find-issues", str(data), "--json", "--all")
    assert found.returncode == 0, found.stderr
    report = json.loads(found.stdout)
    issues = [row for row in report["flagged"] if row["label_issue"]]
    assert len({row["row"] for row in issues[:30]} & set(flips)) >= 27
    assert report["summary"]["label_issues"] == len(issues)

    decisions = tmp_path / "decisions.csv"
    pd.DataFrame({"row": [r["row"] for r in issues], "action": "accept"}).to_csv(decisions, index=False)
    applied = core_cli("apply-fixes", report["dataset_id"], "--decisions", str(decisions), "--json")
    assert applied.returncode == 0, applied.stderr
    version = json.loads(applied.stdout)
    assert version["relabelled"] + len(version["protected_test_rows"]) == len(issues)
    # The parent is untouched; the version has fewer wrong labels outside the test split.
    parent = library.load_frame(report["dataset_id"])
    assert parent["label"].tolist() == noisy["label"].tolist()
    fixed = library.load_frame(version["dataset_id"])
    wrong_before = (parent["label"] != clean["label"]).sum()
    wrong_after = (fixed["label"] != clean["label"]).sum()
    assert wrong_after <= wrong_before - 0.6 * version["relabelled"]
    assert store.get_dataset(version["dataset_id"]).meta["lineage"]["parent"] == report["dataset_id"]


def test_bad_decisions_exit_2_with_one_sentence(tmp_path):
    dataset_id = library.save_frame(sentiment_sample(60), name="s").id
    decisions = tmp_path / "d.csv"
    decisions.write_text("row,action\n9999,exclude\n")
    done = core_cli("apply-fixes", dataset_id, "--decisions", str(decisions))
    assert done.returncode == 2
    assert done.stderr.strip() == "error: Row 9999 is not in this dataset (it has 60 rows, numbered from 0)."
    missing = core_cli("find-issues", "no-such-dataset")
    assert missing.returncode == 2 and "no stored dataset with id or name ‘no-such-dataset’" in missing.stderr
    assert len(store.list_datasets()) == 1


def test_the_background_job_reports_progress_and_stores_its_result():
    dataset_id = library.save_frame(sentiment_sample(120), name="s").id
    status = job.start(dataset_id, "fast")
    assert status["state"] == "running" and status["pid"]
    deadline = time.time() + 120
    while findings.read_status(dataset_id, "fast").get("state") == "running" and time.time() < deadline:
        time.sleep(0.3)
    status = findings.read_status(dataset_id, "fast")
    assert status["state"] == "done", status
    assert status["progress"] == 1.0
    rows, summary = findings.load_result(dataset_id, "fast")
    assert len(rows) == 120 and summary["mode"] == "fast"


def test_thorough_mode_trains_one_queued_run_per_fold_and_maps_their_predictions_back():
    df = sentiment_sample(60)
    dataset_id = library.save_frame(df, name="reviews").id
    base = RunConfig(dataset_id=dataset_id, model="tiny-random-bert", max_steps=3, calibrate=False)
    detection = job.run_check(dataset_id, "thorough", base=base)
    status = findings.read_raw_status(dataset_id, "thorough")
    run_ids = status["fold_runs"]
    folds = detect.fold_of_rows(df["label"])
    assert len(run_ids) == folds.max() + 1 == detect.FOLDS
    by_row = detection.rows.set_index("row")
    for fold, run_id in enumerate(run_ids):
        run = wait_for(run_id, {"completed"})
        assert run.info["label_check_of"] == dataset_id
        predictions = results.load_predictions(run_id)
        held_out = np.flatnonzero(folds == fold)
        assert predictions["text"].tolist() == df["text"].iloc[held_out].tolist()
        given = [predictions[results.prob_column(label)].iloc[i] for i, label in enumerate(df["label"].iloc[held_out])]
        np.testing.assert_allclose(by_row.loc[held_out, "given_prob"].to_numpy(), given)
    assert detection.summary["mode"] == "thorough" and detection.summary["model"] == "tiny-random-bert"
    assert [r.id for r in store.list_datasets()] == [dataset_id]  # the folds' datasets stay hidden
