"""Run management: rename, tag, annotate, delete (one or many), and filtering the run list.

Deleting removes a run's folder and its database rows (the run and all its metric points) through
:func:`core.jobs.queue.delete_run`; runs that are still queued or running must be stopped first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core import store
from core.errors import RunError
from core.i18n import Message, message
from core.jobs import queue as jobs
from core.results import status_word
from core.store import Run

MAX_NAME = 200
MAX_TAG = 40
MAX_TAGS = 20
MAX_NOTES = 20_000


def rename_run(run_id: str, name: str) -> Run:
    """Give a run a new display name (surrounding spaces removed)."""
    store.require_run(run_id)
    name = " ".join(str(name).split())  # newlines or tabs in a name would break tables and legends
    if not name:
        raise RunError(message("error.compare.name_empty"))
    if len(name) > MAX_NAME:
        raise RunError(message("error.compare.name_too_long", length=len(name), max_length=MAX_NAME))
    store.update_run(run_id, name=name)
    return store.require_run(run_id)


def parse_tags(text: str | Iterable[str]) -> list[str]:
    """Tags from 'a, b , a' or a list: trimmed, empty ones dropped, duplicates (any case) removed, order kept."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = " ".join(str(item).split())
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            out.append(tag)
    return out


def set_tags(run_id: str, tags: str | Iterable[str]) -> Run:
    """Replace a run's tags (a list, or one comma-separated string)."""
    store.require_run(run_id)
    clean = parse_tags(tags)
    too_long = [t for t in clean if len(t) > MAX_TAG]
    if too_long:
        raise RunError(message("error.compare.tag_too_long", tag=too_long[0][:50], max_length=MAX_TAG))
    if len(clean) > MAX_TAGS:
        raise RunError(message("error.compare.too_many_tags", max_tags=MAX_TAGS, count=len(clean)))
    store.update_run(run_id, tags=clean)
    return store.require_run(run_id)


def add_tags(run_ids: Iterable[str], tags: str | Iterable[str]) -> list[Run]:
    """Add tags to several runs, keeping the tags they already have."""
    new = parse_tags(tags)
    return [set_tags(run_id, [*store.require_run(run_id).tags, *new]) for run_id in run_ids]


def set_notes(run_id: str, notes: str) -> Run:
    """Replace a run's free-text notes."""
    store.require_run(run_id)
    notes = str(notes).strip()
    if len(notes) > MAX_NOTES:
        raise RunError(message("error.compare.notes_too_long", length=len(notes), max_length=MAX_NOTES))
    store.update_run(run_id, notes=notes)
    return store.require_run(run_id)


def delete_runs(run_ids: Iterable[str]) -> list[str]:
    """Delete finished runs with their files and metric points; returns the deleted ids.

    Every run is checked first, so one active or unknown run deletes nothing at all rather than
    leaving a half-done bulk delete.
    """
    ids = list(dict.fromkeys(run_ids))
    runs = [store.require_run(run_id) for run_id in ids]
    active = [r for r in runs if r.is_active]
    if active:
        raise RunError(message("error.compare.delete_active", names=_active_list(active)))
    for run in runs:
        jobs.delete_run(run.id)
    return ids


def _active_list(active: Sequence[Run]) -> Message:
    """‘a’ (running), ‘b’ (queued), ‘c’ (running) … : the first three runs, each status in the sentence's language."""
    items = [message("error.compare.active.run", name=r.name, status=status_word(r.status)) for r in active[:3]]
    names = items[-1]
    for item in reversed(items[:-1]):
        names = message("error.compare.active.joined", first=item, rest=names)
    return message("error.compare.active.more", names=names) if len(active) > 3 else names


# ---------------------------------------------------------------------------- filtering
@dataclass
class RunFilter:
    """What the run table shows; empty fields do not filter."""

    datasets: Sequence[str] = field(default_factory=tuple)
    models: Sequence[str] = field(default_factory=tuple)
    statuses: Sequence[str] = field(default_factory=tuple)
    tags: Sequence[str] = field(default_factory=tuple)
    since: dt.date | None = None
    until: dt.date | None = None
    text: str = ""


def dataset_name(run: Run) -> str:
    """The dataset name shown for a run (its id when the name is unknown)."""
    return str(run.info.get("dataset_name") or run.dataset_id or "")


def model_name(run: Run) -> str:
    """The short model name shown for a run."""
    model = str(run.config.get("model", ""))
    return model.rstrip("/").split("/")[-1] or model


def filter_runs(runs: Iterable[Run], spec: RunFilter) -> list[Run]:
    """Runs matching every given criterion: any of the datasets/models/statuses, all of the tags,
    created between ``since`` and ``until`` (inclusive, local dates), text in name, id or notes."""
    wanted_tags = {t.lower() for t in spec.tags}
    text = spec.text.strip().lower()
    start = dt.datetime.combine(spec.since, dt.time.min).timestamp() if spec.since else None
    end = dt.datetime.combine(spec.until, dt.time.max).timestamp() if spec.until else None
    out = []
    for run in runs:
        if spec.datasets and dataset_name(run) not in spec.datasets:
            continue
        if spec.models and model_name(run) not in spec.models:
            continue
        if spec.statuses and run.status not in spec.statuses:
            continue
        if wanted_tags and not wanted_tags <= {t.lower() for t in run.tags}:
            continue
        if (start is not None and run.created_at < start) or (end is not None and run.created_at > end):
            continue
        if text and text not in f"{run.name}\n{run.id}\n{run.notes}".lower():
            continue
        out.append(run)
    return out


def filter_options(runs: Iterable[Run]) -> dict[str, list[str]]:
    """The values offered by the filter bar: datasets, models, statuses and tags present in ``runs``."""
    runs = list(runs)
    return {
        "datasets": sorted({dataset_name(r) for r in runs}),
        "models": sorted({model_name(r) for r in runs}),
        "statuses": [s for s in store.STATUSES if any(r.status == s for r in runs)],
        "tags": sorted({t for r in runs for t in r.tags}, key=str.lower),
    }
