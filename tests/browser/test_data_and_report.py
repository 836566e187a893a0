"""Browser: upload → health report → fix → saved; the one-click demo; a report's confusion-matrix cell click."""

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from bench.bench_compare import fabricate_run
from core import store
from core.config import RunConfig
from core.jobs import queue as jobs
from tests.browser.conftest import ARTIFACTS, wait_idle
from tests.conftest import save_sample, sentiment_sample, wait_for

pytestmark = pytest.mark.browser


def test_upload_health_report_fix_and_save(app_url, page, tmp_path):
    df = sentiment_sample(120)
    dirty = pd.concat([df, df.head(15), pd.DataFrame({"text": [df.text[0]], "label": ["positive" if df.label[0] == "negative" else "negative"]})])
    data = tmp_path / "dirty.csv"
    dirty.to_csv(data, index=False)

    page.goto(f"{app_url}/data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(data))
    page.get_by_text("Health report").wait_for()
    page.get_by_text(re.compile("appear more than once|duplicate", re.I)).first.wait_for()
    page.get_by_role("button", name=re.compile("duplicate", re.I)).first.click()  # the "Apply fixes" pill
    wait_idle(page)
    page.get_by_role("button", name="Save dataset").click()
    page.get_by_text(re.compile(r"Saved ‘dirty’")).wait_for()
    (record,) = store.list_datasets()
    assert record.n_rows < len(dirty)


def test_one_click_demo_starts_a_run_and_opens_its_live_view(app_url, page):
    page.goto(app_url)
    page.get_by_role("button", name="Run the demo").click()
    page.wait_for_url(re.compile(r".*/runs\?run=.*"))
    run_id = page.url.split("run=")[1]
    page.get_by_text(re.compile(r"step \d+ / \d+|loading model|starting|Queued", re.I)).first.wait_for(timeout=60_000)
    run = store.get_run(run_id)
    assert run is not None and run.status in {"queued", "running"}
    assert run.info["dataset_name"] == "Customer-support intents"
    jobs.request_stop(run_id) if run.status == "running" else jobs.cancel(run_id)
    wait_for(run_id, {"stopped", "cancelled", "failed", "completed"}, timeout=60)


def test_report_confusion_matrix_cell_lists_its_examples(app_url, page):
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=6))
    assert wait_for(run.id, {"completed", "failed"}).status == "completed"
    page.goto(f"{app_url}/runs?run={run.id}")
    tab = page.get_by_role("tab", name="Confusion matrix")
    # A real mouse click; forced because Playwright's stability check never settles on this tab's first click after
    # the page loads in headless Chromium (the same click works by hand, and on the tab after any other click).
    tab.click(force=True)
    expect(tab).to_have_attribute("aria-selected", "true")
    caption = page.get_by_text(re.compile(r"True ‘\w+’, predicted ‘\w+’: \d+ test examples"))
    caption.wait_for()
    before = caption.inner_text()
    plot = page.locator('[data-testid="stPlotlyChart"]:visible').first  # the matrix in the open tab
    plot.scroll_into_view_if_needed()
    plot.locator(".nsewdrag").first.wait_for()
    page.wait_for_timeout(500)  # let plotly finish laying out before clicking
    area = plot.locator(".nsewdrag").first.bounding_box()
    targets = [(0.25, 0.25), (0.75, 0.75), (0.25, 0.75), (0.75, 0.25)]
    after = before
    for fx, fy in targets:  # click cells until the listing changes to the clicked one
        page.mouse.click(area["x"] + fx * area["width"], area["y"] + fy * area["height"])
        for _ in range(40):  # the rerun after a click can take a moment on a busy machine
            page.wait_for_timeout(250)
            after = page.get_by_text(re.compile(r"True ‘\w+’, predicted ‘\w+’: \d+ test examples")).inner_text()
            if after != before:
                break
        if after != before:
            break
    assert after != before, "clicking a confusion-matrix cell changed the listed examples"
    true, pred = re.match(r"True ‘(\w+)’, predicted ‘(\w+)’", after).groups()
    wait_idle(page)
    pickers = page.locator('[data-testid="stSelectbox"]:visible')
    assert true in _picked(pickers.filter(has_text="True label").first)  # the pickers moved to the clicked cell
    assert pred in _picked(pickers.filter(has_text="Predicted label").first)


def _picked(selectbox) -> str:
    """What a Streamlit selectbox shows as chosen (its label aside)."""
    return selectbox.evaluate("e => [...e.querySelectorAll('input')].map(i => i.value).join(' ') + ' ' + e.innerText")


def test_77_classes_get_a_readable_label_each(app_url, page):
    labels = [f"intent_{i:02d}" for i in range(77)]
    run = fabricate_run("ds-77", name="77 intents", labels=labels, n_test=800, seed=7)
    page.set_default_timeout(120_000)  # a 77-class report is a big page for a busy test machine
    page.goto(f"{app_url}/runs?run={run.id}")
    tab = page.get_by_role("tab", name="Confusion matrix")
    # A real mouse click; forced because Playwright's stability check never settles on this tab's first click after
    # the page loads in headless Chromium (the same click works by hand, and on the tab after any other click).
    tab.click(force=True)
    expect(tab).to_have_attribute("aria-selected", "true")
    page.get_by_text(re.compile("Showing the 30 classes with the most errors .* of 77")).wait_for()
    matrix = page.locator('[data-testid="stPlotlyChart"]:visible').first
    matrix.locator(".xtick text").first.wait_for()
    assert matrix.locator(".xtick text").count() == 30 and matrix.locator(".ytick text").count() == 30
    size = matrix.locator(".ytick text").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 10
    ARTIFACTS.mkdir(exist_ok=True)
    matrix.screenshot(path=str(ARTIFACTS / "confusion-77-classes.png"))
    page.get_by_role("tab", name="Overview").click()
    f1_chart = page.locator('[data-testid="stPlotlyChart"]:visible').first  # the only chart on the Overview tab
    f1_chart.locator(".ytick text").first.wait_for()
    assert "F1 per class" in f1_chart.locator(".gtitle").text_content()
    assert f1_chart.locator(".ytick text").count() == 77  # every class named, none skipped as crowded
