"""The first-time user's journey in a real browser: upload → train → live loss → final accuracy."""

import re

import pytest

from tests.browser.conftest import choose, wait_idle
from tests.conftest import sentiment_sample

pytestmark = pytest.mark.browser


def test_upload_train_watch_and_read_accuracy(app_url, page, tmp_path):
    data = tmp_path / "reviews.csv"
    sentiment_sample(200).to_csv(data, index=False)

    page.goto(f"{app_url}/data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(data))
    page.get_by_text("Health report").wait_for()
    page.get_by_role("button", name="Save dataset").click()
    page.get_by_text(re.compile(r"Saved ‘reviews’: 200 rows")).wait_for()

    page.goto(f"{app_url}/train")
    wait_idle(page)
    choose(page, "Model", "Tiny random BERT (plumbing test)")
    wait_idle(page)
    page.get_by_role("button", name="Start training").click()

    page.wait_for_url(re.compile(r".*/runs\?run=.*"))
    page.get_by_text("Loss").first.wait_for(timeout=90_000)  # the live loss chart
    page.get_by_text("Evaluation report").wait_for(timeout=180_000)  # the run completed
    accuracy = page.locator('[data-testid="stMetric"]').filter(has_text="Accuracy").first
    accuracy.wait_for()
    assert re.search(r"\d+(\.\d)?%", accuracy.inner_text())


def test_a_deep_link_opened_first_still_gets_the_router_and_sidebar(app_url, page):
    page.goto(f"{app_url}/runs")
    page.get_by_text("3 · Runs & results").first.wait_for()
    page.get_by_text("Workspace:").wait_for()
