"""Shared fixtures: every test gets its own empty workspace; helpers to make datasets and wait for runs."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the tiny test model, shared by every test (it is built once)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, models_dir: Path) -> Path:
    """An isolated TUNEBOARD_HOME for each test."""
    home = tmp_path / "workspace"
    monkeypatch.setenv("TUNEBOARD_HOME", str(home))
    monkeypatch.setenv("TUNEBOARD_MODELS_DIR", str(models_dir))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    monkeypatch.chdir(ROOT)
    return home


def shared_csv(name: str, split: str = "train") -> Path:
    """Path of a shared real dataset CSV (never copied into the project)."""
    return SHARED / name / f"{split}.csv"


def sst2_sample(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A balanced sample of SST-2."""
    df = pd.read_csv(shared_csv("sst2"))
    return df.groupby("label", group_keys=False).sample(n // 2, random_state=seed).reset_index(drop=True)


def save_sample(n: int = 400, name: str = "sst2-sample") -> str:
    """Store an SST-2 sample as a dataset; returns its id."""
    from core import datasets

    return datasets.save_frame(sst2_sample(n), name=name).id


def wait_for(run_id: str, statuses: set[str], timeout: float = 240.0):
    """Poll the store until the run reaches one of ``statuses``."""
    from core import store

    deadline = time.time() + timeout
    while time.time() < deadline:
        run = store.get_run(run_id)
        if run and run.status in statuses:
            return run
        time.sleep(0.3)
    run = store.get_run(run_id)
    log = ""
    from core import paths

    for name in ("train.log", "worker.out"):
        file = paths.run_dir(run_id) / name
        if file.exists():
            log += f"\n--- {name}\n" + file.read_text()[-3000:]
    raise AssertionError(f"run {run_id} stayed {run.status if run else None}, wanted {statuses}{log}")


@pytest.fixture
def in_ci() -> bool:
    """Whether we run in CI (where a missing browser must fail, not skip)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@contextmanager
def module_workspace(home: Path, models_dir: Path) -> Iterator[None]:
    """Point the environment at a module-scoped workspace (so a module trains its runs once)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {"TUNEBOARD_HOME": str(home), "TUNEBOARD_MODELS_DIR": str(models_dir),
                           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}.items():
            mp.setenv(key, value)
        mp.chdir(ROOT)
        yield


def train_tiny_in(home: Path, models_dir: Path, *, rows: int = 400, **settings) -> str:
    """Train one tiny completed run inside a module-scoped workspace; returns its id."""
    from core import jobs
    from core.config import RunConfig

    with module_workspace(home, models_dir):
        run = jobs.submit(RunConfig(dataset_id=save_sample(rows), model="tiny-random-bert", max_steps=10, **settings))
        done = wait_for(run.id, {"completed", "failed"})
        assert done.status == "completed", done.error
        return run.id
