"""The SQLite store: round trips, atomic transitions, metric history, concurrent writers."""

import os
import subprocess
import sys

import pandas as pd

from core import paths, store
from core.data import library as datasets
from tests.conftest import ROOT


def test_run_round_trip_and_transition():
    run = store.create_run({"model": "m"}, name="r", dataset_id="d", info={"a": 1})
    got = store.get_run(run.id)
    assert got.config == {"model": "m"} and got.status == "queued" and got.info == {"a": 1}
    assert store.transition(run.id, ["queued"], "running", device="cpu")
    assert not store.transition(run.id, ["queued"], "cancelled")  # already moved on
    store.update_run(run.id, final_metrics={"accuracy": 0.5}, tags=["x"])
    got = store.get_run(run.id)
    assert got.status == "running" and got.device == "cpu" and got.final_metrics == {"accuracy": 0.5} and got.tags == ["x"]


def test_metric_points_ordered_and_filtered():
    run = store.create_run({}, name="r", dataset_id=None)
    store.add_metric_points(run.id, [(2, 0.2, "train", "loss", 0.9), (1, 0.1, "train", "loss", 1.0),
                                     (2, 0.2, "validation", "accuracy", 0.7)])
    loss = store.metric_points(run.id, names=["loss"])
    assert loss["step"].tolist() == [1, 2] and loss["value"].tolist() == [1.0, 0.9]
    assert len(store.metric_points(run.id, split="validation")) == 1
    store.drop_metric_points_after(run.id, 1)
    assert store.metric_points(run.id)["step"].tolist() == [1]


def test_wal_mode():
    with store.connect() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


_HAMMER = """
import sys
from core import store
for i in range(int(sys.argv[2])):
    store.add_metric_points(sys.argv[1], [(i, None, "train", "loss", float(i))])
    store.update_run(sys.argv[1], heartbeat_at=float(i))
"""


def test_concurrent_writers_never_see_database_locked():
    run = store.create_run({}, name="r", dataset_id=None)
    env = {**os.environ, "TUNEBOARD_HOME": str(paths.home())}
    procs = [subprocess.Popen([sys.executable, "-c", _HAMMER, run.id, "150"], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert len(store.metric_points(run.id)) == 600


def test_dataset_save_is_content_hashed_and_deletable():
    df = pd.DataFrame({"text": ["a b", "c d", "e f"], "label": ["x", "y", "x"]})
    first = datasets.save_frame(df, name="one")
    again = datasets.save_frame(df.copy(), name="other name")
    assert first.id == again.id and len(store.list_datasets()) == 1
    assert datasets.load_frame(first.id)["text"].tolist() == ["a b", "c d", "e f"]
    datasets.delete(first.id)
    assert store.list_datasets() == [] and not paths.dataset_dir(first.id).exists()
