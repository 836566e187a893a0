"""Run management: rename, tags, notes, deletes that leave nothing behind, and run filtering."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.bench_compare import fabricate_run
from core import paths, store
from core.compare import manage
from core.config import RunConfig
from core.errors import RunError
from core.evaluate import baseline
from tests.conftest import save_sample


def test_rename_collapses_whitespace_and_rejects_empty_names():
    run = fabricate_run(with_files=False)
    assert manage.rename_run(run.id, "  my\nbest   run ").name == "my best run"
    with pytest.raises(RunError, match="needs a name"):
        manage.rename_run(run.id, "   ")
    with pytest.raises(RunError, match="200 or fewer"):
        manage.rename_run(run.id, "x" * 201)
    assert store.require_run(run.id).name == "my best run"


def test_tags_are_cleaned_and_added():
    a, b = fabricate_run(with_files=False), fabricate_run(seed=1, with_files=False)
    assert manage.set_tags(a.id, " keep, lora ,, Keep ").tags == ["keep", "lora"]
    assert manage.set_tags(a.id, ["x", " y "]).tags == ["x", "y"]
    assert [r.tags for r in manage.add_tags([a.id, b.id], "y, sweep")] == [["x", "y", "sweep"], ["y", "sweep"]]
    with pytest.raises(RunError, match="longer than 40"):
        manage.set_tags(a.id, ["t" * 41])
    with pytest.raises(RunError, match="at most 20 tags"):
        manage.set_tags(a.id, [f"t{i}" for i in range(21)])
    assert manage.set_tags(a.id, "").tags == []


def test_notes():
    run = fabricate_run(with_files=False)
    assert manage.set_notes(run.id, "  lr too high?\nretry with 2e-5  ").notes == "lr too high?\nretry with 2e-5"
    with pytest.raises(RunError, match="keep them under"):
        manage.set_notes(run.id, "x" * (manage.MAX_NOTES + 1))
    with pytest.raises(RunError, match="no run"):
        manage.set_notes("missing", "x")


def _leftovers(run_id: str) -> list[str]:
    found = []
    if paths.run_dir(run_id).exists():
        found.append("files")
    if store.get_run(run_id) is not None:
        found.append("run row")
    if len(store.metric_points(run_id)):
        found.append("metric points")
    return found


def test_delete_leaves_nothing_behind():
    keep = fabricate_run(name="keep", seed=1)
    gone = fabricate_run(name="gone", seed=2)
    assert len(store.metric_points(gone.id)) > 0 and (paths.run_dir(gone.id) / "report.json").is_file()
    assert manage.delete_runs([gone.id]) == [gone.id]
    assert _leftovers(gone.id) == []
    assert _leftovers(keep.id) == ["files", "run row", "metric points"]  # the other run is untouched


def test_delete_a_baseline_run_with_its_saved_model():
    dataset_id = save_sample(200)
    source = store.create_run(RunConfig(dataset_id=dataset_id).to_dict(), name="s", dataset_id=dataset_id, status="completed")
    base = baseline.train_baseline(source.id)
    assert (paths.run_dir(base.id) / "model").is_dir()
    manage.delete_runs([base.id])
    assert _leftovers(base.id) == []


def test_bulk_delete_is_all_or_nothing():
    runs = [fabricate_run(seed=i) for i in range(3)]
    active = store.create_run({"model": "m"}, name="busy", dataset_id="ds-a", status="running")
    with pytest.raises(RunError, match="nothing was deleted"):
        manage.delete_runs([*[r.id for r in runs], active.id])
    assert all(store.get_run(r.id) for r in runs)
    with pytest.raises(RunError, match="no run"):
        manage.delete_runs([runs[0].id, "missing"])
    assert store.get_run(runs[0].id)
    assert manage.delete_runs([r.id for r in runs]) == [r.id for r in runs]
    assert all(_leftovers(r.id) == [] for r in runs)
    assert [r.id for r in store.list_runs()] == [active.id]


def test_filter_runs():
    a = fabricate_run("ds-a", name="alpha lr sweep", dataset_name="reviews", with_files=False)
    b = fabricate_run("ds-b", name="beta", dataset_name="tickets", config={"model": "org/distilbert"}, with_files=False)
    c = store.create_run({"model": "tiny-random-bert"}, name="gamma", dataset_id="ds-a", info={"dataset_name": "reviews"})
    manage.set_tags(a.id, "keep, lora")
    manage.set_tags(b.id, "keep")
    manage.set_notes(b.id, "Needs a Second look")
    runs = store.list_runs()

    def ids(**spec) -> set[str]:
        return {r.id for r in manage.filter_runs(runs, manage.RunFilter(**spec))}

    assert ids() == {a.id, b.id, c.id}
    assert ids(datasets=["reviews"]) == {a.id, c.id}
    assert ids(models=["distilbert"]) == {b.id}
    assert ids(statuses=["queued"]) == {c.id}
    assert ids(tags=["KEEP"]) == {a.id, b.id} and ids(tags=["keep", "lora"]) == {a.id}
    assert ids(text="second LOOK") == {b.id} and ids(text=c.id) == {c.id}
    today = dt.date.today()
    assert ids(since=today, until=today) == {a.id, b.id, c.id}
    assert ids(until=today - dt.timedelta(days=1)) == set()
    options = manage.filter_options(runs)
    assert options["datasets"] == ["reviews", "tickets"] and options["tags"] == ["keep", "lora"]
    assert options["statuses"] == ["queued", "completed"]
