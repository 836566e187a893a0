"""``python -m core find-issues`` and ``python -m core apply-fixes``: the label-error loop without a browser."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from core import store
from core.config import RunConfig
from core.data import library
from core.errors import DataError
from core.i18n import message
from core.quality import detect, findings, job, versions

SHOWN_ROWS = 20


def resolve_dataset(reference: str) -> store.DatasetRecord:
    """A stored dataset by id or by its exact name, or a file imported into the library."""
    if (record := store.get_dataset(reference)) is not None:
        return record
    named = [r for r in store.list_datasets() if r.name == reference]
    if len(named) == 1:
        return named[0]
    if Path(reference).is_file():
        return library.import_file(Path(reference), Path(reference).name)
    raise DataError(message("error.quality.no_dataset", reference=reference))


def flagged_rows(rows: pd.DataFrame, df: pd.DataFrame, limit: int | None = None) -> list[dict[str, Any]]:
    """The flagged rows in review order with their text, as plain JSON values."""
    top = detect.ranked(rows)
    top = top if limit is None else top.head(limit)
    texts = df["text"].astype(str)
    return [{**{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}, "text": texts.iloc[int(r["row"])]}
            for r in top.to_dict("records")]


def _progress_printer(quiet: bool) -> detect.Progress | None:
    if quiet:
        return None
    return lambda fraction, phase: print(f"  {fraction:5.0%} {phase}", file=sys.stderr, flush=True)


def cmd_find_issues(args: argparse.Namespace) -> int:
    record = resolve_dataset(args.dataset)
    base = RunConfig(dataset_id=record.id, epochs=args.epochs, **({"model": args.model} if args.model else {}))
    if args.detach:
        status = job.start(record.id, args.mode, base=base, seed=args.seed)
        print(json.dumps({"dataset_id": record.id, "mode": args.mode, "status": status}) if args.json else
              message("quality.cli.started", dataset=record.name, mode=args.mode, dataset_id=record.id))
        return 0
    detection = job.run_check(record.id, args.mode, base=base, seed=args.seed,
                              progress=_progress_printer(args.json))
    limit = None if args.all or (args.json and args.top is None) else (args.top or SHOWN_ROWS)
    shown = flagged_rows(detection.rows, library.load_frame(record.id), limit)
    if args.json:
        print(json.dumps({"dataset_id": record.id, "summary": detection.summary, "flagged": shown}, default=str))
        return 0
    s = detection.summary
    print(message("quality.cli.summary", dataset=record.name, label_issues=s["label_issues"], rows=s["rows"],
                  near_duplicates=s["near_duplicates"], outliers=s["outliers"], seconds=s["seconds"]))
    if s["out_of_fold_agreement"] < detect.WEAK_AGREEMENT:
        print(message("labels.results.weak_model", share=s["out_of_fold_agreement"]))
    for row in shown:
        if row["label_issue"]:
            print(f"  row {row['row']:>6}  {row['label']} → {row['suggested']} ({row['suggested_prob']:.0%})  "
                  f"{row['text'][:80]!r}")
    return 0


def cmd_apply_fixes(args: argparse.Namespace) -> int:
    record = resolve_dataset(args.dataset)
    decisions = versions.read_decisions(Path(args.decisions))
    split_config = None
    if args.split_from:
        run = store.require_run(args.split_from)
        if run.dataset_id != record.id:
            raise DataError(message("error.quality.split_run_elsewhere", run_id=run.id, dataset=record.name))
        split_config = RunConfig.from_dict(run.config)
    found = findings.latest_result(record.id)
    suggestions = found[0].set_index("row")["suggested"] if found else None
    version = versions.apply_decisions(record.id, decisions, split_config=split_config, suggestions=suggestions,
                                       change_test=args.change_test, name=args.name)
    relabelled = sum(c["action"] == "relabel" for c in version.changes)
    excluded = len(version.changes) - relabelled
    if args.json:
        print(json.dumps({"dataset_id": version.record.id, "name": version.record.name, "parent": record.id,
                          "relabelled": relabelled, "excluded": excluded,
                          "protected_test_rows": version.protected_test_rows}))
        return 0
    print(message("quality.cli.applied", name=version.record.name, dataset_id=version.record.id,
                  relabelled=relabelled, excluded=excluded, protected=len(version.protected_test_rows)))
    return 0


def register_find_issues(subparsers: Any) -> None:
    """Add ``find-issues``."""
    p = subparsers.add_parser("find-issues", help="rank a dataset's rows by how likely their label is wrong",
                              description="Out-of-fold probabilities (fast: the TF-IDF baseline under 5-fold "
                              "cross-validation; thorough: 5 fine-tuned runs through the queue), then cleanlab's "
                              "confident learning; also near-duplicates and outliers.")
    p.add_argument("dataset", help="a stored dataset's id or name, or a file to import")
    p.add_argument("--mode", choices=findings.MODES, default="fast")
    p.add_argument("--model", default="", help="thorough mode: the model the fold runs fine-tune (default MiniLM)")
    p.add_argument("--epochs", type=float, default=RunConfig.epochs, help="thorough mode: epochs of each fold run")
    p.add_argument("--seed", type=int, default=0, help="seed of the folds")
    p.add_argument("--top", type=int, default=None, help=f"how many flagged rows to print (default {SHOWN_ROWS}; "
                   "with --json every flagged row)")
    p.add_argument("--all", action="store_true", help="print every flagged row")
    p.add_argument("--detach", action="store_true", help="start the check in the background and return")
    p.add_argument("--json", action="store_true", help="print the summary and flagged rows as JSON")
    p.set_defaults(func=cmd_find_issues)


def register_apply_fixes(subparsers: Any) -> None:
    """Add ``apply-fixes``."""
    p = subparsers.add_parser("apply-fixes", help="save reviewed label decisions as a new dataset version",
                              description="DECISIONS is a CSV with columns row, action (accept, relabel, exclude, "
                              "keep) and label (for relabel). The parent dataset is never changed.")
    p.add_argument("dataset", help="a stored dataset's id or name")
    p.add_argument("--decisions", required=True, help="CSV of row, action, label")
    p.add_argument("--split-from", default="", help="a run on this dataset whose train/validation/test split the new "
                   "version keeps (default: a new run's seed and shares)")
    p.add_argument("--change-test", action="store_true", help="apply decisions on test rows too (then a retrained "
                   "run is judged on other labels than the run it is compared with)")
    p.add_argument("--name", default=None, help="the new version's name (default: '<name> · v2')")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_apply_fixes)
