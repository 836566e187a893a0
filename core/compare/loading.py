"""Which runs a comparison shows and what it reads of them: the 2–10 runs picked, a short unique label per
run, and each run's report, test predictions and final metrics.

Reports and predictions are read through :mod:`core.results` (the one place that knows the files) and
cached here keyed by the file's (modification time, size), so redrawing a comparison does not re-read
unchanged files; the leaderboard keeps only a small digest (summary + efficiency) of each report, never
the whole report of 500 runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from core import results, store
from core.errors import RunError
from core.i18n import message
from core.store import Run
from core.tasks import Task, task_of

MIN_RUNS, MAX_RUNS = 2, 10


# ---------------------------------------------------------------------------- runs and labels
def require_runs(run_ids: Iterable[str], *, minimum: int = MIN_RUNS, maximum: int = MAX_RUNS) -> list[Run]:
    """The runs to compare, in the given order (duplicates dropped); a clear error for too few or too many."""
    ids = list(dict.fromkeys(run_ids))
    if len(ids) < minimum:
        raise RunError(message("error.compare.too_few_runs", minimum=minimum, count=len(ids)))
    if len(ids) > maximum:
        raise RunError(message("error.compare.too_many_runs", maximum=maximum, count=len(ids)))
    return [store.require_run(i) for i in ids]


def run_task(run: Run) -> Task:
    """The kind of a run: its own record (``info["task"]``, written when it starts); one label per text for a run
    with results but no record (it finished before kinds existed: no dataset lookup, so 500 old runs cost nothing);
    else its dataset's (a queued run)."""
    if (run.info or {}).get("task") or run.final_metrics:
        return task_of(run)
    record = store.get_dataset(run.dataset_id) if run.dataset_id else None
    return task_of(record) if record is not None else Task()


def short_model(model: str) -> str:
    """'sentence-transformers/all-MiniLM-L6-v2' -> 'all-MiniLM-L6-v2' (also for local folders)."""
    return str(model).rstrip("/").split("/")[-1] or str(model)


def run_labels(runs: Sequence[Run]) -> dict[str, str]:
    """A short, unique display label per run id: its name, plus the id where two runs share a name."""
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.name] = counts.get(run.name, 0) + 1
    return {run.id: run.name if counts[run.name] == 1 else f"{run.name} · {run.id}" for run in runs}


# ---------------------------------------------------------------------------- cached reads
def _stamp(file: Path) -> tuple[int, int] | None:
    """(mtime_ns, size) of a file, or None when it does not exist (the cache key of its content)."""
    try:
        info = file.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


# load_* raise when the file is gone, and lru_cache keeps no failures: a missing file is never cached.
@lru_cache(maxsize=32)
def _read_report(run_id: str, _stamp: tuple[int, int]) -> dict:
    return results.load_report(run_id)


@lru_cache(maxsize=2048)
def _read_digest(run_id: str, _stamp: tuple[int, int]) -> dict:
    # Only the small parts the leaderboard needs stay in memory; a full report can be megabytes.
    report = results.load_report(run_id)
    return {"summary": report.get("summary") or {}, "efficiency": report.get("efficiency") or {},
            "labels": report.get("labels"), "intervals": report.get("intervals") or {}}


@lru_cache(maxsize=32)
def _read_predictions(run_id: str, _stamp: tuple[int, int]) -> pd.DataFrame:
    return results.load_predictions(run_id)


def _guarded(read: Callable[[str, tuple[int, int]], Any], run_id: str, file: Path) -> Any:
    """``read(run_id, stamp of file)``, or None when the file is missing or still being written (a
    half-written file fails to parse; failures are not cached, so the next call reads the finished file)."""
    stamp = _stamp(file)
    if stamp is None:
        return None
    try:
        return read(run_id, stamp)
    except (OSError, ValueError, RunError):  # RunError: the file vanished between the stamp and the read
        return None


def load_report(run_id: str) -> dict | None:
    """The run's evaluation report (cached while the file is unchanged; treat it as read-only), or None."""
    return _guarded(_read_report, run_id, results.report_file(run_id))


def load_predictions(run_id: str) -> pd.DataFrame | None:
    """The run's test predictions (cached while the file is unchanged), or None when it has none."""
    frame = _guarded(_read_predictions, run_id, results.predictions_file(run_id))
    # A copy, so a caller that adds a column cannot change what the next caller reads from the cache.
    return None if frame is None else frame.copy()


def report_digest(run_id: str) -> dict:
    """Summary metrics, efficiency numbers, labels and 95 % intervals of a run's report ({} parts when it has none)."""
    digest = _guarded(_read_digest, run_id, results.report_file(run_id))
    return digest or {"summary": {}, "efficiency": {}, "labels": None, "intervals": {}}


def metric_interval(run: Run, metric: str) -> dict[str, float | None]:
    """``{"low", "high"}``: the 95 % bootstrap interval of ``metric`` (None ends without one).

    Runs keep their intervals in ``info`` (a run list needs no report reads); older runs have them in the report only.
    """
    intervals = run.info.get("intervals") if isinstance(run.info.get("intervals"), dict) else None
    if intervals is None and run.status == "completed":
        intervals = report_digest(run.id).get("intervals", {})
    interval = (intervals or {}).get(metric) or {}
    return {"low": interval.get("low"), "high": interval.get("high")}


def run_metrics(run: Run) -> dict[str, float]:
    """Final test metrics: the report's summary, else the metrics stored with the run."""
    summary = report_digest(run.id)["summary"]
    return {**(run.final_metrics or {}), **summary}
