"""Which executor starts a workspace's runs: this machine's worker processes (``local``) or a Ray cluster (``ray``).

Chosen per workspace: ``TUNEBOARD_EXECUTOR=ray`` with ``RAY_ADDRESS`` (the cluster's dashboard, e.g.
``http://127.0.0.1:8265``) in the environment, else what the UI saved in ``workspace/executor.json``.  The environment
wins, so a CLI call or a deployment can choose without touching the workspace.  :func:`core.jobs.queue.submit` records
the choice in each run's info (``executor``): the scheduler starts a run where it was meant to go, whoever started it.
"""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

from core import paths

KINDS = ("local", "ray")
INSTALL_HINT = "pip install -r requirements-cluster.txt"


def settings_file() -> Any:
    """The workspace's saved choice (``executor.json``)."""
    return paths.home() / "executor.json"


def saved() -> dict[str, str]:
    """What the UI saved: ``{"kind", "address"}`` (local when nothing was saved or the file is unreadable)."""
    try:
        data = json.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    kind = data.get("kind") if data.get("kind") in KINDS else "local"
    return {"kind": kind, "address": str(data.get("address") or "")}


def save(kind: str, address: str = "") -> None:
    """Remember the workspace's executor (the UI's settings)."""
    if kind not in KINDS:
        raise ValueError(f"unknown executor {kind!r}")
    settings_file().write_text(json.dumps({"kind": kind, "address": address.strip()}), encoding="utf-8")


def from_environment() -> bool:
    """Whether ``TUNEBOARD_EXECUTOR`` decides (the UI then shows the choice but cannot change it)."""
    return os.environ.get("TUNEBOARD_EXECUTOR", "").strip().lower() in KINDS


def current() -> dict[str, str]:
    """The executor new runs go to: ``{"kind": "local"|"ray", "address": …}``."""
    if from_environment():
        kind = os.environ["TUNEBOARD_EXECUTOR"].strip().lower()
        return {"kind": kind, "address": os.environ.get("RAY_ADDRESS", "").strip() if kind == "ray" else ""}
    chosen = saved()
    if chosen["kind"] == "ray" and not chosen["address"]:
        chosen["address"] = os.environ.get("RAY_ADDRESS", "").strip()
    return chosen


def of_run(info: dict[str, Any]) -> dict[str, str]:
    """The executor recorded with a run (runs queued before there was a choice are local)."""
    recorded = info.get("executor")
    return recorded if isinstance(recorded, dict) and recorded.get("kind") in KINDS else {"kind": "local", "address": ""}


def ray_installed() -> bool:
    """Whether Ray's job client can be imported here (``ray[default]`` from requirements-cluster.txt)."""
    try:
        return importlib.util.find_spec("ray") is not None and importlib.util.find_spec("ray.job_submission") is not None
    except (ImportError, ValueError):
        return False
