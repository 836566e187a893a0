"""Serving a named-entity (NER) run (issue 21 item 4): entities on raw text with character offsets, batch prediction
through the worker process, the ``predict`` CLI, and the export whose model card's code runs in a fresh interpreter
with nothing of Tuneboard importable (a plain ``pipeline("token-classification", aggregation_strategy="simple")``).

One tiny run is trained once for the module through the CLI and the real worker (tiny-random-bert tags junk: the
shapes and the offsets are what is tested, and that every path gives the same entities).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from core import store
from core.serve import export, ner_predict, predict
from core.serve import loading as serving
from tests.conftest import ROOT, module_workspace

pytestmark = pytest.mark.integration

SAMPLE = ROOT / "core" / "ner" / "example_data" / "news_entities.conll"
TEXTS = ["Maria Pemberly, a spokeswoman for Corvan University, declined to comment.",
         "李明在北京大学工作。",
         "Heavy rain closed roads between Draymouth and Quarry Point overnight " * 12 + "in Kestrel Bay"]


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m core …`` in a subprocess with this process's environment (TUNEBOARD_HOME included)."""
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def train_ner_run(home: Path, models_dir: Path) -> str:
    """Train one tiny NER run on the team's CoNLL sample in ``home`` (CLI → scheduler → worker); its id."""
    with module_workspace(home, models_dir):
        done = cli("train", "--data", str(SAMPLE), "--model", "tiny-random-bert", "--epochs", "1",
                   "--max-length", "32")
        assert done.returncode == 0, done.stderr[-3000:]
        run = store.list_runs()[0]
        assert run.status == "completed" and run.info["task"]["target"] == "ner"
        return run.id


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ner-serving-home")


@pytest.fixture(scope="module")
def ner_run(module_home: Path, models_dir: Path) -> str:
    return train_ner_run(module_home, models_dir)


@pytest.fixture
def home(module_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUNEBOARD_HOME", str(module_home))
    return module_home


def test_predict_entities_gives_exact_character_spans_from_the_folder_or_the_run(home, ner_run):
    bundle = serving.load_run_model(ner_run, device="cpu")
    assert type(bundle.model).__name__.endswith("ForTokenClassification")
    assert bundle.max_length == 32 and bundle.labels[0] == "O"
    found = ner_predict.predict_entities(bundle, TEXTS)
    assert len(found) == len(TEXTS)
    for text, ents in zip(TEXTS, found, strict=True):
        for e in ents:
            assert text[e["start"]:e["end"]] == e["text"] and e["type"] in {"LOC", "MISC", "ORG", "PER"}
            assert 0 < e["score"] <= 1
    assert any(found), "the random tiny model tags something"
    assert found[2] and found[2][-1]["end"] <= len(TEXTS[2])  # a text of ~130 words: many windows of 32
    from_folder = ner_predict.predict_entities(serving.model_dir(ner_run), TEXTS, max_length=32)
    assert from_folder == found


def test_batch_prediction_runs_in_the_worker_and_outputs_spans(home, ner_run):
    df = pd.DataFrame({"id": [1, 2, 3, 4], "sentence": [*TEXTS, None]})
    job_id = predict.start_job(ner_run, df, "sentence", source_name="news.csv")
    deadline = time.time() + 180
    while predict.job_progress(job_id)["state"] in {"queued", "running"} and time.time() < deadline:
        time.sleep(0.5)
    status = predict.job_progress(job_id)
    assert status["state"] == "completed", status
    result = predict.job_result(job_id)
    assert result.columns.tolist() == ["id", "sentence", "entities", "entities_text"]
    expected = ner_predict.predict_entities(serving.load_run_model(ner_run, device="cpu"), [*TEXTS, ""])
    assert [ner_predict.parse_entities(c) for c in result["entities"]] == expected
    assert result["entities_text"].tolist() == [ner_predict.entities_text(e) for e in expected]
    lines = [json.loads(x) for x in ner_predict.to_jsonl_bytes(result, "sentence").decode().splitlines()]
    assert [x["text"] for x in lines] == [*TEXTS, None] and [x["id"] for x in lines] == [1, 2, 3, 4]
    back = pd.read_csv(io.BytesIO(predict.to_csv_bytes(result)), encoding="utf-8-sig")
    assert back.columns.tolist() == ["id", "sentence", "entities", "entities_text"]


def test_predict_cli_prints_json_spans_and_writes_jsonl(home, ner_run, tmp_path):
    done = cli("predict", ner_run, "--text", TEXTS[0])
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    assert answer["text"] == TEXTS[0] and isinstance(answer["entities"], list)
    for e in answer["entities"]:
        assert TEXTS[0][e["start"]:e["end"]] == e["text"]
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": TEXTS}).to_csv(source, index=False)
    done = cli("predict", ner_run, "--file", str(source), "--out", str(tmp_path / "out.jsonl"))
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["text"] for r in rows] == TEXTS and all(isinstance(r["entities"], list) for r in rows)
    bad = cli("predict", ner_run, "--file", str(source), "--out", str(tmp_path / "out.txt"))
    assert bad.returncode != 0 and "error: Cannot write ‘.txt’ files" in bad.stderr


def test_export_loads_in_a_fresh_process_with_the_cards_own_code(home, ner_run, tmp_path):
    out = export.export_zip(ner_run, tmp_path / "ner.zip")
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "unzipped")
    assert {"README.md", "labels.json", "model/config.json", "model/model.safetensors"} <= names
    card = (tmp_path / "unzipped" / "README.md").read_text()
    assert "pipeline_tag: token-classification" in card and "F1 (micro)" in card
    snippet = export.usage_snippet(ner_run)
    assert 'pipeline("token-classification", model="model", aggregation_strategy="first")' in snippet
    assert snippet.strip() in card
    # The card's code as a user would run it: in the unzipped folder, Tuneboard not importable, no network.
    code = snippet.replace("print(tagger(", "import json\nresult = (tagger(") + \
        "print(json.dumps([{k: (float(v) if k == 'score' else v) for k, v in e.items()} for e in result]))\n"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "unzipped", capture_output=True, text=True,
                          timeout=180, env={**env, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    groups = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(groups, list)
    for group in groups:
        assert {"entity_group", "score", "word", "start", "end"} <= set(group)
        assert group["entity_group"] in {"LOC", "MISC", "ORG", "PER"}


def test_int8_export_is_refused_with_one_sentence(home, ner_run, tmp_path):
    done = cli("export", ner_run, "--out", str(tmp_path / "x.zip"), "--int8")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1] == (
        "error: int8 copies are made for single-text, single-label runs only; this run is named-entity recognition "
        "(finding the people, organisations, places … named in a text). Export the full-precision model instead.")
