"""The Train page's executor expander (this machine or a Ray cluster, saved in the workspace) and the run header's
Ray job and node, in English and Chinese."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n, store
from core.config import RunConfig
from core.jobs import executor
from tests.conftest import ROOT, save_sample


def _page(page: str, language: str = "en", **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = language
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(autouse=True)
def _no_env_choice(monkeypatch):
    monkeypatch.delenv("TUNEBOARD_EXECUTOR", raising=False)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_choosing_a_ray_cluster_is_saved_in_the_workspace(language):
    save_sample(60)
    at = _page("pages/train.py", language)
    assert i18n.translate(language, "runs.ray.settings_title") in [e.label for e in at.expander]
    at.radio(key="executor_kind").set_value("ray").run()
    at.text_input(key="executor_address").input("http://head:8265").run()
    at.button(key="executor_save").click().run()
    assert not at.exception
    assert executor.saved() == {"kind": "ray", "address": "http://head:8265"}
    assert i18n.translate(language, "runs.ray.saved", where=i18n.translate(language, "runs.ray.ray")) in \
        [s.value for s in at.success]


def test_without_ray_the_page_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(executor, "ray_installed", lambda: False)
    save_sample(60)
    at = _page("pages/train.py")
    at.radio(key="executor_kind").set_value("ray").run()
    assert any("pip install -r requirements-cluster.txt" in i.value for i in at.info)


def test_the_environment_decides_and_the_page_says_so(monkeypatch):
    monkeypatch.setenv("TUNEBOARD_EXECUTOR", "ray")
    monkeypatch.setenv("RAY_ADDRESS", "http://head:8265")
    save_sample(60)
    at = _page("pages/train.py")
    assert not [r for r in at.radio if r.key == "executor_kind"]
    assert any("TUNEBOARD_EXECUTOR=ray" in c.value for c in at.caption)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_run_header_shows_the_ray_job_and_node(language):
    dataset = save_sample(40)
    run = store.create_run(RunConfig(dataset_id=dataset).to_dict(), name="r", dataset_id=dataset, status="completed",
                           info={"dataset_name": "d", "ray": {"job_id": "tuneboard-x-1", "node": "10.0.0.7"}})
    at = _page("pages/runs.py", language, run=run.id)
    shown = (" ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)).replace("\\", "").replace("\u200b", "")
    assert i18n.translate(language, "runs.ray.fact", job_id="tuneboard-x-1", node="10.0.0.7") in shown  # markdown escapes and link breaks removed
