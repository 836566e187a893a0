"""Browser: the label-error loop on the Label check page — start a fast check (a real background process, followed
by the polling fragment until it ends), review its findings, accept every suggestion, save a new version, and queue
the parent run's settings on it with "Retrain with the same settings", with the links to the run and to Compare."""

from __future__ import annotations

import re

import pytest

from core import store
from core.config import RunConfig
from core.data import library
from core.jobs import queue as jobs
from tests.browser.conftest import wait_idle
from tests.conftest import sentiment_sample, wait_for

pytestmark = pytest.mark.browser
SCREENSHOT = "/tmp/label_check.png"


def test_find_review_fix_save_and_retrain(app_url, page):
    df = sentiment_sample(120)
    df.loc[:7, "label"] = df.loc[:7, "label"].map({"positive": "negative", "negative": "positive"})
    dataset_id = library.save_frame(df, name="reviews").id
    original = store.create_run(RunConfig(dataset_id=dataset_id, model="tiny-random-bert", max_steps=4).to_dict(),
                                name="baseline", dataset_id=dataset_id, status="completed")

    page.goto(f"{app_url}/labels?dataset={dataset_id}")
    page.get_by_role("heading", name="Label check").first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Start the check").click()
    page.get_by_text(re.compile(r"Probable label errors \(of 120 rows\)")).wait_for(timeout=180_000)  # polled
    wait_idle(page)
    page.get_by_text("Probable label errors per class").first.wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.get_by_role("button", name="Accept every suggestion shown").click()
    wait_idle(page)
    page.get_by_text(re.compile(r"Decisions so far: [1-9]\d* suggestions accepted")).wait_for()
    page.mouse.move(0, 0)  # no tooltip over the table
    page.set_viewport_size({"width": 1400, "height": 2800})  # the app scrolls inside its own container: show it all
    wait_idle(page)
    page.screenshot(path=SCREENSHOT)
    page.set_viewport_size({"width": 1400, "height": 1400})

    page.get_by_role("button", name="Save as a new version").click()
    page.get_by_text(re.compile(r"Saved ‘reviews · v2’: \d+ rows relabelled")).wait_for(timeout=60_000)
    (child,) = [r for r in store.list_datasets() if r.id != dataset_id]
    assert child.meta["lineage"]["parent"] == dataset_id
    page.get_by_text("What changed").first.wait_for()
    page.get_by_role("button", name="Retrain with the same settings").click()
    page.get_by_text("is queued: the same settings on the fixed labels").wait_for(timeout=60_000)
    (run,) = store.list_runs(dataset_id=child.id)
    assert run.info["label_fix_of"] == original.id
    compare = page.get_by_role("link", name="Compare it with the original run")
    compare.wait_for()
    assert f"runs={original.id}%2C{run.id}" in (compare.get_attribute("href") or "")
    page.screenshot(path=SCREENSHOT.replace(".png", "_version.png"), full_page=True)
    if jobs.request_stop(run.id) == "stopping":  # the run itself is not this test's subject
        wait_for(run.id, {"stopped", "completed", "failed"})
