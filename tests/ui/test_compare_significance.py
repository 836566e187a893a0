"""AppTest of "Is B really better than A?" on the Compare page (issue 19, item 3): one plain sentence per run against
the first, above the tabs, in English and in 简体中文; the other metrics' tests in an expander; the sentence saying why
no paired test is possible when the test rows differ; regression runs worded for a lower-is-better error."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bench.bench_compare import fabricate_run
from core.compare import loading, significance
from core.tasks import Task
from pages.components.compare_view import plain
from tests.conftest import ROOT
from tests.ui.i18n_check import english_leftovers
from tests.unit.test_compare_tasks import fake_task_run


def _compare(runs: list[str], *, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    if lang:
        at.session_state["lang"] = lang
    at.session_state["compare_runs"] = runs
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _said(at: AppTest) -> list[str]:
    """The paired-test sentences: the info boxes with the balance icon (other tabs have info boxes of their own)."""
    return [i.value for i in at.info if i.icon == ":material/balance:"]


def _expander(at: AppTest, label: str):
    """The expander of the other paired tests (the page has others, such as the baseline adder)."""
    (found,) = [e for e in at.expander if e.label == label]
    return found


def _expected(a, b, language: str = "en") -> list[str]:
    """The sentences of B against A as the page writes them (Markdown escaped: run names are user text)."""
    pair = significance.compare_pair(a, b, names=loading.run_labels([a, b]))
    return [plain(said.in_language(language)) for said in pair.sentences]


def test_two_runs_get_one_sentence_above_the_tabs():
    a = fabricate_run("ds-a", name="base", accuracy=0.7, seed=1)
    b = fabricate_run("ds-a", name="higher lr", accuracy=0.9, seed=2)
    at = _compare([a.id, b.id])
    lead, macro = _expected(a, b)
    assert _said(at) == [lead]
    assert lead.startswith("higher lr is ") and plain("points more accurate than base (95% CI ") in lead
    assert "unlikely to be chance" in lead
    more = _expander(at, "More paired tests")
    assert [m.value for m in more.markdown] == [macro] and "macro\\-F1" in macro
    assert "McNemar's exact test for accuracy" in more.caption[0].value
    assert [t.label for t in at.tabs][:2] == ["Curves", "Metrics"]  # the sections are unchanged below it


def test_each_run_against_the_first_and_why_not_when_rows_differ():
    a = fabricate_run("ds-a", name="A", accuracy=0.8, seed=1)
    b = fabricate_run("ds-a", name="B", accuracy=0.82, seed=2)
    c = fabricate_run("ds-a", name="C", seed=3, config={"seed": 7})  # another split seed: other test rows
    at = _compare([a.id, b.id, c.id])
    assert _said(at) == [_expected(a, b)[0]]
    why = plain("No paired test is possible because C and A drew their test splits with different seeds (7 and 42), "
                "so they share none of their test rows.")
    assert why in [c.value for c in at.caption]


def test_regression_runs_read_lower_error_as_better():
    rough = fake_task_run(Task("regression"), "ds-reg", name="rough", quality=0.5, seed=3)
    close = fake_task_run(Task("regression"), "ds-reg", name="close", quality=0.9, seed=4)
    at = _compare([rough.id, close.id])
    (lead,) = _said(at)
    assert lead.startswith("close's MAE is ") and plain("lower (better) than rough's") in lead
    assert len(_expander(at, "More paired tests").markdown) == 2  # MSE and Spearman


def test_the_sentence_in_chinese():
    a = fabricate_run("ds-a", name="基准", accuracy=0.7, seed=1)
    b = fabricate_run("ds-a", name="大学习率", accuracy=0.9, seed=2)
    c = fabricate_run("ds-b", name="别的数据", seed=3)
    at = _compare([a.id, b.id, c.id], lang="zh")
    lead, macro = _expected(a, b, "zh")
    assert _said(at) == [lead]
    assert lead.startswith("大学习率 的准确率比 基准 高 ") and "这不太可能是偶然" in lead
    assert _expander(at, "更多配对检验").markdown[0].value == macro
    assert plain("无法做配对检验：别的数据 与 基准 在不同的数据集上训练，没有在同一批测试行上测试。") in [c.value for c in at.caption]
    words = ["negative", "positive"]
    for run in (a, b, c):
        words += [run.name, run.id, run.dataset_id, run.info.get("dataset_name") or "", loading.short_model(run.config["model"])]
    left = english_leftovers(at, data=[*words, *map(plain, words)])
    assert left == [], left
