"""Browser: a multi-label file and a sentence-pair file uploaded on the Data page, detected as their kinds, saved,
trained, and read in their finished reports (issue 18)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core import store
from core.config import RunConfig
from core.jobs import queue as jobs
from core.tasks import task_of
from tests.browser.conftest import wait_idle
from tests.conftest import wait_for
from tests.integration.test_task_kinds import pair_frame, tagged_frame

pytestmark = pytest.mark.browser


def _upload_and_save(page, app_url: str, path, detected: str, saved: str):
    page.goto(f"{app_url}/data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    page.get_by_text(re.compile(f"Detected: {detected}")).wait_for()
    page.get_by_text("Health report").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="Save dataset").click()
    page.get_by_text(re.compile(saved)).wait_for()
    (record,) = [r for r in store.list_datasets() if r.name == path.stem]
    return record


def _train(record) -> str:
    run = jobs.submit(RunConfig(dataset_id=record.id, model="tiny-random-bert", max_steps=8, batch_size=16))
    assert wait_for(run.id, {"completed", "failed"}).status == "completed"
    return run.id


def test_multi_label_upload_to_report(app_url, page, tmp_path):
    data = tmp_path / "tickets.csv"
    tagged_frame(160).to_csv(data, index=False)
    record = _upload_and_save(page, app_url, data, r"Several labels per text", r"Saved ‘tickets’: 160 rows, 3 labels")
    assert task_of(record).multi_label and record.labels == ["billing", "bug", "shipping"]
    page.get_by_text("Labels per text").first.wait_for()  # the health report's multi-label section
    run_id = _train(record)
    page.goto(f"{app_url}/runs?run={run_id}")
    page.get_by_text("Subset accuracy").first.wait_for()
    page.get_by_text("Hamming loss").first.wait_for()
    page.get_by_role("heading", name="Per label").wait_for()
    expect(page.locator("th", has_text="threshold").first).to_be_attached()  # the per-label table's column


def test_pair_upload_to_report_with_both_texts(app_url, page, tmp_path):
    data = tmp_path / "pairs.csv"
    pair_frame(160).to_csv(data, index=False)
    record = _upload_and_save(page, app_url, data, r"(Text|Sentence) pairs, one label per pair", r"Saved ‘pairs’")
    assert task_of(record).pair and record.meta.get("pair_column") == "sentence2"
    run_id = _train(record)
    page.goto(f"{app_url}/runs?run={run_id}")
    page.get_by_text(re.compile(r"\d+ test texts, \d+ misclassified")).wait_for()
    page.get_by_role("tab", name="Errors").click(force=True)
    wait_idle(page)
    # the error list shows the pair's second text (the grid draws on a canvas; its column headers are in the DOM)
    expect(page.locator("th", has_text="second text").first).to_be_attached()
