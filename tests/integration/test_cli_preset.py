"""`python -m core train --preset Auto`: the recipe is applied to the imported example, explicit flags win, and the
reasons are printed to stderr and recorded with the run."""

import json
import subprocess
import sys

import pytest

from core import store
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_train_with_the_auto_preset_prints_its_reasons_and_explicit_flags_win():
    result = subprocess.run(
        [sys.executable, "-m", "core", "train", "--example", "finance_sentiment", "--preset", "Auto",
         "--model", "tiny-random-bert", "--epochs", "1", "--max-length", "32"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    reasons = [line for line in result.stderr.splitlines() if line.startswith("auto: ")]
    assert any("3 classes → head learning rate ×" in r for r in reasons), result.stderr
    assert any("training texts, 3 classes →" in r and "epochs" in r for r in reasons)
    assert "accuracy" in json.loads(result.stdout[result.stdout.index("{"):])  # the final metrics JSON
    (run,) = store.list_runs()
    assert run.status == "completed" and run.config["epochs"] == 1 and run.config["max_length"] == 32
    assert run.config["head_lr_multiplier"] > 1  # Auto's choice for what the flags left open
    assert run.info["preset"] == "Auto" and [f"auto: {r}" for r in run.info["recipe_reasons"]] == reasons
