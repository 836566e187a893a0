"""Seed groups and suites in the browser's pages (AppTest), in English and 简体中文: the run table's spread column,
"Repeat with seeds" on a run's page, the Compare page's Seed groups tab and its Suites view."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from bench.bench_compare import fabricate_run
from core import store
from core.compare import loading
from pages.components.compare_view import plain
from tests.conftest import ROOT, save_sample
from tests.ui.i18n_check import english_leftovers


def _app(page: str, *, lang: str = "en", runs: list[str] | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    if query:
        at.query_params.update(query)
    at.run()
    if runs is not None:
        at.session_state["compare_runs"] = runs
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _group(name: str, accuracies: list[float]) -> list:
    members = [fabricate_run(name=f"{name} · seed {i}", accuracy=a, seed=i, config={"seed": i})
               for i, a in enumerate(accuracies)]
    for run in members:
        store.update_run(run.id, info={**run.info, "seed_group": f"seeds-{name}", "group_seeds": [0, 1, 2]})
    return [store.require_run(r.id) for r in members]


def _data(runs: list, *extra: str) -> list[str]:
    words = ["negative", "positive", *extra]
    for run in runs:
        words += [run.name, run.id, run.dataset_id or "", run.info.get("dataset_name") or "",
                  loading.short_model(run.config["model"]), run.info.get("seed_group") or ""]
    return [*words, *map(plain, words)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_seed_group_shows_its_spread_in_the_run_table_and_a_tab_on_compare(lang):
    members = _group("lr", [0.80, 0.82, 0.84])
    at = _app("pages/runs.py", lang=lang)
    table = at.dataframe[0].value
    header = "seeds: mean ± sd" if lang == "en" else "种子：均值 ± 标准差"
    assert table[header].notna().all() and all("±" in v for v in table[header])
    at = _app("pages/compare.py", lang=lang, runs=[r.id for r in members])
    tab = "Seed groups" if lang == "en" else "种子组"
    assert tab in [t.label for t in at.tabs]
    group_table = next(d.value for d in at.dataframe if len(d.value) == 1 and any("±" in str(v) for v in d.value.iloc[0]))
    assert list(group_table.iloc[0])[:3] == ["lr", "3 / 3", "0, 1, 2"]
    band = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert [trace.get("fill") for trace in band["data"]] == [None, "tonexty", None]
    if lang == "zh":
        assert english_leftovers(at, data=_data(members, "lr")) == []


def test_repeat_with_seeds_queues_the_other_seeds(monkeypatch):
    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)
    run = fabricate_run(save_sample(60), name="base", config={"seed": 0})
    at = _app("pages/runs.py", query={"run": run.id})
    at.number_input(key=f"seeds_count_{run.id}").set_value(3).run()
    at.button(key=f"seeds_go_{run.id}").click().run()
    assert not at.exception
    assert any("Queued 2 runs with seeds 1, 2" in s.value for s in at.success)
    queued = [r for r in store.list_runs() if r.id != run.id]
    assert sorted(r.config["seed"] for r in queued) == [1, 2]
    assert store.require_run(run.id).name == "base · seed 0"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_suites_view_shows_the_table_downloads_and_queues_a_batch(lang, monkeypatch):
    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)
    first = fabricate_run(save_sample(60, name="alpha"), name="strong · alpha", accuracy=0.8, dataset_name="alpha")
    store.update_run(first.id, info={**first.info, "suite": "built-in examples", "suite_batch": "b1", "suite_label": "strong"})
    at = _app("pages/compare.py", lang=lang)
    at.segmented_control(key="compare_view_mode").set_value("Suites").run()
    assert not at.exception
    table = at.dataframe[0].value
    average = "average" if lang == "en" else "平均"
    assert list(table.columns)[:2] == (["settings", "model"] if lang == "en" else ["设置", "模型"])
    # The only dataset run so far: its score with its interval, and the average of that one column.
    assert "(" in table.iloc[0, 2] and table[average].iloc[0] == table.iloc[0, 2].split(" (")[0]
    assert len(at.get("download_button")) == 2
    at.button(key="suite_run").click().run()
    assert not at.exception
    queued = [r for r in store.list_runs() if r.status == "queued"]
    assert len(queued) == 6 and {r.info["suite"] for r in queued} == {"built-in examples"}
    table = at.dataframe[0].value  # the new batch: a row of dashes (queued) and no average yet
    assert len(table) == 2 and (table.iloc[1, 2:] == "—").all()
    if lang == "zh":
        data = _data([first, *queued], "strong", "alpha", *[r.info["suite_label"] for r in queued],
                     *[store.get_dataset(r.dataset_id).name for r in queued])
        assert english_leftovers(at, data=data) == []
