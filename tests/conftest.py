"""Shared fixtures: every test gets its own empty workspace; helpers to make datasets and wait for runs.

Tests train and evaluate on data written for them (``tests/sentiment_data.py``, the built-in examples of
``core/examples.py``).  The few tests that are about the public datasets in ``../shared/datasets`` carry
``@pytest.mark.needs_shared``: they skip when that folder is absent and fail under ``CI=true``.
``TUNEBOARD_SHARED_DATASETS`` points them at another folder (e.g. a missing one, to check the skips).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

from tests.sentiment_data import sentiment_frame

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TUNEBOARD_SHARED_DATASETS") or ROOT.parent / "shared" / "datasets")
SHARED_MISSING = "../shared/datasets is not available"

# Property tests stay deterministic (the same examples on every run, nothing written to .hypothesis/) and are not
# timed: a slow CI machine must not turn an example into a failure.
settings.register_profile("tuneboard", derandomize=True, database=None, deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tuneboard")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``needs_shared`` tests skip without the public datasets, except in CI where that is a broken setup."""
    if item.get_closest_marker("needs_shared") is None or SHARED.is_dir():
        return
    if _in_ci():
        pytest.fail(f"{SHARED_MISSING} ({SHARED}), and CI must run every test; put the datasets there or set "
                    "TUNEBOARD_SHARED_DATASETS.", pytrace=False)
    pytest.skip(SHARED_MISSING)


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
    """Path of a public dataset CSV in ../shared (never copied into the project); only for ``needs_shared`` tests."""
    return SHARED / name / f"{split}.csv"


def sentiment_sample(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """``n`` generated review sentences, half negative and half positive (see tests/sentiment_data.py)."""
    return sentiment_frame(n, seed)


def save_sample(n: int = 400, name: str = "sentiment-sample") -> str:
    """Store a generated sentiment sample as a dataset; returns its id."""
    from core.data import library as datasets

    return datasets.save_frame(sentiment_sample(n), name=name).id


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
    return _in_ci()


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
    from core.config import RunConfig
    from core.jobs import queue as jobs

    with module_workspace(home, models_dir):
        run = jobs.submit(RunConfig(dataset_id=save_sample(rows), model="tiny-random-bert", max_steps=10, **settings))
        done = wait_for(run.id, {"completed", "failed"})
        assert done.status == "completed", done.error
        return run.id
