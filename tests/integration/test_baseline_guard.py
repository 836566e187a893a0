"""The end of a real run checks the TF-IDF baseline (issue 16, item 4): a tiny random model trained for 10 steps
loses to TF-IDF + logistic regression on the separable generated sentiment data, and every place says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core import paths, results, store
from tests.conftest import ROOT, module_workspace, train_tiny_in

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("guard-home")


@pytest.fixture(scope="module")
def run_id(module_home: Path, models_dir: Path) -> str:
    return train_tiny_in(module_home, models_dir, rows=400)


@pytest.fixture
def home(module_home: Path, models_dir: Path):
    with module_workspace(module_home, models_dir):
        yield module_home


def test_report_and_run_info_record_that_the_baseline_won(home, run_id):
    report = results.load_report(run_id)
    check = report["baseline_check"]
    assert check["status"] == "done", check
    base, model = check["baseline"], check["model"]
    assert base["accuracy"] > 0.9 and base["n_train"] == 280 and base["sampled"] is False and base["fit_seconds"] < 30
    assert base["accuracy"] > model["accuracy"] or base["f1_macro"] > model["f1_macro"]
    verdict = check["verdict"]
    assert verdict["sentence"].startswith("The TF-IDF baseline beat this model on this split: accuracy ")
    # 10 steps of a random model: the step limit and the loss near ln 2 are named, then the Auto preset.
    assert any("max steps to 0" in tip and "10 steps" in tip for tip in verdict["suggestions"])
    assert verdict["suggestions"][-1] == "Try the Auto preset, which picks these from the data."

    run = store.require_run(run_id)
    assert run.info["baseline_check"] == check
    assert "versions" in run.info and "parameters" in run.info  # merged into the info training wrote, not replacing it
    assert "baseline check" in run.info["finish_seconds"]
    # The final metrics are the model's, not the baseline's.
    assert run.final_metrics["accuracy"] == pytest.approx(model["accuracy"]) == pytest.approx(report["summary"]["accuracy"])
    assert run.final_metrics["f1_macro"] == pytest.approx(model["f1_macro"])
    log = (paths.run_dir(run_id) / "train.log").read_text()
    assert "baseline check took" in log and "The TF-IDF baseline beat this model" in log


def test_show_prints_the_verdict(home, run_id):
    shown = subprocess.run([sys.executable, "-m", "core", "show", run_id], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "note: The TF-IDF baseline beat this model on this split" in shown.stdout
