"""Browser: a CoNLL file uploaded on the Data page, saved, trained from the Train page, and read as an entity-level
report — tiles, per-type table and the error list with true and predicted entities marked (issue 21)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core import store
from core.tasks import task_of
from tests.browser.conftest import choose, wait_idle
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

SAMPLE = ROOT / "core" / "ner" / "example_data" / "news_entities.conll"


def _first_sentences(n: int) -> str:
    """The sample's first ``n`` sentences (after its -DOCSTART- line), as CoNLL."""
    blocks = SAMPLE.read_text(encoding="utf-8").split("\n\n")[1 : n + 1]
    return "\n\n".join(blocks) + "\n"


def test_conll_upload_train_and_entity_report(app_url, page, tmp_path):
    data = tmp_path / "news.conll"
    data.write_text(_first_sentences(90), encoding="utf-8")

    page.goto(f"{app_url}/data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(data))
    page.get_by_text(re.compile(r"Detected: CoNLL, tags in BIO")).wait_for()
    page.get_by_text("Health report").wait_for()
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Sentences").first).to_contain_text("90")
    wait_idle(page)
    page.get_by_role("button", name="Save dataset").click()
    page.get_by_text(re.compile(r"Saved ‘news’: 90 sentences, 4 entity types")).wait_for()
    (record,) = [r for r in store.list_datasets() if r.name == "news"]
    assert task_of(record).ner and record.labels == ["LOC", "MISC", "ORG", "PER"]

    page.goto(f"{app_url}/train")
    wait_idle(page)
    page.get_by_text("Named entities (NER)").first.wait_for()  # the kind the run will train
    choose(page, "Model", "Tiny random BERT (plumbing test)")
    wait_idle(page)
    page.get_by_role("button", name="Start training").click()

    page.wait_for_url(re.compile(r".*/runs\?run=.*"))
    page.get_by_text("Evaluation report").wait_for(timeout=240_000)  # the run completed
    f1 = page.locator('[data-testid="stMetric"]').filter(has_text="Entity F1").first
    f1.wait_for()
    assert re.search(r"\d+(\.\d)?%", f1.inner_text())
    page.get_by_text("An entity counts as right only when").first.wait_for()
    page.get_by_role("heading", name="Results per entity type").wait_for()
    page.get_by_text(re.compile(r"lookup baseline")).first.wait_for()
    (run,) = store.list_runs()
    assert run.status == "completed" and task_of(run).ner and "f1" in run.final_metrics

    page.get_by_role("tab", name="Errors").click(force=True)
    wait_idle(page)
    page.get_by_text(re.compile(r"Sentences with at least one mistake")).first.wait_for()
    # each listed sentence is shown twice, its true entities then the model's
    expect(page.get_by_text("predicted", exact=True).first).to_be_visible()
