"""Lining up several runs' test results: whether their confusion matrices can share one class order, and
their test predictions matched example by example (by row id on the same split, else by text — both texts of a
pair) to find the examples the runs disagree on, or, for numeric targets, those where their predictions differ most.  Each "cannot" comes with one sentence saying why: a
:class:`core.i18n.Message` (``sentence``) that the UI shows in its language, ``message`` its English text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.compare.loading import report_digest
from core.data.library import lineage_root
from core.i18n import Message, message
from core.store import Run
from core.tasks import PAIR_COLUMN

# Settings that decide which examples land in the test split.
_SPLIT_SETTINGS = ("test_size", "validation_size", "seed")


# ---------------------------------------------------------------------------- confusion matrices
@dataclass
class ConfusionComparison:
    """Whether the runs' confusion matrices share one class order, and why not when they do not."""

    aligned: bool
    labels: list[str] = field(default_factory=list)
    sentence: Message | None = None

    @property
    def message(self) -> str:
        """Why not, in English ('' when aligned)."""
        return "" if self.sentence is None else str(self.sentence)


def confusion_alignment(runs: Sequence[Run], reports: dict[str, dict | None]) -> ConfusionComparison:
    """Matrices can share axes only when every run has a report with the same set of classes."""
    missing = [r.id for r in runs if not (reports.get(r.id) or {}).get("confusion")]
    if missing:
        return ConfusionComparison(False, [], message("evalmsg.compare.no_confusion", runs=", ".join(missing)))
    sets = {r.id: (reports[r.id] or {})["confusion"]["labels"] for r in runs}
    if len({frozenset(v) for v in sets.values()}) > 1:
        return ConfusionComparison(False, [], message("evalmsg.compare.confusion_labels_differ"))
    first = reports[runs[0].id]["confusion"]
    support = np.asarray(first["counts"]).sum(axis=1)
    order = [first["labels"][i] for i in np.argsort(-support, kind="stable")]
    return ConfusionComparison(True, order)


# ---------------------------------------------------------------------------- test predictions
@dataclass
class Alignment:
    """Test predictions of several runs matched example by example.

    ``frame`` has text, label and one prediction column per run id (None when the runs cannot be
    aligned); ``method`` is ``row_id`` or ``text``; ``sentence`` says how, or why not, in one sentence
    (``message``: its English text).
    """

    frame: pd.DataFrame | None
    method: str | None
    sentence: Message

    @property
    def message(self) -> str:
        """How the examples were matched, or why not, in English."""
        return str(self.sentence)


def _label_set(run: Run, predictions: pd.DataFrame) -> frozenset[str]:
    labels = report_digest(run.id)["labels"]
    return frozenset(map(str, labels)) if labels else frozenset(predictions["label"].astype(str))


def _same_split(runs: Sequence[Run], predictions: dict[str, pd.DataFrame]) -> bool:
    """Same dataset, split settings and test size, and identical texts at each row_id."""
    first = runs[0]
    for run in runs[1:]:
        if any(run.config.get(k) != first.config.get(k) for k in _SPLIT_SETTINGS):
            return False
    frames = [predictions[r.id] for r in runs]
    if len({len(f) for f in frames}) > 1 or not all("row_id" in f for f in frames):
        return False
    base = frames[0].sort_values("row_id")["text"].astype(str).to_numpy()
    return all(np.array_equal(base, f.sort_values("row_id")["text"].astype(str).to_numpy()) for f in frames[1:])


def align_predictions(runs: Sequence[Run], predictions: dict[str, pd.DataFrame | None], *,
                      numeric: bool = False) -> Alignment:
    """Match the runs' test predictions: by row_id when they share dataset and split, else by text (and second
    text).  ``numeric`` (regression runs): labels and predictions stay numbers, and the runs' test sets need not
    hold the same values to be matched."""
    missing = [r.id for r in runs if predictions.get(r.id) is None]
    if missing:
        return Alignment(None, None, message("evalmsg.compare.no_predictions", runs=", ".join(missing)))
    # Versions of one dataset (a label-fixed copy keeps its parent's test rows) are matched by text below.
    if len({lineage_root(r.dataset_id) if r.dataset_id else r.dataset_id for r in runs}) > 1:
        return Alignment(None, None, message("evalmsg.compare.datasets_differ"))
    preds = {r.id: predictions[r.id] for r in runs}
    if not numeric and len({_label_set(r, preds[r.id]) for r in runs}) > 1:
        return Alignment(None, None, message("evalmsg.compare.labels_differ"))
    cells = (lambda values: values.astype(float)) if numeric else (lambda values: values.astype(str))
    pair = all(PAIR_COLUMN in f.columns for f in preds.values())
    keys = ["text", PAIR_COLUMN] if pair else ["text"]
    if _same_split(runs, preds):
        first = preds[runs[0].id].sort_values("row_id")
        frame = pd.DataFrame({"row_id": first["row_id"].to_numpy(),
                              **{k: first[k].astype(str).to_numpy() for k in keys},
                              "label": cells(first["label"]).to_numpy()})
        for run in runs:
            frame[run.id] = cells(preds[run.id].sort_values("row_id")["pred"]).to_numpy()
        return Alignment(frame, "row_id", message("evalmsg.compare.same_split", examples=len(frame)))
    # Different split settings: only texts that landed in every run's test split can be compared.
    frame = None
    for run in runs:
        part = preds[run.id].astype({k: str for k in keys}).drop_duplicates(keys)
        part = part[[*keys, "label", "pred"]].rename(columns={"pred": run.id})
        part["label"] = cells(part["label"])
        part[run.id] = cells(part[run.id])
        frame = part if frame is None else _merged(frame, part, keys)
    if frame is None or frame.empty:
        return Alignment(None, None, message("evalmsg.compare.no_shared_examples"))
    changed = frame.pop(_LABELS_DIFFER) if _LABELS_DIFFER in frame else pd.Series(False, index=frame.index)
    if changed.any() and len({r.dataset_id for r in runs}) > 1:  # within one dataset, a repeated text may differ
        return Alignment(None, None, message("evalmsg.compare.test_labels_differ", rows=int(changed.sum())))
    return Alignment(frame.reset_index(drop=True), "text", message("evalmsg.compare.by_text", examples=len(frame)))


_THEIR_LABEL, _LABELS_DIFFER = "\x1flabel", "\x1flabels_differ"


def _merged(frame: pd.DataFrame, part: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` joined with one more run's rows on the text; a row whose true label differs between the two (a
    label-fixed version that changed a test label) is marked, so the runs are not scored against different truths."""
    joined = frame.merge(part.rename(columns={"label": _THEIR_LABEL}), on=keys, how="inner")
    differ = joined["label"].astype(str) != joined[_THEIR_LABEL].astype(str)
    earlier = joined.get(_LABELS_DIFFER, False)
    return joined.drop(columns=_THEIR_LABEL).assign(**{_LABELS_DIFFER: differ | earlier})


def prediction_differences(runs: Sequence[Run], predictions: dict[str, pd.DataFrame | None]) -> Alignment:
    """Regression runs' aligned test predictions, those that differ most between the runs first.

    The frame gains ``spread`` (highest minus lowest prediction) and ``closest`` (the id of the run nearest the true
    value); a number is never exactly the same twice, so there is no "agree" — only how far apart the runs are.
    """
    aligned = align_predictions(runs, predictions, numeric=True)
    if aligned.frame is None:
        return aligned
    frame = aligned.frame.copy()
    values = frame[[r.id for r in runs]].to_numpy(dtype=float)
    frame["spread"] = values.max(axis=1) - values.min(axis=1)
    frame["closest"] = [runs[i].id for i in np.abs(values - frame["label"].to_numpy()[:, None]).argmin(axis=1)]
    frame = frame.sort_values(["spread", "text"], ascending=[False, True], kind="stable").reset_index(drop=True)
    method = "same_split" if aligned.method == "row_id" else "by_text"
    return Alignment(frame, aligned.method, message(f"compare_tasks.spread.{method}", examples=len(frame)))


def disagreements(runs: Sequence[Run], predictions: dict[str, pd.DataFrame | None]) -> Alignment:
    """The aligned test examples on which the runs do not all predict the same label.

    The frame gains ``n_correct`` (how many runs got it right) and is sorted with the most divided
    examples first.
    """
    aligned = align_predictions(runs, predictions)
    if aligned.frame is None:
        return aligned
    frame = aligned.frame
    preds = frame[[r.id for r in runs]]
    differ = preds.nunique(axis=1) > 1
    out = frame[differ].copy()
    out["n_correct"] = (preds[differ].to_numpy() == out["label"].to_numpy()[:, None]).sum(axis=1)
    # Most divided first: an example half the runs get right says more than one only a single run misses.
    balance = (out["n_correct"] - len(runs) / 2).abs()
    out = out.assign(_balance=balance).sort_values(["_balance", "text"], kind="stable").drop(columns="_balance")
    # One catalogue text per matching method: a sentence is translated whole, never glued from two.
    said = message(f"{aligned.sentence.key}_disagree", **aligned.sentence.params, disagree=len(out))
    return Alignment(out.reset_index(drop=True), aligned.method, said)
