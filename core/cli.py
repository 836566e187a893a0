"""Command line: ``python -m core <command>`` — the same code paths as the UI, for headless servers.

Every failure a user can cause prints ``error: <one sentence>`` and exits non-zero (2 for bad
input); tracebacks are kept for bugs.
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
from core.config import RunConfig
from core.errors import ConfigError, DataError, TuneboardError
from core.jobs import queue as jobs

_ALIASES = {
    "text_column": ["--text-col"],
    "label_column": ["--label-col"],
    "learning_rate": ["--lr"],
}
_NOT_FLAGS = {"dataset_id", "resume_from"}


# ---------------------------------------------------------------------------- train
def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per RunConfig field, with the field's own help text (defaults None = 'not given')."""
    group = parser.add_argument_group("run settings (defaults give a sensible quick run)")
    for f in dataclasses.fields(RunConfig):
        if f.name in _NOT_FLAGS:
            continue
        flag = "--" + f.name.replace("_", "-")
        default = f.default
        # argparse %-formats every help string, so a literal % in a field's help (e.g. "20% faster") must be doubled.
        help_text = f"{f.metadata['help']} (default: {default})".replace("%", "%%")
        if f.type in ("bool", bool):
            group.add_argument(
                flag,
                dest=f.name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=help_text,
            )
        else:
            group.add_argument(
                flag,
                *_ALIASES.get(f.name, []),
                dest=f.name,
                default=None,
                metavar=f.name.upper(),
                choices=f.metadata.get("choices"),
                help=help_text,
            )


def _config_from_args(args: argparse.Namespace) -> RunConfig:
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
    return RunConfig.from_dict(base)


def cmd_train(args: argparse.Namespace) -> int:
    """Create a run (importing --data first), then wait for it unless --detach."""
    config = _config_from_args(args).validate()  # impossible settings fail before any data is stored
    if args.data and args.example:
        raise DataError("Pass either --data FILE or --example NAME, not both.")
    record = None
    if args.data:
        from core.data import library as datasets

        record = datasets.import_file(Path(args.data), Path(args.data).name, text_column=args.text_column,
                                      label_column=args.label_column)
    elif args.example:
        from core.jobs.demo import load_example

        record = load_example(args.example)
    if record is not None:
        config = config.replace(dataset_id=record.id, text_column=record.text_column, label_column=record.label_column)
        print(f"dataset {record.id}: {record.n_rows} rows, labels {', '.join(record.labels)}", file=sys.stderr)
    if not config.dataset_id:
        raise DataError("No data given; pass --data FILE, --example NAME (see `python -m core examples`) "
                        "or --dataset-id of a stored dataset.")
    run = jobs.submit(config)
    print(run.id, flush=True)
    if args.detach:
        return 0
    return _follow(run.id)


def _follow(run_id: str) -> int:
    """Print progress to stderr until the run ends; print final metrics JSON on stdout."""
    last_step = -1
    try:
        while True:
            run = store.require_run(run_id)
            step = run.progress.get("step", -1)
            if step != last_step and run.status == "running":
                last_step = step
                points = store.metric_points(run_id, names=["loss"], split="train")
                loss = f", loss {points['value'].iloc[-1]:.4f}" if len(points) else ""
                print(
                    f"  {jobs.status_line(run)} step {max(step, 0)}/{run.progress.get('total_steps', '?')}{loss}",
                    file=sys.stderr,
                    flush=True,
                )
            if not run.is_active:
                break
            time.sleep(1.0)
    except KeyboardInterrupt:
        print(
            f"\nThe run keeps training in the background; stop it with: python -m core stop {run_id}",
            file=sys.stderr,
        )
        return 130
    if run.status != "completed":
        print(
            f"error: run {run_id} {run.status}: {run.error or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 1
    print(json.dumps(run.final_metrics, indent=2))
    return 0


# ---------------------------------------------------------------------------- runs / show / control
def cmd_runs(args: argparse.Namespace) -> int:
    """List runs."""
    runs = store.list_runs()
    if args.json:
        print(json.dumps([jobs.summary(r) for r in runs], indent=2))
        return 0
    if not runs:
        print("No runs yet. Start one with: python -m core train --data FILE")
        return 0
    print(f"{'id':18} {'status':14} {'acc':>6} {'f1':>6}  name")
    for r in runs:
        m = r.final_metrics
        acc = f"{m['accuracy']:.3f}" if "accuracy" in m else "-"
        f1 = f"{m['f1_macro']:.3f}" if "f1_macro" in m else "-"
        print(f"{r.id:18} {jobs.status_line(r):14} {acc:>6} {f1:>6}  {r.name}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Status and final metrics of one run."""
    run = store.require_run(args.run_id)
    info = jobs.summary(run)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"run {run.id} · {run.name}\nstatus: {jobs.status_line(run)}")
    if run.error:
        print(f"error: {run.error}")
    for key, value in run.final_metrics.items():
        print(f"  {key:20} {value:.4f}")
    print(f"reproduce: {info['cli']}")
    return 0


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
    print(
        f"run {run.id}: queued to resume"
        + (" from " + Path(run.config["resume_from"]).name if run.config["resume_from"] else " from the start")
    )
    return 0 if args.detach else _follow(run.id)


def cmd_check_data(args: argparse.Namespace) -> int:
    """Print the data health report; exit 0 when trainable, 2 when not."""
    from core.data import dataio, health, vocab
    from core.train import models

    table = dataio.read_table(Path(args.file), Path(args.file).name, encoding=args.encoding)
    guess = dataio.detect_columns(table.df)
    text_col, label_col = args.text_col or guess.text, args.label_col or guess.label
    clean = dataio.clean_examples(table.df, text_col, label_col)
    report = health.health_report(
        clean.df,
        dropped=clean.dropped,
        count_tokens=models.token_counter(args.model),
        max_length=args.max_length,
        reading=table.row_count,
        count_unknown=vocab.unknown_counter(args.model),
    )
    if args.json:
        print(
            json.dumps(
                {
                    "format": table.format,
                    "encoding": table.encoding,
                    "text_column": text_col,
                    "label_column": label_col,
                    "notes": table.notes,
                    **report.to_dict(),
                },
                indent=2,
            )
        )
    else:
        print("\n".join(table.notes))
        print(f"text column: {text_col} · label column: {label_col}")
        print(report.to_text())
    if not report.trainable:
        first = next(f for f in report.findings if f.severity == "error")
        print(f"error: {first.message}", file=sys.stderr)
        return 2
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    """List stored datasets."""
    records = store.list_datasets()
    if args.json:
        print(json.dumps([r.__dict__ for r in records], indent=2))
        return 0
    for r in records:
        print(f"{r.id}  {r.n_rows:>7} rows  {len(r.labels):>3} labels  {r.name}")
    return 0


def cmd_examples(args: argparse.Namespace) -> int:
    """List the built-in example datasets, or write one to a CSV file (data every user has, for trying the CLI)."""
    from core.data.examples import EXAMPLES, example_bytes

    if not args.name:
        for key, example in EXAMPLES.items():
            print(f"{key:20} {example.description}")
        return 0
    raw = example_bytes(args.name)  # a clear DataError for an unknown name
    if args.out:
        Path(args.out).write_bytes(raw)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(raw.decode("utf-8"))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Print or export a finished run's evaluation report."""
    from core.evaluate import report as report_mod
    from core.results import load_report

    run = store.require_run(args.run_id)
    rep = load_report(run.id)
    if args.html:
        Path(args.html).write_text(
            report_mod.report_to_html(rep, title=f"Tuneboard report · {run.name}"),
            encoding="utf-8",
        )
        print(f"wrote {args.html}", file=sys.stderr)
    if args.json:
        print(report_mod.report_to_json(rep))
    elif not args.html:
        for key, value in rep["summary"].items():
            print(f"  {key:20} {value:.4f}" if isinstance(value, float) else f"  {key:20} {value}")
    return 0


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The full ``python -m core`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m core",
        description="Tuneboard: fine-tune text classifiers from the command line.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text.replace("%", "%%"), description=help_text)
        p.set_defaults(func=func)
        return p

    train = add(
        "train",
        cmd_train,
        "Train a classifier on a data file (or a stored dataset) and print its final metrics as JSON.",
    )
    train.add_argument("--data", help="Data file: CSV, TSV, JSON, JSONL, Excel, Parquet or fastText-style text.")
    train.add_argument("--example", metavar="NAME", help="Train on a built-in example dataset instead of --data "
                       "(see `python -m core examples`).")
    train.add_argument("--dataset-id", dest="dataset_id", help="Use a stored dataset instead of --data.")
    train.add_argument("--config", help="Start from a run's config.json (saved in each run's folder); other flags override it.")
    train.add_argument("--detach", action="store_true", help="Queue the run, print its id and return at once.")
    _add_config_flags(train)

    runs = add("runs", cmd_runs, "List runs.")
    runs.add_argument("--json", action="store_true", help="Print JSON.")
    for name, func, text in [
        ("show", cmd_show, "Show a run's status, queue position, error and final metrics."),
        ("stop", cmd_stop, "Stop a running run (keeps its metrics and last checkpoint)."),
        ("cancel", cmd_cancel, "Cancel a queued run."),
        ("resume", cmd_resume, "Resume a stopped or failed run from its last checkpoint."),
    ]:
        p = add(name, func, text)
        p.add_argument("run_id", help="Run id (see `python -m core runs`).")
        if name == "show":
            p.add_argument("--json", action="store_true", help="Print JSON.")
        if name == "resume":
            p.add_argument("--detach", action="store_true", help="Return at once instead of following the run.")

    check = add(
        "check-data",
        cmd_check_data,
        "Check a data file and print its health report (exit 2 if it cannot be trained on).",
    )
    check.add_argument("file", help="Data file to check.")
    check.add_argument("--text-col", help="Text column (default: detected).")
    check.add_argument("--label-col", help="Label column (default: detected).")
    check.add_argument("--encoding", help="Force a text encoding (default: detected).")
    check.add_argument("--model", default="all-MiniLM-L6-v2", help="Model whose tokenizer measures text lengths.")
    check.add_argument("--max-length", type=int, default=128, help="Token limit to check truncation against.")
    check.add_argument("--json", action="store_true", help="Print JSON.")

    ex = add("examples", cmd_examples, "List the built-in example datasets, or write one as CSV (--out FILE).")
    ex.add_argument("name", nargs="?", help="Example to write (default: list them).")
    ex.add_argument("--out", metavar="FILE", help="Write the CSV here (default: standard output).")

    ds = add("datasets", cmd_datasets, "List stored datasets.")
    ds.add_argument("--json", action="store_true", help="Print JSON.")

    rep = add("report", cmd_report, "Print or export a finished run's evaluation report.")
    rep.add_argument("run_id", help="Run id.")
    rep.add_argument("--html", metavar="FILE", help="Write the report as one standalone HTML file.")
    rep.add_argument("--json", action="store_true", help="Print the report as JSON.")
    for register in _extensions():
        register(sub)
    return parser


def _extensions() -> list[Callable[[Any], None]]:
    """Commands defined next to their features (compare, predict, export, ...)."""
    import importlib

    found = []
    for module in ("core.compare.tables", "core.serve.predict", "core.serve.export", "core.evaluate.baseline"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        if hasattr(mod, "register_cli"):
            found.append(mod.register_cli)
    return found


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TuneboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
