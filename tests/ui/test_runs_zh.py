"""AppTest: the Runs & results page and its components in 简体中文 (issue 17, item 1).

Every text the page shows must be Chinese except the user's own data (run, dataset and model names, ids, tags) and
the sentences core still writes in English (a later change gives them message keys).  Those core sentences are
computed here by the same core function, or read from the run's record, and passed in ``data`` with a comment.
The closed vocabularies the UI translates by dynamic key (statuses, phases, measures, table columns) are checked
key by key, since the static test of tests/unit/test_i18n.py cannot see dynamic keys.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n, store
from core.config import RunConfig
from core.i18n import message
from tests.conftest import ROOT, save_sample, train_tiny_in
from tests.ui.i18n_check import _texts_of, english_leftovers, english_words

APP = str(ROOT / "app.py")


def _zh(key: str, **params: object) -> str:
    return i18n.translate("zh", key, **params)


def _as_shown(*values: object) -> list[str]:
    """Each value as it is, and as the page's two Markdown escapers print it (captions, warnings)."""
    from pages.components.compare_view import plain
    from pages.components.safe_text import escape_markdown

    return [form for v in values if v for form in (str(v), escape_markdown(v), plain(v))]


def _runs_page(run_id: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "zh"
    at.switch_page("pages/runs.py")
    if run_id:
        at.query_params["run"] = run_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _run_data(run: store.Run) -> list[str]:
    """The user's data a run's page shows, plus the core-made texts stored with the run."""
    from core.jobs import queue as jobs

    return _as_shown(
        run.name, run.id, run.info.get("dataset_name"), run.config.get("model"),
        jobs.cli_command(run),  # the equivalent CLI command (a command, not words)
    )


# ---------------------------------------------------------------------------- closed vocabularies (dynamic keys)
@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_every_status_phase_column_and_measure_has_its_words(language):
    from pages.components import report_efficiency, run_table
    from pages.components.run_status import PHASE_KEYS

    words = i18n.catalogue(language)
    keys = [f"runs.status.{s}" for s in store.STATUSES]
    keys += [f"runs.phase.{k}" for k in PHASE_KEYS.values()]
    keys += [f"runs.table.{c}" for c in run_table.runs_frame([]).columns]
    keys += [f"runs.efficiency.measure.{k}" for k in report_efficiency.MEASURE_KEYS]
    keys += [f"runs.efficiency.tile.{name}" for name, _, _ in report_efficiency._EFFICIENCY_TILES.values()]
    keys += [f"runs.efficiency.unit.{unit}" for _, _, unit in report_efficiency._EFFICIENCY_TILES.values() if unit]
    keys += [f"runs.chart.validation_{m}" for m in ("accuracy", "f1_macro")]  # the metrics the validation chart draws
    assert not [k for k in keys if k not in words]


def test_every_phase_core_writes_has_a_key_in_the_order_the_worker_runs_them():
    """Phases are English strings in the run's progress; the UI maps each to a key (PHASE_KEYS)."""
    from core.train import finish
    from pages.components import live_view
    from pages.components.run_status import PHASE_KEYS

    written = set()
    for path in (ROOT / "core").rglob("*.py"):
        if "serve" not in path.parts:  # core/serve's batch-prediction job has its own phases (playground)
            written |= set(re.findall(r"[\"']phase[\"']: [\"']([^\"']+)[\"']", path.read_text(encoding="utf-8")))
    finishing = re.findall(r"phases\.start\((\w+)", (ROOT / "core" / "train" / "finish.py").read_text(encoding="utf-8"))
    assert written >= {"starting", "training"} and len(finishing) >= 5  # the scans still find what they look for
    assert not (written | {getattr(finish, name) for name in finishing}) - set(PHASE_KEYS)
    assert [getattr(finish, name) for name in finishing] == live_view._FINISHING


def test_status_line_matches_core_in_english():
    """The UI's status line and header facts say in English exactly what core's do (CLI and UI agree)."""
    from core import results
    from core.jobs import queue as jobs
    from pages.components import run_status

    dataset = save_sample(40)
    config = RunConfig(dataset_id=dataset, model="tiny-random-bert").to_dict()
    runs = [store.create_run(config, name=s, dataset_id=dataset, status=s, info={"dataset_name": "d"})
            for s in store.STATUSES if s != "running"]
    runs.append(store.create_run(config, name="r", dataset_id=dataset, status="running", parent_id=runs[0].id,
                                 info={"parameters": {"total": 1000, "trainable": 10}}))
    store.update_run(runs[-1].id, progress={"phase": "baseline check"})
    for run in map(store.require_run, (r.id for r in runs)):
        assert run_status.status_text(run) == jobs.status_line(run)
        assert run_status.header_facts(run) == results.header_facts(run)


# ---------------------------------------------------------------------------- the page in Chinese
def test_empty_runs_page_in_chinese():
    at = _runs_page()
    assert at.title[0].value == _zh("runs.title")
    assert english_leftovers(at) == []


@pytest.fixture
def runs_of_every_status(monkeypatch: pytest.MonkeyPatch) -> list[store.Run]:
    """Runs as the worker leaves them (no worker behind them: the scheduler is not started, so nothing changes)."""
    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)
    dataset = save_sample(60, name="my reviews")
    config = RunConfig(dataset_id=dataset, model="tiny-random-bert").to_dict()
    info = {"dataset_name": "my reviews", "parameters": {"total": 4_000_000, "trainable": 40_000}}
    now = time.time()

    def make(name: str, status: str, **fields) -> store.Run:
        extra = fields.pop("info", {})
        run = store.create_run(config, name=name, dataset_id=dataset, status=status, info={**info, **extra})
        store.update_run(run.id, **fields)
        return store.require_run(run.id)

    # "Fresh" running runs (started now, no pid yet) are not taken for crashed workers by jobs.reconcile.
    training = make("model one", "running", started_at=now, progress={
        "phase": "training", "step": 5, "total_steps": 20, "epoch": 0.5, "samples_per_s": 12.0, "eta_s": 30,
        "gpu_mem_gb": 1.5, "gpu_mem_by_device": {"0": 1.5}})
    store.add_metric_points(training.id, [
        (1, 0.1, "train", "loss", 0.7), (2, 0.2, "train", "loss", 0.6), (2, 0.2, "train", "learning_rate", 2e-5),
        (2, 0.2, "validation", "loss", 0.65), (2, 0.2, "validation", "accuracy", 0.6),
        (2, 0.2, "validation", "f1_macro", 0.55)])
    return [
        training,
        make("model two", "running", started_at=now, progress={"phase": "loading model and data"}),
        make("model three", "running", started_at=now, progress={
            "phase": "measuring latency", "step": 20, "total_steps": 20, "phase_done": 3, "phase_total": 10}),
        make("model four", "queued"),
        make("model five", "stopped", started_at=now - 60, finished_at=now,
             info={"oom_retries": [{"from_batch_size": 16, "to_batch_size": 8}]}),
        make("model six", "failed", error=message("error.model.load.not_found", name="x")),
        make("model seven", "cancelled"),
    ]


def test_runs_of_every_status_in_chinese(runs_of_every_status):
    runs = runs_of_every_status
    data = [d for run in runs for d in _run_data(run)]
    shown_statuses = set()
    for run in runs:
        at = _runs_page(run.id)
        assert english_leftovers(at, data=data) == [], run.status
        (table,) = [d.value for d in at.dataframe if _zh("runs.table.status") in d.value.columns]
        shown_statuses |= set(table[_zh("runs.table.status")])
    assert {"排队中（第 1 位）", "运行中 25%", "运行中（正在加载模型和数据）", "已停止", "失败", "已取消"} <= shown_statuses
    failed = next(r for r in runs if r.status == "failed")
    assert failed.error.startswith("The model ‘x’ could not be found")  # the CLI's English, kept with its key
    assert any(e.value.startswith("找不到或无法下载模型“x”") for e in _runs_page(failed.id).error)


def test_controls_and_delete_confirmation_in_chinese(runs_of_every_status):
    stopped = next(r for r in runs_of_every_status if r.status == "stopped")
    at = _runs_page(stopped.id)
    assert any(b.label == _zh("runs.controls.resume") for b in at.button)
    at.button(key=f"manage_delete_{stopped.id}").click().run()
    assert not at.exception
    assert any("此操作无法撤销" in w.value for w in at.warning)
    data = [d for run in runs_of_every_status for d in _run_data(run)]
    assert english_leftovers(at, data=data) == []


def _bulk_app(root: str, run_ids: list[str]) -> None:
    import sys

    sys.path.insert(0, root)
    import streamlit as st

    from core import store
    from pages.components import run_manage

    st.session_state["lang"] = "zh"
    run_manage.render_bulk([store.require_run(i) for i in run_ids])


def test_bulk_actions_in_chinese():
    config = RunConfig(dataset_id="ds", model="tiny-random-bert").to_dict()
    runs = [store.create_run(config, name=f"sweep {i}", dataset_id="ds", status="completed") for i in range(7)]
    at = AppTest.from_function(_bulk_app, args=(str(ROOT), [r.id for r in runs]), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    next(b for b in at.button if b.label == _zh("runs.bulk.delete", n=7)).click().run()
    assert not at.exception
    (warning,) = [w.value for w in at.warning]
    assert "等另外 2 个" in warning and all(store.get_run(r.id) for r in runs)
    assert english_leftovers(at, data=_as_shown(*(r.name for r in runs))) == []


# ---------------------------------------------------------------------------- a finished run in Chinese
@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runs-zh-home")


@pytest.fixture(scope="module")
def run_id(module_home: Path, models_dir: Path) -> str:
    return train_tiny_in(module_home, models_dir, rows=200, name="my tiny run")


def _leftovers_outside_tab(at: AppTest, tab_label: str, data: list[str]) -> list[tuple[str, str]]:
    """english_leftovers, leaving out one tab's content (a component another area translates and tests)."""
    found = []

    def walk(node) -> None:
        if type(node).__name__ == "Tab" and getattr(node, "label", None) == tab_label:
            return
        found.extend((where, text) for where, text in _texts_of(node) if english_words(text, data))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return found


def _finished_run_data(run_id: str) -> list[str]:
    from core import results
    from core.serve import export

    run = store.require_run(run_id)
    return [*_run_data(run),
            results.log_tail(run_id),  # the worker's English log, shown as it is
            export.usage_snippet(run_id), export.model_card(run_id)]  # code and the model card made by core/serve


def test_finished_run_with_curves_and_export_in_chinese(module_home, run_id, monkeypatch):
    from core.evaluate import latency
    from core.serve import quantize

    monkeypatch.setenv("TUNEBOARD_HOME", str(module_home))
    at = _runs_page(run_id)
    tabs = [tab.label for tab in at.tabs]
    assert {_zh("runs.tab_report"), _zh("runs.tab_curves"), _zh("runs.tab_export")} <= set(tabs), tabs
    data = _finished_run_data(run_id)
    # The report tab is report_view (the report area's, tested in Chinese by tests/ui/test_report_zh.py).
    assert _leftovers_outside_tab(at, _zh("runs.tab_report"), data) == []

    quantize.compare(run_id, n_single=5)  # what the int8 button's background job does
    at = _runs_page(run_id)
    comparison = quantize.load_comparison(run_id)
    speed = latency.describe_message(quantize.speed_measurement(comparison)).in_language("zh")  # core's, not data
    assert any(speed in c.value for c in at.caption)
    (table,) = [d.value for d in at.dataframe if "int8 / fp32" in d.value.columns]
    assert table[_zh("runs.export.measure")].tolist()[0] == "磁盘大小（MB）"
    assert _leftovers_outside_tab(at, _zh("runs.tab_report"), data) == []


def _report_parts_app(root: str, report: dict) -> None:
    import sys

    sys.path.insert(0, root)
    import streamlit as st

    from pages.components import report_efficiency, report_guard

    st.session_state["lang"] = "zh"
    report_guard.render(report)
    report_efficiency.render(report, key="r")


def test_efficiency_tab_and_baseline_check_in_chinese(module_home, run_id, monkeypatch):
    from core import results
    from core.evaluate import guard, latency
    from pages.components import report_efficiency

    monkeypatch.setenv("TUNEBOARD_HOME", str(module_home))
    report = results.load_report(run_id)
    efficiency = report["efficiency"]
    flat = report_efficiency._flatten(efficiency)
    assert set(flat) <= set(report_efficiency.MEASURE_KEYS), "a measure core records has no name in the catalogue"
    at = AppTest.from_function(_report_parts_app, args=(str(ROOT), report), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _zh("runs.efficiency.tile.latency_p50") in [m.label for m in at.metric]
    assert latency.describe_message(efficiency).in_language("zh") in [c.value for c in at.caption]  # not data: translated
    check = report["baseline_check"]
    assert check["status"] == "done" and check["verdict"]["messages"], check  # the tiny model loses: a verdict to show
    (warning,) = [w.value for w in at.warning]
    assert guard.summary_line(check) not in warning and "基线胜过了此模型" in warning  # not data: translated
    data = _as_shown(str(efficiency.get("device")))
    assert english_leftovers(at, data=data) == []
