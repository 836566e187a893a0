"""The label check as a background job: ``python -m core.quality.job DATASET --mode fast|thorough``.

The UI (and ``find-issues --detach``) starts it with :func:`start` and reads its progress with
:func:`core.quality.findings.read_status`; the check itself never runs in the Streamlit process.  The CLI's
``find-issues`` calls :func:`run_check` in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from typing import Any

from core.config import RunConfig
from core.data import library
from core.errors import TuneboardError
from core.jobs import queue
from core.quality import detect, findings
from core.tasks import task_of


def run_check(dataset_id: str, mode: str, *, base: RunConfig | None = None, seed: int = 0,
              progress: detect.Progress | None = None) -> detect.Detection:
    """Check dataset ``dataset_id`` (``mode``: fast or thorough, whose fold runs use ``base``'s settings) and store
    the result; returns it."""
    from threadpoolctl import threadpool_limits

    # One BLAS thread: the TF-IDF models and the SVD are small, and beside a training run (which uses every core)
    # several BLAS threads fight over the cores — measured 0.7 s with one thread, 11 s with the default, for
    # 636 rows while a run trained.
    with threadpool_limits(limits=1):
        return _run_check(dataset_id, mode, base=base, seed=seed, progress=progress)


def _run_check(dataset_id: str, mode: str, *, base: RunConfig | None, seed: int,
               progress: detect.Progress | None) -> detect.Detection:
    findings.check_dir(dataset_id, mode)  # an unknown mode fails here, before any work
    record = library.require(dataset_id)
    detect.require_single_label(task_of(record))
    started = time.perf_counter()
    df = library.load_frame(dataset_id)
    classes = sorted(df["label"].astype(str).unique().tolist())
    folds = detect.fold_of_rows(df["label"], seed=seed)
    if mode == "fast":
        probabilities = detect.baseline_out_of_fold(df, classes, folds, seed=seed, progress=progress)
        model = "tfidf-logreg"
    else:
        from core.quality import folds as fold_runs

        base = base or RunConfig(dataset_id=dataset_id)
        run_ids = fold_runs.submit_folds(dataset_id, df, folds, base)
        findings.write_status(dataset_id, mode, fold_runs=run_ids)
        fold_runs.wait_for_folds(run_ids, progress)
        probabilities = fold_runs.collect(run_ids, folds, classes)
        model = base.model
    if progress:
        progress(0.95, "ranking")
    features = detect.similarity_features(detect.model_inputs(df), seed=seed)
    detection = detect.find_issues(df, probabilities, classes, features=features, mode=mode,
                                   seconds_so_far=time.perf_counter() - started)
    detection.summary.update(dataset_id=dataset_id, model=model, folds=int(folds.max()) + 1, seed=seed,
                             finished_at=time.time())
    findings.save_result(dataset_id, mode, detection.rows, detection.summary)
    return detection


def start(dataset_id: str, mode: str, *, base: RunConfig | None = None, seed: int = 0) -> dict[str, Any]:
    """Start a check in the background (one per dataset and mode at a time); returns its first status."""
    findings.check_dir(dataset_id, mode)
    library.require(dataset_id)
    current = findings.read_status(dataset_id, mode)
    if current.get("state") == findings.ACTIVE:
        return current
    command = [sys.executable, "-m", "core.quality.job", dataset_id, "--mode", mode, "--seed", str(seed)]
    if base is not None:
        command += ["--config", base.to_json()]
    log = findings.check_dir(dataset_id, mode) / "job.log"
    findings.write_status(dataset_id, mode, state=findings.ACTIVE, progress=0.0, phase="starting", error=None,
                          started_at=time.time(), finished_at=None, fold_runs=[])
    process = queue.spawn_detached(command, log, dict(os.environ))
    return findings.write_status(dataset_id, mode, pid=process.pid,
                                 pid_started_at=queue.process_start_time(process.pid))


def stop(dataset_id: str, mode: str) -> dict[str, Any]:
    """Stop a running check (and, in thorough mode, its fold runs)."""
    status = findings.read_status(dataset_id, mode)
    if status.get("state") != findings.ACTIVE:
        return status
    if queue.process_alive(status.get("pid"), status.get("pid_started_at")):
        queue.kill_group(int(status["pid"]), signal.SIGTERM)
    from core.quality import folds as fold_runs

    fold_runs.stop_folds(status.get("fold_runs") or [])
    return findings.write_status(dataset_id, mode, state="stopped", finished_at=time.time())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.quality.job", description=__doc__)
    parser.add_argument("dataset")
    parser.add_argument("--mode", default="fast")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--config", default="", help="the fold runs' settings as JSON (thorough mode)")
    args = parser.parse_args(argv)
    base = RunConfig.from_dict(json.loads(args.config)) if args.config else None
    findings.write_status(args.dataset, args.mode, state=findings.ACTIVE, pid=os.getpid(),
                          pid_started_at=queue.process_start_time(os.getpid()))

    def progress(fraction: float, phase: str) -> None:
        findings.write_status(args.dataset, args.mode, progress=round(fraction, 4), phase=phase)

    try:
        run_check(args.dataset, args.mode, base=base, seed=args.seed, progress=progress)
    except TuneboardError as exc:
        findings.write_status(args.dataset, args.mode, state="failed", error=findings.stored_sentence(exc),
                              finished_at=time.time())
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        from core.i18n import message

        findings.write_status(args.dataset, args.mode, state="failed", finished_at=time.time(),
                              error=findings.stored_sentence(message("error.quality.out_of_memory")))
        return 1
    except Exception as exc:  # a bug: say so in the status (the traceback goes to job.log)
        from core.i18n import message

        log = findings.check_dir(args.dataset, args.mode) / "job.log"
        findings.write_status(args.dataset, args.mode, state="failed", finished_at=time.time(), error=findings.stored_sentence(
            message("error.quality.crashed", error=f"{type(exc).__name__}: {exc}", log=str(log))))
        raise
    findings.write_status(args.dataset, args.mode, state="done", progress=1.0, phase="done", finished_at=time.time())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
