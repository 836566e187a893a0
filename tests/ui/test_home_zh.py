"""AppTest: the home page and the sidebar in 中文, the language switch, and the Chinese demo."""

from streamlit.testing.v1 import AppTest

from core import i18n, store
from tests.conftest import ROOT
from tests.ui.i18n_check import english_leftovers


def _home(language: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if language:
        at.session_state["lang"] = language
    return at


def test_home_and_sidebar_in_chinese_show_no_english():
    at = _home("zh").run()
    assert not at.exception
    assert at.title[0].value == "Tuneboard" and at.subheader[0].value == i18n.translate("zh", "home.try_now")
    assert english_leftovers(at) == [], english_leftovers(at)


def _switch_app():
    import streamlit as st

    from pages.components.i18n import language_switch, t

    language_switch()
    st.subheader(t("home.try_now"))


def test_english_is_the_default_and_the_switch_changes_the_language():
    assert _home(None).run().subheader[0].value == "Try it now"  # no choice, no cookie, no browser locale: English
    # The switch on its own page (AppTest does not rerun the app's router after an interaction).
    at = AppTest.from_function(_switch_app).run()
    assert at.subheader[0].value == "Try it now"
    at.button_group(key="_language_switch").set_value("zh").run()
    assert not at.exception
    assert at.session_state["lang"] == "zh" and at.subheader[0].value == "现在试试"
    at.button_group(key="_language_switch").set_value("en").run()
    assert at.subheader[0].value == "Try it now"


def test_the_demo_in_chinese_trains_on_the_chinese_example(monkeypatch):
    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)  # queue only: no training here
    at = _home("zh").run()
    at.button[0].click().run()
    (run,) = store.list_runs()
    dataset = store.get_dataset(run.dataset_id)
    assert run.name == "演示 · 中文客服意图" and "退款" in dataset.labels and dataset.name == "中文客服意图"
