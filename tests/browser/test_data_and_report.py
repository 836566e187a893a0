"""Browser: upload → health report → fix → saved; the one-click demo; a report's confusion-matrix cell click."""

import re

import pandas as pd
import pytest

from core import jobs, store
from core.config import RunConfig
from tests.browser.conftest import wait_idle
from tests.conftest import save_sample, sst2_sample, wait_for

pytestmark = pytest.mark.browser


def test_upload_health_report_fix_and_save(app_url, page, tmp_path):
    df = sst2_sample(120)
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
    page.get_by_role("tab", name="Confusion matrix").click()
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
