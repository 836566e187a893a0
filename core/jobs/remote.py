"""The worker's side of a run on a Ray cluster (``TUNEBOARD_REMOTE=1``): no workspace database, events on stdout.

The head ships a job package as the job's working directory (:func:`core.jobs.ray_executor.build_package`):
``core/``, ``tuneboard_job.json`` (the run's record, its dataset's record, its metric points so far) and a small
``workspace/`` (the dataset's table, the run's config and, to resume, its last checkpoint).  :func:`install` copies
that workspace into a fresh folder on the node (``TUNEBOARD_HOME``), and puts a :class:`RemoteBackend` in front of
:mod:`core.store`: reads come from the shipped record kept up to date in memory, writes become event lines
(:mod:`core.jobs.events`), and anything else that would open SQLite raises.  An audit hook notes any
``sqlite3.connect`` at all, reported when the worker exits.  :func:`send_back` returns the run folder to the head:
through shared storage (``TUNEBOARD_RAY_STORAGE``) or as base64 chunks of a tar.gz in the log.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import socket
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from core import paths, store
from core.jobs import events

PACKAGE_FILE = "tuneboard_job.json"
CHUNK_CHARS = 512 * 1024  # one event line per half MiB of base64: Ray's log lines stay readable in its dashboard
_sqlite_opened: list[str] = []


def is_remote() -> bool:
    """Whether this process is a worker running under the Ray executor."""
    return os.environ.get("TUNEBOARD_REMOTE") == "1"


class RemoteBackend:
    """What a remote worker's :mod:`core.store` calls reach: the run's record in memory and events on stdout."""

    def __init__(self, package: dict[str, Any], out: Any = None) -> None:
        self.out = out or sys.stdout
        self.seq = int(package.get("seq", 0))
        self.lock = threading.Lock()
        self.run = store.Run(**package["run"])
        self.dataset = store.DatasetRecord(**package["dataset"]) if package.get("dataset") else None
        self.points: list[tuple] = [tuple(p) for p in package.get("points", [])]

    def emit(self, kind: str, **payload: Any) -> None:
        """Print one event (the heartbeat thread and the trainer both write: one line at a time)."""
        with self.lock:
            self.seq += 1
            self.out.write(events.encode(self.seq, kind, **payload) + "\n")
            self.out.flush()

    # The store's routed functions (@_routed in core.store), same signatures.
    def get_run(self, run_id: str) -> store.Run | None:
        """The shipped run, as its events have changed it."""
        return self.run if run_id == self.run.id else None

    def get_dataset(self, dataset_id: str) -> store.DatasetRecord | None:
        """The shipped dataset record (its table is in this node's workspace)."""
        return self.dataset if self.dataset and dataset_id == self.dataset.id else None

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Change the record here and tell the head (an ``update`` event)."""
        if "status" in fields:
            raise ValueError("a run's status changes only through store.transition")
        if fields:
            self.run.__dict__.update(fields)
            self.emit("update", fields=fields)

    def transition(self, run_id: str, from_statuses: Any, to_status: str, **fields: Any) -> bool:
        """Move the status as the store would (only from ``from_statuses``) and tell the head."""
        from_statuses = list(from_statuses)
        if self.run.status not in from_statuses:
            return False
        self.run.__dict__.update(fields, status=to_status)
        self.emit("transition", to=to_status, fields=fields, **{"from": from_statuses})
        return True

    def add_metric_points(self, run_id: str, points: Any) -> None:
        """Keep the points here (the end-of-run checks read them) and send them to the head."""
        rows = [(int(s), e, sp, n, float(v)) for s, e, sp, n, v in points]
        if rows:
            self.points += [(*row, time.time()) for row in rows]
            self.emit("points", points=rows)

    def metric_points(self, run_id: str, *, names: Any = None, split: str | None = None) -> Any:
        """The run's points (shipped ones and this attempt's) as the store's DataFrame."""
        import pandas as pd

        frame = pd.DataFrame(self.points, columns=["step", "epoch", "split", "name", "value", "t"])
        if names is not None:
            frame = frame[frame["name"].isin(list(names))]
        if split:
            frame = frame[frame["split"] == split]
        return frame.sort_values(["step", "t"], kind="stable").reset_index(drop=True)

    def drop_metric_points_after(self, run_id: str, step: int) -> None:
        """Forget points past ``step`` here and on the head (a resume)."""
        self.points = [p for p in self.points if p[0] <= step]
        self.emit("drop_points", after=int(step))


def _audit(event: str, args: tuple) -> None:
    if event == "sqlite3.connect":
        _sqlite_opened.append(str(args[0]) if args else "?")


def install(run_id: str, package_dir: Path | None = None) -> RemoteBackend:
    """Set up a remote worker: a fresh TUNEBOARD_HOME on the node holding the shipped files, the store's backend."""
    package_dir = package_dir or Path.cwd()
    package = json.loads((package_dir / PACKAGE_FILE).read_text(encoding="utf-8"))
    home = Path(tempfile.mkdtemp(prefix=f"tuneboard-{run_id}-"))  # never the package: Ray may reuse that folder
    if (package_dir / "workspace").is_dir():
        shutil.copytree(package_dir / "workspace", home, dirs_exist_ok=True)
    os.environ["TUNEBOARD_HOME"] = str(home)
    config = package["run"]["config"]
    if config.get("resume_from"):  # the head's checkpoint path → the copy shipped into this home
        config["resume_from"] = str(paths.run_dir(run_id) / "checkpoints" / Path(config["resume_from"]).name)
    if package.get("shipped_model"):  # the head's model folder came with the job
        config["model"] = str(home / package["shipped_model"])
    sys.addaudithook(_audit)
    backend = RemoteBackend(package)
    store.set_backend(backend)
    backend.emit("hello", host=socket.gethostname(), pid=os.getpid(), home=str(home))
    return backend


def send_back(run_id: str, backend: RemoteBackend) -> None:
    """Return the run folder (model, predictions, report, logs, TensorBoard, last checkpoint) to the head."""
    folder = paths.run_dir(run_id)
    if not folder.is_dir():
        return
    storage = os.environ.get("TUNEBOARD_RAY_STORAGE", "").strip()
    if storage:
        target = Path(storage).expanduser() / "runs" / run_id
        shutil.copytree(folder, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("config.json"))
        backend.emit("artifacts_at", path=str(target))
        return
    data = pack(folder)
    limit = float(os.environ.get("TUNEBOARD_RAY_MAX_LOG_MB", "512")) * 2**20
    if len(data) > limit:  # the head would have to read it all back from the log: refuse with a sentence instead
        folder_mb = len(data) / 2**20
        raise RuntimeError(f"The run's files ({folder_mb:.0f} MB packed) are too big to send back through the job's "
                           "log; set TUNEBOARD_RAY_STORAGE to a folder both the head and the cluster can read.")
    text = base64.b64encode(data).decode("ascii")
    parts = max(1, -(-len(text) // CHUNK_CHARS))
    for part in range(parts):
        backend.emit("artifact", part=part, parts=parts, data=text[part * CHUNK_CHARS:(part + 1) * CHUNK_CHARS])


def pack(folder: Path) -> bytes:
    """The run folder as tar.gz: everything but the config the head already has and the older checkpoints."""
    checkpoints = sorted((folder / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
    skip = {folder / "config.json", *checkpoints[:-1]}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=3) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not any(path == s or s in path.parents for s in skip):
                archive.add(path, arcname=str(path.relative_to(folder)))
    return buffer.getvalue()


def finish(run_id: str, backend: RemoteBackend, code: int) -> None:
    """The last event (exit code, any SQLite opened), then remove the node's copy of the workspace."""
    backend.emit("exit", code=code, sqlite_opened=list(_sqlite_opened))
    if os.environ.get("TUNEBOARD_RAY_KEEP_HOME") != "1":
        shutil.rmtree(paths.home(), ignore_errors=True)
