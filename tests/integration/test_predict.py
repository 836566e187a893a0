"""Batch prediction through the worker process (10,000 rows), in-process predictions and the predict CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from core import results as runs
from core.data.upload import read_table
from core.errors import DataError, RunError
from core.serve import loading as serving
from core.serve import predict, predict_worker
from tests.conftest import ROOT, sentiment_sample, train_tiny_in

pytestmark = pytest.mark.integration
HYPERLINK = '=HYPERLINK("http://evil.example","click me")'


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("predict-home")


@pytest.fixture(scope="module")
def run_id(module_home: Path, models_dir: Path) -> str:
    """One tiny completed run for the whole module."""
    return train_tiny_in(module_home, models_dir, rows=400)


@pytest.fixture
def home(module_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUNEBOARD_HOME", str(module_home))
    return module_home


def _wait_job(job_id: str, timeout: float = 600) -> dict:
    deadline = time.time() + timeout
    seen_running = False
    while time.time() < deadline:
        status = predict.job_progress(job_id)
        seen_running |= status.get("state") == "running"
        if status.get("state") in {"completed", "failed"}:
            return {**status, "seen_running": seen_running}
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {predict.job_progress(job_id)}")


def test_ten_thousand_rows_in_the_worker(home, run_id, tmp_path):
    texts = sentiment_sample(2000)["text"].tolist()
    rows = pd.DataFrame({"id": np.arange(10_000), "review": [texts[i % len(texts)] for i in range(10_000)],
                         "source": ["web", "mail"] * 5000})
    rows.loc[7, "review"] = HYPERLINK
    csv = tmp_path / "big.csv"
    rows.to_csv(csv, index=False)
    table = read_table(csv.read_bytes(), "big.csv")  # exactly what the upload widget does
    started = time.time()
    job_id = predict.start_job(run_id, table.df, "review", source_name="big.csv")
    status = _wait_job(job_id)
    elapsed = time.time() - started
    print(f"\n10,000-row batch prediction: {elapsed:.1f} s end to end, worker {status.get('seconds', 0):.1f} s")
    assert status["state"] == "completed", status
    assert status["done"] == status["total"] == 10_000
    result = predict.job_result(job_id)
    assert len(result) == 10_000
    assert list(result.columns) == ["id", "review", "source", "predicted_label", "confidence", "prob::negative", "prob::positive"]
    assert set(result["predicted_label"]) <= {"negative", "positive"}
    assert np.allclose(result[["prob::negative", "prob::positive"]].sum(axis=1), 1.0, atol=1e-5)
    assert result["review"].tolist()[:3] == rows["review"].tolist()[:3]  # input order kept
    assert not (predict.job_dir(job_id) / "input.parquet").exists()  # the output holds every column already
    back = pd.read_csv(pd.io.common.BytesIO(predict.to_csv_bytes(result)), encoding="utf-8-sig")
    assert back.loc[7, "review"] == "'" + HYPERLINK
    assert len(back) == 10_000


def test_in_process_predictions_match_the_saved_test_predictions(home, run_id):
    saved = runs.load_predictions(run_id)
    fresh = serving.predict_texts(run_id, saved["text"].tolist())
    assert list(fresh.columns) == ["text", "pred", "confidence", "prob::negative", "prob::positive"]
    assert np.allclose(fresh[["prob::negative", "prob::positive"]], saved[["prob::negative", "prob::positive"]], atol=1e-5)
    assert serving.predict_texts(run_id, []).empty


def test_bad_jobs_fail_with_one_sentence(home, run_id, tmp_path):
    df = pd.DataFrame({"text": ["a", "b"]})
    with pytest.raises(RunError, match="There is no run"):
        predict.start_job("no-such-run", df, "text")
    with pytest.raises(DataError, match="no column ‘body’"):
        predict.start_job(run_id, df, "body")
    # A worker whose run vanished leaves a failed job with one sentence (run in-process here).
    folder = predict.jobs_dir() / "0101-000000-abcdef"
    folder.mkdir(parents=True)
    df.to_parquet(folder / "input.parquet")
    predict.write_json(folder / "job.json", {"run_id": "no-such-run", "text_column": "text", "n_rows": 2})
    assert predict_worker.main(folder) == 1
    status = predict.job_progress("0101-000000-abcdef")
    assert status["state"] == "failed" and status["error"].startswith("There is no run") and "\n" not in status["error"]


def test_cli_predict_text_and_file(home, run_id, tmp_path):
    env_run = [sys.executable, "-m", "core", "predict", run_id]
    one = subprocess.run([*env_run, "--text", "a moving, beautiful film"], cwd=ROOT, capture_output=True, text=True,
                         timeout=180)
    assert one.returncode == 0, one.stderr
    answer = json.loads(one.stdout)
    assert answer["label"] in {"negative", "positive"} and abs(sum(answer["probabilities"].values()) - 1) < 1e-4
    source = tmp_path / "in.csv"
    pd.DataFrame({"comment": ["great fun", HYPERLINK, "dull"], "n": [1, 2, 3]}).to_csv(source, index=False)
    out = subprocess.run([*env_run, "--file", str(source), "--out", str(tmp_path / "out.xlsx")], cwd=ROOT,
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    assert [c.value for c in sheet[1]] == ["comment", "n", "predicted_label", "confidence", "prob::negative", "prob::positive"]
    assert sheet["A3"].value == "'" + HYPERLINK and sheet["A3"].data_type == "s"
    bad = subprocess.run([*env_run, "--file", str(source), "--out", str(tmp_path / "out.json")], cwd=ROOT,
                         capture_output=True, text=True, timeout=180)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr
