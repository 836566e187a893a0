"""The embedded SQLite store: datasets, runs and metric points.  The only module that speaks SQL.

Several processes use the database at once (the UI, the scheduler, one worker per run, the CLI),
so every connection uses WAL mode and a long busy timeout, and every write is one short
``BEGIN IMMEDIATE`` transaction: writers queue instead of failing with "database is locked".
"""

from __future__ import annotations

import functools
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from core import paths
from core.errors import RunError
from core.i18n import Message, message

STATUSES = ("queued", "running", "completed", "failed", "stopped", "cancelled")
ACTIVE_STATUSES = ("queued", "running")
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"running", "cancelled", "failed"}),  # failed: its GPU is gone
    "running": frozenset({"completed", "stopped", "failed", "queued"}),  # queued: again after out-of-memory
    "failed": frozenset({"failed", "queued"}),  # failed: a truer sentence replaces the first; queued: resumed
    "stopped": frozenset({"queued"}),  # resumed from its last checkpoint
    "completed": frozenset(), "cancelled": frozenset(),  # final: further training is a new run
}
"""Where a run's status may go from each status: the one lifecycle every writer (scheduler, worker, UI, CLI) follows."""

_SCHEMA_FILE = Path(__file__).with_name("schema.sql")
"""The tables and indexes, one column per line (read when a workspace's database is first opened)."""

_JSON_COLUMNS = {"tags", "progress", "final_metrics", "info", "config", "labels", "splits", "columns", "meta"}
_initialised: set[str] = set()
_backend: Any = None
"""A worker on a Ray cluster's stand-in for the database (:mod:`core.jobs.remote`): the functions marked
``@_routed`` read the run's shipped record and turn writes into events; any other use of SQLite there is refused."""


def set_backend(backend: Any) -> None:
    """Route the run and metric functions to ``backend`` (None: back to SQLite)."""
    global _backend
    _backend = backend


def _routed(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs) if _backend is None else getattr(_backend, fn.__name__)(*args, **kwargs)
    return call


@contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    """A connection to the workspace database (schema created on first use)."""
    if _backend is not None:  # SQLite over a cluster's network filesystem corrupts: a remote worker never opens it
        raise RuntimeError("a worker running on a Ray cluster must not open the workspace database")
    path = paths.db_path()
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 60000")
        if str(path) not in _initialised:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA_FILE.read_text(encoding="utf-8"))
            _initialised.add(str(path))
        conn.execute("PRAGMA synchronous = NORMAL")
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction() -> Iterator[sqlite3.Connection]:
    """One short write transaction; taking the write lock up front avoids lock-upgrade deadlocks."""
    with connect() as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _dump(column: str, value: Any) -> Any:
    if column == "error" and isinstance(value, Message):  # kept with its key so the UI can show it in its language
        return json.dumps({**value.to_dict(), "text": str(value)}, ensure_ascii=False)
    return json.dumps(value) if column in _JSON_COLUMNS else value


def _load_row(row: sqlite3.Row) -> dict[str, Any]:
    values = {k: (json.loads(row[k]) if k in _JSON_COLUMNS and row[k] is not None else row[k]) for k in row.keys()}  # noqa: SIM118 - sqlite3.Row iterates values, not keys
    if "error" in values:
        values["error"], values["error_message"] = _load_error(values["error"])
    return values


def _load_error(stored: str | None) -> tuple[str | None, dict[str, Any] | None]:
    """A run's stored error as (English sentence, ``{"key", "params"}`` or None): plain text from older versions and
    from failures without a catalogue sentence, or the JSON :func:`_dump` writes for a Message."""
    if not stored or not stored.startswith('{"key"'):
        return stored, None
    try:
        data = json.loads(stored)
    except json.JSONDecodeError:
        return stored, None
    text = str(data.pop("text", "") or data.get("key"))
    return text, {**data, "fallback": text}


# ---------------------------------------------------------------------------- datasets
@dataclass
class DatasetRecord:
    """One stored dataset (its rows live in ``datasets/<id>/data.parquet``)."""

    id: str
    name: str
    created_at: float
    n_rows: int
    text_column: str
    label_column: str
    labels: list[str]
    splits: dict[str, int]
    columns: list[str]
    meta: dict[str, Any] = field(default_factory=dict)


def save_dataset(record: DatasetRecord) -> None:
    """Insert or replace a dataset record."""
    data = record.__dict__
    cols = ", ".join(data)
    marks = ", ".join("?" for _ in data)
    with transaction() as conn:
        conn.execute(
            f"INSERT OR REPLACE INTO datasets ({cols}) VALUES ({marks})",
            [_dump(k, v) for k, v in data.items()],
        )


@_routed
def get_dataset(dataset_id: str) -> DatasetRecord | None:
    """The dataset with this id, or None."""
    with connect() as conn:
        row = conn.execute("SELECT * FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
    return DatasetRecord(**_load_row(row)) if row else None


def list_datasets(*, include_hidden: bool = False) -> list[DatasetRecord]:
    """All datasets, newest first; the hidden ones (a label check's folds, never picked by hand) only if asked."""
    with connect() as conn:
        records = [DatasetRecord(**_load_row(r)) for r in conn.execute("SELECT * FROM datasets ORDER BY created_at DESC")]
    return records if include_hidden else [r for r in records if not r.meta.get("hidden")]


def delete_dataset_record(dataset_id: str) -> None:
    """Remove a dataset row (files are removed by the caller)."""
    with transaction() as conn:
        conn.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,))


# ---------------------------------------------------------------------------- runs
@dataclass
class Run:
    """One run as stored (JSON columns decoded)."""

    id: str
    name: str
    status: str
    config: dict[str, Any]
    dataset_id: str | None
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    pid: int | None = None
    pid_started_at: float | None = None
    heartbeat_at: float | None = None
    stop_requested_at: float | None = None
    exit_code: int | None = None
    error: str | None = None
    """The English sentence that ended a failed run (what the CLI prints)."""
    error_message: dict[str, Any] | None = None
    """The same sentence as a catalogue ``{"key", "params"}``, when it has one, for the UI's language."""
    device: str | None = None
    parent_id: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    progress: dict[str, Any] = field(default_factory=dict)
    final_metrics: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def is_active(self) -> bool:
        """Queued or running."""
        return self.status in ACTIVE_STATUSES

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end (or to now while running)."""
        if not self.started_at:
            return None
        return (self.finished_at or time.time()) - self.started_at


def new_run_id() -> str:
    """A short unique id that sorts by creation time."""
    # 24 random bits: 16 gave a 1-in-4 chance of a clash when hundreds of runs are made within seconds (bulk imports).
    return time.strftime("%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def create_run(
    config: dict[str, Any],
    *,
    name: str,
    dataset_id: str | None,
    parent_id: str | None = None,
    status: str = "queued",
    info: dict[str, Any] | None = None,
) -> Run:
    """Insert a new run (queued by default) and return it."""
    run = Run(
        id=new_run_id(),
        name=name,
        status=status,
        config=config,
        dataset_id=dataset_id,
        created_at=time.time(),
        parent_id=parent_id,
        info=info or {},
    )
    data = {k: v for k, v in run.__dict__.items() if k != "error_message"}  # error_message lives inside the error column
    with transaction() as conn:
        conn.execute(
            f"INSERT INTO runs ({', '.join(data)}) VALUES ({', '.join('?' for _ in data)})",
            [_dump(k, v) for k, v in data.items()],
        )
    return run


@_routed
def get_run(run_id: str) -> Run | None:
    """The run with this id, or None."""
    with connect() as conn:
        row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    return Run(**_load_row(row)) if row else None


def require_run(run_id: str) -> Run:
    """The run with this id, or a clear :class:`RunError`."""
    run = get_run(run_id)
    if run is None:
        raise RunError(message("error.run.no_such_run", run_id=run_id))
    return run


def list_runs(
    *,
    statuses: Iterable[str] | None = None,
    dataset_id: str | None = None,
    limit: int | None = None,
) -> list[Run]:
    """Runs, newest first, optionally filtered."""
    sql, args = "SELECT * FROM runs WHERE 1=1", []
    if statuses is not None:
        statuses = list(statuses)
        sql += f" AND status IN ({', '.join('?' for _ in statuses)})"
        args += statuses
    if dataset_id:
        sql += " AND dataset_id = ?"
        args.append(dataset_id)
    sql += " ORDER BY created_at DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    with connect() as conn:
        rows = conn.execute(sql, args).fetchall()
    return [Run(**_load_row(r)) for r in rows]


def queued_runs() -> list[Run]:
    """Queued runs in the order they will start (oldest first)."""
    return list(reversed(list_runs(statuses=["queued"])))


@_routed
def update_run(run_id: str, **fields: Any) -> None:
    """Set some columns of a run (not its status: that moves only through :func:`transition`)."""
    if "status" in fields:
        raise ValueError("a run's status changes only through store.transition")
    if not fields:
        return
    sets = ", ".join(f"{k} = ?" for k in fields)
    with transaction() as conn:
        conn.execute(
            f"UPDATE runs SET {sets} WHERE id = ?",
            [*(_dump(k, v) for k, v in fields.items()), run_id],
        )


@_routed
def transition(run_id: str, from_statuses: Iterable[str], to_status: str, **fields: Any) -> bool:
    """Atomically move a run to ``to_status`` only if it is in one of ``from_statuses``.

    Returns whether it moved.  This is how the scheduler, worker and UI avoid racing each other
    (e.g. a run cancelled while the scheduler is starting it).
    """
    from_statuses = list(from_statuses)
    not_allowed = [status for status in from_statuses if to_status not in ALLOWED_TRANSITIONS.get(status, ())]
    if to_status not in STATUSES or not_allowed:
        raise ValueError(f"a run may not move from {', '.join(not_allowed) or '?'} to {to_status}")
    fields = {"status": to_status, **fields}
    sets = ", ".join(f"{k} = ?" for k in fields)
    marks = ", ".join("?" for _ in from_statuses)
    with transaction() as conn:
        cur = conn.execute(
            f"UPDATE runs SET {sets} WHERE id = ? AND status IN ({marks})",
            [*(_dump(k, v) for k, v in fields.items()), run_id, *from_statuses],
        )
        return cur.rowcount == 1


def delete_run_records(run_id: str) -> None:
    """Remove a run and its metric points (files are removed by the caller)."""
    with transaction() as conn:
        conn.execute("DELETE FROM metric_points WHERE run_id = ?", (run_id,))
        conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))


# ---------------------------------------------------------------------------- metric points
_POINT_COLUMNS = ["step", "epoch", "split", "name", "value", "t"]


@_routed
def add_metric_points(run_id: str, points: Iterable[tuple[int, float | None, str, str, float]]) -> None:
    """Append points ``(step, epoch, split, name, value)`` to a run's history."""
    now = time.time()
    rows = [(run_id, int(s), e, sp, n, float(v), now) for s, e, sp, n, v in points]
    if not rows:
        return
    with transaction() as conn:
        conn.executemany("INSERT INTO metric_points VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


@_routed
def metric_points(run_id: str, *, names: Iterable[str] | None = None, split: str | None = None) -> pd.DataFrame:
    """A run's metric history as a DataFrame (step, epoch, split, name, value, t), ordered by step."""
    sql, args = "SELECT step, epoch, split, name, value, t FROM metric_points WHERE run_id = ?", [run_id]
    if names is not None:
        names = list(names)
        sql += f" AND name IN ({', '.join('?' for _ in names)})"
        args += names
    if split:
        sql += " AND split = ?"
        args.append(split)
    sql += " ORDER BY step, t"
    with connect() as conn:
        rows = conn.execute(sql, args).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=_POINT_COLUMNS)


def metric_series(run_id: str, *, names: Iterable[str] | None = None, max_points: int = 2000) -> pd.DataFrame:
    """A run's metric history thinned for drawing (columns as metric_points, sorted by split, name, step).

    A (split, name) series with more than ``max_points`` points is averaged over ``max_points`` equal step
    ranges in SQL (value = the range's mean, step/epoch/t = its largest), so a 10,000-point curve is never
    loaded whole.  Shorter series come back unchanged.
    """
    where, args = "run_id = ?", [run_id]
    if names is not None:
        names = list(names)
        where += f" AND name IN ({', '.join('?' for _ in names)})"
        args += names
    rows = []
    with connect() as conn:
        stats = conn.execute(f"SELECT split, name, COUNT(*), MIN(step), MAX(step) FROM metric_points WHERE {where} "
                             "GROUP BY split, name ORDER BY split, name", args).fetchall()
        for split, name, n, lo, hi in stats:
            series = "run_id = ? AND split = ? AND name = ?"
            if n <= max_points:
                sql = f"SELECT step, epoch, split, name, value, t FROM metric_points WHERE {series} ORDER BY step, t"
                params: tuple = (run_id, split, name)
            else:
                sql = (f"SELECT MAX(step), MAX(epoch), split, name, AVG(value), MAX(t) FROM metric_points WHERE {series} "
                       "GROUP BY (step - ?) * ? / (? - ? + 1) ORDER BY 1")
                params = (run_id, split, name, lo, max_points, hi, lo)
            rows += [tuple(r) for r in conn.execute(sql, params).fetchall()]
    return pd.DataFrame(rows, columns=_POINT_COLUMNS)


@_routed
def drop_metric_points_after(run_id: str, step: int) -> None:
    """Forget points past ``step`` (a resumed run re-trains them from its checkpoint)."""
    with transaction() as conn:
        conn.execute("DELETE FROM metric_points WHERE run_id = ? AND step > ?", (run_id, step))
