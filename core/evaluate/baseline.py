"""A classical baseline: TF-IDF + logistic regression (scikit-learn) on exactly the split of a run.

A fine-tuned transformer is only impressive next to something simple.  :func:`train_baseline` re-creates
a run's split (same dataset, test/validation shares and seed, through :func:`core.data.splits.split_frame`),
fits the baseline in-process (seconds, no torch) and stores it as an ordinary completed run: config with
model ``tfidf-logreg``, ``info["kind"] = "baseline"``, ``parent_id`` = the source run, predictions,
the full evaluation report, and metric points, so it appears in every table, chart and comparison.

The fitted model is saved without pickle (vocabulary as JSON, weights as a plain ``.npz``), so
loading it back (:func:`load_predictor`) can never run code.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core import paths, results, store
from core.config import RunConfig
from core.data import library as datasets
from core.data.script import is_cjk
from core.errors import RunError, TuneboardError
from core.evaluate import efficiency, metrics, report, robustness
from core.i18n import message
from core.jobs.queue import process_start_time
from core.store import Run

BASELINE_MODEL = "tfidf-logreg"
BASELINE_DEVICE = "cpu (scikit-learn)"  # not "cpu": a running baseline must not occupy a CPU training slot
TFIDF_PARAMS: dict[str, Any] = {
    "ngram_range": (1, 2),
    "min_df": 1,
    "max_features": 200_000,
    "sublinear_tf": True,
    "strip_accents": "unicode",
}
# Chinese, Japanese and Korean are written without spaces, so scikit-learn's token pattern would take a whole
# clause as one "word" (the built-in support_intents_zh, seed-0 split: 0.59 accuracy with words, 0.92 with characters).
# Character 1–3-grams cover one- to three-character words without a segmenter.  No strip_accents: its NFKD
# would split Korean syllables into jamo and strip the voicing marks off Japanese kana.
CJK_TFIDF_PARAMS: dict[str, Any] = {**TFIDF_PARAMS, "analyzer": "char", "ngram_range": (1, 3), "strip_accents": None}
WORD_FEATURES = "word 1–2-grams"
CJK_FEATURES = "character 1–3-grams (Chinese/Japanese/Korean text detected)"
# TF-IDF features are small numbers, so scikit-learn's default C=1 over-regularises text models.
LOGREG_C = 4.0
LOGREG_MAX_ITER = 2000
_MODEL_FILE, _META_FILE = "tfidf_logreg.npz", "baseline.json"


def tfidf_params(texts: Iterable[object]) -> dict[str, Any]:
    """The TfidfVectorizer settings for these training texts: character n-grams for CJK text, else words."""
    return dict(CJK_TFIDF_PARAMS if is_cjk(texts) else TFIDF_PARAMS)


def features_description(params: dict[str, Any]) -> str:
    """What the baseline's features are, for reports: e.g. "word 1–2-grams"."""
    return CJK_FEATURES if params.get("analyzer") in ("char", "char_wb") else WORD_FEATURES


def build_pipeline(texts: Iterable[object], *, class_weighted: bool = False, seed: int = 0) -> Any:
    """The unfitted scikit-learn pipeline TfidfVectorizer → LogisticRegression for training texts ``texts``
    (they decide the analyzer, see :func:`tfidf_params`; the pipeline is not fitted on them here)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(**tfidf_params(texts)),
        LogisticRegression(C=LOGREG_C, max_iter=LOGREG_MAX_ITER, class_weight="balanced" if class_weighted else None, random_state=seed),
    )


def split_for(run: Run) -> tuple[dict[str, pd.DataFrame], list[str], RunConfig]:
    """The train/validation/test frames and sorted labels of ``run``, exactly as its training saw them."""
    from core.data.splits import split_frame

    if not run.dataset_id:
        raise RunError(message("error.evaluate.baseline_no_dataset", run_id=run.id))
    config = RunConfig.from_dict(run.config)
    df = datasets.load_frame(run.dataset_id)
    df["label"] = df["label"].astype(str)  # as in training.prepare: labels are names, never numbers
    frames = split_frame(df, test_size=config.test_size, validation_size=config.validation_size, seed=config.seed)
    return frames, sorted(df["label"].unique().tolist()), config


def _proba_fn(pipeline: Any, labels: Sequence[str]) -> Callable[[list[str]], np.ndarray]:
    """predict_proba in the order of ``labels``; classes absent from the training split get probability 0."""
    classes = [str(c) for c in pipeline.classes_]
    columns = [labels.index(c) for c in classes]

    def predict(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(labels)))
        if texts:
            out[:, columns] = pipeline.predict_proba([str(t) for t in texts])
        return out

    return predict


def _measure(predict: Callable[[list[str]], np.ndarray], texts: list[str], *, n_single: int = 50, batch_size: int = 32) -> dict[str, Any]:
    """Latency (one text) and throughput (batches of 32), the same measures as for transformers."""
    texts = texts or ["example"]
    predict(texts[:3])  # warm-up: first calls pay for lazy imports and allocations
    latencies = []
    for i in range(n_single):
        start = time.perf_counter()
        predict([texts[i % len(texts)]])
        latencies.append((time.perf_counter() - start) * 1000.0)
    start = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        predict(texts[i : i + batch_size])
    elapsed = time.perf_counter() - start
    return {
        "latency_p50_ms": float(np.percentile(latencies, 50)),
        "latency_p95_ms": float(np.percentile(latencies, 95)),
        "throughput_texts_per_s": float(len(texts) / elapsed) if elapsed > 0 else None,
        "device": BASELINE_DEVICE,
        "n_single": n_single,
        "batch_size": batch_size,
        "max_length": None,
        "n_texts": len(texts),
    }


def _save_model(pipeline: Any, folder: Path) -> None:
    """Vocabulary as JSON and weights as a plain .npz: readable back without unpickling anything."""
    vectorizer, classifier = pipeline[0], pipeline[-1]
    folder.mkdir(parents=True, exist_ok=True)
    terms = [str(t) for t in vectorizer.get_feature_names_out()]
    # The settings the vectorizer was built with (analyzer included), so load_predictor rebuilds the same one.
    params = {k: vectorizer.get_params()[k] for k in (*TFIDF_PARAMS, "analyzer")}
    meta = {"kind": BASELINE_MODEL, "classes": [str(c) for c in classifier.classes_], "terms": terms,
            "tfidf": {**params, "ngram_range": list(params["ngram_range"])}, "features": features_description(params)}
    # UTF-8 whatever the locale: Chinese terms must survive a machine whose default encoding is not UTF-8.
    (folder / _META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    np.savez_compressed(folder / _MODEL_FILE, idf=vectorizer.idf_, coef=classifier.coef_, intercept=classifier.intercept_)


def load_predictor(run_id: str) -> tuple[Callable[[list[str]], np.ndarray], list[str]]:
    """``(predict_proba, labels)`` of a saved baseline run, rebuilt from its JSON + .npz files."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    folder = paths.run_dir(run_id) / "model"
    if not (folder / _META_FILE).is_file():
        raise RunError(message("error.evaluate.baseline_missing", run_id=run_id))
    meta = json.loads((folder / _META_FILE).read_text(encoding="utf-8"))  # no "analyzer" in older files: words
    weights = np.load(folder / _MODEL_FILE, allow_pickle=False)
    vectorizer = TfidfVectorizer(**{**meta["tfidf"], "ngram_range": tuple(meta["tfidf"]["ngram_range"])})
    vectorizer.vocabulary_ = {term: i for i, term in enumerate(meta["terms"])}
    vectorizer.idf_ = weights["idf"]
    classifier = LogisticRegression()
    classifier.classes_ = np.asarray(meta["classes"])
    classifier.coef_, classifier.intercept_ = weights["coef"], weights["intercept"]
    run = store.get_run(run_id)
    labels = (run.info.get("labels") if run else None) or meta["classes"]
    return _proba_fn(make_pipeline(vectorizer, classifier), list(labels)), list(labels)


def _points(predict: Callable[[list[str]], np.ndarray], frames: dict[str, pd.DataFrame], labels: list[str]) -> list[tuple]:
    """One training 'step' of metric points (train loss; validation loss, accuracy, macro-F1)."""
    train = frames["train"]
    points = [(1, 1.0, "train", "loss", metrics.log_loss(train["label"], predict(train["text"].astype(str).tolist()), labels=labels))]
    val = frames["validation"]
    if len(val):
        proba = predict(val["text"].astype(str).tolist())
        pred = np.asarray(labels)[proba.argmax(axis=1)]
        points += [
            (1, 1.0, "validation", "loss", metrics.log_loss(val["label"], proba, labels=labels)),
            (1, 1.0, "validation", "accuracy", metrics.accuracy_score(val["label"], pred)),
            (1, 1.0, "validation", "f1_macro", metrics.f1_score(val["label"], pred, average="macro", labels=labels)),
        ]
    return points


# What decides a baseline's result: the same data, split and loss weighting give the same fitted model.
_IDENTITY_SETTINGS = ("test_size", "validation_size", "seed", "class_weighted_loss")


def existing_baseline(run_id: str) -> Run | None:
    """A completed baseline identical to the one ``run_id`` would get (same dataset, split and class
    weighting, model files present), or None.  Its source may be another run with the same split."""
    source = store.require_run(run_id)
    if not source.dataset_id:
        return None
    defaults = RunConfig().to_dict()  # settings a stored config omits have their default value

    def identity(config: dict) -> tuple:
        return tuple(config.get(k, defaults[k]) for k in _IDENTITY_SETTINGS)

    wanted = identity(source.config)
    for run in store.list_runs(statuses=["completed"], dataset_id=source.dataset_id):
        # A baseline without "features" predates the analyzer choice (words even for Chinese): fit anew.
        if (run.info.get("kind") == "baseline" and identity(run.config) == wanted and "features" in run.info
                and (paths.run_dir(run.id) / "model" / _META_FILE).is_file()):
            return run
    return None


def train_baseline(run_id: str) -> Run:
    """Fit TF-IDF + logistic regression on run ``run_id``'s split and store it as a completed run.

    Pressing the button twice (or again after leaving the page) must not add a second identical run,
    so an existing identical baseline (:func:`existing_baseline`) is returned instead of refitting.
    """
    from sklearn.exceptions import ConvergenceWarning

    source = store.require_run(run_id)
    found = existing_baseline(run_id)
    if found is not None:
        return found
    frames, labels, config = split_for(source)
    dataset_name = source.info.get("dataset_name") or datasets.require(source.dataset_id).name
    train, test = frames["train"], frames["test"]
    started = time.time()
    pipeline = build_pipeline(train["text"].astype(str).tolist(), class_weighted=config.class_weighted_loss, seed=config.seed)
    features = features_description(pipeline[0].get_params())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the fit is still usable; the report shows how good
        pipeline.fit(train["text"].astype(str).tolist(), train["label"].tolist())
    train_seconds = time.time() - started
    predict = _proba_fn(pipeline, labels)

    texts = test["text"].astype(str).tolist()
    proba = predict(texts)
    predictions = results.predictions_frame(test, labels, proba)  # the frame fine-tuned runs store, same columns
    final = metrics.summary_metrics(predictions["label"], predictions["pred"], labels=labels, y_proba=proba)
    robust = robustness.robustness_report(texts, predictions["label"].tolist(), predict, labels, seed=config.seed,
                                          clean_accuracy=final["accuracy"])
    classifier = pipeline[-1]
    n_params = int(classifier.coef_.size + classifier.intercept_.size)
    points = _points(predict, frames, labels)

    name = f"TF-IDF + logistic regression · {dataset_name}"
    baseline_config = config.replace(model=BASELINE_MODEL, name=name, resume_from="", peft="none", freeze="none")
    run = store.create_run(
        baseline_config.to_dict(), name=name, dataset_id=source.dataset_id, parent_id=source.id, status="running",
        info={"kind": "baseline", "dataset_name": dataset_name, "baseline_of": source.id, "cli": f"python -m core baseline {source.id}",
              "features": features},
    )
    # Owned by this live process, so crash detection (jobs.reconcile) never mistakes it for a dead worker.
    store.update_run(run.id, started_at=started, pid=os.getpid(), pid_started_at=process_start_time(os.getpid()), device=BASELINE_DEVICE)
    run_dir = paths.run_dir(run.id)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "config.json").write_text(baseline_config.to_json())
        _save_model(pipeline, run_dir / "model")
        eff = {
            "total": n_params,
            "trainable": n_params,
            "model_size_bytes": efficiency.dir_size_bytes(run_dir / "model"),
            "train_seconds": train_seconds,
            "vocabulary_size": len(pipeline[0].vocabulary_),
            **_measure(predict, texts[:200]),
        }
        info = {"name": name, "id": run.id, "model": BASELINE_MODEL, "dataset_id": source.dataset_id, "labels": labels,
                "config": baseline_config.to_dict(), "split_sizes": {k: len(v) for k, v in frames.items()}, "baseline_of": source.id,
                "features": features}
        rep = report.build_report(predictions, labels, slice_columns=results.slice_columns(test), robustness=robust,
                                  efficiency=eff, run_info=info)
        results.write_results(run.id, predictions, rep)
        store.add_metric_points(run.id, points)
        store.update_run(run.id, final_metrics=final, pid=None, info={
            **run.info,
            "parameters": {"total": n_params, "trainable": n_params},
            "labels": labels,
            "split_sizes": info["split_sizes"],
            "efficiency": {k: eff[k] for k in ("train_seconds", "throughput_texts_per_s", "latency_p50_ms", "model_size_bytes")},
        })
        store.transition(run.id, ["running"], "completed", finished_at=time.time())
    except BaseException as exc:
        reason = exc.message if isinstance(exc, TuneboardError) else message(
            "error.job.baseline_not_saved", kind=type(exc).__name__, detail=str(exc))
        store.transition(run.id, ["running"], "failed", finished_at=time.time(), pid=None, error=reason)
        raise
    return store.require_run(run.id)


def _cmd_baseline(args: argparse.Namespace) -> int:
    run = train_baseline(args.run_id)
    if args.json:
        print(json.dumps({"id": run.id, "name": run.name, "parent_id": run.parent_id, "final_metrics": run.final_metrics}, indent=2))
    else:
        m = run.final_metrics
        print(f"baseline run {run.id} ({run.name}) on the split of {args.run_id}: "
              f"accuracy {m['accuracy']:.4f}, macro F1 {m['f1_macro']:.4f}")
    return 0


def register_cli(subparsers: Any) -> None:
    """Add ``baseline RUN_ID [--json]`` to ``python -m core``."""
    text = "Train a TF-IDF + logistic regression baseline on exactly the split of a run (seconds, CPU)."
    parser = subparsers.add_parser("baseline", help=text, description=text)
    parser.add_argument("run_id", metavar="RUN_ID", help="Run whose dataset and split the baseline uses.")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    parser.set_defaults(func=_cmd_baseline)
