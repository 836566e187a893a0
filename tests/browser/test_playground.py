"""Browser: type a sentence in the playground and see its probabilities."""

import pytest

from core.config import RunConfig
from core.jobs import queue as jobs
from tests.browser.conftest import wait_idle
from tests.conftest import save_sample, wait_for

pytestmark = pytest.mark.browser


def test_typing_a_sentence_shows_class_probabilities(app_url, page):
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=6))
    assert wait_for(run.id, {"completed", "failed"}).status == "completed"
    page.goto(f"{app_url}/playground?run={run.id}")
    page.get_by_label("Texts to classify (one per line)").fill("<b>a wonderful, moving film</b>")
    page.get_by_role("button", name="Classify").click()
    wait_idle(page, timeout=120_000)
    predicted = page.locator('[data-testid="stMetric"]').filter(has_text="Predicted class").first
    predicted.wait_for(timeout=120_000)
    assert any(label in predicted.inner_text() for label in ("positive", "negative"))
    page.locator('[data-testid="stDataFrame"] td').last.wait_for(state="attached")
    page.wait_for_timeout(500)
    cells = page.locator('[data-testid="stDataFrame"] td').evaluate_all("els => els.map(e => e.textContent.trim())")
    assert "positive" in cells and "negative" in cells  # one probability row per class
    assert page.locator("main b, [data-testid='stMain'] b").count() == 0  # user text is never rendered as HTML
