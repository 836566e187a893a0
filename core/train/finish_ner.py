"""The end of a named-entity run: the saved model, the test sentences tagged word by word, latency and the report.

As for every kind, the model folder is saved before the test split is predicted and each phase is written to the
run's progress.  The saved folder is a plain ``AutoModelForTokenClassification`` whose ``id2label`` are the BIO tags,
so ``pipeline("token-classification", aggregation_strategy="simple")`` returns entity groups from it.  Test sentences
are predicted from their stored words (split into windows and stitched back, :mod:`core.train.ner_data`), so the
report scores exactly the words the annotator tagged.  Robustness checks, calibration and the TF-IDF baseline check
are about one label per text and are left out (the report has no such sections).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from core import results, store
from core.ner.baseline import LookupTagger
from core.ner.table import tags_of, words_of
from core.train.finish import LATENCY, REPORT, SAVE, TEST, PhaseReporter, save_model
from core.train.ner_data import predict_word_probs, tags_from_probs
from core.train.trainer import Prepared, model_device

log = logging.getLogger("tuneboard.evaluation")


def finish_ner_run(prep: Prepared, trainer: Any, run_id: str, run_dir: Path, train_seconds: float) -> dict[str, Any]:
    """Save, predict and report a trained NER run; returns the final test metrics."""
    from core.evaluate import efficiency, latency
    from core.evaluate.report_ner import build_ner_report, predictions_frame

    phases = PhaseReporter(run_id)
    model = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    phases.start(SAVE)
    model.config.tuneboard_task = prep.task.to_dict()
    model_dir = save_model(prep, trainer, run_dir)
    log.info("saved model to %s", model_dir)

    test = prep.frames["test"]
    sentences = [words_of(text) for text in test["text"]]
    phases.start(TEST, len(sentences))
    probs = predict_word_probs(model, prep.tokenizer, sentences, prep.config.max_length, progress=phases.update)
    tagged = [tags_from_probs(p, prep.labels) for p in probs]
    predictions = predictions_frame(test, [t for t, _ in tagged], [c for _, c in tagged])

    phases.start(LATENCY)
    texts = test["text"].astype(str).tolist()
    eff = {**efficiency.count_parameters(model), "model_size_bytes": efficiency.dir_size_bytes(model_dir),
           "train_seconds": train_seconds,
           **latency.measure(model, prep.tokenizer, texts, device=str(model_device(model)),
                             max_length=prep.config.max_length)}

    phases.start(REPORT)
    run = store.require_run(run_id)
    info = {"name": run.name, "id": run_id, "model": prep.config.model, "dataset_id": prep.config.dataset_id,
            "labels": sorted({tag[2:] for tag in prep.labels if tag != "O"}), "tags": prep.labels,
            "config": prep.config.to_dict(), "task": prep.task.to_dict(),
            "split_sizes": {k: len(v) for k, v in prep.frames.items()},
            "windows": {k: len(v) for k, v in prep.encoded.items()}}
    report = build_ner_report(predictions, efficiency=eff, run_info=info)
    report["baseline"] = lookup_baseline(prep)
    results.write_results(run_id, predictions, report)
    phases.end()
    store.update_run(run_id, info={**run.info, "finish_seconds": {k: round(v, 2) for k, v in phases.timings.items()},
                                   "intervals": report.get("intervals") or {}})
    return {k: float(v) for k, v in report["summary"].items() if not k.startswith("n_")}


def lookup_baseline(prep: Prepared) -> dict[str, Any]:
    """The lookup baseline's scores on the same test sentences (:mod:`core.ner.baseline`): what the model must beat."""
    from core.evaluate.report_ner import ner_summary

    train, test = prep.frames["train"], prep.frames["test"]
    tagger = LookupTagger.fit([words_of(t) for t in train["text"]], [tags_of(t) for t in train["label"]])
    predicted = [tagger.tag(words_of(t)) for t in test["text"]]
    summary = ner_summary([tags_of(t) for t in test["label"]], predicted)
    log.info("lookup baseline: entity F1 %.4f", summary["f1"])
    return {"method": "lookup", "summary": summary}
