"""Browser: the Sweeps page follows a real sweep live until it ends (no manual refresh), stops polling, and its
"Train with the best settings" button queues a run; a finished sweep's charts draw (parallel coordinates, importance)
and the form shows its command line."""

from __future__ import annotations

import pytest

from core import store
from core.config import RunConfig
from core.jobs import queue as jobs
from core.jobs.sweep import manage, record, space
from tests.browser.conftest import wait_idle
from tests.conftest import save_sample, wait_for
from tests.ui.sweep_fixture import fabricate_sweep

pytestmark = pytest.mark.browser
LONG_MS = 600_000  # a bound for a very busy machine, not a timing assertion


def test_a_running_sweep_updates_live_and_its_best_settings_train_a_run(app_url, page):
    base = RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=16)
    sweep = manage.start(base, space.parse_space(["lr=1e-4,1e-3"], base), n_trials=2, pruner="none", name="live sweep")
    page.goto(f"{app_url}/sweeps?sweep={sweep.id}")
    page.get_by_role("heading", name="live sweep").wait_for(timeout=120_000)
    page.get_by_text("refreshing every 2 s while the sweep runs").wait_for(timeout=60_000)
    page.get_by_text("2 of 2 trials finished").wait_for(timeout=LONG_MS)  # drawn by the polling fragment
    page.get_by_text("completed · sweep").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_text("refreshing every").wait_for(state="detached", timeout=60_000)  # the fragment stopped polling
    assert record.require(sweep.id).status == "completed"
    page.get_by_role("button", name="Train with the best settings").click()
    page.get_by_text("is queued with the best settings").wait_for()
    (run,) = manage.promoted_runs(record.require(sweep.id))
    assert run.config["learning_rate"] == record.require(sweep.id).best["params"]["learning_rate"]
    if jobs.request_stop(run.id) == "stopping":  # the run itself is not this test's subject
        wait_for(run.id, {"stopped", "completed", "failed"})


def test_a_finished_sweeps_charts_draw_and_the_form_shows_its_command(app_url, page):
    dataset_id = save_sample(80)
    sweep = fabricate_sweep(dataset_id)
    page.goto(f"{app_url}/sweeps?sweep={sweep.id}")
    page.get_by_text("Best macro-F1").wait_for(timeout=120_000)
    page.get_by_role("tab", name="Parallel coordinates").click()
    page.locator(".parcoords").first.wait_for()
    page.get_by_role("tab", name="Importance").click()
    page.get_by_text("Parameter importance").first.wait_for()
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    page.get_by_text("New sweep", exact=True).click()
    wait_idle(page)
    page.get_by_text("Command line").first.click()
    page.get_by_text("python -m core sweep --dataset-id").first.wait_for()
    page.get_by_role("button", name="Start sweep").wait_for()
    assert store.list_runs() == []
