"""Where a dataset's label checks keep their state and results: ``quality/<dataset>/<mode>/`` in the workspace.

``status.json`` is the job's progress (written often, always whole); ``rows.parquet`` and ``summary.json`` are the
result, written only when the check succeeds (summary last, so a summary always has its rows).  A check whose process
died is reported as failed with a sentence saying so, never as running forever.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

from core import paths
from core.errors import DataError
from core.i18n import Message, message

MODES = ("fast", "thorough")
ACTIVE = "running"


def check_dir(dataset_id: str, mode: str) -> Path:
    """Folder of one dataset's check in one mode (not created)."""
    if mode not in MODES:
        raise DataError(message("error.quality.bad_mode", mode=mode, modes=", ".join(MODES)))
    return paths.quality_dir(dataset_id) / mode


def _write_json(file: Path, data: dict[str, Any]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    os.replace(tmp, file)


def write_status(dataset_id: str, mode: str, **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into the check's status file and return the new status."""
    file = check_dir(dataset_id, mode) / "status.json"
    status = {**read_raw_status(dataset_id, mode), **fields, "updated_at": time.time()}
    _write_json(file, status)
    return status


def read_raw_status(dataset_id: str, mode: str) -> dict[str, Any]:
    """The status file as written (``{}`` when the check never ran)."""
    file = check_dir(dataset_id, mode) / "status.json"
    try:
        return json.loads(file.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def read_status(dataset_id: str, mode: str) -> dict[str, Any]:
    """The check's status, with a running check whose process is gone turned into a failed one."""
    from core.jobs.queue import process_alive

    status = read_raw_status(dataset_id, mode)
    if status.get("state") == ACTIVE and not process_alive(status.get("pid"), status.get("pid_started_at")):
        status = write_status(dataset_id, mode, state="failed", error=stored_sentence(message("error.quality.died")))
    return status


def stored_sentence(sentence: Any) -> dict[str, Any]:
    """A sentence for the status file: its catalogue key (shown in the UI's language) and its English text."""
    sentence = getattr(sentence, "message", sentence)  # a TuneboardError carries its Message
    if isinstance(sentence, Message):
        return {**sentence.to_dict(), "fallback": str(sentence)}
    return {"key": "", "params": {}, "fallback": str(sentence)}


def save_result(dataset_id: str, mode: str, rows: pd.DataFrame, summary: dict[str, Any]) -> None:
    """Store a finished check's rows, then its summary."""
    folder = check_dir(dataset_id, mode)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "rows.parquet.tmp"
    rows.to_parquet(tmp, index=False)
    os.replace(tmp, folder / "rows.parquet")
    _write_json(folder / "summary.json", summary)


def load_result(dataset_id: str, mode: str) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """The last finished check's rows and summary, or None."""
    folder = check_dir(dataset_id, mode)
    try:
        summary = json.loads((folder / "summary.json").read_text())
        return pd.read_parquet(folder / "rows.parquet"), summary
    except (OSError, json.JSONDecodeError, ValueError):
        return None


def latest_result(dataset_id: str) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """The newest finished check of a dataset in any mode (thorough wins a tie: it is the better model)."""
    found = [(r[1].get("finished_at", 0.0), i, r) for i, mode in enumerate(MODES)
             if (r := load_result(dataset_id, mode)) is not None]
    return max(found, key=lambda item: item[:2])[2] if found else None


