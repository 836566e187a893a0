"""Named-entity recognition on the built-in news sample: Auto against the lookup baseline, and on names never seen.

The built-in sample (``core/ner/example_data/news_entities.conll``) reuses a small list of invented names, so a random
test split mostly holds names seen in training and a lookup table already scores well there.  What shows whether a
model learnt *entities* rather than a name list is a second test set whose names are all new: the same generator and
templates, every name list replaced by other invented names (``UNSEEN``).  For each seed:

1. store the sample, apply the Auto preset and train through the real queue and worker (what the UI and CLI do);
2. read the run's report (its own test split) and its lookup baseline (``core.ner.baseline`` on the same split);
3. tag 300 unseen-name sentences with the saved model (``core.serve.ner_predict``'s word path:
   ``core.train.ner_data.predict_word_probs``) and with the lookup baseline fitted on the run's training split.

One JSON line per seed; ``--summary`` prints the table BENCHMARKS.md shows.  No public NER dataset lies in
``../shared/datasets``, so this is the measurement we can make here; CoNLL-2003 itself needs the network.

    python -m bench.bench_ner --seeds 0,1,2 --results bench/recorded/<date>/ner.jsonl
    python -m bench.bench_ner --summary --results bench/recorded/<date>/ner.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench.common import train_auto

UNSEEN = {
    "FIRST": ["Odile", "Bruno", "Keiko", "Marten", "Soraya", "Lucan", "Imke", "Teodor", "Yara", "Caspian"],
    "LAST": ["Quenby", "Aldous-Ferr", "Moravek", "Strathearn", "Velloway", "Ibarrondo", "Kettleby", "Ashcombe"],
    "ORGS": ["Pellmark Foods", "Ravensworth Holdings", "Dunmore Telecom", "Cinder Street Bank", "Alder Robotics",
             "Harrowgate Athletic", "Solent Freight", "Bramwell College"],
    "LOCS": ["Fallowmere", "Caskbridge", "the Umber Coast", "Northwold", "Lake Serrin", "Dunharrow Flats",
             "Pellington", "the Grey Fells"],
    "MISC": {"NAT": ["Northwoldian", "Serrinese"], "EVENT": ["Umber Regatta", "Fallowmere Games"],
             "AWARD": ["Caskbridge Medal", "Silver Lantern Prize"], "PRODUCT": ["Nimbus 7", "Kestrel Pad"]},
}
UNSEEN_SENTENCES = 300


def unseen_sentences(count: int = UNSEEN_SENTENCES, seed: int = 99) -> tuple[list[list[str]], list[list[str]]]:
    """Words and BIO tags of ``count`` sentences from the sample's templates with every name replaced (UNSEEN)."""
    from core.ner.example_data import make_news_entities as gen
    from core.ner.formats import read_conll

    saved = {name: getattr(gen, name) for name in UNSEEN}
    try:
        for name, values in UNSEEN.items():
            setattr(gen, name, values)
        sentences = read_conll(gen.build(seed=seed, count=count))
    finally:
        for name, values in saved.items():
            setattr(gen, name, values)
    return [list(s.tokens) for s in sentences], [list(s.tags) for s in sentences]


def run_one(seed: int) -> dict[str, Any]:
    """Auto and the lookup baseline on the sample's test split and on unseen names, in a fresh workspace."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from core import paths, results
    from core.data.ner_import import import_ner
    from core.evaluate.report_ner import ner_summary
    from core.ner.baseline import LookupTagger
    from core.ner.table import tags_of, words_of
    from core.train.ner_data import predict_word_probs, tags_from_probs

    sample = Path(__file__).resolve().parents[1] / "core" / "ner" / "example_data" / "news_entities.conll"
    record = import_ner(sample, sample.name)
    done, config, wall = train_auto(record.id, seed, f"seed {seed}")
    report = results.load_report(done.id)
    predictions = results.load_predictions(done.id)

    from core.data import library
    from core.data.splits import split_frame
    from core.tasks import task_of

    frames = split_frame(library.load_frame(record.id), test_size=config.test_size,
                         validation_size=config.validation_size, seed=config.seed, task=task_of(record))
    assert frames["test"]["text"].tolist() == predictions["text"].tolist()  # the same split the run saw
    tagger = LookupTagger.fit([words_of(t) for t in frames["train"]["text"]],
                              [tags_of(t) for t in frames["train"]["label"]])

    words, gold = unseen_sentences()
    model_dir = paths.run_dir(done.id) / "model"
    model = AutoModelForTokenClassification.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    labels = [model.config.id2label[i] for i in range(len(model.config.id2label))]
    with torch.inference_mode():
        probs = predict_word_probs(model, tokenizer, words, config.max_length)
    predicted = [tags_from_probs(p, labels)[0] for p in probs]
    return {
        "seed": seed, "epochs": config.epochs, "max_length": config.max_length, "wall_s": round(wall, 1),
        "stopped_at_epoch": (done.progress or {}).get("epoch"),
        "test": {k: report["summary"][k] for k in ("f1", "precision", "recall", "f1_macro", "token_accuracy")},
        "test_ci": report.get("intervals", {}).get("f1"),
        "test_lookup": {k: report["baseline"]["summary"][k] for k in ("f1", "precision", "recall")},
        "unseen": {k: v for k, v in ner_summary(gold, predicted).items() if k in ("f1", "precision", "recall", "f1_macro")},
        "unseen_lookup": {k: v for k, v in ner_summary(gold, [tagger.tag(w) for w in words]).items()
                          if k in ("f1", "precision", "recall", "f1_macro")},
        "device": done.info.get("device"),
    }


def study(seeds: list[int], results_file: Path) -> None:
    """Append one line per seed not yet in ``results_file``, each seed in its own workspace."""
    done = set()
    if results_file.is_file():
        done = {r["seed"] for r in map(json.loads, results_file.read_text().splitlines())}
    results_file.parent.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        if seed in done:
            continue
        os.environ["TUNEBOARD_HOME"] = tempfile.mkdtemp(prefix=f"bench-ner-{seed}-")
        line = run_one(seed)
        print(json.dumps(line), flush=True)
        with results_file.open("a") as handle:
            handle.write(json.dumps(line) + "\n")


def summary(results_file: Path) -> str:
    """The table in BENCHMARKS.md: mean ± sd over seeds of entity F1 on the test split and on unseen names."""
    rows = [json.loads(line) for line in results_file.read_text().splitlines()]

    def cell(key: str, sub: str = "f1") -> str:
        values = [r[key][sub] for r in rows]
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):.3f} ± {sd:.3f}"

    lines = [f"seeds: {', '.join(str(r['seed']) for r in rows)}; wall s: {', '.join(str(r['wall_s']) for r in rows)}",
             "| entity F1 | test split (names mostly seen) | unseen names |", "|---|---|---|",
             f"| Auto (MiniLM) | {cell('test')} | {cell('unseen')} |",
             f"| lookup baseline | {cell('test_lookup')} | {cell('unseen_lookup')} |"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_ner", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--results", type=Path, default=Path("bench/results/ner.jsonl"))
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args(argv)
    if args.summary:
        print(summary(args.results))
        return
    study([int(s) for s in args.seeds.split(",")], args.results)
    print(summary(args.results))


if __name__ == "__main__":
    main()
