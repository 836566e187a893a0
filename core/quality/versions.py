"""Reviewed decisions saved as a new dataset version: nothing is overwritten, every version knows its parent.

A decision is ``(row, action, label)`` for a row of the parent (its position in the stored table): ``accept`` (take
the check's suggested label), ``relabel`` (to ``label``), ``exclude`` (drop the row) or ``keep``.  The new version is
an ordinary content-hashed dataset whose ``meta["lineage"]`` holds the parent's id and the list of changes.

Fair before/after comparisons need the same test rows on both sides, so the version freezes the parent's
train/validation/test split (as a ``split`` column, for the seed and shares of the run it will be compared with) and,
unless told otherwise, leaves test rows untouched: a fix that changed the test labels would change the exam, not the
student.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core import store
from core.config import RunConfig
from core.data import library
from core.data.splits import SPLITS, split_frame
from core.errors import DataError
from core.i18n import message
from core.store import DatasetRecord
from core.tasks import task_of

ACTIONS = ("accept", "relabel", "exclude", "keep")
_ROW = "\x1frow"  # the parent row position, carried through the split


@dataclass
class Version:
    """What applying decisions made: the new dataset and what changed, and the decisions left out and why."""

    record: DatasetRecord
    changes: list[dict[str, Any]]
    protected_test_rows: list[int] = field(default_factory=list)


def read_decisions(source: Any) -> pd.DataFrame:
    """Decisions from a CSV path or a frame: columns ``row``, ``action`` and (for relabel) ``label``."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False) if not isinstance(source, pd.DataFrame) else source
    frame = frame.rename(columns={c: str(c).strip().lower() for c in frame.columns})
    if not {"row", "action"} <= set(frame.columns):
        raise DataError(message("error.quality.decision_columns", columns=", ".join(map(str, frame.columns))))
    if "label" not in frame.columns:
        frame = frame.assign(label="")
    frame = frame[["row", "action", "label"]].copy()
    frame["action"] = frame["action"].astype(str).str.strip().str.lower()
    frame["label"] = frame["label"].fillna("").astype(str).str.strip()
    rows = pd.to_numeric(frame["row"], errors="coerce")
    if rows.isna().any() or (rows % 1 != 0).any():
        bad = frame.loc[rows.isna() | (rows % 1 != 0), "row"].iloc[0]
        raise DataError(message("error.quality.decision_row", row=str(bad)))
    frame["row"] = rows.astype(int)
    return frame


def frozen_split(df: pd.DataFrame, config: RunConfig, task: Any) -> pd.Series:
    """The split each row of ``df`` falls in for ``config``'s seed and shares — exactly what a run on it used."""
    marked = df.assign(**{_ROW: range(len(df))})
    marked["label"] = marked["label"].fillna("").astype(str)
    frames = split_frame(marked, test_size=config.test_size, validation_size=config.validation_size,
                         seed=config.seed, task=task)
    split = pd.Series("train", index=range(len(df)), dtype=object)
    for name in SPLITS:
        split[frames[name][_ROW].to_numpy()] = name
    return split


def _check(decisions: pd.DataFrame, n_rows: int, classes: list[str]) -> None:
    unknown = sorted(set(decisions["action"]) - set(ACTIONS))
    if unknown:
        raise DataError(message("error.quality.decision_action", action=unknown[0], actions=", ".join(ACTIONS)))
    outside = decisions[(decisions["row"] < 0) | (decisions["row"] >= n_rows)]
    if len(outside):
        raise DataError(message("error.quality.decision_out_of_range", row=int(outside["row"].iloc[0]), rows=n_rows))
    twice = decisions["row"][decisions["row"].duplicated()]
    if len(twice):
        raise DataError(message("error.quality.decision_twice", row=int(twice.iloc[0])))
    relabel = decisions[decisions["action"] == "relabel"]
    strange = relabel[~relabel["label"].isin(classes)]
    if len(strange):
        raise DataError(message("error.quality.decision_label", row=int(strange["row"].iloc[0]),
                                label=strange["label"].iloc[0], classes=", ".join(classes)))


def _accepted_labels(decisions: pd.DataFrame, suggestions: pd.Series | None) -> pd.DataFrame:
    """``accept`` becomes ``relabel`` to the check's suggestion for that row."""
    accept = decisions["action"] == "accept"
    if not accept.any():
        return decisions
    if suggestions is None:
        raise DataError(message("error.quality.accept_without_check"))
    decisions = decisions.copy()
    decisions.loc[accept, "label"] = suggestions.reindex(decisions.loc[accept, "row"]).fillna("").to_numpy()
    decisions.loc[accept, "action"] = "relabel"
    return decisions


def apply_decisions(dataset_id: str, decisions: pd.DataFrame, *, split_config: RunConfig | None = None,
                    suggestions: pd.Series | None = None, change_test: bool = False,
                    name: str | None = None) -> Version:
    """Save ``decisions`` on dataset ``dataset_id`` as a new version (the parent is never touched).

    ``split_config``: the seed and shares whose split the version freezes (default: a new run's defaults);
    ``suggestions``: the check's suggested label per parent row (needed for ``accept``); ``change_test``: apply
    decisions on test rows too (default: leave them, and report them in ``protected_test_rows``).
    """
    parent = library.require(dataset_id)
    task = task_of(parent)
    if not task.is_classification or task.multi_label:
        raise DataError(message("error.quality.needs_single_label"))
    df = library.load_frame(dataset_id)
    classes = sorted(df["label"].astype(str).unique().tolist())
    decisions = _accepted_labels(decisions, suggestions)
    _check(decisions, len(df), classes)
    split_config = split_config or RunConfig(dataset_id=dataset_id)
    split = frozen_split(df, split_config, task)
    acting = decisions[decisions["action"] != "keep"]
    on_test = acting[split[acting["row"]].to_numpy() == "test"]
    protected = [] if change_test else sorted(on_test["row"].tolist())
    acting = acting[~acting["row"].isin(protected)]
    changes = _changes(df, acting, split)
    effective = [c for c in changes if c["action"] == "exclude" or c["before"] != c["after"]]
    if not effective:
        raise DataError(message("error.quality.nothing_changes"))
    fixed = df.assign(split=split.to_numpy(), label=df["label"].astype(str))
    for change in effective:
        if change["action"] == "relabel":
            fixed.loc[change["row"], "label"] = change["after"]
    fixed = fixed.drop(index=[c["row"] for c in effective if c["action"] == "exclude"])
    meta = {k: v for k, v in parent.meta.items() if k not in {"task", "lineage", "hidden"}}
    meta["lineage"] = {"parent": parent.id, "parent_name": parent.name, "changes": effective,
                       "split": {"seed": split_config.seed, "test_size": split_config.test_size,
                                 "validation_size": split_config.validation_size},
                       "protected_test_rows": protected,
                       "test_changed": bool(change_test and len(on_test))}
    record = library.save_frame(fixed, name=name or _version_name(parent), text_column=parent.text_column,
                                label_column=parent.label_column, meta=meta, task=task)
    return Version(record, effective, protected)


def _changes(df: pd.DataFrame, acting: pd.DataFrame, split: pd.Series) -> list[dict[str, Any]]:
    labels = df["label"].astype(str)
    return [{"row": int(r.row), "action": "exclude" if r.action == "exclude" else "relabel",
             "text": str(df["text"].iloc[r.row]), "split": str(split.iloc[r.row]), "before": labels.iloc[r.row],
             "after": None if r.action == "exclude" else r.label}
            for r in acting.sort_values("row").itertuples()]


def _version_name(parent: DatasetRecord) -> str:
    root = lineage(parent.id)[0]
    return library.unique_name(f"{root.name} · v{len(lineage(parent.id)) + 1}")


def lineage(dataset_id: str) -> list[DatasetRecord]:
    """The dataset's ancestors, oldest first, ending with the dataset itself (a parent deleted since ends the chain)."""
    chain: list[DatasetRecord] = []
    current = store.get_dataset(dataset_id)
    while current is not None and current.id not in {r.id for r in chain}:
        chain.insert(0, current)
        parent_id = (current.meta.get("lineage") or {}).get("parent")
        current = store.get_dataset(parent_id) if parent_id else None
    return chain


def children(dataset_id: str) -> list[DatasetRecord]:
    """The versions made from this dataset, newest first."""
    return [r for r in store.list_datasets() if (r.meta.get("lineage") or {}).get("parent") == dataset_id]


def diff(dataset_id: str) -> pd.DataFrame:
    """What this version changed in its parent: ``row, split, text, before, after`` (after empty: excluded)."""
    changes = (library.require(dataset_id).meta.get("lineage") or {}).get("changes") or []
    frame = pd.DataFrame(changes, columns=["row", "action", "split", "text", "before", "after"])
    return frame


def split_source_runs(dataset_id: str) -> list[store.Run]:
    """The completed runs on a dataset, newest first: the ones a new version can keep the split of and be compared
    with after retraining."""
    return store.list_runs(statuses=["completed"], dataset_id=dataset_id)


def retrain(run_id: str, dataset_id: str) -> store.Run:
    """Queue run ``run_id``'s exact settings on dataset ``dataset_id`` (a fixed version of its data); the new run
    records which run it is the fixed-label twin of (``info["label_fix_of"]``)."""
    import dataclasses

    from core.jobs import queue

    run = store.require_run(run_id)
    config = dataclasses.replace(RunConfig.from_dict(run.config), dataset_id=dataset_id,
                                 name=f"{run.name} · fixed labels", resume_from="")
    return queue.submit(config, info={"label_fix_of": run_id})
