"""Runs trained by several processes through ``torchrun``: the launch, every rank's process, and why one failed.

The run's process is the *launcher* (torchrun): the scheduler records its pid and start time, and the run is alive
while the launcher is.  torchrun starts each rank in a session of its own (torch.distributed.elastic's
``SubprocessHandler`` passes ``start_new_session=True``), so a signal to the launcher's process group never reaches the
ranks: each rank records its pid in ``runs/<id>/ranks/`` when it starts, and :func:`signal_run` signals the launcher's
group and every rank's group.  When a rank dies, torchrun stops the others and prints a failure summary (rank, exit
code or signal) into ``worker.out``; :func:`launcher_failure` turns it into one sentence.
psutil and the files here only — never torch.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path

from core import paths
from core.i18n import Message, message

RANKS_DIR = "ranks"
LAUNCH_FILE = "launch.json"
_SUMMARY_BYTES = 256_000  # torchrun's failure summary is at the end of worker.out; read no more than this
_FAILURE = re.compile(r"rank\s*:\s*(\d+)\s*\(local_rank:\s*\d+\)\s*\n\s*exitcode\s*:\s*(-?\d+)\s*\(pid:\s*(\d+)\)")


def process_count(device_gpus: list[int], processes: int) -> int:
    """How many processes a run trains in: one per GPU when it holds several, else its ``processes`` setting."""
    return len(device_gpus) if len(device_gpus) > 1 else max(1, processes)


def torchrun_command(run_id: str, nproc: int) -> list[str]:
    """``python -m torch.distributed.run --standalone --nproc_per_node=N -m core.worker RUN_ID``."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
            "-m", "core.worker", run_id]


def cpu_threads_per_rank(nproc: int, slots: int = 1) -> int:
    """Intra-op threads for each rank of a CPU run: the cores shared out between ranks (and concurrent CPU runs)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // max(1, nproc * slots))


def _folder(run_id: str) -> Path:
    return paths.run_dir(run_id) / RANKS_DIR


def _start_time(pid: int) -> float | None:
    try:
        import psutil

        return psutil.Process(pid).create_time()
    except Exception:
        return None


def prepare_launch(run_id: str, nproc: int) -> None:
    """Before a launch: forget the ranks of an earlier attempt and note where this launch's output starts."""
    folder = _folder(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("rank-*.json"):
        old.unlink(missing_ok=True)
    out = paths.run_dir(run_id) / "worker.out"
    offset = out.stat().st_size if out.exists() else 0
    (folder / LAUNCH_FILE).write_text(json.dumps({"processes": nproc, "out_offset": offset}))


def record_rank(run_id: str) -> None:
    """Called by each torchrun rank at start: write its rank, pid and start time (a no-op outside torchrun)."""
    rank = os.environ.get("RANK")
    if rank is None or "TORCHELASTIC_RUN_ID" not in os.environ:
        return
    folder = _folder(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    entry = {"rank": int(rank), "pid": os.getpid(), "started_at": _start_time(os.getpid())}
    tmp = folder / f".rank-{rank}.tmp"
    tmp.write_text(json.dumps(entry))
    tmp.replace(folder / f"rank-{rank}.json")  # readers never see half a file


def rank_processes(run_id: str) -> dict[int, tuple[int, float | None]]:
    """The recorded ranks of a run's current launch: rank → (pid, start time)."""
    found: dict[int, tuple[int, float | None]] = {}
    for file in sorted(_folder(run_id).glob("rank-*.json")):
        try:
            entry = json.loads(file.read_text())
            found[int(entry["rank"])] = (int(entry["pid"]), entry.get("started_at"))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def _same_process(pid: int, started_at: float | None) -> bool:
    """Is ``pid`` alive and (when its start time is known) the very process that was recorded?"""
    now = _start_time(pid)
    return now is not None and (started_at is None or abs(now - started_at) < 1.0)


def run_processes(run_id: str, launcher_pid: int | None, launcher_started_at: float | None) -> list[int]:
    """Live pids of a run: the launcher, its descendants, and every recorded rank still alive (even orphaned)."""
    pids: list[int] = []
    if launcher_pid and _same_process(launcher_pid, launcher_started_at):
        pids.append(launcher_pid)
        try:
            import psutil

            pids += [child.pid for child in psutil.Process(launcher_pid).children(recursive=True)]
        except Exception:
            pass
    pids += [pid for pid, started in rank_processes(run_id).values() if pid not in pids and _same_process(pid, started)]
    return pids


def signal_run(run_id: str, launcher_pid: int | None, launcher_started_at: float | None, sig: int) -> int:
    """Send ``sig`` to the process group of the launcher and of every rank (each rank has its own session).

    Returns how many processes were found.  Ranks are signalled too when the launcher is already gone (orphans).
    """
    pids = run_processes(run_id, launcher_pid, launcher_started_at)
    groups = []
    for pid in pids:
        try:
            group = os.getpgid(pid)
        except (ProcessLookupError, PermissionError):
            continue
        if group not in groups and group != os.getpgrp():  # never our own group
            groups.append(group)
    for group in groups:
        try:
            os.killpg(group, sig)
        except (ProcessLookupError, PermissionError):
            pass
    return len(pids)


def signal_rank(run_id: str, rank: int, sig: int) -> bool:
    """Send ``sig`` to one recorded rank's process group; False when that rank is not (or no longer) there."""
    pid, started_at = rank_processes(run_id).get(rank, (0, None))
    if not pid or not _same_process(pid, started_at):
        return False
    try:
        os.killpg(os.getpgid(pid), sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _launch_output(run_id: str) -> str:
    """What the current launch wrote into ``worker.out`` (its tail)."""
    out = paths.run_dir(run_id) / "worker.out"
    try:
        launch = json.loads((_folder(run_id) / LAUNCH_FILE).read_text())
        with open(out, "rb") as handle:
            size = out.stat().st_size
            start = max(int(launch.get("out_offset", 0)), size - _SUMMARY_BYTES)
            handle.seek(start)
            return handle.read().decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return ""


def is_multiprocess(run_id: str) -> bool:
    """Whether the run's current launch is a torchrun launch of several processes."""
    try:
        return json.loads((_folder(run_id) / LAUNCH_FILE).read_text()).get("processes", 1) > 1
    except (OSError, ValueError, AttributeError):
        return False


def parse_failures(output: str) -> list[tuple[int, int, int]]:
    """(rank, exit code, pid) of each failed rank in torchrun's last failure summary; the root cause first."""
    block = output[output.rfind("Failures:"):] if "Failures:" in output else ""
    if not block:
        return []
    root_at = block.find("Root Cause")
    entries = [(m.start(), int(m[1]), int(m[2]), int(m[3])) for m in _FAILURE.finditer(block)]
    root = [e[1:] for e in entries if root_at >= 0 and e[0] > root_at]
    return root + [e[1:] for e in entries if e[1:] not in root]


def failure_sentence(failures: list[tuple[int, int, int]]) -> Message | None:
    """One sentence for the rank that ended a multi-process run, or None when there is no summary.

    A rank killed by a signal (other than the SIGTERM torchrun sends the survivors) is the cause even when another rank
    was reported first (both within the same second); otherwise torchrun's root cause.
    """
    if not failures:
        return None
    killed = [f for f in failures if f[1] < 0 and -f[1] != signal.SIGTERM]
    rank, code, _pid = (killed or failures)[0]
    if code < 0:
        try:
            how = message("error.run.exit.rank_signal_named", name=signal.Signals(-code).name)
        except ValueError:
            how = message("error.run.exit.rank_signal", number=-code)
        return message("error.run.rank_killed", rank=rank, how=how)
    return message("error.run.rank_exit", rank=rank, code=code)


def launcher_failure(run_id: str) -> tuple[int, Message] | None:
    """(rank, sentence) for the failure torchrun reported for the run's current launch, or None."""
    failures = parse_failures(_launch_output(run_id))
    sentence = failure_sentence(failures)
    if sentence is None:
        return None
    killed = [f for f in failures if f[1] < 0 and -f[1] != signal.SIGTERM]
    return (killed or failures)[0][0], sentence
