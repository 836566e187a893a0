"""Where Tuneboard keeps its files: one workspace folder (``TUNEBOARD_HOME``, default ``./workspace``).

Layout::

    workspace/
      tuneboard.db            SQLite: datasets, runs, metric points
      datasets/<hash>/        one stored dataset (data.parquet)
      runs/<run_id>/          one run: config.json, train.log, model/, checkpoints/, predictions.parquet, report.json
      models/                 models Tuneboard builds itself (the tiny test model)
"""

from __future__ import annotations

import os
from pathlib import Path

# The folder that holds `core/`: worker processes start here so that `python -m core.…` finds the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def home() -> Path:
    """The workspace folder, created on first use."""
    path = Path(os.environ.get("TUNEBOARD_HOME", "workspace")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_path() -> Path:
    """The SQLite database file."""
    return home() / "tuneboard.db"


def run_dir(run_id: str) -> Path:
    """Folder of one run (not created)."""
    return home() / "runs" / run_id


def dataset_dir(dataset_id: str) -> Path:
    """Folder of one stored dataset (not created)."""
    return home() / "datasets" / dataset_id


def quality_dir(dataset_id: str) -> Path:
    """Folder of one dataset's label checks (not created)."""
    return home() / "quality" / dataset_id


def models_dir() -> Path:
    """Folder for models Tuneboard builds itself (``TUNEBOARD_MODELS_DIR`` lets tests share one)."""
    override = os.environ.get("TUNEBOARD_MODELS_DIR")
    path = Path(override) if override else home() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path
