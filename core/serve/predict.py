"""Batch prediction: predict every row of a table with a run's model, in a worker process.

The added columns follow the run's kind (:func:`prediction_columns`): ``predicted_label``, ``confidence`` and
``prob::<class>`` (single label, pairs included: a pair run reads its second texts from ``pair_column``);
``predicted_labels`` (``a|b``, the labels at or above their thresholds) and ``prob::<label>`` (multi-label);
``predicted_score`` (regression); ``entities`` (JSON spans) and ``entities_text`` (named-entity runs,
:mod:`core.serve.ner_predict`).

The UI never runs a model over thousands of rows itself: :func:`start_job` stores the table under
``workspace/predictions/<job_id>/`` and starts ``python -m core.serve.predict_worker JOB_DIR`` in its own
session; the worker writes ``progress.json`` as it goes and ``predictions.parquet`` at the end, and
the page polls :func:`job_progress`.  The CLI (``python -m core predict``) runs the same code in-process.

Downloads escape cells that a spreadsheet would run as a formula (``= + - @``, tab, CR), so a text
like ``=HYPERLINK(...)`` is written as ``'=HYPERLINK(...)``.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core import paths
from core.errors import DataError, RunError
from core.i18n import Message, message
from core.results import prob_column
from core.serve import ner_predict, task_output
from core.tasks import Task

PRED_COLUMN = "predicted_label"
CONFIDENCE_COLUMN = "confidence"
LABELS_COLUMN = "predicted_labels"  # multi-label: the labels at or above their thresholds, joined by "|"
SCORE_COLUMN = "predicted_score"  # regression: the predicted number
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_575  # one row of the sheet is the header
_JOB_ID = re.compile(r"^[0-9]{4}-[0-9]{6}-[0-9a-f]{6}$")
_EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters openpyxl refuses to write
STALE_START_S = 60.0  # a job whose worker never wrote a pid within this long is reported as failed
KEEP_JOBS_DAYS = 7.0  # finished prediction jobs older than this are removed when a new one starts


# ---------------------------------------------------------------------------- cells and files
def escape_cell(value: Any) -> Any:
    """Prefix a text that a spreadsheet would treat as a formula with ``'``; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _is_text(values: pd.Series) -> bool:
    """Object or any string dtype (pandas 3 reads text as ``str``, older code made ``string``)."""
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


def escape_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with formula-like text cells (and column names) escaped for spreadsheets."""
    out = df.copy()
    for column in out.columns:
        if _is_text(out[column]):
            out[column] = out[column].astype(object).map(escape_cell)
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark so Excel reads accents right), formula-like cells escaped."""
    return escape_formulas(df).to_csv(index=False).encode("utf-8-sig")


def to_excel_bytes(df: pd.DataFrame) -> bytes:
    """An .xlsx workbook, formula-like cells escaped and characters Excel cannot store removed."""
    if len(df) > EXCEL_MAX_ROWS:
        raise DataError(message("error.serve.excel_too_many_rows", rows=len(df), max_rows=EXCEL_MAX_ROWS))
    out = escape_formulas(df)
    for column in out.columns:
        if _is_text(out[column]):
            out[column] = out[column].map(lambda v: _EXCEL_ILLEGAL.sub("", v) if isinstance(v, str) else v)
    buffer = io.BytesIO()
    out.to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


def write_table(df: pd.DataFrame, out: Path) -> Path:
    """Write ``df`` as CSV or Excel, chosen by the extension of ``out`` (.csv, .xlsx)."""
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        out.write_bytes(to_excel_bytes(df))
    elif suffix == ".csv":
        out.write_bytes(to_csv_bytes(df))
    else:
        raise DataError(message("error.serve.bad_output_suffix", suffix=suffix))
    return out


# ---------------------------------------------------------------------------- predictions on a table
def prediction_columns(existing: Sequence[str], labels: Sequence[str], task: Task | None = None) -> dict[str, str]:
    """Names of the added columns that do not clash with ``existing``, per kind: ``pred`` and ``confidence`` then
    ``prob::<label>`` (single label); ``pred`` (``predicted_labels``) then ``prob::<label>`` (multi-label); ``pred``
    (``predicted_score``) alone (regression)."""
    task = task or Task()
    taken = {str(c) for c in existing}
    if task.regression:
        return {"pred": ner_predict.free_name(SCORE_COLUMN, taken)}
    if task.multi_label:
        names = {"pred": ner_predict.free_name(LABELS_COLUMN, taken)}
    else:
        names = {"pred": ner_predict.free_name(PRED_COLUMN, taken), "confidence": ner_predict.free_name(CONFIDENCE_COLUMN, taken)}
    for label in labels:
        names[prob_column(label)] = ner_predict.free_name(prob_column(label), taken)
    return names


def add_predictions(df: pd.DataFrame, proba: np.ndarray, labels: Sequence[str], *, task: Task | None = None,
                    thresholds: np.ndarray | None = None) -> pd.DataFrame:
    """``df`` with the kind's columns appended (:func:`prediction_columns`): the predicted label, its confidence and
    one probability per class; the predicted labels (``a|b``) and one probability per label; or the predicted
    number."""
    task = task or Task()
    names = prediction_columns(df.columns, labels, task)
    out = df.copy()
    answers = task_output.answers_frame([""] * len(df), proba, labels, task=task, thresholds=thresholds)
    for key, name in names.items():
        out[name] = answers[key].to_numpy() if len(df) else []
    return out


def texts_of(df: pd.DataFrame, text_column: str) -> list[str]:
    """The texts to classify (missing cells become empty texts so rows stay aligned)."""
    if text_column not in df.columns:
        raise DataError(message("error.serve.no_text_column", column=str(text_column), columns=", ".join(map(str, df.columns))))
    return ["" if pd.isna(v) else str(v) for v in df[text_column].tolist()]


def predict_table(run_id: str, df: pd.DataFrame, text_column: str, *, pair_column: str | None = None,
                  bundle: Any = None, progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Predict every row of ``df`` in this process (the CLI and the worker use this); a pair run reads each row's
    second text from ``pair_column``."""
    from core.serve import loading as serving

    task = task_output.run_task(run_id)
    if task.ner:  # entity spans per text, not scores per class
        return ner_predict.predict_table(run_id, df, text_column, bundle=bundle, progress=progress)
    texts = texts_of(df, text_column)
    pairs = texts_of(df, pair_column) if pair_column else None
    task_output.check_pairs(task, texts, pairs)
    bundle = bundle or serving.load_run_model(run_id)
    scores = serving.probabilities(bundle, texts, progress=progress, pairs=pairs,
                                   activation=task_output.activation(task))
    thresholds = task_output.thresholds_of(run_id, bundle.labels) if task.multi_label else None
    return add_predictions(df, scores, bundle.labels, task=task, thresholds=thresholds)


# ---------------------------------------------------------------------------- background jobs
def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically (readers polling the file never see half of it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when it does not exist (yet)."""
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def launch(module: str, arg: str, log_file: Path, placement: tuple[str, list[int]] = ("cpu", [])) -> subprocess.Popen:
    """Start ``python -m module arg`` in its own session (a UI restart never stops it), output to ``log_file``.

    ``placement`` (from :func:`core.jobs.scheduler.place_side_job`) is the only GPU the process may see; none for the CPU.
    """
    from core.jobs import queue as jobs

    device, gpus = placement
    return jobs.spawn_detached([sys.executable, "-m", module, arg], log_file, jobs.worker_env(gpus, device))


def failure_fields(sentence: str | Message) -> dict[str, Any]:
    """What a background job's status file keeps about its failure: ``error`` (English, as the CLI prints it) and,
    for a catalogue sentence, ``error_message`` (its key and params, so the UI shows it in its language)."""
    fields: dict[str, Any] = {"state": "failed", "error": str(sentence)}
    if isinstance(sentence, Message):
        fields["error_message"] = sentence.to_dict()
    return fields


def background_state(status_file: Path, pid_file: Path, crashed: Message) -> dict[str, Any]:
    """A job's status dict, turned into ``failed`` with ``crashed`` when its process died mid-way."""
    from core.jobs import queue as jobs

    status = read_json(status_file) or {"state": "queued"}
    if status.get("state") in {"queued", "running"}:
        pid_text = pid_file.read_text().strip() if pid_file.is_file() else ""
        pid = int(pid_text) if pid_text.isdigit() else None
        started = status.get("created_at") or (pid_file.stat().st_mtime if pid_file.exists() else time.time())
        if (pid and not jobs.process_alive(pid)) or (not pid and time.time() - started > STALE_START_S):
            status = read_json(status_file) or status  # it may have finished between the two reads
            if status.get("state") in {"queued", "running"}:
                status = {**status, **failure_fields(crashed)}
    return status


def jobs_dir() -> Path:
    """Folder holding one sub-folder per batch prediction job."""
    return paths.home() / "predictions"


def job_dir(job_id: str) -> Path:
    """The folder of one prediction job (``job_id`` is checked so it can never point elsewhere)."""
    if not _JOB_ID.match(job_id or ""):
        raise RunError(message("error.serve.bad_job_id", job_id=str(job_id)))
    return jobs_dir() / job_id


def _storable(df: pd.DataFrame) -> pd.DataFrame:
    """Mixed-type text columns as pandas strings, so Parquet can store any uploaded table."""
    out = df.copy()
    out.columns = [str(c) for c in out.columns]
    return out.astype({c: "string" for c in out.columns if _is_text(out[c])})


def prune_jobs(max_age_days: float = KEEP_JOBS_DAYS) -> int:
    """Delete finished prediction jobs older than ``max_age_days`` (their results were downloads); returns how many."""
    import shutil

    removed = 0
    cutoff = time.time() - max_age_days * 86400
    for folder in jobs_dir().glob("*") if jobs_dir().is_dir() else []:
        status = read_json(folder / "progress.json") or {}
        if _JOB_ID.match(folder.name) and status.get("state") in {"completed", "failed"} and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def start_job(run_id: str, df: pd.DataFrame, text_column: str, *, pair_column: str | None = None,
              source_name: str = "") -> str:
    """Queue a batch prediction of ``df[text_column]`` (with ``df[pair_column]`` as second texts for a pair run)
    with a run's model; returns the job id at once."""
    from core.jobs import scheduler
    from core.serve import loading as serving

    serving.require_model(run_id)
    task = task_output.run_task(run_id)
    texts = texts_of(df, text_column)  # fail now, in the UI, on a wrong column
    task_output.check_pairs(task, texts, texts_of(df, pair_column) if pair_column else None)
    prune_jobs()
    job_id = f"{time.strftime('%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    folder = job_dir(job_id)
    folder.mkdir(parents=True)
    _storable(df).to_parquet(folder / "input.parquet", index=False)
    placement = scheduler.place_side_job()  # a GPU no training run holds, else the CPU
    meta = {"job_id": job_id, "run_id": run_id, "text_column": str(text_column), "source_name": source_name,
            "n_rows": len(df), "created_at": time.time(), "device": placement[0], "task": task.to_dict(),
            "pair_column": None if pair_column is None else str(pair_column)}
    write_json(folder / "job.json", meta)
    write_json(folder / "progress.json", {"state": "queued", "done": 0, "total": len(df), "created_at": meta["created_at"]})
    proc = launch("core.serve.predict_worker", str(folder), folder / "worker.out", placement)
    (folder / "worker.pid").write_text(str(proc.pid))
    return job_id


def job_info(job_id: str) -> dict[str, Any]:
    """What the job was asked to do (run id, kind, text and pair columns, file name, row count)."""
    info = read_json(job_dir(job_id) / "job.json")
    if info is None:
        raise RunError(message("error.serve.no_job", job_id=job_id))
    return info


def job_progress(job_id: str) -> dict[str, Any]:
    """``state`` (queued / running / completed / failed), ``done``, ``total``, ``error``, ``seconds``."""
    folder = job_dir(job_id)
    return background_state(folder / "progress.json", folder / "worker.pid",
                            message("error.job.prediction_ended"))


def job_result(job_id: str) -> pd.DataFrame:
    """The predictions of a completed job: the uploaded columns plus the added ones."""
    file = job_dir(job_id) / "predictions.parquet"
    if not file.is_file():
        raise RunError(message("error.serve.job_not_finished", job_id=job_id))
    df = pd.read_parquet(file)
    for column in df.columns:
        if _is_text(df[column]):
            df[column] = df[column].astype(object)
    return df


# ---------------------------------------------------------------------------- CLI
def _cmd_predict(args: Any) -> int:
    from core.data.upload import read_table
    from core.serve import loading as serving

    if bool(args.text) == bool(args.file):
        raise DataError("Give either --text \"...\" or --file IN --out OUT.")
    if args.file and not args.out:
        raise DataError("Give --out FILE.csv or FILE.xlsx for the predictions of --file.")
    task = task_output.run_task(args.run_id)
    if task.ner:  # JSON spans for --text; a table (or JSON lines) with the entities for --file
        return ner_predict.cli_predict(args, write_table)
    if args.out and Path(args.out).suffix.lower() not in {".csv", ".xlsx"}:
        raise DataError(message("error.serve.bad_output_suffix", suffix=Path(args.out).suffix))
    if args.text:
        task_output.check_pairs(task, args.text, args.text_pair)  # before loading the model: a wrong call fails fast
    # The same placement as a background job: never onto the GPU a training run holds, else the CPU.
    bundle = serving.load_run_model(args.run_id, device=serving.local_device())
    if args.text:
        frame = serving.predict_texts(args.run_id, args.text, pairs=args.text_pair, bundle=bundle)
        thresholds = task_output.thresholds_of(args.run_id, bundle.labels) if task.multi_label else None
        rows = [task_output.json_answer(row, task, bundle.labels, thresholds) for _, row in frame.iterrows()]
        print(json.dumps(rows[0] if len(rows) == 1 else rows, indent=2, ensure_ascii=False))
        return 0
    table = read_table(Path(args.file), Path(args.file).name)
    text_column, pair_column = table_columns(table.df, task, args.text_col, args.text_pair_col)
    started = time.time()
    result = predict_table(args.run_id, table.df, text_column, pair_column=pair_column, bundle=bundle)
    write_table(result, Path(args.out))
    used = f"text column ‘{text_column}’" + (f", second text column ‘{pair_column}’" if pair_column else "")
    print(f"wrote {len(result):,} predictions to {args.out} in {time.time() - started:.1f} s ({used})",
          file=sys.stderr)
    return 0


def table_columns(df: pd.DataFrame, task: Task, text_col: str | None = None,
                  pair_col: str | None = None) -> tuple[str, str | None]:
    """The text column (and, for a pair run, the second text column) to predict: the ones given, else the pair
    columns named as pair datasets name them, else the detected text column (a pair run then needs ``pair_col``)."""
    from core.data.columns import detect_columns

    if not task.pair:
        if pair_col:
            raise DataError(message("serve_tasks.error.pair_not_used"))
        return text_col or detect_columns(df).text, None
    guess = task_output.guess_pair_columns(df)
    text_col = text_col or (guess[0] if guess else detect_columns(df).text)
    partners = [c for c in guess or () if c != text_col]  # the guessed partner of whichever text column is used
    pair_col = pair_col or (partners[-1] if partners else None)
    if not pair_col:
        raise DataError(message("serve_tasks.error.pair_column_needed", columns=", ".join(map(str, df.columns))))
    return text_col, pair_col


def register_cli(subparsers: Any) -> None:
    """Add ``predict RUN_ID (--text TEXT [--text-pair TEXT] | --file IN --out OUT [--text-pair-col C])``."""
    text = ("Predict with a completed run's model: one --text (prints JSON) or a whole --file (writes --out). "
            "Sentence-pair runs also need the second text: --text-pair, or --text-pair-col for a file. "
            "Named-entity runs answer with entity spans (type, start, end, text, score).")
    parser = subparsers.add_parser("predict", help=text, description=text)
    parser.add_argument("run_id", metavar="RUN_ID", help="Run id (see `python -m core runs`).")
    parser.add_argument("--text", action="append", help="A text to predict (repeat for several).")
    parser.add_argument("--text-pair", dest="text_pair", action="append",
                        help="Pair runs: the second text of each --text, in the same order.")
    parser.add_argument("--file", metavar="IN", help="A table (CSV, TSV, JSON, JSONL, Excel, Parquet, text) to predict.")
    parser.add_argument("--text-col", dest="text_col", help="Column with the texts (default: detected).")
    parser.add_argument("--text-pair-col", dest="text_pair_col",
                        help="Pair runs: column with the second texts (default: detected from names such as "
                             "sentence2, hypothesis, text_b).")
    parser.add_argument("--out", metavar="OUT", help="Output file; .csv or .xlsx by its extension (.jsonl too for named-entity runs).")
    parser.set_defaults(func=_cmd_predict)
