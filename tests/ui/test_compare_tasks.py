"""AppTest of the Compare page, the leaderboard and the run table with multi-label and regression runs (issue 18):
each kind's sections and metrics, one sentence when the runs are of different kinds, the leaderboard ranked by each
dataset's main metric, the run table's score column, a one-click baseline of a regression run, and one case in 中文."""

from __future__ import annotations

import json
import random

import pandas as pd
from streamlit.testing.v1 import AppTest

from core import store
from core.compare import loading
from core.config import RunConfig
from core.data import library as datasets
from core.tasks import Task
from pages.components.compare_view import plain
from tests.conftest import ROOT
from tests.ui.i18n_check import english_leftovers
from tests.unit.test_compare_tasks import TAGS, fake_task_run

MULTI, REG = Task("multi_label"), Task("regression")


def _compare(*, runs: list[str] | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    if lang:  # set after the start page ran: only the Compare page is checked here
        at.session_state["lang"] = lang
    if runs is not None:
        at.session_state["compare_runs"] = runs
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_two_regression_runs_compare_their_errors_and_prediction_differences():
    x = fake_task_run(REG, "ds-reg", name="ridge-ish", quality=0.5, seed=3)
    y = fake_task_run(REG, "ds-reg", name="fine-tuned", quality=0.9, seed=4)
    at = _compare(runs=[x.id, y.id])
    assert [t.label for t in at.tabs] == ["Curves", "Metrics", "Settings", "Hyperparameters", "Prediction differences"]
    assert "Kind of data: A number per text (regression)." in _texts(at.caption)
    assert not at.warning
    metrics = at.dataframe[0].value
    assert list(metrics.index) == ["Mean squared error (MSE)", "Mean absolute error (MAE)", "Pearson correlation",
                                   "Spearman correlation", "R² (coefficient of determination)"]
    assert any("lowest for the errors MSE and MAE" in c for c in _texts(at.caption))
    assert at.selectbox(key="cmp_val_metric").options == ["Spearman correlation", "Pearson correlation",
                                                          "Mean squared error (MSE)"]
    validation = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert validation["layout"]["yaxis"]["title"]["text"] == "spearman"
    assert at.selectbox(key="cmp_hp_metric").value == "spearman"  # the headline metric first
    differences = at.dataframe[-1].value
    assert {"true value", "spread", "closest", "prediction: ridge-ish", "prediction: fine-tuned"} <= set(differences.columns)
    assert differences["spread"].is_monotonic_decreasing
    assert any("differ most come first" in c for c in _texts(at.caption))


def test_multi_label_and_regression_runs_are_not_compared_side_by_side():
    tags = fake_task_run(MULTI, name="tags")
    scores = fake_task_run(REG, "ds-reg", name="scores", seed=1)
    at = _compare(runs=[tags.id, scores.id])
    (warning,) = _texts(at.warning)
    assert warning.startswith("These runs are not compared side by side because they are of different kinds "
                              "(multi-label, regression)")
    assert not at.tabs and not at.dataframe  # nothing lined up


def test_two_multi_label_runs_in_chinese():
    a = fake_task_run(MULTI, name="阈值调过", quality=0.9, seed=1)
    b = fake_task_run(MULTI, name="快速运行", quality=0.6, seed=2, n_steps=100, config={"learning_rate": 1e-4})
    at = _compare(runs=[a.id, b.id], lang="zh")
    assert [t.label for t in at.tabs] == ["曲线", "指标", "设置", "按标签", "超参数", "预测分歧"]
    metrics = at.dataframe[0].value
    assert list(metrics.index) == ["微平均 F1", "宏平均 F1", "逐文本平均 F1", "完全匹配率", "汉明损失"]
    assert next(d.value for d in at.dataframe if "阈值调过" in d.value.columns and d.value.index.name != "指标").index.name == "标签"
    data = [*TAGS, *(w for r in (a, b) for w in (r.name, r.id, r.dataset_id, r.info["dataset_name"],
                                                 loading.short_model(r.config["model"])))]
    data += [plain(w) for w in data]
    assert english_leftovers(at, data=data) == []
    # Runs of different kinds: the sentence in Chinese.
    scores = fake_task_run(REG, "ds-reg", name="评分", seed=3)
    at = _compare(runs=[a.id, scores.id], lang="zh")
    assert any("不同的任务类型（多标签、回归）" in w for w in _texts(at.warning))
    assert english_leftovers(at, data=[*data, "评分", scores.id]) == []


def test_leaderboard_ranks_each_dataset_by_its_kinds_main_metric():
    for i, q in enumerate([0.6, 0.95]):
        fake_task_run(MULTI, "ds-ml", name=f"tags {i}", quality=q, seed=i, dataset_name="tickets")
    for i, q in enumerate([0.9, 0.4]):
        fake_task_run(REG, "ds-reg", name=f"scores {i}", quality=q, seed=10 + i, dataset_name="ratings")
    at = _compare()
    at.segmented_control(key="compare_view_mode").set_value("Leaderboard").run()
    assert not at.exception
    assert at.selectbox(key="leaderboard_metric").value == "auto"
    assert _texts(at.subheader) == ["ratings", "tickets"]
    ratings, tickets = (d.value for d in at.dataframe)
    assert "Spearman correlation" in ratings.columns and list(ratings["run"]) == ["scores 0", "scores 1"]
    assert "F1 (micro)" in tickets.columns and list(tickets["run"]) == ["tags 1", "tags 0"]
    assert any(c.startswith("A number per text (regression) · ranked by Spearman") for c in _texts(at.caption))
    at.selectbox(key="leaderboard_metric").set_value("mse").run()
    assert not at.exception and _texts(at.subheader) == ["ratings"]
    assert any("lowest Mean squared error (MSE) first" in c for c in _texts(at.caption))
    assert any("do not report Mean squared error (MSE) are not listed" in c for c in _texts(at.caption))


def _table_app(root: str) -> None:
    import sys

    sys.path.insert(0, root)
    from core import store
    from pages.components import run_table

    run_table.select_runs(store.list_runs())


def test_run_table_shows_each_runs_score_with_its_name():
    tags = fake_task_run(MULTI, name="tags")
    scores = fake_task_run(REG, "ds-reg", name="scores", seed=1)
    at = AppTest.from_function(_table_app, args=(str(ROOT),), default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value.set_index("name")
    assert table.at["tags", "score"] == f"micro-F1 {tags.final_metrics['f1_micro']:.3f}"
    assert table.at["scores", "score"] == f"Spearman {scores.final_metrics['spearman']:.3f}"
    assert pd.isna(table.at["scores", "accuracy"])


def test_one_click_baseline_of_a_regression_run():
    rng = random.Random(0)
    rows = []
    for _ in range(160):
        good = rng.randint(0, 5)
        rows.append({"text": " ".join(["great"] * good + ["dull"] * (5 - good)), "label": good + rng.uniform(-0.2, 0.2)})
    dataset_id = datasets.save_frame(pd.DataFrame(rows), name="ratings", task=REG).id
    source = store.create_run(RunConfig(dataset_id=dataset_id, model="tiny-random-bert").to_dict(), name="source",
                              dataset_id=dataset_id, status="completed", info={"dataset_name": "ratings"})
    at = _compare(runs=[source.id])
    at.selectbox(key="compare_baseline_source").set_value(source.id)
    at.button(key="compare_baseline_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (base,) = [r for r in store.list_runs() if r.info.get("kind") == "baseline"]
    assert base.config["model"] == "tfidf-ridge" and base.info["task"] == REG.to_dict()
    assert any(s.startswith(f"Baseline run {base.id} trained in seconds: Spearman 0.") for s in _texts(at.success))
    assert at.multiselect(key="compare_runs").value == [source.id, base.id]
