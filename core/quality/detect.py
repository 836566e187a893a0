"""Which rows of a dataset probably carry a wrong label, which are near-duplicates and which are outliers.

Label errors come from confident learning (cleanlab): every row is scored by out-of-fold predicted probabilities —
from a model that never saw the row — so a row the model confidently puts in another class than its label is
suspicious, with the per-class thresholds cleanlab estimates from the joint distribution of given and predicted
labels.  Fast mode gets those probabilities from the TF-IDF + logistic-regression baseline under k-fold
cross-validation (:func:`baseline_out_of_fold`, seconds); thorough mode from k fine-tuned models
(:mod:`core.quality.folds`).  Near-duplicates and outliers come from cleanlab's ``Datalab`` on character n-gram
features (:func:`similarity_features`), which see "great film!" and "great film !!" as the same text.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.i18n import message
from core.tasks import PAIR_COLUMN, Task

FOLDS = 5
SIMILARITY_DIMENSIONS = 128  # SVD components of the character n-gram TF-IDF: enough to tell near-copies apart
MAX_DUPLICATE_PARTNERS = 5
WEAK_AGREEMENT = 0.70
"""Below this out-of-fold agreement with the given labels the checking model is wrong about as often as 10 %-noisy
labels are, and its proposals are mostly hard rows: SST-2 (BENCHMARKS.md), fast mode at 63 % agreement, 21 % of its
proposals were real flips; TREC-6 at 73 %, 68 %."""
Progress = Callable[[float, str], None]


@dataclass
class Detection:
    """One check's result: a row per dataset row (see :data:`ROW_COLUMNS`) and a summary for charts and the CLI."""

    rows: pd.DataFrame
    summary: dict[str, Any]


ROW_COLUMNS = ("row", "split", "label", "suggested", "given_prob", "suggested_prob", "label_score", "label_issue",
               "near_duplicate", "duplicate_of", "outlier", "outlier_score")
"""``row`` is the row's position in the stored dataset (the id decisions refer to); ``label_score`` is cleanlab's
label quality (0 = surely wrong, 1 = surely right); ``duplicate_of`` lists up to five near-copies (``"3 17"``)."""


def require_single_label(task: Task) -> None:
    """Label checks need one class per text (single texts or pairs); say so clearly for other kinds."""
    if not task.is_classification or task.multi_label:
        raise DataError(message("error.quality.needs_single_label"))


def model_inputs(df: pd.DataFrame) -> list[str]:
    """What the baseline reads of each row: the text, and for sentence pairs both texts."""
    texts = df["text"].fillna("").astype(str)
    if PAIR_COLUMN in df.columns:
        texts = texts + " \u2016 " + df[PAIR_COLUMN].fillna("").astype(str)
    return texts.tolist()


def fold_of_rows(labels: pd.Series, *, folds: int = FOLDS, seed: int = 0) -> np.ndarray:
    """The cross-validation fold of each row: stratified, seeded, and never more folds than the rarest class has rows
    (at least 2), so every class is predicted by a model that saw it."""
    from sklearn.model_selection import StratifiedKFold

    labels = labels.astype(str)
    counts = labels.value_counts()
    if len(counts) < 2:
        raise DataError(message("error.quality.one_class"))
    k = int(max(2, min(folds, counts.min())))
    if len(labels) < 2 * k:
        raise DataError(message("error.quality.too_small", rows=len(labels)))
    assignment = np.zeros(len(labels), dtype=int)
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    # A class rarer than k rows (only possible at k = 2 with a one-row class) is still placed by StratifiedKFold.
    for fold, (_, held_out) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        assignment[held_out] = fold
    return assignment


def baseline_out_of_fold(df: pd.DataFrame, classes: list[str], folds: np.ndarray, *, seed: int = 0,
                         progress: Progress | None = None) -> np.ndarray:
    """Out-of-fold probabilities ``[row, class]`` of the TF-IDF + logistic-regression baseline: each fold's rows
    predicted by a pipeline fitted on the other folds."""
    from core.evaluate.baseline import build_pipeline

    texts = np.asarray(model_inputs(df), dtype=object)
    labels = df["label"].astype(str).to_numpy()
    probabilities = np.zeros((len(df), len(classes)))
    n_folds = int(folds.max()) + 1
    for fold in range(n_folds):
        if progress:
            progress(fold / n_folds, "fold")
        held_out = folds == fold
        pipeline = build_pipeline(texts[~held_out], seed=seed).fit(texts[~held_out], labels[~held_out])
        fitted = [str(c) for c in pipeline.classes_]
        columns = [classes.index(c) for c in fitted]
        probabilities[np.ix_(held_out, columns)] = pipeline.predict_proba(texts[held_out])
    return probabilities


def _plain(text: str) -> str:
    """Lower case, punctuation and runs of spaces as one space: "Great film!!" and "great film" are the same text."""
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def similarity_features(texts: list[str], *, seed: int = 0) -> np.ndarray:
    """Dense, unit-length character 2–5-gram TF-IDF features (SVD-reduced) of the texts with case and punctuation
    ignored, for near-duplicate and outlier search."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1,
                                 preprocessor=_plain)
    sparse = vectorizer.fit_transform(texts)
    dimensions = min(SIMILARITY_DIMENSIONS, sparse.shape[1] - 1, len(texts) - 1)
    dense = TruncatedSVD(dimensions, random_state=seed).fit_transform(sparse) if dimensions >= 2 else sparse.toarray()
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    return dense / np.clip(norms, 1e-12, None)


def label_issue_scores(given: np.ndarray, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cleanlab's label quality (self-confidence: the out-of-fold probability of the given label) and which rows
    are proposed as wrong: the lowest-scored rows, as many as confident learning estimates are mislabelled (the
    off-diagonal of the confident joint).  Measured on TREC-6 with 10 % flips (BENCHMARKS.md) this proposes far fewer
    false alarms than cleanlab's default filter (prune by noise rate) at a similar recall."""
    from cleanlab.count import num_label_issues
    from cleanlab.rank import get_label_quality_scores

    scores = get_label_quality_scores(given, probabilities, method="self_confidence")
    count = int(num_label_issues(given, probabilities, estimation_method="off_diagonal"))
    proposed = np.zeros(len(given), dtype=bool)
    proposed[np.argsort(scores, kind="stable")[:count]] = True
    # A row whose label the model itself prefers is never called wrong, whatever the estimate says.
    return scores, proposed & (probabilities.argmax(1) != given)


def find_issues(df: pd.DataFrame, probabilities: np.ndarray, classes: list[str], *, features: np.ndarray,
                mode: str, seconds_so_far: float = 0.0) -> Detection:
    """Label issues (cleanlab's confident learning on ``probabilities``), near-duplicates and outliers (cleanlab's
    Datalab on ``features``) for every row of ``df``; ``classes[j]`` is the class of column j."""
    from cleanlab import Datalab

    started = time.perf_counter()
    given = np.array([classes.index(label) for label in df["label"].astype(str)])
    scores, proposed = label_issue_scores(given, probabilities)
    lab = Datalab(data={"label": df["label"].astype(str).tolist()}, label_name="label", verbosity=0)
    lab.find_issues(features=features, issue_types={"near_duplicate": {}, "outlier": {}})
    issues = lab.get_issues()
    rows = _row_table(df, probabilities, classes, given, issues, lab.get_info("near_duplicate")["near_duplicate_sets"])
    rows["label_score"], rows["label_issue"] = scores, proposed
    summary = summarize(rows, mode=mode, seconds=seconds_so_far + time.perf_counter() - started)
    return Detection(rows, summary)


def _row_table(df: pd.DataFrame, probabilities: np.ndarray, classes: list[str], given_index: np.ndarray,
               issues: pd.DataFrame, duplicate_sets: Any) -> pd.DataFrame:
    suggested_index = probabilities.argmax(1)
    every = np.arange(len(df))
    return pd.DataFrame({
        "row": every,
        "split": df["split"].fillna("").astype(str).to_numpy() if "split" in df.columns else "",
        "label": df["label"].astype(str).to_numpy(),
        "suggested": [classes[i] for i in suggested_index],
        "given_prob": probabilities[every, given_index],
        "suggested_prob": probabilities[every, suggested_index],
        "label_score": 0.0,
        "label_issue": False,
        "near_duplicate": issues["is_near_duplicate_issue"].to_numpy(dtype=bool),
        "duplicate_of": [" ".join(str(int(i)) for i in sorted(partners)[:MAX_DUPLICATE_PARTNERS])
                         for partners in duplicate_sets],
        "outlier": issues["is_outlier_issue"].to_numpy(dtype=bool),
        "outlier_score": issues["outlier_score"].to_numpy(dtype=float),
    })


def summarize(rows: pd.DataFrame, *, mode: str, seconds: float) -> dict[str, Any]:
    """Counts for the summary line and charts: issues per class and the (given → suggested) pairs the data confuses."""
    flagged = rows[rows["label_issue"]]
    pairs = (flagged.groupby(["label", "suggested"]).size().sort_values(ascending=False, kind="stable")
             .reset_index(name="count"))
    return {
        "mode": mode,
        "rows": len(rows),
        "label_issues": int(rows["label_issue"].sum()),
        "near_duplicates": int(rows["near_duplicate"].sum()),
        "outliers": int(rows["outlier"].sum()),
        "out_of_fold_agreement": float((rows["label"] == rows["suggested"]).mean()) if len(rows) else 0.0,
        "issues_per_class": {str(k): int(v) for k, v in flagged["label"].value_counts().sort_index().items()},
        "rows_per_class": {str(k): int(v) for k, v in rows["label"].value_counts().sort_index().items()},
        "confused_pairs": [{"given": str(r.label), "suggested": str(r.suggested), "count": int(r.count)}
                           for r in pairs.itertuples()],
        "seconds": round(seconds, 2),
    }


def ranked(rows: pd.DataFrame) -> pd.DataFrame:
    """The flagged rows in review order: label issues first, most surely wrong first; then near-duplicates; then
    outliers, most unusual first (cleanlab's scores: lower = worse)."""
    flagged = rows[rows["label_issue"] | rows["near_duplicate"] | rows["outlier"]]
    group = np.where(flagged["label_issue"], 0, np.where(flagged["near_duplicate"], 1, 2))
    score = np.where(group == 0, flagged["label_score"], np.where(group == 2, flagged["outlier_score"], 0.0))
    order = np.lexsort((flagged["row"].to_numpy(), score, group))
    return flagged.iloc[order].reset_index(drop=True)


def fast_probabilities(df: pd.DataFrame, classes: list[str], *, seed: int = 0,
                       progress: Progress | None = None) -> np.ndarray:
    """Fast mode: the baseline's out-of-fold probabilities (k-fold, stratified, seeded)."""
    return baseline_out_of_fold(df, classes, fold_of_rows(df["label"], seed=seed), seed=seed, progress=progress)
