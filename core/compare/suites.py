"""Benchmark suites (issue 19, item 6): a named list of datasets, the same settings trained on each, one table.

A suite is stored in the workspace (``suites.json``: name → dataset ids and built-in example keys); the built-in
suite :data:`BUILTIN` covers every built-in example.  "Run suite" queues one ordinary run per dataset (device slots,
stop, cancel and crash detection apply to each), all tagged with the suite, a batch id and the batch's label in
``info``.  :func:`suite_table` then has a row per batch (model/settings) and a column per dataset holding the run's
headline metric — macro-F1 for classes, micro-F1 for several labels, Spearman for numbers — plus their mean, like a
GLUE score, with each cell's 95 % bootstrap interval from the run's report.
"""

from __future__ import annotations

import json
import math
import shlex
import uuid
from collections.abc import Sequence
from typing import Any

import pandas as pd

from core import paths, store
from core.compare.loading import metric_interval, run_metrics, run_task, short_model
from core.config import RunConfig
from core.data import library as datasets
from core.errors import ConfigError
from core.i18n import message
from core.jobs import queue as jobs
from core.store import Run

BUILTIN = "built-in examples"
SUITE_KEY, BATCH_KEY, LABEL_KEY = "suite", "suite_batch", "suite_label"


def _file() -> Any:
    return paths.home() / "suites.json"


def _stored() -> dict[str, dict[str, list[str]]]:
    try:
        return json.loads(_file().read_text())
    except (OSError, ValueError):
        return {}


def suites() -> dict[str, dict[str, list[str]]]:
    """Every suite: name → ``{"datasets": [ids], "examples": [keys]}``, the built-in one first."""
    from core.data.examples import EXAMPLES

    return {BUILTIN: {"datasets": [], "examples": list(EXAMPLES)}, **_stored()}


def create_suite(name: str, dataset_ids: Sequence[str]) -> None:
    """Store (or replace) suite ``name`` over stored datasets; a clear error for an empty name or list, the built-in
    suite's name, or a dataset that does not exist."""
    name = name.strip()
    if not name or name == BUILTIN:
        raise ConfigError(message("error.suite.bad_name", builtin=BUILTIN))
    if len(dataset_ids) < 2:
        raise ConfigError(message("error.suite.too_few"))
    for dataset_id in dataset_ids:
        datasets.require(dataset_id)
    stored = _stored()
    stored[name] = {"datasets": list(dict.fromkeys(dataset_ids)), "examples": []}
    _file().parent.mkdir(parents=True, exist_ok=True)
    _file().write_text(json.dumps(stored, indent=2, ensure_ascii=False))


def _require(name: str) -> dict[str, list[str]]:
    found = suites().get(name)
    if found is None:
        raise ConfigError(message("error.suite.unknown", name=name, names=", ".join(suites())))
    return found


def suite_dataset_ids(name: str) -> list[str]:
    """The suite's dataset ids (built-in examples are stored on first use, as the Data page does)."""
    from core.jobs.demo import load_example

    suite = _require(name)
    return [*suite["datasets"], *(load_example(key).id for key in suite["examples"])]


def run_suite(name: str, config: RunConfig, *, label: str = "") -> list[Run]:
    """Queue ``config`` on every dataset of suite ``name``; returns the queued runs (one batch)."""
    config.validate()
    ids = suite_dataset_ids(name)
    batch = f"suite-{uuid.uuid4().hex[:6]}"
    label = label.strip() or f"{short_model(config.model)} · lr {config.learning_rate:g} · {config.epochs:g} ep"
    runs = []
    for dataset_id in ids:
        record = datasets.require(dataset_id)
        member = config.replace(dataset_id=dataset_id, text_column=record.text_column, label_column=record.label_column,
                                name=f"{label} · {record.name}")
        runs.append(jobs.submit(member, info={SUITE_KEY: name, BATCH_KEY: batch, LABEL_KEY: label}))
    return runs


def suite_cli_command(name: str, config: RunConfig, *, label: str = "") -> str:
    """The ``python -m core suite run`` command that queues ``config`` on suite ``name``."""
    per_dataset = {"dataset_id", "name", "text_column", "label_column"}
    plain = config.replace(**{k: getattr(RunConfig(), k) for k in per_dataset})
    flags = shlex.split(plain.cli_command())[4:]  # after "python -m core train"
    return shlex.join(["python", "-m", "core", "suite", "run", name, *flags, *(["--label", label] if label else [])])


def suite_runs(name: str) -> list[Run]:
    """Every run queued by suite ``name`` (oldest first)."""
    return sorted((r for r in store.list_runs() if r.info.get(SUITE_KEY) == name), key=lambda r: r.created_at)


def suite_table(name: str) -> pd.DataFrame:
    """A row per batch: ``label``, ``batch``, ``model``, per dataset name its headline metric (NaN until the run has
    finished), ``<dataset> low``/``high`` (95 % interval) and ``average`` (over datasets, only when all finished);
    best average first."""
    runs = suite_runs(name)
    records = {d: store.get_dataset(d) for d in dict.fromkeys(r.dataset_id for r in runs)}
    found = {d: record.name for d, record in records.items() if record is not None}  # a deleted dataset: no column
    names = {d: name if list(found.values()).count(name) == 1 else f"{name} ({d})" for d, name in found.items()}
    rows: dict[str, dict[str, Any]] = {}
    for run in runs:
        if run.dataset_id not in names:
            continue
        row = rows.setdefault(run.info[BATCH_KEY], {"label": run.info.get(LABEL_KEY, ""), "batch": run.info[BATCH_KEY],
                                                    "model": short_model(run.config.get("model", ""))})
        column = names[run.dataset_id]
        metric = run_task(run).headline_metric
        value = run_metrics(run).get(metric) if run.status == "completed" else None
        interval = metric_interval(run, metric) if run.status == "completed" else {"low": None, "high": None}
        row[column] = math.nan if value is None else float(value)
        row[f"{column} low"], row[f"{column} high"] = interval["low"], interval["high"]
    frame = pd.DataFrame(list(rows.values()))
    if frame.empty:
        return pd.DataFrame(columns=["label", "batch", "model", "average"])
    columns = list(names.values())
    for column in columns:
        frame[column] = frame.get(column, math.nan)
    frame["average"] = frame[columns].mean(axis=1, skipna=False)
    frame = frame.sort_values("average", ascending=False, na_position="last", kind="stable")
    return frame.reset_index(drop=True)


def dataset_columns(table: pd.DataFrame) -> list[str]:
    """The dataset columns of a :func:`suite_table` (not label/batch/model/average or the interval ends)."""
    fixed = {"label", "batch", "model", "average"}
    return [c for c in table.columns if c not in fixed and not c.endswith((" low", " high"))]


def to_markdown(table: pd.DataFrame) -> str:
    """The suite table as Markdown: scores in points (×100), each with its interval, and the average."""
    columns = dataset_columns(table)
    lines = ["| settings | model | " + " | ".join(columns) + " | average |",
             "|---|---|" + "---:|" * (len(columns) + 1)]
    for _, row in table.iterrows():
        cells = [cell_text(row[c], row.get(f"{c} low"), row.get(f"{c} high")) for c in columns]
        lines.append(f"| {row['label']} | {row['model']} | " + " | ".join(cells) + f" | {cell_text(row['average'])} |")
    return "\n".join(lines)


def cell_text(value: Any, low: Any = None, high: Any = None) -> str:
    """A score in points with its interval ('83.2 (81.0–85.1)'); '—' before the run has finished."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{100 * value:.1f}"
    if low is not None and high is not None and not (math.isnan(low) or math.isnan(high)):
        text += f" ({100 * low:.1f}–{100 * high:.1f})"
    return text

