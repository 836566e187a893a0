"""The Compare page in 简体中文: no English left besides the user's own data.

The alignment sentences of ``core.compare.alignment`` (``disagreements`` and ``confusion_alignment``) are messages
shown in Chinese, so they are not passed as data.  A one-click baseline's run name is made by core
(``TF-IDF + logistic regression · <dataset>``); it is a run name, so it counts as data like every run name.

Also here: every closed vocabulary the page translates by a dynamic key (metric names, run statuses, run kinds,
settings, x axes, curve splits) has its text in both languages — the static catalogue test cannot see dynamic keys.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from bench.bench_compare import fabricate_run
from core import i18n, store
from core.compare import alignment, curves, leaderboard, loading, tables
from core.config import RunConfig
from core.evaluate.report import METRIC_NAMES
from core.plots import compare_figures
from pages.components.compare_leaderboard import KINDS
from pages.components.compare_view import plain
from tests.conftest import ROOT, train_tiny_in
from tests.ui.i18n_check import english_leftovers, english_words

LABELS = ["negative", "positive"]  # fabricate_run's and save_sample's labels


def _compare_zh(*, runs: list[str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = "zh"
    at.run()
    if runs is not None:
        at.session_state["compare_runs"] = runs
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _data(runs: list, *extra: str) -> list[str]:
    """The user's own words on the page: run names and ids, dataset names, labels, models."""
    words = [*LABELS, *extra]
    for run in runs:
        words += [run.name, run.id, run.dataset_id or "", run.info.get("dataset_name") or "", loading.short_model(run.config["model"])]
    return [*words, *map(plain, words)]  # captions show them Markdown-escaped


def _leftovers(at: AppTest, data: list[str]) -> None:
    left = english_leftovers(at, data=data)
    assert left == [], left


def test_empty_workspace_in_chinese():
    at = _compare_zh()
    assert at.title[0].value == "比较运行"
    _leftovers(at, [])


def test_one_run_asks_for_more_in_chinese():
    run = fabricate_run(name="唯一的运行")
    at = _compare_zh(runs=[run.id])
    assert [m.label for m in at.multiselect] == ["要比较的运行"]
    assert any("至少选择两个运行" in i.value for i in at.info)
    assert "已完成" in at.multiselect[0].options[0]  # the run's status, translated
    _leftovers(at, _data([run]))


def test_every_section_of_two_runs_in_chinese():
    a = fabricate_run(name="基准", accuracy=0.7, seed=1)
    b = fabricate_run(name="大学习率", accuracy=0.9, seed=2, n_steps=300, config={"learning_rate": 2e-4, "batch_size": 32})
    runs = [a, b]
    at = _compare_zh(runs=[a.id, b.id])
    assert [t.label for t in at.tabs] == ["曲线", "指标", "设置", "按类别", "混淆矩阵", "超参数", "预测分歧"]
    assert len(at.get("plotly_chart")) >= 6
    data = _data(runs)
    _leftovers(at, data)
    predictions = {r.id: loading.load_predictions(r.id) for r in runs}
    said = alignment.disagreements(runs, predictions).sentence.in_language("zh")
    assert said.startswith("所有运行都在同样的") and any(c.value == plain(said) for c in at.caption)
    diff = next(d.value for d in at.dataframe if "学习率" in d.value.index)  # the settings diff, rows in words
    assert diff.index.name == "设置" and {"学习率", "批大小"} <= set(diff.index)
    assert "预测正确的运行数" in at.dataframe[-1].value.columns  # the disagreements table
    # Other x axes and metrics (log loss: "lowest first" wording) stay in Chinese too.
    at.radio(key="cmp_x").set_value("time").run()
    at.selectbox(key="cmp_hp_metric").set_value("log_loss").run()
    at.selectbox(key="cmp_val_metric").set_value("accuracy").run()
    assert not at.exception
    _leftovers(at, data)
    loss = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert {t["name"] for t in loss["data"]} == {"基准 · 训练集", "基准 · 验证集", "大学习率 · 训练集", "大学习率 · 验证集"}
    assert loss["layout"]["xaxis"]["title"]["text"] == "自首次记录以来的分钟数"


def test_leaderboard_in_chinese_names_the_kind():
    tuned = fabricate_run("ds-a", name="微调运行", dataset_name="评论", accuracy=0.8)
    base = fabricate_run("ds-a", name="基线运行", dataset_name="评论", accuracy=0.7, seed=1)
    store.update_run(base.id, info={**base.info, "kind": "baseline"})
    at = _compare_zh()
    at.segmented_control(key="compare_view_mode").set_value("Leaderboard").run()
    assert not at.exception
    assert at.segmented_control(key="compare_view_mode").options == ["并排比较", "排行榜", "基准套件"]
    table = at.dataframe[0].value
    assert list(table.columns) == ["#", "运行", "模型", "类型", "宏平均 F1", "95% 置信区间", "种子：均值 ± 标准差", "可训练参数", "训练时间（分钟）", "推理速度（条/秒）", "ID"]
    assert list(table["类型"]) == ["微调", "基线"]
    _leftovers(at, _data([tuned, store.require_run(base.id)]))
    at.selectbox(key="leaderboard_metric").set_value("log_loss").run()
    assert any("从低到高" in c.value for c in at.caption)
    _leftovers(at, _data([tuned, store.require_run(base.id)]))


# ---------------------------------------------------------------------------- a really trained run and its baseline
@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("compare-zh-home")


@pytest.fixture(scope="module")
def tiny_run_id(module_home: Path, models_dir: Path) -> str:
    """One tiny completed run (tiny-random-bert, 10 steps) for the tests below."""
    return train_tiny_in(module_home, models_dir, rows=200, name="小模型")


def test_a_trained_run_and_its_one_click_baseline_in_chinese(tiny_run_id, module_home, monkeypatch):
    monkeypatch.setenv("TUNEBOARD_HOME", str(module_home))
    at = _compare_zh(runs=[tiny_run_id])
    at.selectbox(key="compare_baseline_source").set_value(tiny_run_id)
    at.button(key="compare_baseline_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (base,) = [r for r in store.list_runs() if r.info.get("kind") == "baseline"]
    assert any(s.value.startswith(f"基线运行 {base.id} 已在几秒内训练完成") for s in at.success)
    runs = [store.require_run(tiny_run_id), base]
    assert any("基线没有训练曲线" in c.value for c in at.caption)
    _leftovers(at, _data(runs))


# ---------------------------------------------------------------------------- vocabularies and figures
def _both(key: str) -> bool:
    return key in i18n.catalogue("en") and key in i18n.catalogue("zh")


def test_every_dynamic_key_exists_in_both_languages():
    keys = [f"compare.metric.{m}" for m in METRIC_NAMES]
    keys += [f"compare.status.{s}" for s in store.STATUSES]
    keys += [f"compare.kind.{k}" for k in KINDS]
    keys += [f"compare.setting.{f.name}" for f in dataclasses.fields(RunConfig)]
    keys += [f"compare.setting.{h}" for h in leaderboard.HYPERPARAMETERS]
    keys += [f"compare.curves.{part}.{x}" for x in curves.X_AXES for part in ("x", "axis")]
    keys += [f"compare.chart.split.{s}" for s in ("train", "validation")]
    keys += [f"compare.chart.y.{n}" for n in ("loss", "accuracy", "f1_macro")]  # the curves compare_view draws
    assert [k for k in keys if not _both(k)] == []


def test_english_catalogue_keeps_the_english_words_core_uses():
    """English shows what it showed before translation: the catalogue repeats core's own names."""
    en = i18n.catalogue("en")
    assert {m: en[f"compare.metric.{m}"] for m in METRIC_NAMES} == METRIC_NAMES
    assert {x: en[f"compare.curves.axis.{x}"] for x in curves.X_AXES} == curves.X_AXES
    assert all(en[f"compare.setting.{f.name}"] == f.name.replace("_", " ") for f in dataclasses.fields(RunConfig))


def test_figures_in_chinese_have_no_english_words():
    a = fabricate_run(name="A", seed=1, config={"learning_rate": 1e-5})
    b = fabricate_run(name="B", seed=2, config={"learning_rate": 1e-4, "lr_scheduler": "cosine"})
    runs, labels = [a, b], loading.run_labels([a, b])
    data = curves.curves(runs, names=("loss",))
    loss = compare_figures.curves_figure(data, name="loss", language="zh")
    assert loss.layout.yaxis.title.text == "损失" and loss.layout.title.text == "损失"
    reports = {r.id: loading.load_report(r.id) for r in runs}
    per_class = compare_figures.per_class_figure(tables.per_class_f1(runs, reports), labels, language="zh")
    assert per_class.layout.title.text == "各类别 F1"
    frame = leaderboard.hyperparameter_frame(runs, "accuracy")
    parallel = compare_figures.parallel_figure(frame, "accuracy", metric_title="准确率", language="zh")
    shown = [d.label for d in parallel.data[0].dimensions] + [parallel.layout.title.text]
    assert shown == ["学习率（对数）", "学习率调度", "准确率", "超参数与准确率"]
    assert [w for text in shown for w in english_words(text)] == []
