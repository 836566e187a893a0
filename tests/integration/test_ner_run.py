"""Named-entity recognition end to end through the CLI and the real worker subprocess (issue 21).

The issue's check: ``python -m core train --data sample.conll`` completes; ``core report RUN --json`` has entity
precision/recall/F1 per type; the saved model answers a plain token-classification ``pipeline`` (in a fresh process)
with entity groups.  Also: validation scores are entity-level while training, and a sentence longer than the
model's window is tagged word for word (stride windows), not cut off.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core import results as runs
from core import store
from core.ner.table import tags_of, words_of
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

SAMPLE = ROOT / "core" / "ner" / "example_data" / "news_entities.conll"


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def _with_long_sentence(tmp_path):
    """The team's sample plus a few 90-word sentences (far past max_length 32 in sub-tokens)."""
    filler = "\n".join(f"Corvan B-ORG\nUniversity I-ORG\nsaid O\nthat O\nword{i} O" for i in range(18))
    text = SAMPLE.read_text(encoding="utf-8")
    long = "".join(f"\n\nMaria B-PER\nPemberly I-PER\nspoke O\n{filler}\nin O\nQuarry B-LOC\nPoint I-LOC\n. O"
                   for _ in range(4))
    path = tmp_path / "sample.conll"
    path.write_text(text.rstrip("\n") + long + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ner_run(tmp_path_factory, models_dir):
    from tests.conftest import module_workspace

    home = tmp_path_factory.mktemp("ner-home")
    data = _with_long_sentence(tmp_path_factory.mktemp("ner-data"))
    with module_workspace(home, models_dir):
        done = _cli("train", "--data", str(data), "--model", "tiny-random-bert", "--epochs", "2",
                    "--max-length", "32", "--eval-strategy", "epoch", "--test-size", "0.3")
        assert done.returncode == 0, done.stderr[-3000:]
        run_id = store.list_runs()[0].id
        yield home, run_id, done


def test_cli_train_on_a_conll_file_completes_with_entity_metrics(ner_run, models_dir):
    from tests.conftest import module_workspace

    home, run_id, done = ner_run
    assert "(ner)" in done.stderr and "LOC, MISC, ORG, PER" in done.stderr  # what was stored, said on import
    with module_workspace(home, models_dir):
        run = store.get_run(run_id)
        assert run.status == "completed", run.error
        assert run.info["task"] == {"target": "ner", "pair": False}
        assert run.info["labels"] == ["LOC", "MISC", "ORG", "PER"]
        assert set(run.final_metrics) >= {"f1", "precision", "recall", "f1_macro", "token_accuracy"}
        # the live view's validation curve is entity F1, written while training
        points = store.metric_points(run_id, split="validation")
        assert {"f1", "precision", "recall", "token_accuracy"} <= set(points["name"])


def test_report_json_has_per_type_entity_scores(ner_run, models_dir):
    from tests.conftest import module_workspace

    home, run_id, _ = ner_run
    with module_workspace(home, models_dir):
        result = _cli("report", run_id, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    per_type = {row["type"]: row for row in report["per_type"]}
    assert set(per_type) <= {"LOC", "MISC", "ORG", "PER"} and per_type
    for row in per_type.values():
        assert {"precision", "recall", "f1", "support", "predicted"} <= set(row)
        assert 0.0 <= row["f1"] <= 1.0
    assert sum(row["support"] for row in per_type.values()) == report["summary"]["n_entities"]
    assert report["confusion"]["rows"][-1] == "(none)" and report["confusion"]["columns"][-1] == "(missed)"
    assert {"f1", "precision", "recall"} <= set(report["summary"])


def test_every_test_word_gets_a_tag_even_in_sentences_longer_than_the_window(ner_run, models_dir):
    from tests.conftest import module_workspace

    home, run_id, _ = ner_run
    with module_workspace(home, models_dir):
        predictions = runs.load_predictions(run_id)
    lengths = [len(words_of(t)) for t in predictions["text"]]
    assert max(lengths) > 60  # a long sentence reached the test split (4 of them, 30 % test)
    for text, gold, pred in zip(predictions["text"], predictions["label"], predictions["pred"], strict=True):
        assert len(words_of(text)) == len(tags_of(gold)) == len(tags_of(pred))


def test_saved_model_answers_a_plain_token_classification_pipeline(ner_run, models_dir):
    home, run_id, _ = ner_run
    model_dir = home / "runs" / run_id / "model"
    assert (model_dir / "model.safetensors").is_file()
    code = ("import json, sys\nfrom transformers import pipeline\n"
            "p = pipeline('token-classification', model=sys.argv[1], aggregation_strategy='simple')\n"
            "out = p('Maria Pemberly spoke to Corvan University in Quarry Point.')\n"
            "print(json.dumps([{k: (float(v) if k == 'score' else v) for k, v in e.items()} for e in out]))")
    done = subprocess.run([sys.executable, "-c", code, str(model_dir)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    entities = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(entities, list)
    for entity in entities:  # a random tiny model tags junk, but in the pipeline's entity-group shape
        assert {"entity_group", "score", "word", "start", "end"} <= set(entity)
        assert entity["entity_group"] in {"LOC", "MISC", "ORG", "PER"}
