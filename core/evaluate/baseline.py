"""A classical baseline: TF-IDF + logistic regression (scikit-learn) on exactly the split of a run.

Every kind of data gets its own (:mod:`core.evaluate.baseline_tasks`): one-vs-rest logistic regression with tuned
thresholds for several labels per text, ridge regression for numbers, and pair features for sentence pairs.

A fine-tuned transformer is only impressive next to something simple.  :func:`train_baseline` re-creates
a run's split (same dataset, test/validation shares and seed, through :func:`core.data.splits.split_frame`),
fits the baseline in-process (seconds, no torch) and stores it as an ordinary completed run: config with
model ``tfidf-logreg`` (or the kind's model name), ``info["kind"] = "baseline"``, ``info["task"]``, ``parent_id`` = the source run, predictions,
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
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from core import paths, results, store
from core.config import RunConfig
from core.data import library as datasets
from core.data.script import is_cjk
from core.errors import RunError, TuneboardError
from core.evaluate import baseline_tasks, efficiency, metrics, report, robustness
from core.i18n import message
from core.jobs.queue import process_start_time
from core.store import Run
from core.tasks import PAIR_COLUMN, REGRESSION_LABEL, Task, distinct_labels, task_of

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
_META_FILE = baseline_tasks.META_FILE


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


def source_task(run: Run) -> Task:
    """The kind of ``run``'s data: its dataset's (what training reads), else the run's own record."""
    record = store.get_dataset(run.dataset_id) if run.dataset_id else None
    return task_of(record) if record is not None else task_of(run)


def split_for(run: Run) -> tuple[dict[str, pd.DataFrame], list[str], RunConfig]:
    """The train/validation/test frames and the model's labels of ``run``, exactly as its training saw them
    (labels: the sorted classes; each label of a multi-label dataset; ``["score"]`` for a regression)."""
    from core.data.splits import split_frame

    if not run.dataset_id:
        raise RunError(message("error.evaluate.baseline_no_dataset", run_id=run.id))
    config = RunConfig.from_dict(run.config)
    task = source_task(run)
    df = datasets.load_frame(run.dataset_id)
    # As in training (core.train.run.prepare): labels are names, never numbers; a regression's are numbers.
    df["label"] = df["label"].astype(float) if task.regression else df["label"].fillna("").astype(str)
    frames = split_frame(df, test_size=config.test_size, validation_size=config.validation_size, seed=config.seed,
                         task=task)
    if task.regression:
        labels = [REGRESSION_LABEL]
    else:
        labels = distinct_labels(df["label"]) if task.multi_label else sorted(df["label"].unique().tolist())
    return frames, labels, config


def _measure(predict: Callable[[list[Any]], np.ndarray], texts: list[Any], *, n_single: int = 50, batch_size: int = 32) -> dict[str, Any]:
    """Latency (one text) and throughput (batches of 32), the same measures as for transformers.  ``texts`` are the
    predictor's inputs: texts, or (text, text_pair) tuples for a sentence-pair baseline."""
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


def load_predictor(run_id: str) -> tuple[baseline_tasks.TaskPredictor, list[str]]:
    """``(predict, labels)`` of a saved baseline run of any kind, rebuilt from its JSON + .npz files.

    ``predict(texts)`` gives class probabilities in ``labels`` order (multi-label: one probability per label;
    regression: an ``(n, 1)`` array of numbers); a sentence-pair baseline needs ``predict(texts, pairs)``.  The
    predictor also carries ``task`` and ``thresholds`` (see :func:`core.evaluate.baseline_tasks.load_task_predictor`).
    """
    predictor = baseline_tasks.load_task_predictor(run_id)
    return predictor, predictor.labels


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
    """Fit the TF-IDF baseline of run ``run_id``'s kind on its split and store it as a completed run: logistic
    regression (one label per text), one-vs-rest logistic regression (several), ridge (a number); sentence pairs
    through pair features (see :mod:`core.evaluate.baseline_tasks`).

    Pressing the button twice (or again after leaving the page) must not add a second identical run,
    so an existing identical baseline (:func:`existing_baseline`) is returned instead of refitting.
    """
    source = store.require_run(run_id)
    if source_task(source).ner:  # one label per text; a NER report carries its lookup baseline (core.ner.baseline)
        raise RunError(message("error.ner.no_tfidf_baseline"))
    found = existing_baseline(run_id)
    if found is not None:
        return found
    frames, labels, config = split_for(source)
    task = source_task(source)
    dataset_name = source.info.get("dataset_name") or datasets.require(source.dataset_id).name
    started = time.time()
    if task == Task():
        fitted = _fit_text(frames, labels, config)
    else:
        train = frames["train"]
        vocabulary = train["text"].astype(str).tolist() + (train[PAIR_COLUMN].astype(str).tolist() if task.pair else [])
        params = tfidf_params(vocabulary)
        fitted = baseline_tasks.fit_task_baseline(frames, labels, task, config, tfidf=params,
                                                  features=features_description(params))
    return _store_run(source, config, task, dataset_name, frames, labels, fitted, started)


def _fit_text(frames: dict[str, pd.DataFrame], labels: list[str], config: RunConfig) -> baseline_tasks.Fitted:
    """TF-IDF + logistic regression on single texts with one label each, with the robustness check."""
    from sklearn.exceptions import ConvergenceWarning

    train, test = frames["train"], frames["test"]
    started = time.time()
    pipeline = build_pipeline(train["text"].astype(str).tolist(), class_weighted=config.class_weighted_loss, seed=config.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the fit is still usable; the report shows how good
        pipeline.fit(train["text"].astype(str).tolist(), train["label"].tolist())
    classifier = pipeline[-1]
    # The stored weights make the predictor, so the reloaded model gives exactly the stored probabilities.
    head = baseline_tasks.Head("softmax", classifier.coef_, classifier.intercept_, [str(c) for c in classifier.classes_])
    predict = baseline_tasks.TaskPredictor(Task(), labels, pipeline[0], head)
    train_seconds = time.time() - started

    texts = test["text"].astype(str).tolist()
    proba = predict(texts)
    predictions = results.predictions_frame(test, labels, proba)  # the frame fine-tuned runs store, same columns
    final = metrics.summary_metrics(predictions["label"], predictions["pred"], labels=labels, y_proba=proba)
    robust = robustness.robustness_report(texts, predictions["label"].tolist(), predict, labels, seed=config.seed,
                                          clean_accuracy=final["accuracy"])

    def build(eff: dict, info: dict) -> dict:
        return report.build_report(predictions, labels, slice_columns=results.slice_columns(test), robustness=robust,
                                   efficiency=eff, run_info=info)

    return baseline_tasks.Fitted(BASELINE_MODEL, "TF-IDF + logistic regression", features_description(pipeline[0].get_params()),
                                 predict, predictions, _points(predict, frames, labels), train_seconds, build, final=final)


def _store_run(source: Run, config: RunConfig, task: Task, dataset_name: str, frames: dict[str, pd.DataFrame],
               labels: list[str], fitted: baseline_tasks.Fitted, started: float) -> Run:
    """Store a fitted baseline as a completed run: model files, predictions, report, metric points."""
    name = f"{fitted.title} · {dataset_name}"
    baseline_config = config.replace(model=fitted.model, name=name, resume_from="", peft="none", freeze="none")
    run = store.create_run(
        baseline_config.to_dict(), name=name, dataset_id=source.dataset_id, parent_id=source.id, status="running",
        info={"kind": "baseline", "dataset_name": dataset_name, "baseline_of": source.id, "cli": f"python -m core baseline {source.id}",
              "features": fitted.features, "task": task.to_dict()},
    )
    # Owned by this live process, so crash detection (jobs.reconcile) never mistakes it for a dead worker.
    store.update_run(run.id, started_at=started, pid=os.getpid(), pid_started_at=process_start_time(os.getpid()), device=BASELINE_DEVICE)
    run_dir = paths.run_dir(run.id)
    n_params = fitted.n_params
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "config.json").write_text(baseline_config.to_json())
        baseline_tasks.save_predictor(fitted.predictor, run_dir / "model", model=fitted.model, features=fitted.features)
        eff = {
            "total": n_params,
            "trainable": n_params,
            "model_size_bytes": efficiency.dir_size_bytes(run_dir / "model"),
            "train_seconds": fitted.train_seconds,
            "vocabulary_size": len(fitted.predictor.vectorizer.vocabulary_),
            **_measure(fitted.predictor.on_items, fitted.speed_items(frames["test"])),
        }
        info = {"name": name, "id": run.id, "model": fitted.model, "dataset_id": source.dataset_id, "labels": labels,
                "config": baseline_config.to_dict(), "split_sizes": {k: len(v) for k, v in frames.items()}, "baseline_of": source.id,
                "features": fitted.features}
        rep = fitted.build_report(eff, info)
        results.write_results(run.id, fitted.predictions, rep)
        store.add_metric_points(run.id, fitted.points)
        final = fitted.final if fitted.final is not None else baseline_tasks.final_metrics(rep)
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


# What `core baseline` prints for each target (the first is the kind's headline metric, but for single labels).
_SHOWN = {"single_label": ("accuracy", "f1_macro"), "multi_label": ("f1_micro", "f1_macro", "subset_accuracy"),
          "regression": ("spearman", "pearson", "mae")}
_SHOWN_NAMES = {"accuracy": "accuracy", "f1_macro": "macro F1", "f1_micro": "micro F1",
                "subset_accuracy": "subset accuracy", "spearman": "Spearman", "pearson": "Pearson", "mae": "MAE"}


def _cmd_baseline(args: argparse.Namespace) -> int:
    run = train_baseline(args.run_id)
    if args.json:
        print(json.dumps({"id": run.id, "name": run.name, "parent_id": run.parent_id, "task": task_of(run).key,
                          "final_metrics": run.final_metrics}, indent=2))
    else:
        m = run.final_metrics
        shown = ", ".join(f"{_SHOWN_NAMES[k]} {m[k]:.4f}" for k in _SHOWN[task_of(run).target] if k in m)
        print(f"baseline run {run.id} ({run.name}) on the split of {args.run_id}: {shown}")
    return 0


def register_cli(subparsers: Any) -> None:
    """Add ``baseline RUN_ID [--json]`` to ``python -m core``."""
    text = ("Train a TF-IDF baseline on exactly the split of a run (seconds, CPU): logistic regression, one-vs-rest "
            "for several labels per text, ridge regression for numbers; sentence pairs get pair features.")
    parser = subparsers.add_parser("baseline", help=text, description=text)
    parser.add_argument("run_id", metavar="RUN_ID", help="Run whose dataset and split the baseline uses.")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    parser.set_defaults(func=_cmd_baseline)
