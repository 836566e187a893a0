"""The batch prediction worker: ``python -m core.serve.predict_worker JOB_DIR``.

Started by :func:`core.serve.predict.start_job` in its own session.  Reads ``job.json`` and
``input.parquet``, loads the run's model, classifies the texts in length-sorted batches and
writes ``progress.json`` (at most twice a second) and finally ``predictions.parquet``.  It always
leaves the job ``completed`` or ``failed`` with one plain sentence; tracebacks go to ``worker.out``.
"""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path

import pandas as pd

from core.errors import TuneboardError
from core.i18n import message
from core.serve import predict

PROGRESS_EVERY_S = 0.5


def run_job(folder: Path) -> None:
    """Do the job in ``folder``; raises on failure (``main`` turns that into a failed status)."""
    from core.serve import loading as serving

    job = predict.read_json(folder / "job.json")
    if job is None:
        raise TuneboardError(message("error.serve.job_no_description"))
    started = time.time()
    status = {"state": "running", "done": 0, "total": job["n_rows"], "started_at": started, "phase": "loading the model"}
    predict.write_json(folder / "progress.json", status)
    df = pd.read_parquet(folder / "input.parquet")
    # This process sees only the GPU the job was placed on (CUDA_VISIBLE_DEVICES), or none when placed on the CPU;
    # "cpu" is still passed explicitly so a job placed on the CPU never starts CUDA.
    bundle = serving.load_run_model(job["run_id"], device="cpu" if job.get("device", "cpu") == "cpu" else None)
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.time()
        if now - last >= PROGRESS_EVERY_S or done == total:
            last = now
            predict.write_json(folder / "progress.json", {**status, "done": done, "total": total, "phase": "classifying"})

    result = predict.predict_table(job["run_id"], df, job["text_column"], pair_column=job.get("pair_column"),
                                   bundle=bundle, progress=progress)
    tmp = folder / ".predictions.parquet.tmp"
    result.to_parquet(tmp, index=False)
    tmp.replace(folder / "predictions.parquet")
    (folder / "input.parquet").unlink(missing_ok=True)  # the output holds every input column too
    predict.write_json(folder / "progress.json", {**status, "state": "completed", "done": len(result), "total": len(result),
                                                  "phase": "done", "seconds": time.time() - started})


def main(folder: Path) -> int:
    """Run the job; returns the exit code (0 completed, 1 failed)."""
    try:
        run_job(folder)
        return 0
    except Exception as exc:
        traceback.print_exc()
        if isinstance(exc, TuneboardError):
            sentence = exc.message
        else:
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            sentence = message("error.job.prediction_failed_with", kind=type(exc).__name__, first=first)
        previous = predict.read_json(folder / "progress.json") or {}
        previous.pop("error_message", None)
        predict.write_json(folder / "progress.json", {**previous, **predict.failure_fields(sentence)})
        return 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
