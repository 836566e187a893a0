"""Browser: pick two finished runs on the Compare page, see their loss curves overlaid and the paired test's sentence."""

import pytest

from core.config import RunConfig
from core.jobs import queue as jobs
from tests.browser.conftest import wait_idle
from tests.conftest import save_sample, wait_for

pytestmark = pytest.mark.browser


def test_selecting_two_runs_overlays_their_curves(app_url, page):
    dataset_id = save_sample(200)
    runs = [jobs.submit(RunConfig(dataset_id=dataset_id, model="tiny-random-bert", max_steps=8, learning_rate=lr,
                                  name=f"lr {lr:g}")) for lr in (1e-4, 1e-3)]
    for run in runs:
        assert wait_for(run.id, {"completed", "failed"}).status == "completed"

    page.goto(f"{app_url}/compare")
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Runs to compare").first
    for run in runs:
        box.click()
        page.get_by_role("option", name=run.name).first.click()
        wait_idle(page)
    page.keyboard.press("Escape")
    page.get_by_text("Loss curves").first.wait_for()
    chart = page.locator('[data-testid="stPlotlyChart"]:visible').first
    chart.wait_for()
    legend = chart.locator(".legendtext").evaluate_all("els => els.map(e => e.textContent)")
    assert any("lr 0.0001" in t for t in legend) and any("lr 0.001" in t for t in legend), legend
    assert chart.locator(".scatterlayer .trace").count() >= 2
    # Is B really better than A? One plain sentence from the paired test (same data, same split: paired rows).
    sentence = page.locator('[data-testid="stAlert"]').filter(has_text="95% CI").first
    sentence.wait_for()
    text = sentence.inner_text()
    assert "lr 0.001" in text and "lr 0.0001" in text and ("chance" in text or "same" in text), text
