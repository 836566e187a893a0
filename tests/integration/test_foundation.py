"""End to end through the real worker subprocess: train a tiny model on real data, read results."""

import json
import subprocess
import sys

import pytest

from core import paths, store
from core import results as runs
from core.config import RunConfig
from core.data.examples import example_path
from core.jobs import queue as jobs
from tests.conftest import ROOT, save_sample, wait_for

pytestmark = pytest.mark.integration


def test_tiny_run_completes_with_history_metrics_and_a_loadable_model():
    dataset_id = save_sample(400)
    run = jobs.submit(RunConfig(dataset_id=dataset_id, model="tiny-random-bert", epochs=2, batch_size=16,
                                learning_rate=1e-3))
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "completed", done.error
    history = runs.history(run.id)
    train_loss = history[(history["split"] == "train") & (history["name"] == "loss")]
    assert len(train_loss) >= 5
    assert set(history[history["split"] == "validation"]["name"]) >= {"loss", "accuracy", "f1_macro"}
    for key in ("accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro"):
        assert 0.0 <= done.final_metrics[key] <= 1.0
    predictions = runs.load_predictions(run.id)
    assert len(predictions) == 80 and {"prob::negative", "prob::positive"} <= set(predictions.columns)
    report = runs.load_report(run.id)
    assert report["confusion"]["labels"] == ["negative", "positive"]
    assert done.info["versions"]["torch"].startswith("2.13")

    # The saved model loads with a plain pipeline in a fresh process and speaks the user's label names.
    model_dir = paths.run_dir(run.id) / "model"
    assert (model_dir / "model.safetensors").is_file()
    code = ("import json, sys\nfrom transformers import pipeline\n"
            f"clf = pipeline('text-classification', model={str(model_dir)!r})\n"
            "print(json.dumps(clf(['a wonderful film', 'dull and boring'])))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, check=True)
    labels = {item["label"] for item in json.loads(out.stdout.strip().splitlines()[-1])}
    assert labels <= {"negative", "positive"}


def test_cli_trains_from_a_file_and_prints_final_metrics():
    result = subprocess.run(
        [sys.executable, "-m", "core", "train", "--data", str(example_path("finance_sentiment")), "--model", "tiny-random-bert",
         "--max-steps", "6", "--batch-size", "16"],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    run_id = lines[0]
    metrics = json.loads("\n".join(lines[1:]))
    assert 0 <= metrics["accuracy"] <= 1
    shown = subprocess.run([sys.executable, "-m", "core", "show", run_id, "--json"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60, check=True)
    assert json.loads(shown.stdout)["status"] == "completed"
    listed = subprocess.run([sys.executable, "-m", "core", "runs"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run_id in listed.stdout


def test_cli_bad_input_is_one_error_line(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "core", "train", "--data", str(empty)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    bad = subprocess.run([sys.executable, "-m", "core", "train", "--data", str(example_path("finance_sentiment")), "--lr", "0"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "learning_rate" in bad.stderr
    # Nothing left behind: bad data and bad settings store neither a dataset nor a run.
    assert store.list_datasets() == []
    assert not any(p.name.startswith(".incoming-") for p in (paths.home() / "datasets").glob(".*"))
    assert store.list_runs() == []


def test_missing_model_fails_with_one_sentence():
    dataset_id = save_sample(100)
    run = jobs.submit(RunConfig(dataset_id=dataset_id, model="no-such-org/no-such-model", max_steps=2))
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "failed"
    assert "could not be found" in done.error and "\n" not in done.error
    assert "Traceback" in (paths.run_dir(run.id) / "train.log").read_text()
