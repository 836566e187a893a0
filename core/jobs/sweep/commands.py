"""``python -m core sweep``: start a hyperparameter sweep, follow it, and ``show``, ``list``, ``stop``, ``resume`` or
``promote`` sweeps.

    python -m core sweep --example support_intents --trials 12 --search lr=1e-5:3e-4:log --search epochs=1:4:1
    python -m core sweep show SWEEP_ID --json

Every fixed setting of the trials is a flag as for ``train`` (``--model``, ``--max-steps`` …); ``--name`` names the
sweep.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from core.errors import DataError
from core.i18n import message
from core.jobs import commands as run_commands
from core.jobs.sweep import manage, record, space, study
from core.jobs.sweep.record import INTERRUPTED

ACTIONS = ("show", "list", "stop", "resume", "promote")
FOLLOW_S = 1.0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Dispatch ``sweep [ACTION] [SWEEP_ID]``."""
    if args.action is None:
        return _start(args)
    if args.action == "list":
        return _list(args)
    if not args.sweep_id:
        raise DataError(message("error.sweep.id_needed", action=args.action))
    if args.action == "show":
        return _show(args)
    if args.action == "stop":
        print(f"sweep {args.sweep_id}: {manage.stop(args.sweep_id)}")
        return 0
    if args.action == "resume":
        manage.resume(args.sweep_id)
        print(f"sweep {args.sweep_id}: resumed", file=sys.stderr)
        return 0 if args.detach else _follow(args.sweep_id)
    run = manage.promote(args.sweep_id, args.trial)
    print(run.id)
    return 0


def _dataset(args: argparse.Namespace) -> Any:
    """The dataset record that ``--data``, ``--example`` or ``--dataset-id`` names."""
    given = [x for x in (args.data, args.example, args.dataset_id) if x]
    if len(given) != 1:
        raise DataError(message("error.sweep.data_args"))
    if args.data:
        from core.data.imports import import_any

        return import_any(Path(args.data), Path(args.data).name, text_column=args.text_column,
                                    label_column=args.label_column, **run_commands.task_options(args))
    if args.example:
        from core.jobs.demo import load_example

        return load_example(args.example)
    return None


def _start(args: argparse.Namespace) -> int:
    config = run_commands.config_from_args(args).validate()  # impossible settings fail before any data is stored
    params = space.parse_space(args.search or [], config)
    record_ = _dataset(args)
    if record_ is not None:
        config = config.replace(dataset_id=record_.id, text_column=record_.text_column,
                                label_column=record_.label_column)
        print(f"dataset {record_.id}: {record_.n_rows} rows", file=sys.stderr)
    sweep = manage.start(config, params, n_trials=args.trials, parallel=args.parallel, pruner=args.pruner,
                         metric=args.metric, name=config.name)
    print(sweep.id, flush=True)
    if args.detach:
        return 0
    return _follow(sweep.id)


def _trial_line(row: dict[str, Any], metric: str) -> str:
    params = " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in row["params"].items())
    if row["state"] == "complete":
        outcome = f"{metric} {row['value']:.4f}"
    elif row["state"] == "pruned":
        outcome = f"pruned at evaluation {row['pruned_at']}" + (f" ({metric} {row['last']:.4f})" if row["last"] is not None else "")
    elif row["state"] == "failed":
        outcome = "failed: " + str((row.get("reason") or {}).get("fallback", ""))
    else:
        outcome = row["state"] + (f", {row['steps']} evaluations" if row["steps"] else "")
    return f"  trial {row['number']:>3} {outcome:40} {params}  run {row.get('run_id') or '-'}"


def _follow(sweep_id: str) -> int:
    """Print each trial as it changes until the sweep ends; then the best trial as JSON."""
    seen: dict[int, str] = {}
    try:
        while True:
            sweep = record.require(sweep_id)
            for row in sweep.trials:
                line = _trial_line(row, sweep.metric)
                if seen.get(row["number"]) != line and row["state"] not in ("running",):
                    seen[row["number"]] = line
                    print(line, file=sys.stderr, flush=True)
            now = record.state(sweep)
            if now != "running":
                break
            time.sleep(FOLLOW_S)
    except KeyboardInterrupt:
        print(f"\nThe sweep keeps running in the background; stop it with: python -m core sweep stop {sweep_id}",
              file=sys.stderr)
        return 130
    print(json.dumps({"sweep_id": sweep.id, "state": now, "counts": sweep.counts(), "best": sweep.best}, indent=2))
    if now == INTERRUPTED:
        print(f"error: {message('error.sweep.interrupted', sweep_id=sweep_id)}", file=sys.stderr)
        return 1
    if now != "completed" or sweep.best is None:
        reason = record.error_dict(sweep.error)["fallback"] if sweep.error else "no trial completed"
        print(f"error: sweep {sweep_id} {now}: {reason}", file=sys.stderr)
        return 1
    return 0


def _show(args: argparse.Namespace) -> int:
    sweep = record.require(args.sweep_id)
    if args.json:
        print(json.dumps(manage.summary(sweep), indent=2, ensure_ascii=False))
        return 0
    counts = sweep.counts()
    print(f"sweep {sweep.id} · {sweep.name}\nstate: {record.state(sweep)}")
    print(f"trials: {sum(counts.values())}/{sweep.n_trials} — " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    print(f"optimising: validation {sweep.metric} ({sweep.direction}) · pruner: {sweep.pruner} · parallel: {sweep.parallel}")
    if sweep.error:
        print(f"error: {sweep.error.get('fallback')}")
    for row in sweep.trials:
        print(_trial_line(row, sweep.metric))
    if sweep.best:
        print(f"best: trial {sweep.best['number']} · {sweep.metric} {sweep.best['value']:.4f} · {sweep.best['params']}")
        print(f"train with it: python -m core sweep promote {sweep.id}")
    if sweep.importance:
        print("importance: " + ", ".join(f"{k} {v:.2f}" for k, v in sweep.importance.items()))
    print(f"reproduce: {sweep.cli}")
    return 0


def _list(args: argparse.Namespace) -> int:
    sweeps = record.list_sweeps()
    if args.json:
        print(json.dumps([manage.summary(s) for s in sweeps], indent=2, ensure_ascii=False))
        return 0
    if not sweeps:
        print("No sweeps yet. Start one with: python -m core sweep --data FILE --search lr=1e-5:3e-4:log")
        return 0
    print(f"{'id':26} {'state':12} {'trials':>7} {'best':>8}  name")
    for s in sweeps:
        best = f"{s.best['value']:.4f}" if s.best else "-"
        print(f"{s.id:26} {record.state(s):12} {len(s.trials):>3}/{s.n_trials:<3} {best:>8}  {s.name}")
    return 0


def register_sweep(subparsers: Any) -> None:
    """Add ``sweep [show|list|stop|resume|promote] [SWEEP_ID]`` with the start flags and one flag per run setting."""
    help_text = ("Search hyperparameters with Optuna: each trial is an ordinary queued run; a pruner stops poor "
                 "trials early from their validation score. `sweep show|list|stop|resume|promote` manage sweeps.")
    parser = subparsers.add_parser("sweep", help=help_text, description=help_text)
    parser.set_defaults(func=cmd_sweep)
    parser.add_argument("action", nargs="?", choices=ACTIONS, default=None,
                        help="show, list, stop, resume or promote a sweep (default: start a new one).")
    parser.add_argument("sweep_id", nargs="?", help="Sweep id (see `python -m core sweep list`).")
    parser.add_argument("--data", help="Data file: CSV, TSV, JSON, JSONL, Excel, Parquet or fastText-style text.")
    parser.add_argument("--example", metavar="NAME", help="A built-in example dataset (see `python -m core examples`).")
    parser.add_argument("--dataset-id", dest="dataset_id", help="A stored dataset instead of --data.")
    parser.add_argument("--config", help="Start every trial from a run's config.json; other flags override it.")
    parser.add_argument("--trials", type=int, default=10, help="How many trials to run (default: %(default)s).")
    parser.add_argument("--search", action="append", metavar="NAME=RANGE", help=(
        "A setting to search, repeatable: name=low:high (uniform), name=low:high:log (log scale, e.g. "
        "lr=1e-5:3e-4:log), name=low:high:step (e.g. epochs=1:4:1) or name=a,b,c (choices, e.g. batch_size=8,16,32)."))
    parser.add_argument("--pruner", choices=study.PRUNERS, default="median", help=(
        "Stop poor trials early: median (worse than the median of finished trials at the same evaluation), halving "
        "(successive halving: keep the best third at each rung) or none (default: %(default)s)."))
    parser.add_argument("--metric", default=None, help=(
        "Validation score to optimise (default: the data's headline score, f1_macro for one label per text; "
        "loss is minimised)."))
    parser.add_argument("--parallel", type=int, default=1, help=(
        "Trials queued at once (default: %(default)s); they still wait for a free device slot."))
    parser.add_argument("--trial", type=int, default=None, help="With promote: this trial instead of the best.")
    parser.add_argument("--detach", action="store_true", help="Start the sweep, print its id and return at once.")
    parser.add_argument("--json", action="store_true", help="With show or list: print JSON.")
    run_commands.add_task_flags(parser)
    run_commands._add_config_flags(parser)
