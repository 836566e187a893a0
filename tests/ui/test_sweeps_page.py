"""AppTest of the Sweeps page in English and 简体中文: the form (its checks, its command line, Start), a finished
sweep's trials, best settings, charts and the button that trains with them; no English left on the Chinese page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n, store
from core.jobs import queue as jobs
from core.jobs.sweep import manage, record
from pages.components.safe_text import escape_markdown
from tests.conftest import ROOT, save_sample
from tests.ui.i18n_check import english_leftovers
from tests.ui.sweep_fixture import fabricate_sweep


@pytest.fixture(autouse=True)
def no_background_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A started sweep gets no driver (it counts as just starting) and a queued run no scheduler: nothing trains."""
    monkeypatch.setattr(manage, "spawn_driver", record.mark_starting)
    monkeypatch.setattr(jobs, "ensure_scheduler", lambda: None)


def _sweeps(language: str = "en", *, sweep: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = language
    if sweep:
        at.query_params["sweep"] = sweep
    at.switch_page("pages/sweeps.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _t(language: str, key: str, **params) -> str:
    return i18n.translate(language, key, **params)


def _data(sweep, *extra: str) -> list[str]:
    """The user's own words and the technical names on the page: names, ids, the model, the command line."""
    record_ = store.get_dataset(sweep.base["dataset_id"])
    return [sweep.name, sweep.id, sweep.cli, record_.name, "tiny-random-bert", *[r["run_id"] for r in sweep.trials],
            *extra]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_empty_workspace_asks_for_data(language):
    at = _sweeps(language)
    assert at.title[0].value == _t(language, "sweep.title")
    assert any(_t(language, "sweep.form.no_dataset") == i.value for i in at.info)
    assert english_leftovers(at) == [] if language == "zh" else True


def test_the_form_checks_the_ranges_shows_the_command_and_starts_a_sweep():
    save_sample(80, name="reviews")
    at = _sweeps()
    at.selectbox(key="sweep_model").set_value("tiny-random-bert").run()
    assert [m.label for m in at.multiselect if m.key == "sweep_search"] == ["Settings to search"]
    command = next(c.value for c in at.code if "python -m core sweep" in c.value)
    assert "--search learning_rate=1e-05:0.0003:log" in command and "--search batch_size=8,16,32" in command
    at.number_input(key="sweep_search_learning_rate_low").set_value(0.01).run()
    assert [e.value for e in at.error] == ["The range of learning_rate is empty: its low end 0.01 must be smaller than "
                                           "its high end 0.0003."]
    assert not any(b.label == "Start sweep" for b in at.button)
    at.number_input(key="sweep_search_learning_rate_low").set_value(1e-5).run()
    at.number_input(key="sweep_trials").set_value(4).run()
    at.selectbox(key="sweep_pruner").set_value("halving").run()
    at.button(key="sweep_start").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (sweep,) = record.list_sweeps()
    assert sweep.n_trials == 4 and sweep.pruner == "halving" and sweep.base["model"] == "tiny-random-bert"
    assert [p["name"] for p in sweep.space] == ["learning_rate", "batch_size"]
    assert at.query_params["sweep"] == sweep.id and at.subheader[0].value.startswith("sweep")
    assert any(b.label == "Stop sweep" for b in at.button)  # running: its driver is starting
    at.button(key=f"sweep_stop_{sweep.id}").click().run()
    assert record.stop_requested(sweep.id)


def test_a_finished_sweep_shows_trials_best_charts_and_trains_with_the_best_settings():
    sweep = fabricate_sweep(save_sample(80))
    at = _sweeps(sweep=sweep.id)
    assert at.metric[0].label == "Best macro-F1" and at.metric[0].value == "0.8300"
    table = at.dataframe[0].value
    assert list(table["Trial"]) == [5, 4, 3, 2, 1, 0]
    assert list(table["State"])[2:5] == ["complete", "pruned at evaluation 2", "complete"]
    assert {"learning_rate", "batch_size", "macro-F1", "Run", "Note"} <= set(table.columns)
    assert [t.label for t in at.tabs] == ["Trials", "Parallel coordinates", "Importance"]
    assert len(at.get("plotly_chart")) == 3
    assert any("6 of 6 trials finished: 4 complete, 1 pruned, 1 failed" in c.value for c in at.caption)
    assert sweep.cli in [c.value for c in at.code]
    at.button(key=f"sweep_promote_{sweep.id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (run,) = store.list_runs()
    assert run.info["sweep_promoted"] and run.info["trial"] == 1 and run.config["learning_rate"] == 3e-4
    assert run.config["batch_size"] == 8 and run.config["eval_strategy"] == "epoch"
    assert any(f"Run {run.id} is queued with the best settings." == s.value for s in at.success)


def test_an_interrupted_sweep_offers_resume():
    sweep = fabricate_sweep(save_sample(80), status="running")  # recorded running, no driver holds its lock
    at = _sweeps(sweep=sweep.id)
    assert any("driver process has stopped" in w.value for w in at.warning)
    at.button(key=f"sweep_resume_{sweep.id}").click().run()
    assert record.require(sweep.id).status == "running" and record.state(record.require(sweep.id)) == "running"


def test_the_sweeps_page_in_chinese_has_no_english_left():
    sweep = fabricate_sweep(save_sample(80), name="学习率搜索")
    at = _sweeps("zh", sweep=sweep.id)
    assert at.title[0].value == "超参数搜索"
    assert at.metric[0].label == "最佳宏平均 F1"
    assert [t.label for t in at.tabs] == ["试验", "平行坐标", "重要性"]
    left = english_leftovers(at, data=_data(sweep))
    assert left == [], left
    at.segmented_control(key="sweep_mode").set_value("new").run()  # the form in Chinese too
    assert not at.exception, [e.value for e in at.exception]
    assert any(b.label == "开始搜索" for b in at.button)
    command = next(c.value for c in at.code if "python -m core sweep" in c.value)
    model = "all-MiniLM-L6-v2"  # the form's default model, named by Auto's reasons (Markdown-escaped)
    left = english_leftovers(at, data=_data(sweep, command, model, escape_markdown(model)))
    assert left == [], left
