"""The training worker: ``python -m core.worker RUN_ID``.

Started by the scheduler in its own session (process group), so closing the browser, refreshing,
or restarting the UI never touches it.  It owns the run while it lives: it writes a heartbeat,
honours stop requests, and leaves the run in a final state with one plain sentence in ``error`` and
the traceback in ``train.log`` — except after an out-of-memory error, when it halves the batch and
exits with ``OOM_EXIT_CODE`` so that the scheduler starts the run again in a fresh process
(:mod:`core.train.oom` says why a retry in the same process frees nothing).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable

from core import paths, store
from core.errors import OOM_EXIT_CODE, TuneboardError
from core.i18n import Message, message
from core.jobs import remote
from core.jobs.ranks import record_rank
from core.train import oom
from core.train.callback import StopRequested
from core.train.oom import is_out_of_memory
from core.train.run import train_run

log = logging.getLogger("tuneboard.worker")
HEARTBEAT_S = 2.0


def _setup_logging(run_id: str) -> None:
    run_dir = paths.run_dir(run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(run_dir / "train.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for noisy in ("httpx", "urllib3", "filelock", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _heartbeat(run_id: str, stop: StopRequested, done: threading.Event) -> None:
    """Beat every few seconds and turn a stop request in the store into the in-process event."""
    while not done.wait(HEARTBEAT_S):
        try:
            store.update_run(run_id, heartbeat_at=time.time())
            run = store.get_run(run_id)
            if run is None or run.stop_requested_at:
                stop.set()
        except Exception:
            log.warning("heartbeat failed", exc_info=True)


def explain(exc: BaseException) -> str | Message:
    """One plain sentence for an exception that ended a run (a Message when the catalogue has it, so the UI can show
    it in its language; the store keeps the English beside it)."""
    if isinstance(exc, TuneboardError):
        return exc.message
    if is_out_of_memory(exc):
        return message("error.run.out_of_memory")
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return message("error.run.crashed_with", kind=type(exc).__name__, first=first)


def main(run_id: str) -> int:
    """Run the worker for ``run_id``; returns the process exit code (``OOM_EXIT_CODE``: start again, smaller).

    Under the Ray executor (``TUNEBOARD_REMOTE=1``) the store is the shipped record plus events on stdout
    (:mod:`core.jobs.remote`), and the run folder goes back to the head before the final status does."""
    if not remote.is_remote():
        return _main(run_id)
    backend = remote.install(run_id)
    _setup_logging(run_id)
    logging.getLogger().addHandler(logging.StreamHandler(sys.stdout))  # the head shows these lines while it runs
    code = _main(run_id, before_final=lambda: _send_back(run_id, backend))
    remote.finish(run_id, backend, code)
    return code


def _send_back(run_id: str, backend: remote.RemoteBackend) -> None:
    """Return the run folder to the head; a folder that cannot travel fails the run with the reason."""
    try:
        remote.send_back(run_id, backend)
    except Exception as exc:
        log.error("could not send the run's files back:\n%s", traceback.format_exc())
        store.transition(run_id, ["running"], "failed", finished_at=time.time(),
                         error=message("error.ray.send_back", detail=(str(exc).splitlines() or [""])[0][:300]))


def _main(run_id: str, before_final: Callable[[], None] = lambda: None) -> int:
    """The worker itself; ``before_final`` runs just before the run's final status is written."""
    if not remote.is_remote():
        _setup_logging(run_id)
    record_rank(run_id)  # torchrun ranks run in sessions of their own: stop and kill must find each one
    if os.environ.get("LOCAL_RANK", "0") != "0":  # DDP helpers train but never own the run's state
        return _train_quietly(run_id)
    oom.clear_marker(run_id)  # left by an attempt that was stopped or failed; this attempt starts clean
    stop, done = StopRequested(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # first SIGTERM = polite stop
    # No pid here: the scheduler records the process it started (torchrun's launcher for several ranks) with its start time.
    store.update_run(run_id, heartbeat_at=time.time())
    threading.Thread(target=_heartbeat, args=(run_id, stop, done), daemon=True).start()
    log.info("worker %d started for run %s", os.getpid(), run_id)
    try:
        status = train_run(run_id, stop)
    except BaseException as exc:
        # Another rank's out-of-memory reaches rank 0 as a broken collective (or torchrun's SIGTERM): its marker says so.
        if oom.retry_pending(run_id) or (is_out_of_memory(exc) and oom.arrange_retry(run_id, exc)):
            log.warning("exiting with code %d so the run starts again in a fresh process", OOM_EXIT_CODE)
            return OOM_EXIT_CODE  # returning drops the traceback; the scheduler relaunches the run
        log.error("run failed:\n%s", traceback.format_exc())
        before_final()
        store.transition(run_id, ["running"], "failed", finished_at=time.time(), error=explain(exc))
        return 1
    finally:
        done.set()
    if oom.retry_pending(run_id):  # another rank ran out of memory and this one was stopped by torchrun
        return OOM_EXIT_CODE
    before_final()
    store.transition(run_id, ["running"], status, finished_at=time.time(), error=None)
    log.info("run %s", status)
    return 0


def _train_quietly(run_id: str) -> int:
    """A helper rank (``LOCAL_RANK`` > 0): trains; on out-of-memory it arranges the whole run's retry or failure."""
    try:
        train_run(run_id, StopRequested())
    except BaseException as exc:
        if not is_out_of_memory(exc):
            raise
        if oom.arrange_retry(run_id, exc):
            log.warning("rank %s ran out of memory; exiting with code %d", os.environ.get("RANK"), OOM_EXIT_CODE)
            return OOM_EXIT_CODE
        log.error("rank %s failed:\n%s", os.environ.get("RANK"), traceback.format_exc())
        store.transition(run_id, ["running"], "failed", finished_at=time.time(), error=explain(exc))
        return 1
    return 0
