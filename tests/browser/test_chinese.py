"""Browser: the interface in 中文 — the switch, remembered in this browser, a Chinese browser's first visit, and the
Chinese demo from the home page to its report with Chinese labels in the confusion matrix (issue 17)."""

from __future__ import annotations

import re

import pytest

from core import store
from core.i18n import translate
from tests.browser.conftest import wait_idle

pytestmark = pytest.mark.browser


def zh(key: str, **params) -> str:
    return translate("zh", key, **params)


def test_switching_to_chinese_is_remembered_and_the_chinese_demo_reaches_its_report(app_url, page):
    page.goto(app_url)
    page.get_by_text("Try it now").wait_for()  # an English browser gets English
    page.get_by_text("简体中文", exact=True).click()
    page.get_by_text(zh("home.try_now")).wait_for()
    assert page.get_by_text("Try it now").count() == 0

    page.reload()  # a new session: the choice comes back from this browser's cookie
    page.get_by_text(zh("home.try_now")).wait_for()
    page.get_by_text(zh("nav.runs")).first.wait_for()  # the navigation too

    page.get_by_role("button", name=zh("home.demo_button")).click()
    page.wait_for_url(re.compile(r".*/runs\?run=.*"), timeout=60_000)
    page.get_by_text(zh("runs.tab_report")).first.wait_for(timeout=600_000)  # trained, evaluated, reported
    wait_idle(page)
    (run,) = store.list_runs()
    assert run.status == "completed" and run.name == zh("home.demo_run_name")

    page.get_by_role("tab", name=zh("report.tab.confusion")).click()
    page.locator('[data-testid="stPlotlyChart"]:visible').first.wait_for()
    labels = set(store.get_dataset(run.dataset_id).labels)
    # Right after the click the previous tab's chart can still be the visible one: look again for up to 30 s.
    for _ in range(60):
        ticks = [tick for chart in page.locator('[data-testid="stPlotlyChart"]:visible').all()
                 for tick in chart.locator("g.xtick text, g.ytick text").all_text_contents()]  # SVG text: no innerText
        if labels & set(ticks):
            break
        page.wait_for_timeout(500)
    assert labels & set(ticks), (ticks, labels)  # Chinese class names on the axes
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels)


@pytest.mark.parametrize("page", ["zh-CN"], indirect=True)
def test_a_chinese_browser_opens_in_chinese(app_url, page):
    page.goto(f"{app_url}/train")
    page.locator("h1").filter(has_text=zh("train.title")).wait_for()  # no choice, no cookie: the browser's language
    page.get_by_text(zh("nav.train")).first.wait_for()


def test_a_file_with_a_chinese_name_keeps_it_through_upload_and_save(app_url, page, tmp_path):
    from core.data.examples import EXAMPLES, example_bytes

    example = EXAMPLES["support_intents_zh"]
    data = tmp_path / "酒店评论.csv"  # a Chinese file name, Chinese texts and labels
    data.write_bytes(example_bytes(example.key))
    page.goto(app_url)
    page.get_by_text("简体中文", exact=True).click()
    page.get_by_text(zh("home.try_now")).wait_for()
    page.goto(f"{app_url}/data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(data))
    page.get_by_text(zh("data.report.title")).first.wait_for(timeout=60_000)
    page.get_by_role("button", name=zh("data.save.button")).click()
    wait_idle(page)
    (record,) = store.list_datasets()
    assert record.name == "酒店评论" and "退款" in record.labels
    page.get_by_text(re.compile("酒店评论")).first.wait_for()
