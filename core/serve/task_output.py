"""Turning a run's model outputs into answers, per task kind (playground, batch prediction, the ``predict`` CLI).

What a saved model outputs and how it becomes an answer (:mod:`core.tasks`, :mod:`core.train.heads`):

- single label (one text or a pair): softmax probabilities; the answer is the most probable class;
- multi-label: one sigmoid probability per label; the answer is every label whose probability reaches its threshold
  (``label_thresholds`` in the model's ``config.json``, tuned on the validation split; 0.5 when missing);
- regression: one output named ``score``, already in the target's units; the answer is that number (no activation).

Nothing here imports torch: these are small array and table operations on scores the model already produced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core import paths, store
from core.results import prob_column, read_report
from core.tasks import PAIR_COLUMN, Task, labels_of_rows, split_labels, task_of

PAIR_NAMES = (
    ("sentence1", "sentence2"), ("sentence_1", "sentence_2"), ("text_a", "text_b"), ("text", "text_pair"),
    ("premise", "hypothesis"), ("question1", "question2"), ("question", "sentence"), ("question", "answer"),
    ("query", "passage"), ("query", "document"), ("text1", "text2"), ("sentence_a", "sentence_b"),
    ("sent1", "sent2"), ("first", "second"),
)
"""Column names of the two texts of a pair, as public pair datasets name them (GLUE, CLUE, SNLI, …)."""


def run_task(run_id: str) -> Task:
    """The run's kind: ``run.info["task"]``, else the ``tuneboard_task`` saved in its model's config (a run copied
    without its database row), else single-label text (every run made before kinds existed)."""
    run = store.get_run(run_id)
    if run is not None and run.info.get("task"):
        return task_of(run)
    config = _model_config(run_id)
    return Task.from_dict(config.get("tuneboard_task"))


def _model_config(run_id: str) -> dict[str, Any]:
    file = paths.run_dir(run_id) / "model" / "config.json"
    try:
        return json.loads(file.read_text())
    except (OSError, ValueError):
        return {}


def activation(task: Task) -> str:
    """How the model's outputs become scores (``core.train.inference.predict_proba``'s ``activation``)."""
    return "none" if task.regression else "sigmoid" if task.multi_label else "softmax"


def thresholds_of(run_id: str, labels: Sequence[str]) -> np.ndarray:
    """Each label's decision threshold of a multi-label run (model config, else the report; 0.5 when unknown)."""
    found = _model_config(run_id).get("label_thresholds") or (read_report(run_id) or {}).get("thresholds") or {}
    return np.asarray([float(found.get(label, 0.5)) for label in labels], dtype=np.float64)


def target_range(run_id: str) -> dict[str, float] | None:
    """``{"low", "high", "mean"}`` of the targets a regression run learnt from (its dataset, else its test rows)."""
    values: pd.Series | None = None
    run = store.get_run(run_id)
    try:
        from core.data import library as datasets

        values = pd.to_numeric(datasets.load_frame(run.dataset_id)["label"], errors="coerce") if run else None
    except Exception:  # the dataset may have been deleted since; the test predictions still hold true targets
        values = None
    if values is None or values.dropna().empty:
        try:
            from core.results import load_predictions

            values = pd.to_numeric(load_predictions(run_id, columns=["label"])["label"], errors="coerce")
        except Exception:
            return None
    values = values.dropna()
    if values.empty:
        return None
    return {"low": float(values.min()), "high": float(values.max()), "mean": float(values.mean())}


def decide(task: Task, scores: np.ndarray, labels: Sequence[str], thresholds: np.ndarray | None = None) -> list[Any]:
    """The answer per row: a class name, a stored multi-label cell (``"a|b"``, ``""`` = none), or a float."""
    scores = np.asarray(scores)
    if len(scores) == 0:
        return []
    if task.regression:
        return [float(v) for v in scores.reshape(len(scores), -1)[:, 0]]
    if task.multi_label:
        cut = np.full(len(labels), 0.5) if thresholds is None else np.asarray(thresholds)
        return labels_of_rows(scores >= cut, list(labels))
    return [labels[i] for i in scores.argmax(1)]


def answers_frame(texts: Sequence[str], scores: np.ndarray, labels: Sequence[str], *, task: Task | None = None,
                  thresholds: np.ndarray | None = None, pairs: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per input: ``text, [text_pair], pred`` plus ``confidence`` and ``prob::<label>…`` (single label),
    ``prob::<label>…`` (multi-label) or nothing more (regression: ``pred`` is the number)."""
    task = task or Task()
    frame = pd.DataFrame({"text": [str(t) for t in texts]})
    if pairs is not None:
        frame[PAIR_COLUMN] = [str(p) for p in pairs]
    frame["pred"] = decide(task, scores, labels, thresholds)
    if task.regression:
        frame["pred"] = frame["pred"].astype(float)
        return frame
    if not task.multi_label:
        frame["confidence"] = scores.max(1) if len(texts) else []
    for j, label in enumerate(labels):
        frame[prob_column(label)] = scores[:, j] if len(texts) else []
    return frame


def json_answer(row: pd.Series, task: Task, labels: Sequence[str], thresholds: np.ndarray | None = None) -> dict:
    """One answer as the ``predict --text`` CLI prints it (JSON types only)."""
    out: dict[str, Any] = {"text": row["text"]}
    if PAIR_COLUMN in row.index:
        out["text_pair"] = row[PAIR_COLUMN]
    if task.regression:
        out["score"] = round(float(row["pred"]), 6)
        return out
    probabilities = {label: round(float(row[prob_column(label)]), 6) for label in labels}
    if task.multi_label:
        out["labels"] = split_labels(row["pred"])
        out["thresholds"] = {label: round(float(t), 4) for label, t in zip(labels, thresholds, strict=True)} \
            if thresholds is not None else {}
    else:
        out["label"] = row["pred"]
    out["probabilities"] = probabilities
    return out


# ---------------------------------------------------------------------------- the two text columns of a pair
def _normal(name: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def guess_pair_columns(df: pd.DataFrame) -> tuple[str, str] | None:
    """The (first, second) text columns of a table of pairs to predict; None when none are found.

    Upload's detection (:func:`core.data.task_detect.detect_task`: names like ``premise``/``hypothesis``, else two
    free-text columns of similar length) first, then the names alone (it refuses tables of very short texts).
    """
    try:
        from core.data.task_detect import detect_task

        found = detect_task(df)
        if found.task.pair and found.pair:
            return str(found.text), str(found.pair)
    except Exception:  # a guess must never stop a prediction: the user picks the columns (or names them in the CLI)
        pass
    return pair_columns_by_name(df.columns)


def pair_columns_by_name(columns: Sequence[Any]) -> tuple[str, str] | None:
    """The (first, second) text columns named as public pair datasets name them (GLUE, CLUE, SNLI …)."""
    by_name = {_normal(c): str(c) for c in columns}
    for first, second in PAIR_NAMES:
        if first in by_name and second in by_name:
            return by_name[first], by_name[second]
    numbered = sorted(n for n in by_name if re.fullmatch(r"(text|sentence|sent)_?[12ab]", n))
    if len(numbered) == 2:
        return by_name[numbered[0]], by_name[numbered[1]]
    return None


def check_pairs(task: Task, texts: Sequence[str], pairs: Sequence[str] | None) -> None:
    """A pair run needs a second text per text; any other run takes none (raises :class:`DataError`)."""
    from core.errors import DataError
    from core.i18n import message

    if task.pair and pairs is None:
        raise DataError(message("serve_tasks.error.pair_needed"))
    if not task.pair and pairs is not None:
        raise DataError(message("serve_tasks.error.pair_not_used"))
    if pairs is not None and len(pairs) != len(texts):
        raise DataError(message("serve_tasks.error.pair_count", texts=len(texts), pairs=len(pairs)))
