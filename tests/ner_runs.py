"""Finished NER runs without training, for the report and compare tests (issue 21): a store row, a
predictions.parquet and a hand-built report.json in the layout core.evaluate.report_ner writes (the brief's
contract), with every number computed from the predictions by core.ner.metrics, so the tests do not depend on the
report builder.  Seeded: the same arguments always give the same run.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd

from core import results, store
from core.config import RunConfig
from core.evaluate.intervals import bootstrap_intervals
from core.ner import metrics
from core.store import Run

TYPES = ("LOC", "ORG", "PER")
WORDS = {"PER": ["Maria", "Pemberly", "Chen", "Wei"], "ORG": ["Acme", "Corp", "United", "Mills"],
          "LOC": ["Oslo", "New", "York", "Lagos"], "O": ["told", "the", "in", "visited", "<b>bold</b>", "a", "on"]}


def gold_sentences(n: int, seed: int = 0) -> list[tuple[list[str], list[str]]]:
    """``n`` (words, BIO tags) sentences of 3–10 words with 0–3 entities of one or two words each."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(n):
        words: list[str] = []
        tags: list[str] = []
        while len(words) < rng.randint(3, 10):
            kind = rng.choice(["O", "O", *TYPES])
            if kind == "O":
                words.append(rng.choice(WORDS["O"]))
                tags.append("O")
                continue
            length = rng.choice([1, 2])
            words += [rng.choice(WORDS[kind]) for _ in range(length)]
            tags += [f"B-{kind}"] + [f"I-{kind}"] * (length - 1)
        sentences.append((words, tags))
    return sentences


def degrade(tags: list[str], quality: float, rng: random.Random) -> list[str]:
    """Tags with each entity kept at ``quality``, otherwise dropped, cut short, or given another type; now and then
    an invented one-word entity."""
    out = list(tags)
    for type_, start, end in metrics.sentence_entities([tags])[0]:
        if rng.random() < quality:
            continue
        mistake = rng.choice(["drop", "type", "cut"])
        if mistake == "drop" or (mistake == "cut" and end - start == 1):
            out[start:end] = ["O"] * (end - start)
        elif mistake == "type":
            other = rng.choice([t for t in TYPES if t != type_])
            out[start:end] = [f"B-{other}"] + [f"I-{other}"] * (end - start - 1)
        else:
            out[end - 1] = "O"
    outside = [i for i, tag in enumerate(tags) if tag == "O"]
    if outside and rng.random() < (1 - quality) / 3:  # now and then an entity where there is none (spurious)
        out[rng.choice(outside)] = f"B-{rng.choice(TYPES)}"
    return out


def _spans(tags: list[str], confidence: list[float] | None = None) -> list[list[Any]]:
    found = metrics.sentence_entities([tags])[0]
    if confidence is None:
        return [[t, s, e] for t, s, e in found]
    return [[t, s, e, round(min(confidence[s:e]), 3)] for t, s, e in found]


def ner_report(frame: pd.DataFrame, run_info: dict[str, Any]) -> dict[str, Any]:
    """A report.json for a NER predictions frame, in the contract's layout."""
    gold = [s.split() for s in frame["label"]]
    pred = [s.split() for s in frame["pred"]]
    p, r, f, support = metrics.precision_recall_fscore_support(gold, pred, average="micro")
    macro = metrics.precision_recall_fscore_support(gold, pred, average="macro")
    per = metrics.precision_recall_fscore_support(gold, pred)
    types = metrics.entity_types(gold, pred)
    n_pred = sum(len(e) for e in metrics.sentence_entities(pred))
    confusion = metrics.type_confusion(gold, pred)
    errors = []
    for row, words, g, q, conf in zip(frame["row_id"], frame["text"], gold, pred, frame["word_confidence"], strict=True):
        if g == q:
            continue
        kinds = sorted({o for o in _outcomes(g, q) if o != "correct"}) or ["spurious"]
        errors.append({"row_id": int(row), "words": words.split(), "gold": _spans(g),
                       "pred": _spans(q, [float(c) for c in conf.split()]), "kinds": kinds})
    return {
        "task": {"target": "ner", "pair": False},
        "summary": {"f1": f, "precision": p, "recall": r, "f1_macro": macro[2], "precision_macro": macro[0],
                    "recall_macro": macro[1], "token_accuracy": metrics.accuracy_score(gold, pred),
                    "n_sentences": len(gold), "n_entities": int(support), "n_predicted": n_pred},
        "intervals": bootstrap_intervals("ner", gold, pred, n_resamples=200),
        "per_type": [{"type": t, "precision": float(a), "recall": float(b), "f1": float(c), "support": int(d),
                      "predicted": sum(e[0] == t for s in metrics.sentence_entities(pred) for e in s)}
                     for t, a, b, c, d in zip(types, *per, strict=True)],
        "confusion": {"rows": list(confusion.matrix.index), "columns": list(confusion.matrix.columns),
                      "matrix": confusion.matrix.to_numpy().tolist()},
        "outcomes": {"rows": list(confusion.outcomes.index), "columns": list(confusion.outcomes.columns),
                     "matrix": confusion.outcomes.to_numpy().tolist()},
        "errors": sorted(errors, key=lambda e: -len(e["kinds"])),
        "efficiency": {"train_seconds": 12.0, "throughput_texts_per_s": 80.0, "latency_p50_ms": 5.0},
        "run": {**run_info, "labels": list(TYPES)},
    }


def _outcomes(gold: list[str], pred: list[str]) -> list[str]:
    table = metrics.type_confusion([gold], [pred]).outcomes
    return [o for o in table.columns for _ in range(int(table[o].sum()))]


def fake_ner_run(dataset_id: str = "ds-ner", *, name: str = "ner run", quality: float = 0.8, seed: int = 0,
                 n_sentences: int = 60, config: dict | None = None) -> Run:
    """A completed NER run on ``dataset_id``'s test sentences (the same sentences for the same dataset)."""
    cfg = RunConfig(**{"dataset_id": dataset_id, "model": "tiny-random-bert", **(config or {})}).to_dict()
    info = {"dataset_name": dataset_id, "task": {"target": "ner", "pair": False}, "labels": list(TYPES),
            "parameters": {"total": 1000, "trainable": 900 + seed}}
    run = store.create_run(cfg, name=name, dataset_id=dataset_id, status="completed", info=info)
    rng, noise = random.Random(seed), np.random.default_rng(seed)
    rows = []
    for i, (words, tags) in enumerate(gold_sentences(n_sentences, seed=len(dataset_id))):
        pred = degrade(tags, quality, rng)
        conf = np.round(noise.uniform(0.5, 1.0, len(words)), 3)
        rows.append({"row_id": i, "text": " ".join(words), "label": " ".join(tags), "pred": " ".join(pred),
                     "confidence": float(conf.min()), "word_confidence": " ".join(map(str, conf))})
    frame = pd.DataFrame(rows)
    report = ner_report(frame, {"name": name, "id": run.id, "model": "tiny-random-bert", "config": cfg,
                                "task": info["task"]})
    results.write_results(run.id, frame, report)
    final = {k: float(v) for k, v in report["summary"].items() if not k.startswith("n_")}
    store.add_metric_points(run.id, [(s, s / 10, "train", "loss", 1.0 / s) for s in range(1, 21)]
                            + [(20, 2.0, "validation", "f1", quality)])
    store.update_run(run.id, final_metrics=final, started_at=run.created_at - 60, finished_at=run.created_at)
    return store.require_run(run.id)
