"""TF-IDF baselines for the other kinds of labelled text, and loading any saved baseline back as a scorer.

:mod:`core.evaluate.baseline` stores every baseline as a run; this module fits the model of each kind
(:func:`fit_task_baseline`) and rebuilds a saved one (:func:`load_task_predictor`):

- multi-label: TF-IDF → one logistic regression per label (one-vs-rest), each label's threshold tuned on the
  validation split (:func:`core.evaluate.thresholds.tune_thresholds`), as the fine-tuned runs do;
- regression: TF-IDF → ridge regression;
- sentence pairs: both texts through one TF-IDF vocabulary, then the features of each text, their elementwise
  product (words they share), their absolute difference (words only one has) and their cosine similarity →
  logistic regression (one label), one-vs-rest (several labels) or ridge (a number).

Test predictions and reports are made with the same builders as fine-tuned runs
(:func:`core.results.task_predictions_frame`, ``build_multilabel_report`` / ``build_regression_report`` /
``build_report(task=…)``), so every view reads a baseline like any run.  Models are saved as JSON + ``.npz``
(never pickle), as the single-label baseline's are.

The serving side calls :func:`load_task_predictor` ``(run_id) -> predictor``: ``predictor(texts, pairs=None)`` gives
the scores of the kind (softmax probabilities, sigmoid probabilities per label, or one number per text in an
``(n, 1)`` array) and carries ``labels``, ``task`` and ``thresholds`` (multi-label; else None).
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core import paths, results, store
from core.config import RunConfig
from core.errors import RunError
from core.evaluate import metrics
from core.i18n import message
from core.tasks import PAIR_COLUMN, SINGLE_LABEL, Task, label_matrix

META_FILE, MODEL_FILE = "baseline.json", "tfidf_logreg.npz"  # the names the single-label baseline has always used
LOGREG_C, LOGREG_MAX_ITER = 4.0, 2000  # = core.evaluate.baseline's (TF-IDF features are small numbers)
RIDGE_ALPHA = 1.0
_CONSTANT_LOGIT = 12.0  # a label always (never) present in training: probability ≈ 1 (≈ 0) for every text
PAIR_FEATURES = "; pairs: each text, their product, |difference| and cosine similarity"
MODELS = {  # (target, pair) -> the baseline's model name (a run's config "model") and its run-name title
    (SINGLE_LABEL, True): ("tfidf-pair-logreg", "TF-IDF pair features + logistic regression"),
    ("multi_label", False): ("tfidf-ovr-logreg", "TF-IDF + one-vs-rest logistic regression"),
    ("multi_label", True): ("tfidf-pair-ovr-logreg", "TF-IDF pair features + one-vs-rest logistic regression"),
    ("regression", False): ("tfidf-ridge", "TF-IDF + ridge regression"),
    ("regression", True): ("tfidf-pair-ridge", "TF-IDF pair features + ridge regression"),
}


# ---------------------------------------------------------------------------- features and heads
def _pairs(frame: pd.DataFrame) -> list[str] | None:
    return frame[PAIR_COLUMN].astype(str).tolist() if PAIR_COLUMN in frame.columns else None


def featurize(vectorizer: Any, texts: Sequence[str], pairs: Sequence[str] | None, pair: bool) -> Any:
    """The sparse feature matrix of texts (or of pairs: both texts, product, |difference|, cosine similarity)."""
    from scipy import sparse

    a = vectorizer.transform([str(t) for t in texts])
    if not pair:
        return a
    b = vectorizer.transform([str(t) for t in pairs or []])
    product = a.multiply(b).tocsr()
    # TF-IDF rows have unit length, so the sum of the product is the cosine similarity of the two texts.
    cosine = sparse.csr_matrix(np.asarray(product.sum(axis=1)).reshape(-1, 1))
    return sparse.hstack([a, b, product, abs(a - b), cosine], format="csr")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


@dataclass
class Head:
    """A fitted linear head: ``softmax`` (logistic regression over ``classes``), ``sigmoid`` (one-vs-rest, one row
    of ``coef`` per label) or ``linear`` (ridge, one output)."""

    kind: str
    coef: np.ndarray
    intercept: np.ndarray
    classes: list[str] = field(default_factory=list)

    @property
    def n_params(self) -> int:
        return int(self.coef.size + self.intercept.size)

    def scores(self, features: Any, labels: Sequence[str]) -> np.ndarray:
        """Scores in ``labels`` order (softmax classes absent from training get probability 0)."""
        z = np.asarray(features @ np.atleast_2d(self.coef).T) + self.intercept
        if self.kind == "linear":
            return z.reshape(-1, 1)
        if self.kind == "sigmoid":
            return _sigmoid(z)
        if len(self.classes) == 2:  # scikit-learn's binary logistic regression keeps one row of weights
            p = _sigmoid(z[:, 0])
            proba = np.column_stack([1.0 - p, p])
        else:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            proba = e / e.sum(axis=1, keepdims=True)
        out = np.zeros((proba.shape[0], len(labels)))
        out[:, [list(labels).index(c) for c in self.classes]] = proba
        return out


def fit_head(task: Task, x: Any, frame: pd.DataFrame, labels: list[str], config: RunConfig) -> Head:
    """Fit the kind's head on training features ``x`` and the rows' labels in ``frame``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, Ridge

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the fit is still usable; the report shows how good
        if task.regression:
            model = Ridge(alpha=RIDGE_ALPHA).fit(x, frame["label"].astype(float).to_numpy())
            return Head("linear", np.atleast_2d(model.coef_), np.atleast_1d(model.intercept_))
        if not task.multi_label:
            model = LogisticRegression(C=LOGREG_C, max_iter=LOGREG_MAX_ITER, random_state=config.seed,
                                       class_weight="balanced" if config.class_weighted_loss else None)
            model.fit(x, frame["label"].astype(str).tolist())
            return Head("softmax", model.coef_, model.intercept_, [str(c) for c in model.classes_])
        truth = label_matrix(frame["label"], labels)
        coef, intercept = np.zeros((len(labels), x.shape[1])), np.zeros(len(labels))
        for j in range(len(labels)):  # one-vs-rest: an independent yes/no model per label
            y = truth[:, j]
            if y.min() == y.max():
                intercept[j] = _CONSTANT_LOGIT if y.max() else -_CONSTANT_LOGIT
                continue
            model = LogisticRegression(C=LOGREG_C, max_iter=LOGREG_MAX_ITER, random_state=config.seed).fit(x, y)
            coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
        return Head("sigmoid", coef, intercept)


# ---------------------------------------------------------------------------- the predictor
@dataclass
class TaskPredictor:
    """A fitted or reloaded baseline: call it with texts (and, for pairs, their second texts) to get scores."""

    task: Task
    labels: list[str]
    vectorizer: Any
    head: Head
    thresholds: np.ndarray | None = None

    def __call__(self, texts: Sequence[str], pairs: Sequence[str] | None = None) -> np.ndarray:
        """Scores of the kind: class probabilities, label probabilities, or an ``(n, 1)`` array of numbers."""
        texts = [str(t) for t in texts]
        if self.task.pair and (pairs is None or len(pairs) != len(texts)):
            raise RunError(message("error.baseline_tasks.needs_pairs", n=len(texts)))
        width = 1 if self.task.regression else len(self.labels)
        if not texts:
            return np.zeros((0, width))
        return self.head.scores(featurize(self.vectorizer, texts, pairs, self.task.pair), self.labels)

    def on_items(self, items: Sequence[Any]) -> np.ndarray:
        """Scores of texts, or of ``(text, text_pair)`` tuples for pairs (what the speed measure feeds in)."""
        if not self.task.pair:
            return self(list(items))
        return self([a for a, _ in items], [b for _, b in items])


def save_predictor(predictor: TaskPredictor, folder: Path, *, model: str, features: str) -> None:
    """Vocabulary and settings as JSON, weights as a plain .npz: readable back without unpickling anything."""
    vectorizer = predictor.vectorizer
    folder.mkdir(parents=True, exist_ok=True)
    params = {k: vectorizer.get_params()[k] for k in
              ("ngram_range", "min_df", "max_features", "sublinear_tf", "strip_accents", "analyzer")}
    meta = {"kind": model, "task": predictor.task.to_dict(), "head": predictor.head.kind,
            "classes": predictor.head.classes, "labels": predictor.labels,
            "thresholds": None if predictor.thresholds is None else [float(t) for t in predictor.thresholds],
            "terms": [str(t) for t in vectorizer.get_feature_names_out()],
            "tfidf": {**params, "ngram_range": list(params["ngram_range"])}, "features": features}
    (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    np.savez_compressed(folder / MODEL_FILE, idf=vectorizer.idf_, coef=predictor.head.coef,
                        intercept=predictor.head.intercept)


def load_task_predictor(run_id: str) -> TaskPredictor:
    """Any saved baseline (every kind, and single-label files from before kinds existed) as a :class:`TaskPredictor`."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    folder = paths.run_dir(run_id) / "model"
    if not (folder / META_FILE).is_file():
        raise RunError(message("error.evaluate.baseline_missing", run_id=run_id))
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))  # no "analyzer" in older files: words
    weights = np.load(folder / MODEL_FILE, allow_pickle=False)
    vectorizer = TfidfVectorizer(**{**meta["tfidf"], "ngram_range": tuple(meta["tfidf"]["ngram_range"])})
    vectorizer.vocabulary_ = {term: i for i, term in enumerate(meta["terms"])}
    vectorizer.idf_ = weights["idf"]
    classes = [str(c) for c in meta.get("classes") or []]
    head = Head(meta.get("head", "softmax"), weights["coef"], weights["intercept"], classes)
    run = store.get_run(run_id)
    labels = meta.get("labels") or (run.info.get("labels") if run else None) or classes
    cuts = meta.get("thresholds")
    return TaskPredictor(Task.from_dict(meta.get("task")), [str(x) for x in labels], vectorizer, head,
                         None if cuts is None else np.asarray(cuts, dtype=float))


# ---------------------------------------------------------------------------- fitting a run's baseline
@dataclass
class Fitted:
    """What :func:`core.evaluate.baseline.train_baseline` stores as the baseline run."""

    model: str
    title: str
    features: str
    predictor: TaskPredictor
    predictions: pd.DataFrame
    points: list[tuple]
    train_seconds: float
    build_report: Callable[[dict, dict], dict]
    """``(efficiency, run_info) -> report``: the report is built once the saved model's size is known."""
    final: dict[str, float] | None = None
    """The final metrics; None: the numbers of the report's summary (:func:`final_metrics`)."""

    @property
    def n_params(self) -> int:
        return self.predictor.head.n_params

    def speed_items(self, test: pd.DataFrame, n: int = 200) -> list[Any]:
        """Up to ``n`` test inputs for the latency measure: texts, or (text, text_pair) tuples."""
        texts = test["text"].astype(str).tolist()[:n]
        pairs = _pairs(test)
        return list(zip(texts, pairs[:n], strict=True)) if pairs is not None else texts


def fit_task_baseline(frames: dict[str, pd.DataFrame], labels: list[str], task: Task, config: RunConfig, *,
                      tfidf: dict[str, Any], features: str) -> Fitted:
    """Fit the baseline of ``task`` on the train split, tune multi-label thresholds on validation, predict test."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    train, test = frames["train"], frames["test"]
    started = time.time()
    vocabulary_texts = train["text"].astype(str).tolist() + (_pairs(train) or [])
    vectorizer = TfidfVectorizer(**tfidf).fit(vocabulary_texts)
    head = fit_head(task, featurize(vectorizer, train["text"].astype(str).tolist(), _pairs(train), task.pair),
                    train, labels, config)
    predictor = TaskPredictor(task, labels, vectorizer, head)
    if task.multi_label:
        predictor.thresholds = _tuned_thresholds(predictor, frames["validation"], labels)
    train_seconds = time.time() - started
    scores = predictor(test["text"].astype(str).tolist(), _pairs(test))
    predictions = results.task_predictions_frame(test, task, labels, scores, predictor.thresholds)
    model, title = MODELS[(task.target, task.pair)]
    return Fitted(model, title, features + (PAIR_FEATURES if task.pair else ""), predictor, predictions,
                  validation_points(predictor, frames), train_seconds,
                  lambda eff, info: _report(task, predictions, labels, predictor.thresholds, test, eff, info))


def _tuned_thresholds(predictor: TaskPredictor, validation: pd.DataFrame, labels: list[str]) -> np.ndarray:
    from core.evaluate.thresholds import tune_thresholds

    if validation.empty:
        return np.full(len(labels), 0.5)
    scores = predictor(validation["text"].astype(str).tolist(), _pairs(validation))
    return tune_thresholds(label_matrix(validation["label"], labels), scores, labels=labels)


def _report(task: Task, predictions: pd.DataFrame, labels: list[str], thresholds: np.ndarray | None,
            test: pd.DataFrame, eff: dict, info: dict) -> dict:
    from core.evaluate import report
    from core.evaluate.report_multilabel import build_multilabel_report
    from core.evaluate.report_regression import build_regression_report

    slices = results.slice_columns(test)
    info = {**info, "task": task.to_dict()}
    if task.multi_label:
        return build_multilabel_report(predictions, labels, thresholds, slice_columns=slices, efficiency=eff,
                                       run_info=info)
    if task.regression:
        return build_regression_report(predictions, slice_columns=slices, efficiency=eff, run_info=info)
    return report.build_report(predictions, labels, slice_columns=slices, efficiency=eff, run_info=info,
                               task=task.to_dict())


def final_metrics(report: dict[str, Any]) -> dict[str, float]:
    """The run's final test metrics: the numbers of the report's summary (as
    :func:`core.train.finish_tasks.final_metrics` keeps them for fine-tuned runs of these kinds)."""
    return {k: float(v) for k, v in report["summary"].items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.startswith("n_")}


def validation_points(predictor: TaskPredictor, frames: dict[str, pd.DataFrame]) -> list[tuple]:
    """One training 'step' of metric points, named as fine-tuned runs of the kind log them."""
    from core.evaluate import metrics_multilabel as ml
    from core.evaluate import metrics_regression as reg

    task, labels = predictor.task, predictor.labels

    def loss(frame: pd.DataFrame, scores: np.ndarray) -> float:
        if task.regression:
            return reg.mean_squared_error(frame["label"].astype(float).to_numpy(), scores[:, 0])
        if task.multi_label:  # binary cross-entropy, averaged over texts and labels
            truth, p = label_matrix(frame["label"], labels), np.clip(scores, 1e-7, 1 - 1e-7)
            return float(-np.mean(truth * np.log(p) + (1 - truth) * np.log(1 - p)))
        return metrics.log_loss(frame["label"].astype(str), scores, labels=labels)

    train = frames["train"]
    points = [(1, 1.0, "train", "loss", loss(train, predictor(train["text"].astype(str).tolist(), _pairs(train))))]
    val = frames["validation"]
    if val.empty:
        return points
    scores = predictor(val["text"].astype(str).tolist(), _pairs(val))
    if task.regression:
        truth = val["label"].astype(float).to_numpy()
        named = {"spearman": reg.spearmanr(truth, scores[:, 0]) or 0.0,
                 "pearson": reg.pearsonr(truth, scores[:, 0]) or 0.0}
    elif task.multi_label:
        truth, pred = label_matrix(val["label"], labels).astype(int), (scores >= 0.5).astype(int)
        named = {"f1_micro": ml.f1_score(truth, pred, average="micro"),
                 "f1_macro": ml.f1_score(truth, pred, average="macro")}
    else:
        pred = np.asarray(labels)[scores.argmax(axis=1)]
        named = {"accuracy": metrics.accuracy_score(val["label"].astype(str), pred),
                 "f1_macro": metrics.f1_score(val["label"].astype(str), pred, average="macro", labels=labels)}
    return [*points, (1, 1.0, "validation", "loss", loss(val, scores)),
            *((1, 1.0, "validation", name, float(value)) for name, value in named.items())]
