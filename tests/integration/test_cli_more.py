"""CLI: check-data, report export, --detach / stop / cancel / resume, --config reproduction."""

import json
import re
import subprocess
import sys

import pytest

from core import paths, store
from core.config import RunConfig
from core.data.examples import example_path
from core.jobs import queue as jobs
from tests.conftest import ROOT, save_sample, wait_for

pytestmark = pytest.mark.integration


def _cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_check_data_reports_and_exits_by_trainability(tmp_path):
    ok = _cli("check-data", str(example_path("finance_sentiment")), "--json")
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["text_column"] == "text" and report["label_column"] == "label" and report["n_rows"] == 505
    one_class = tmp_path / "one.csv"
    one_class.write_text("text,label\n" + "".join(f"sentence number {i},same\n" for i in range(30)))
    bad = _cli("check-data", str(one_class))
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr


def test_report_cli_writes_standalone_html_and_json(tmp_path):
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=6))
    assert wait_for(run.id, {"completed", "failed"}).status == "completed"
    html = tmp_path / "report.html"
    result = _cli("report", run.id, "--html", str(html), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"summary", "per_class", "confusion", "calibration", "robustness", "efficiency"} <= set(report)
    # Temperature scaling (on by default): fitted on validation, folded into the saved head, stated in config.json.
    scaling = report["calibration"]["temperature_scaling"]
    assert scaling["validation_rows"] == 20 and 0.05 <= scaling["temperature"] <= 20
    assert scaling["validation_nll_after"] <= scaling["validation_nll_before"] + 1e-9
    assert {"ece", "reliability", "mean_confidence"} <= set(scaling["before"])
    saved = json.loads((paths.run_dir(run.id) / "model" / "config.json").read_text())
    assert saved["calibration_temperature"] == scaling["temperature"]
    text = html.read_text()
    assert f"divided by {scaling['temperature']:.2f}" in text
    assert "<html" in text.lower() and len(text) > 1_000_000  # plotly.js inlined once
    assert not re.search(r"<script[^>]*\bsrc\s*=", text, re.IGNORECASE)  # no external scripts: opens offline


def test_detach_stop_cancel_resume_and_config_reproduction():
    dataset_id = save_sample(200)
    first = _cli("train", "--dataset-id", dataset_id, "--model", "tiny-random-bert", "--max-steps", "3000",
                 "--batch-size", "8", "--detach")
    assert first.returncode == 0, first.stderr
    run_id = first.stdout.strip()
    queued = _cli("train", "--dataset-id", dataset_id, "--model", "tiny-random-bert", "--max-steps", "5", "--detach")
    second_id = queued.stdout.strip()
    shown = json.loads(_cli("show", second_id, "--json").stdout)
    assert shown["status"] == "queued" and shown["queue_position"] == 1
    assert _cli("cancel", second_id).returncode == 0
    stopped = _cli("stop", run_id, timeout=60)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stdout + stopped.stderr
    assert store.get_run(run_id).status == "stopped"
    resumed = _cli("resume", run_id, "--detach")
    assert resumed.returncode == 0 and "resume" in resumed.stdout
    assert _cli("stop", run_id, timeout=60).returncode == 0

    # A run's saved config reproduces it: same settings, new run.
    from core import paths

    again = _cli("train", "--config", str(paths.run_dir(run_id) / "config.json"), "--max-steps", "4")
    assert again.returncode == 0, again.stderr
    new_id = again.stdout.strip().splitlines()[0]
    old, new = store.get_run(run_id).config, store.get_run(new_id).config
    assert {k: v for k, v in old.items() if k not in {"max_steps", "resume_from"}} == \
        {k: v for k, v in new.items() if k not in {"max_steps", "resume_from"}}


def test_train_with_seeds_queues_a_group_and_prints_its_spread():
    dataset_id = save_sample(120)
    result = _cli("train", "--dataset-id", dataset_id, "--model", "tiny-random-bert", "--max-steps", "3",
                  "--seeds", "0,1", timeout=480)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    ids, summary = lines[:2], json.loads("\n".join(lines[2:]))
    runs = [store.require_run(i) for i in ids]
    assert [r.config["seed"] for r in runs] == [0, 1] and runs[0].info["seed_group"] == runs[1].info["seed_group"]
    assert summary["group"] == runs[0].info["seed_group"] and [r["status"] for r in summary["runs"]] == ["completed"] * 2
    accuracy = summary["metrics"]["accuracy"]
    assert accuracy["n"] == 2 and accuracy["min"] <= accuracy["mean"] <= accuracy["max"] and accuracy["sd"] is not None
    bad = _cli("train", "--dataset-id", dataset_id, "--seeds", "1,1")
    assert bad.returncode == 2 and "not a list of seeds" in bad.stderr and "Traceback" not in bad.stderr
