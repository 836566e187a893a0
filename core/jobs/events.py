"""Store writes as events: how a worker on a Ray cluster reports to the head without opening the workspace database.

The worker (:mod:`core.jobs.remote`) prints one line per store write to stdout, ``@@tuneboard {json}``; Ray keeps the
job's output, and the head (:mod:`core.jobs.ray_executor`) reads it and replays each event into SQLite with
:class:`Applier`.  Every event carries a sequence number ``n`` (1, 2, …): the head remembers the last one it applied in
the run's info, so reading a job's log again from the start (a restarted scheduler, a reconnect) applies nothing twice.

Kinds: ``update`` (columns of the run), ``transition`` (a status change with its columns), ``points`` (metric points),
``drop_points`` (forget points after a step: a resume), ``artifact`` (one base64 chunk of the run folder as tar.gz),
``artifacts_at`` (the run folder was copied to shared storage instead), ``hello`` and ``exit`` (facts about the worker).
"""

from __future__ import annotations

import base64
import json
import logging
import shutil
import tarfile
import time
from pathlib import Path
from typing import Any

from core import paths, store
from core.i18n import Message

PREFIX = "@@tuneboard "
log = logging.getLogger("tuneboard.events")


# ---------------------------------------------------------------------------- encoding
def _plain(value: Any) -> Any:
    """JSON-ready ``value``: a Message becomes ``{"__message__": {key, params}}`` so the head can store it as one."""
    if isinstance(value, Message):
        return {"__message__": value.to_dict()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars in progress or metrics
        return value.item()
    return value


def _restore(value: Any) -> Any:
    """The inverse of :func:`_plain`."""
    if isinstance(value, dict):
        if set(value) == {"__message__"}:
            data = value["__message__"]
            return Message(data["key"], {k: _restore_param(v) for k, v in data.get("params", {}).items()})
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def _restore_param(value: Any) -> Any:
    if isinstance(value, dict) and "key" in value and "params" in value:  # a sentence part stored as its dict
        return Message(value["key"], {k: _restore_param(v) for k, v in value["params"].items()})
    return value


def encode(seq: int, kind: str, **payload: Any) -> str:
    """One event line (no newline): ``@@tuneboard {"n": seq, "kind": kind, …}``."""
    return PREFIX + json.dumps({"n": seq, "kind": kind, **_plain(payload)}, ensure_ascii=False, separators=(",", ":"))


def decode(line: str) -> dict[str, Any] | None:
    """The event on ``line``, or None for an ordinary output line (or a line cut short: a lost event is skipped)."""
    start = line.find(PREFIX)
    if start < 0:
        return None
    try:
        event = json.loads(line[start + len(PREFIX):])
    except json.JSONDecodeError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("n"), int) or "kind" not in event:
        return None
    return _restore(event)


def split_lines(text: str) -> tuple[list[str], str]:
    """Complete lines of ``text`` and the unfinished rest (kept until its newline arrives)."""
    *lines, rest = text.split("\n")
    return lines, rest


# ---------------------------------------------------------------------------- applying on the head
HEAD_KEYS = ("ray", "executor")  # info the head writes; a worker's copy of info must not overwrite them


class Applier:
    """Replays one run's events into the store on the head; ``seq``: the last event applied (from the run's info)."""

    def __init__(self, run_id: str, seq: int = 0) -> None:
        self.run_id = run_id
        self.seq = seq
        self.exit_code: int | None = None
        self.worker: dict[str, Any] = {}
        self._chunks: list[str] = []

    def feed(self, lines: list[str]) -> int:
        """Apply the events among ``lines``; returns how many.  Ordinary lines (the worker's log, Ray's own) are
        added to the run's ``train.log``, so the run page shows a live log; the worker's own copy replaces it at the end."""
        applied, plain = 0, []
        for line in lines:
            event = decode(line)
            if event is None:
                plain.append(line)
            elif event["n"] > self.seq:
                self.apply(event)
                self.seq = event["n"]
                applied += 1
        if plain:
            folder = paths.run_dir(self.run_id)
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / "train.log", "a", encoding="utf-8") as out:
                out.write("\n".join(plain) + "\n")
        return applied

    def apply(self, event: dict[str, Any]) -> None:
        """One event → the store write the worker would have made."""
        kind, run_id = event["kind"], self.run_id
        if kind == "update":
            fields = self._fields(event.get("fields", {}))
            if fields:
                store.update_run(run_id, **fields)
        elif kind == "transition":
            store.transition(run_id, event["from"], event["to"], **self._fields(event.get("fields", {})))
        elif kind == "points":
            store.add_metric_points(run_id, [tuple(p) for p in event.get("points", [])])
        elif kind == "drop_points":
            store.drop_metric_points_after(run_id, int(event["after"]))
        elif kind == "artifact":
            self._artifact(event)
        elif kind == "artifacts_at":
            copy_back(Path(event["path"]), paths.run_dir(run_id))
        elif kind == "hello":
            self.worker = {k: event.get(k) for k in ("host", "pid", "home")}
        elif kind == "exit":
            self.exit_code = event.get("code")
            self.worker["sqlite_opened"] = event.get("sqlite_opened", [])

    def _fields(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The worker's columns as the head stores them: its info merged into the head's (the head's own keys kept),
        the heartbeat in the head's clock (the node's clock may differ), no process id (it means nothing here)."""
        fields = {k: v for k, v in fields.items() if k not in {"pid", "pid_started_at"}}
        if "heartbeat_at" in fields:
            fields["heartbeat_at"] = time.time()
        if "info" in fields:
            current = store.get_run(self.run_id)
            head = current.info if current else {}
            fields["info"] = {**head, **fields["info"], **{k: head[k] for k in HEAD_KEYS if k in head}}
        return fields

    def _artifact(self, event: dict[str, Any]) -> None:
        """Collect base64 chunks; the last one unpacks the whole tar.gz into the run folder."""
        if event["part"] == 0:
            self._chunks = []
        if event["part"] != len(self._chunks):  # a lost chunk: this copy is unusable, a later one may follow
            log.warning("run %s: artifact chunk %s arrived out of order; dropped", self.run_id, event["part"])
            self._chunks = []
            return
        self._chunks.append(event["data"])
        if len(self._chunks) == event["parts"]:
            data = base64.b64decode("".join(self._chunks))
            self._chunks = []
            unpack(data, paths.run_dir(self.run_id))


def unpack(data: bytes, folder: Path) -> None:
    """Extract a tar.gz of a run folder into ``folder`` (the ``data`` filter: no absolute paths, links out, devices)."""
    import io

    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        archive.extractall(folder, filter="data")


def copy_back(source: Path, folder: Path) -> None:
    """Copy a run folder that a worker left in shared storage into the run's folder on the head."""
    if source.is_dir():
        shutil.copytree(source, folder, dirs_exist_ok=True)
