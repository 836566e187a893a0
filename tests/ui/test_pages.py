"""AppTest: every page renders without an exception, empty and with data; key interactions work."""

import pytest
from streamlit.testing.v1 import AppTest

from core import store
from core.config import RunConfig
from core.jobs import queue as jobs
from tests.conftest import ROOT, save_sample, wait_for

PAGES = ["pages/home.py", "pages/data.py", "pages/train.py", "pages/runs.py", "pages/compare.py", "pages/playground.py",
         "pages/labels.py", "pages/sweeps.py"]


def _app(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if page != "pages/home.py":
        at.switch_page(page)
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_workspace(page):
    at = _app(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "each page has a title"


def test_loading_a_builtin_example_stores_it():
    at = _app("pages/data.py").run()
    at.button(key="ex_support_intents").click().run()
    assert not at.exception
    records = store.list_datasets()
    assert len(records) == 1 and len(records[0].labels) >= 6
    assert any("Loaded ‘Customer-support intents’" in s.value for s in at.success)


def test_train_page_validates_before_launch_and_shows_the_cli():
    save_sample(100)
    at = _app("pages/train.py").run()
    assert not at.exception
    assert any("python -m core train" in c.value for c in at.code)
    lr = next(n for n in at.number_input if n.label == "Learning rate")
    lr.set_value(0.0).run()
    assert any("learning_rate = 0.0 is out of range" in e.value for e in at.error)
    assert not any(b.label == "Start training" for b in at.button)


def test_train_page_starts_a_run():
    save_sample(100)
    at = _app("pages/train.py").run()
    at.selectbox[1].set_value("tiny-random-bert").run()
    next(b for b in at.button if b.label == "Start training").click().run()
    assert not at.exception
    (run,) = store.list_runs()
    assert run.config["model"] == "tiny-random-bert"
    wait_for(run.id, {"completed", "failed"})


def test_runs_page_shows_live_view_then_report():
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=8))
    at = _app("pages/runs.py")
    at.query_params["run"] = run.id
    at.run()
    assert not at.exception
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "completed"
    at = _app("pages/runs.py")
    at.query_params["run"] = run.id
    at.run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Accuracy" in labels
    assert any("python -m core train" in c.value for c in at.code)


def test_runs_page_shows_failed_run_error_in_one_sentence():
    run = store.create_run({"model": "x"}, name="broken", dataset_id=None, status="failed")
    store.update_run(run.id, error="The model ‘x’ could not be found or downloaded; check the name.")
    at = _app("pages/runs.py")
    at.query_params["run"] = run.id
    at.run()
    assert not at.exception
    assert any("could not be found" in e.value for e in at.error)


def test_home_demo_button_queues_a_run_and_switches_to_it(monkeypatch):
    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)
    at = _app("pages/home.py").run()
    next(b for b in at.button if b.label == "Run the demo").click().run()
    assert not at.exception
    (run,) = store.list_runs()
    assert run.status == "queued" and run.name.startswith("Demo")
