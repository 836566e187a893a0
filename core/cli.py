"""Command line: ``python -m core <command>`` — the same code paths as the UI, for headless servers.

:data:`COMMANDS` is the one list of subcommands.  Each entry's function adds that subcommand (arguments, help and
handler) to the parser; the commands live next to the feature they drive (the run commands in core.jobs.commands,
compare, predict, export, baseline in their modules), the data and report commands here.  Every failure a user can
cause prints ``error: <one sentence>`` and exits non-zero (2 for bad input); tracebacks are kept for bugs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core import store
from core.compare import tables as compare_tables
from core.config import RunConfig
from core.errors import ConfigError, DataError, TuneboardError
from core.evaluate import baseline
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from core.jobs import commands as run_commands
from core.jobs.sweep import commands as sweep_commands
from core.quality import commands as quality_commands
from core.serve import export, predict
from core.train import recipe


# ---------------------------------------------------------------------------- data and report commands
def cmd_check_data(args: argparse.Namespace) -> int:
    """Print the data health report; exit 0 when trainable, 2 when not."""
    from core import models
    from core.data import health, health_tasks, vocab
    from core.data.library import guess_task
    from core.data.task_detect import clean_for
    from core.data.upload import read_table

    if _is_ner_check(args):
        return _check_ner(args)
    table = read_table(Path(args.file), Path(args.file).name, encoding=args.encoding)
    guess = guess_task(table.df, text_column=args.text_col, label_column=args.label_col,
                       **run_commands.task_options(args))
    clean = clean_for(table.df, guess)
    text_col, label_col = guess.text, guess.label or ",".join(guess.label_columns)
    report = health.health_report(
        clean.df,
        dropped=clean.dropped,
        count_tokens=models.token_counter(args.model),
        max_length=args.max_length,
        reading=table.row_count,
        count_unknown=vocab.unknown_counter(args.model),
        task=guess.task,
        count_pair_tokens=health_tasks.pair_token_counter(args.model) if guess.task.pair else None,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "format": table.format,
                    "encoding": table.encoding,
                    "text_column": text_col,
                    "label_column": label_col,
                    "pair_column": guess.pair,
                    "task_detected": guess.to_dict(),
                    "notes": table.notes,
                    **report.to_dict(),
                },
                indent=2,
            )
        )
    else:
        print("\n".join(table.notes))
        print(f"task: {guess.task.key} — {guess.reason}" + (f"\nnote: {guess.ask}" if guess.ask else ""))
        second = f" · second text column: {guess.pair}" if guess.pair else ""
        print(f"text column: {text_col}{second} · label column: {label_col}")
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
    from core.evaluate.html import run_report_html
    from core.results import dump_report, load_report

    run = store.require_run(args.run_id)
    rep = load_report(run.id)
    if args.html:
        Path(args.html).write_text(run_report_html(run.id, language=args.lang), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    if args.json:
        print(dump_report(rep))
    elif not args.html:
        for key, value in rep["summary"].items():
            print(f"  {key:20} {value:.4f}" if isinstance(value, float) else f"  {key:20} {value}")
    return 0


def _add(subparsers: Any, name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
    # argparse %-formats the one-line help of the command list, so a literal % must be doubled there.
    parser = subparsers.add_parser(name, help=help_text.replace("%", "%%"), description=help_text)
    parser.set_defaults(func=func)
    return parser


def _is_ner_check(args: argparse.Namespace) -> bool:
    """Whether check-data's file holds tagged tokens (NER) and no other kind was asked for with --task."""
    from core.data.ner_import import is_ner_file

    path = Path(args.file)
    if getattr(args, "task", None) not in (None, "ner") or not path.is_file():
        return False
    with path.open("rb") as handle:
        return is_ner_file(handle.read(65536), path.name)


def _check_ner(args: argparse.Namespace) -> int:
    """check-data for a NER file: its own report (core.data.ner_health); exit 2 when it cannot be trained on."""
    from core import models
    from core.data.ner_health import summary
    from core.data.ner_import import check_ner_file

    report = check_ner_file(Path(args.file), count_tokens=models.token_counter(args.model), max_length=args.max_length)
    print(json.dumps({"task": "ner", **summary(report)}, indent=2, ensure_ascii=False) if args.json else report.to_text())
    if not report.trainable:
        print(f"error: {next(f for f in report.findings if f.severity == 'error').message}", file=sys.stderr)
        return 2
    return 0


def register_check_data(subparsers: Any) -> None:
    """Add ``check-data FILE [--text-col] [--label-col] [--encoding] [--model] [--max-length] [--json]``."""
    check = _add(subparsers, "check-data", cmd_check_data,
                 "Check a data file and print its health report (exit 2 if it cannot be trained on).")
    check.add_argument("file", help="Data file to check.")
    check.add_argument("--text-col", help="Text column (default: detected).")
    check.add_argument("--label-col", help="Label column (default: detected).")
    check.add_argument("--encoding", help="Force a text encoding (default: detected).")
    check.add_argument("--model", default="all-MiniLM-L6-v2", help="Model whose tokenizer measures text lengths.")
    check.add_argument("--max-length", type=int, default=128, help="Token limit to check truncation against.")
    check.add_argument("--json", action="store_true", help="Print JSON.")
    run_commands.add_task_flags(check)


def register_examples(subparsers: Any) -> None:
    """Add ``examples [NAME] [--out FILE]``."""
    ex = _add(subparsers, "examples", cmd_examples,
              "List the built-in example datasets, or write one as CSV (--out FILE).")
    ex.add_argument("name", nargs="?", help="Example to write (default: list them).")
    ex.add_argument("--out", metavar="FILE", help="Write the CSV here (default: standard output).")


def register_datasets(subparsers: Any) -> None:
    """Add ``datasets [--json]``."""
    _add(subparsers, "datasets", cmd_datasets, "List stored datasets.").add_argument(
        "--json", action="store_true", help="Print JSON.")


def register_report(subparsers: Any) -> None:
    """Add ``report RUN_ID [--html FILE [--lang zh]] [--json]``."""
    rep = _add(subparsers, "report", cmd_report, "Print or export a finished run's evaluation report.")
    rep.add_argument("run_id", help="Run id.")
    rep.add_argument("--html", metavar="FILE", help="Write the report as one standalone HTML file.")
    rep.add_argument("--lang", choices=list(LANGUAGES), default=DEFAULT_LANGUAGE,
                     help="Language of the HTML report's words (default: %(default)s; the JSON and the printed summary "
                          "stay as they are).")
    rep.add_argument("--json", action="store_true", help="Print the report as JSON.")


def cmd_suite(args: argparse.Namespace) -> int:
    """``suite list | create NAME --datasets IDS | run NAME [settings] | show NAME [--json|--markdown|--csv]``."""
    from core.compare import suites

    if args.action == "list":
        for name, suite in suites.suites().items():
            print(f"{name}: {len(suite['datasets']) + len(suite['examples'])} datasets")
        return 0
    if not args.name:
        raise ConfigError(f"Name the suite: python -m core suite {args.action} NAME (see `python -m core suite list`).")
    if args.action == "create":
        suites.create_suite(args.name, [d.strip() for d in (args.datasets or "").split(",") if d.strip()])
        print(f"suite {args.name!r} saved")
        return 0
    if args.action == "run":
        config = RunConfig.from_dict({**run_commands.explicit_settings(args), "dataset_id": "suite"})
        for run in suites.run_suite(args.name, config, label=args.label or ""):
            print(run.id, flush=True)
        return 0
    table = suites.suite_table(args.name)
    if args.json:
        print(table.to_json(orient="records", indent=2, force_ascii=False))
    elif args.csv:
        sys.stdout.write(predict.escape_formulas(table).to_csv(index=False))
    else:
        print(suites.to_markdown(table))
    return 0


def register_suite(subparsers: Any) -> None:
    """Add ``suite list|create|run|show``."""
    suite = _add(subparsers, "suite", cmd_suite,
                 "Benchmark suites: train the same settings on each dataset of a suite and show one table "
                 "(a row per settings, a column per dataset and the average, each with its 95% interval).")
    suite.add_argument("action", choices=["list", "create", "run", "show"])
    suite.add_argument("name", nargs="?", help="Suite name (the built-in one: 'built-in examples').")
    suite.add_argument("--datasets", help="With create: comma-separated stored dataset ids (see `python -m core datasets`).")
    suite.add_argument("--label", help="With run: a name for these settings in the table (default: model, lr, epochs).")
    suite.add_argument("--config", help="With run: start from a run's config.json; other flags override it.")
    output = suite.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="With show: print JSON.")
    output.add_argument("--csv", action="store_true", help="With show: print CSV (formula-like cells escaped).")
    output.add_argument("--markdown", action="store_true", help="With show: print Markdown (the default).")
    run_commands._add_config_flags(suite)


# ---------------------------------------------------------------------------- parser
# Every subcommand, in the order `python -m core --help` lists them: (name, the function that adds it to the parser).
COMMANDS: list[tuple[str, Callable[[Any], None]]] = [
    ("train", lambda sub: run_commands.register_train(sub, apply_preset=recipe.explain_preset_here)),
    ("runs", run_commands.register_runs),
    ("show", run_commands.register_show),
    ("stop", run_commands.register_stop),
    ("cancel", run_commands.register_cancel),
    ("resume", run_commands.register_resume),
    ("sweep", sweep_commands.register_sweep),
    ("find-issues", quality_commands.register_find_issues),
    ("apply-fixes", quality_commands.register_apply_fixes),
    ("check-data", register_check_data),
    ("examples", register_examples),
    ("datasets", register_datasets),
    ("report", register_report),
    ("suite", register_suite),
    ("compare", compare_tables.register_cli),
    ("predict", predict.register_cli),
    ("export", export.register_cli),
    ("baseline", baseline.register_cli),
]


def build_parser() -> argparse.ArgumentParser:
    """The full ``python -m core`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m core",
        description="Tuneboard: fine-tune text classifiers from the command line.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for _name, register in COMMANDS:
        register(sub)
    return parser


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
