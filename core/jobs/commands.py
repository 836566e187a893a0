"""The run commands of ``python -m core``: train, runs, show, stop, cancel and resume.

Each ``register_*`` function adds one subcommand (arguments, help and handler) to the parser that core/cli.py
builds from its list of commands.  ``train`` gets one flag per :class:`RunConfig` field, with the field's own help
text, so the form, the CLI and a saved ``config.json`` all speak the same settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core import store
from core.config import PRESET_HELP, RunConfig, fixed_preset_caveat
from core.errors import ConfigError, DataError
from core.i18n import message
from core.jobs import queue as jobs
from core.jobs.seeds import group_summary_json, parse_seeds, submit_seed_group
from core.tasks import TASK_KEYS, Task, task_of

_ALIASES = {"text_column": ["--text-col"], "label_column": ["--label-col"], "learning_rate": ["--lr"]}
_NOT_FLAGS = {"dataset_id", "resume_from"}
LABELS_SHOWN = 12  # a 150-intent dataset's labels would fill the screen
_RUN_ID_HELP = "Run id (see `python -m core runs`)."
PresetFn = Callable[[RunConfig, str], tuple[RunConfig, list[str]]]
"""Applies a preset to a config that has its dataset, returning it and the reasons (core.train.recipe.apply_preset_here;
core.cli passes it in because core.jobs may not import core.train)."""


def _add(subparsers: Any, name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
    # argparse %-formats the one-line help of the command list, so a literal % must be doubled there.
    parser = subparsers.add_parser(name, help=help_text.replace("%", "%%"), description=help_text)
    parser.set_defaults(func=func)
    return parser


# ---------------------------------------------------------------------------- train
def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per RunConfig field, with the field's own help text (defaults None = 'not given')."""
    group = parser.add_argument_group("run settings (defaults give a sensible quick run)")
    for f in dataclasses.fields(RunConfig):
        if f.name in _NOT_FLAGS:
            continue
        flag = "--" + f.name.replace("_", "-")
        # argparse %-formats every help string, so a literal % in a field's help (e.g. "20% faster") must be doubled.
        help_text = f"{f.metadata['help']} (default: {f.default})".replace("%", "%%")
        if f.type in ("bool", bool):
            group.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            group.add_argument(flag, *_ALIASES.get(f.name, []), dest=f.name, default=None, metavar=f.name.upper(),
                               choices=f.metadata.get("choices"), help=help_text)


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """The RunConfig that ``train``'s flags describe: ``--config FILE`` first, each given flag on top."""
    return RunConfig.from_dict(explicit_settings(args))


def explicit_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line: the ``--config FILE`` values, then each given flag on top."""
    base: dict[str, Any] = {}
    if args.config:
        try:
            base = json.loads(Path(args.config).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"Cannot read the config file {args.config} ({exc}); pass a JSON file saved from a run.") from None
    for f in dataclasses.fields(RunConfig):
        value = getattr(args, f.name, None)
        if value is not None:
            base[f.name] = value
    base.pop("resume_from", None)
    return base


def _with_preset(config: RunConfig, args: argparse.Namespace, apply_preset: PresetFn) -> tuple[RunConfig, dict[str, Any]]:
    """``config`` (with its dataset) under ``--preset``, every explicitly given setting on top; the run's preset info."""
    chosen, reasons = apply_preset(config, args.preset)
    for reason in reasons:
        print(f"auto: {reason}", file=sys.stderr)
    if caveat := fixed_preset_caveat(_is_ner(config.dataset_id), args.preset):
        print(f"warning: {caveat}", file=sys.stderr)
    explicit = explicit_settings(args)
    explicit.pop("dataset_id", None)  # the imported dataset (already in config) stays
    final = RunConfig.from_dict({**chosen.to_dict(), **explicit, "dataset_id": config.dataset_id,
                                 "text_column": config.text_column, "label_column": config.label_column}).validate()
    # Reasons may be core.i18n Messages (print as English): the record keeps the English and the keys, so a
    # Chinese page can show a CLI run's reasons in Chinese too.
    info = {"preset": args.preset, "recipe_reasons": [str(r) for r in reasons],
            **({"recipe_reason_messages": [r.to_dict() for r in reasons]} if all(hasattr(r, "to_dict") for r in reasons) else {}),
            "preset_overrides": [k for k, v in final.to_dict().items() if getattr(chosen, k) != v]}
    if info["preset_overrides"]:
        print(f"{args.preset}: your settings win for {', '.join(info['preset_overrides'])}", file=sys.stderr)
    return final, info


def cmd_train(args: argparse.Namespace, apply_preset: PresetFn | None = None) -> int:
    """Create a run (importing --data first), then wait for it unless --detach."""
    config = config_from_args(args).validate()  # impossible settings fail before any data is stored
    seeds = parse_seeds(args.seeds) if getattr(args, "seeds", None) else None
    if args.data and args.example:
        raise DataError("Pass either --data FILE or --example NAME, not both.")
    record = None
    if args.data:
        from core.data.imports import import_any

        record = import_any(Path(args.data), Path(args.data).name, text_column=args.text_column,
                            label_column=args.label_column, **task_options(args))
        _say_detected(record)
    elif args.example:
        from core.jobs.demo import load_example

        record = load_example(args.example)
    if record is not None:
        config = config.replace(dataset_id=record.id, text_column=record.text_column, label_column=record.label_column)
        shown = ", ".join(record.labels[:LABELS_SHOWN]) + (", …" if len(record.labels) > LABELS_SHOWN else "")
        kind = task_of(record)
        about = "a numeric target" if kind.regression else f"{len(record.labels)} labels: {shown}"
        print(f"dataset {record.id} ({kind.key}): {record.n_rows} rows, {about}", file=sys.stderr)
    if not config.dataset_id:
        raise DataError("No data given; pass --data FILE, --example NAME (see `python -m core examples`) "
                        "or --dataset-id of a stored dataset.")
    info = None
    if getattr(args, "preset", None) is None and apply_preset is not None and _is_ner(config.dataset_id):
        # The settings' plain defaults were chosen for one label per text; tagging words needs more epochs (Auto:
        # entity F1 1.00 on the news sample, against 0.19–0.42 with the plain 3 epochs).
        args.preset = "Auto"
        print("named entities: using the Auto preset (pass --preset to choose another)", file=sys.stderr)
    if getattr(args, "preset", None) and apply_preset is not None:  # after the import: Auto looks at the data
        config, info = _with_preset(config, args, apply_preset)
    if seeds:
        return _train_seed_group(config, seeds, args, info)
    run = jobs.submit(config, info=info)
    print(run.id, flush=True)
    if args.detach:
        return 0
    return _follow(run.id)


def _is_ner(dataset_id: str) -> bool:
    record = store.get_dataset(dataset_id)
    return record is not None and task_of(record).ner


def _train_seed_group(config: RunConfig, seeds: list[int], args: argparse.Namespace, info: dict[str, Any] | None) -> int:
    """Queue one run per seed of ``--seeds``; without --detach follow each, then print the group's statistics."""
    runs = submit_seed_group(config, seeds, info=info)
    for run in runs:
        print(run.id, flush=True)
    if args.detach:
        return 0
    codes = [_follow(run.id, quiet=True) for run in runs]
    print(json.dumps(group_summary_json([store.require_run(r.id) for r in runs]), indent=2))
    return max(codes)


def task_options(args: argparse.Namespace) -> dict[str, Any]:
    """``import_file``'s task arguments from ``--task``, ``--pair-column``, ``--label-columns`` and ``--label-sep``."""
    columns = getattr(args, "label_columns", None)
    return {"task": Task.from_key(args.task) if getattr(args, "task", None) else None,
            "pair_column": getattr(args, "pair_column", None),
            "label_columns": [c.strip() for c in columns.split(",") if c.strip()] if columns else None,
            "label_separator": getattr(args, "label_sep", None)}


def _say_detected(record: Any) -> None:
    """Print why the data was read as its kind, and the question when it could have been another."""
    detected = (record.meta or {}).get("task_detected") or {}
    if detected.get("reason"):
        print(f"task: {detected['reason']}", file=sys.stderr)
    if detected.get("ask") and detected.get("task") == task_of(record).key:
        print(f"note: {detected['ask']}", file=sys.stderr)


def add_task_flags(parser: argparse.ArgumentParser) -> None:
    """The flags that say what kind of labelled data a file holds (detected when not given)."""
    parser.add_argument("--task", choices=TASK_KEYS, default=None, help=(
        "What the data is (detected when not given): single_label (one class per text), multi_label (several labels "
        "per text: a|b, a;b, a JSON list or 0/1 columns), regression (a number per text); pair_… for two texts per "
        "row (sentence1/sentence2, premise/hypothesis, …)."))
    parser.add_argument("--pair-column", dest="pair_column", help="Column with the second text of each pair.")
    parser.add_argument("--label-columns", dest="label_columns", metavar="A,B,…",
                        help="Multi-label: the 0/1 columns, one per label (instead of one label column).")
    parser.add_argument("--label-sep", dest="label_sep", metavar="SEP",
                        help="Multi-label: what separates the labels in one cell (detected: |, ; or ,).")


def _follow(run_id: str, *, quiet: bool = False) -> int:
    """Print progress to stderr until the run ends; print final metrics JSON on stdout (not when ``quiet``)."""
    last_step = -1
    try:
        while True:
            run = store.require_run(run_id)
            step = run.progress.get("step", -1)
            if step != last_step and run.status == "running":
                last_step = step
                points = store.metric_points(run_id, names=["loss"], split="train")
                loss = f", loss {points['value'].iloc[-1]:.4f}" if len(points) else ""
                print(f"  {jobs.status_line(run)} step {max(step, 0)}/{run.progress.get('total_steps', '?')}{loss}",
                      file=sys.stderr, flush=True)
            if not run.is_active:
                break
            time.sleep(1.0)
    except KeyboardInterrupt:
        print(f"\nThe run keeps training in the background; stop it with: python -m core stop {run_id}", file=sys.stderr)
        return 130
    if run.status != "completed":
        print(f"error: run {run_id} {run.status}: {run.error or ''}".rstrip(": "), file=sys.stderr)
        return 1
    if not quiet:
        print(json.dumps(run.final_metrics, indent=2))
    return 0


def register_train(subparsers: Any, *, apply_preset: PresetFn | None = None) -> None:
    """Add ``train (--data FILE | --example NAME | --dataset-id ID) [--preset NAME] [settings]`` (``--preset`` only
    with ``apply_preset``)."""
    train = _add(subparsers, "train", lambda args: cmd_train(args, apply_preset),
                 "Train a classifier on a data file (or a stored dataset) and print its final metrics as JSON.")
    train.add_argument("--data", help="Data file: CSV, TSV, JSON, JSONL, Excel, Parquet or fastText-style text.")
    train.add_argument("--example", metavar="NAME", help="Train on a built-in example dataset instead of --data "
                       "(see `python -m core examples`).")
    train.add_argument("--dataset-id", dest="dataset_id", help="Use a stored dataset instead of --data.")
    train.add_argument("--config", help="Start from a run's config.json (saved in each run's folder); other flags override it.")
    train.add_argument("--detach", action="store_true", help="Queue the run, print its id and return at once.")
    train.add_argument("--seeds", metavar="LIST", help="Train a seed group: one run per seed (e.g. 0,1,2 or 0-4), "
                       "identical otherwise; prints each run's id, then (without --detach) the group's mean ± sd as JSON.")
    add_task_flags(train)
    if apply_preset is not None:
        presets = " ".join(f"{name}: {text}" for name, text in PRESET_HELP.items())
        train.add_argument("--preset", metavar="NAME", choices=list(PRESET_HELP), default=None, help=(
            f"Start from a preset, applied after the data is imported; every setting given by a flag or --config "
            f"overrides it (without --preset: the defaults below). {presets}").replace("%", "%%"))
    _add_config_flags(train)


# ---------------------------------------------------------------------------- runs / show / control
def run_score(run: store.Run) -> str:
    """The run's headline metric with its name ("macro-F1 0.912", "micro-F1 0.810", "Spearman 0.741"); "-" before
    it has one.  (core.compare.tables.score_message for the UI; core.jobs may not import core.compare.)"""
    metric = task_of(run).headline_metric
    value = (run.final_metrics or {}).get(metric)
    return str(message(f"compare_tasks.score.{metric}", value=value)) if isinstance(value, int | float) else "-"


def cmd_runs(args: argparse.Namespace) -> int:
    """List runs: status, accuracy and macro-F1 (one label per text), and each run's score (its headline metric)."""
    runs = store.list_runs()
    if args.json:
        print(json.dumps([jobs.summary(r) for r in runs], indent=2))
        return 0
    if not runs:
        print("No runs yet. Start one with: python -m core train --data FILE")
        return 0
    print(f"{'id':18} {'status':14} {'acc':>6} {'f1':>6}  {'score':17} name")
    for r in runs:
        m = r.final_metrics
        acc = f"{m['accuracy']:.3f}" if "accuracy" in m else "-"
        f1 = f"{m['f1_macro']:.3f}" if "f1_macro" in m else "-"
        print(f"{r.id:18} {jobs.status_line(r):14} {acc:>6} {f1:>6}  {run_score(r):17} {r.name}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Status, kind of task and final metrics of one run."""
    run = store.require_run(args.run_id)
    info = jobs.summary(run)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    task = _run_task(run)
    print(f"run {run.id} · {run.name}\nstatus: {jobs.status_line(run)}")
    print(f"task: {task.key} — {message(f'task.name.{task.key}')}")
    if run.error:
        print(f"error: {run.error}")
    if run.final_metrics:
        print(f"score: {run_score(run)}")
    for key, value in run.final_metrics.items():
        print(f"  {key:20} {value:.4f}")
    if (run.info.get("baseline_check") or {}).get("verdict"):  # written by core.evaluate.guard at the end of the run
        print(f"note: {run.info['baseline_check']['verdict']['sentence']}")
    print(f"reproduce: {info['cli']}")
    return 0


def _run_task(run: store.Run) -> Task:
    """The run's kind: its record, else (a run that has not started) its dataset's."""
    if run.info.get("task") or not run.dataset_id:
        return task_of(run)
    record = store.get_dataset(run.dataset_id)
    return task_of(record) if record is not None else task_of(run)


def cmd_stop(args: argparse.Namespace) -> int:
    """Stop a running run (waits until it has stopped)."""
    outcome = jobs.request_stop(args.run_id)
    if outcome == "stopping":
        run = jobs.wait_stopped(args.run_id, timeout=jobs.STOP_GRACE_S + jobs.KILL_GRACE_S + 10)
        outcome = run.status
    print(f"run {args.run_id}: {outcome}")
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    """Cancel a queued run."""
    jobs.cancel(args.run_id)
    print(f"run {args.run_id}: cancelled")
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    """Resume a stopped/failed run from its last checkpoint."""
    run = jobs.resume(args.run_id)
    print(f"run {run.id}: queued to resume"
          + (" from " + Path(run.config["resume_from"]).name if run.config["resume_from"] else " from the start"))
    return 0 if args.detach else _follow(run.id)


def register_runs(subparsers: Any) -> None:
    """Add ``runs [--json]``."""
    _add(subparsers, "runs", cmd_runs, "List runs.").add_argument("--json", action="store_true", help="Print JSON.")


def register_show(subparsers: Any) -> None:
    """Add ``show RUN_ID [--json]``."""
    show = _add(subparsers, "show", cmd_show, "Show a run's status, queue position, error and final metrics.")
    show.add_argument("run_id", help=_RUN_ID_HELP)
    show.add_argument("--json", action="store_true", help="Print JSON.")


def register_stop(subparsers: Any) -> None:
    """Add ``stop RUN_ID``."""
    _add(subparsers, "stop", cmd_stop, "Stop a running run (keeps its metrics and last checkpoint).").add_argument(
        "run_id", help=_RUN_ID_HELP)


def register_cancel(subparsers: Any) -> None:
    """Add ``cancel RUN_ID``."""
    _add(subparsers, "cancel", cmd_cancel, "Cancel a queued run.").add_argument("run_id", help=_RUN_ID_HELP)


def register_resume(subparsers: Any) -> None:
    """Add ``resume RUN_ID [--detach]``."""
    resume = _add(subparsers, "resume", cmd_resume, "Resume a stopped or failed run from its last checkpoint.")
    resume.add_argument("run_id", help=_RUN_ID_HELP)
    resume.add_argument("--detach", action="store_true", help="Return at once instead of following the run.")
