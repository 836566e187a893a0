"""AppTest of the Label check page (the label-error loop) in English and 简体中文: no datasets; a finished fast check's
tiles, charts and review table; accepting the suggestions and saving a new version (the parent untouched); the
version's lineage, diff and the retrain button that queues the parent run's settings on it; a multi-label dataset's
sentence; no English left on the Chinese page."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import i18n, store
from core.config import RunConfig
from core.data import library
from core.jobs import queue as jobs
from core.quality import findings, job
from core.tasks import Task
from tests.conftest import ROOT, sentiment_sample
from tests.ui.i18n_check import english_leftovers

FLIPPED = 8  # rows 0..7 get the other label: the check proposes them


@pytest.fixture(autouse=True)
def no_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    """A queued run gets no scheduler: nothing trains."""
    monkeypatch.setattr(jobs, "ensure_scheduler", lambda: None)


def _labels(language: str = "en", *, dataset: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = language
    if dataset:
        at.query_params["dataset"] = dataset
    at.switch_page("pages/labels.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _t(language: str, key: str, **params) -> str:
    return i18n.translate(language, key, **params)


def _checked(name: str = "reviews") -> str:
    """A 120-row sentiment dataset with eight flipped labels, checked in fast mode (in this process)."""
    df = sentiment_sample(120)
    df.loc[: FLIPPED - 1, "label"] = df.loc[: FLIPPED - 1, "label"].map({"positive": "negative", "negative": "positive"})
    dataset_id = library.save_frame(df, name=name).id
    job.run_check(dataset_id, "fast")
    return dataset_id


def _editor(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if _t("en", "labels.col.decision") in d.value.columns)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_dataset_points_to_the_data_page(language):
    at = _labels(language)
    assert at.title[0].value == _t(language, "labels.title")
    assert [i.value for i in at.info] == [_t(language, "labels.no_datasets")]
    assert english_leftovers(at) == [] if language == "zh" else True


def test_a_finished_check_shows_tiles_charts_and_the_review_table():
    dataset_id = _checked()
    at = _labels(dataset=dataset_id)
    summary = findings.load_result(dataset_id, "fast")[1]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Probable label errors (of 120 rows)"] == str(summary["label_issues"]) and summary["label_issues"] >= 4
    assert {"Near-duplicates", "Outliers", "Check time"} <= set(metrics)
    assert len(at.get("plotly_chart")) == 2  # issues per class, confused pairs
    table = _editor(at)
    assert list(table.columns) == ["Row", "Text", "Given label", "Suggested label", "Confidence", "Decision", "Why"]
    assert set(table["Decision"]) == {"keep"}
    first = table.iloc[0]
    assert first["Why"].startswith(f"A model that never saw this row says ‘{first['Suggested label']}’ (")
    assert f"rather than ‘{first['Given label']}’" in first["Why"]
    assert first["Text"] == library.load_frame(dataset_id)["text"].iloc[first["Row"]]
    at.multiselect(key="labels_filter_classes").set_value(["positive"]).run()  # the filter: given label
    assert set(_editor(at)["Given label"]) == {"positive"}


def test_accepting_every_suggestion_saves_a_new_version_and_leaves_the_parent():
    dataset_id = _checked()
    parent_before = library.load_frame(dataset_id)
    at = _labels(dataset=dataset_id)
    at.button(key="labels_accept_all").click().run()
    table = _editor(at)
    accepted = table[table["Decision"] == "accept"]
    assert len(accepted) and (accepted["Given label"] != accepted["Suggested label"]).all()
    at.button(key="labels_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (child,) = [r for r in store.list_datasets() if r.id != dataset_id]
    assert at.session_state["labels_dataset"] == child.id and at.query_params["dataset"] == child.id
    lineage = child.meta["lineage"]
    assert lineage["parent"] == dataset_id and lineage["changes"]
    (success,) = [s.value for s in at.success]
    assert success.startswith("Saved ‘reviews · v2’: ") and f"{len(lineage['protected_test_rows'])} decisions on test" in success
    fixed = library.load_frame(child.id)
    for change in lineage["changes"]:
        assert fixed["label"].iloc[change["row"]] == change["after"] != parent_before["label"].iloc[change["row"]]
    pd.testing.assert_frame_equal(library.load_frame(dataset_id), parent_before)  # the parent is untouched
    assert any(m.value.startswith("reviews → **reviews") for m in at.markdown)  # lineage: parent → this
    diff = next(d.value for d in at.dataframe if "Before" in d.value.columns)
    assert len(diff) == len(lineage["changes"]) and set(diff["Change"]) == {"relabelled"}
    assert any("Train a run on ‘reviews’ first" in i.value for i in at.info)  # no run on the parent to retrain


def test_retraining_queues_the_parent_runs_settings_and_links_to_compare():
    dataset_id = _checked()
    config = RunConfig(dataset_id=dataset_id, model="tiny-random-bert", max_steps=7, seed=3)
    original = store.create_run(config.to_dict(), name="baseline", dataset_id=dataset_id, status="completed")
    at = _labels(dataset=dataset_id)
    assert at.selectbox(key=f"labels_split_run_{dataset_id}").value == original.id
    at.button(key="labels_accept_all").click().run()
    at.button(key="labels_save").click().run()
    (child,) = [r for r in store.list_datasets() if r.id != dataset_id]
    assert child.meta["lineage"]["split"]["seed"] == 3  # the version keeps the original run's split
    at.button(key=f"labels_retrain_{child.id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (run,) = store.list_runs(dataset_id=child.id)
    assert run.status == "queued" and run.info["label_fix_of"] == original.id
    assert run.config["max_steps"] == 7 and run.config["seed"] == 3 and run.config["dataset_id"] == child.id
    assert any(f"Run {run.id} is queued" in s.value for s in at.success)
    at.run()  # the links to the new run and to Compare with both runs stay
    links = {link.proto.page: link.proto.query_string for link in at.get("page_link")}
    assert links["runs"] == f"run={run.id}" and links["compare"] == f"runs={original.id}%2C{run.id}", links


def test_a_multi_label_dataset_gets_a_sentence_instead_of_a_check():
    df = pd.DataFrame({"text": [f"text number {i}" for i in range(20)], "label": ["a|b", "a", "b", "b|c"] * 5})
    dataset_id = library.save_frame(df, name="tags", task=Task(target="multi_label")).id
    at = _labels(dataset=dataset_id)
    assert [i.value for i in at.info] == [_t("en", "labels.single_label_only", kind=_t("en", "task.short.multi_label"))]
    assert not any(b.key == "labels_start" for b in at.button) and not at.metric


def test_the_label_check_in_chinese_has_no_english_left():
    dataset_id = _checked(name="影评")
    at = _labels("zh", dataset=dataset_id)
    assert at.title[0].value == "标签检查"
    assert any(m.label == "可能标错的行（共 120 行）" for m in at.metric)
    texts = library.load_frame(dataset_id)["text"].tolist()
    data = ["影评", dataset_id, "tfidf-logreg", "tfidf\\-logreg", "positive", "negative", *texts]
    left = english_leftovers(at, data=data)
    assert left == [], left
    at.button(key="labels_accept_all").click().run()
    at.button(key="labels_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    child = next(r for r in store.list_datasets() if r.id != dataset_id)
    left = english_leftovers(at, data=[*data, child.name, child.id])
    assert left == [], left


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_data_library_links_a_version_to_the_label_check(language):
    from core.quality import versions

    dataset_id = library.save_frame(sentiment_sample(60), name="reviews").id
    decisions = pd.DataFrame({"row": [1, 2], "action": ["relabel", "exclude"], "label": ["positive", ""]})
    version = versions.apply_decisions(dataset_id, decisions, change_test=True)
    changes = len(version.changes)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = language
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    (link,) = [link for link in at.get("page_link") if link.proto.page == "labels"]
    assert link.proto.query_string == f"dataset={version.record.id}"
    from pages.components.safe_text import escape_markdown

    assert link.proto.label == _t(language, "labels.library.version", name=escape_markdown(version.record.name),
                                  parent="reviews", changes=changes)


def test_thorough_mode_starts_with_the_chosen_model_shows_progress_then_the_failure(monkeypatch):
    """Start passes the fold runs' settings; a running check shows its progress and Stop; a failed one its reason."""
    import os

    from core.i18n import message

    started, stopped = [], []

    def fake_start(dataset_id, mode, *, base=None, seed=0):
        started.append((mode, base))
        return findings.write_status(dataset_id, mode, state="running", progress=0.4, phase="folds", fold_runs=["r1"],
                                     pid=os.getpid(), pid_started_at=jobs.process_start_time(os.getpid()))

    monkeypatch.setattr(job, "start", fake_start)
    monkeypatch.setattr(job, "stop", lambda dataset_id, mode: stopped.append(mode) or findings.write_status(
        dataset_id, mode, state="failed", error=findings.stored_sentence(message("error.quality.one_class"))))
    dataset_id = library.save_frame(sentiment_sample(40), name="reviews").id
    at = _labels("zh", dataset=dataset_id)
    at.radio(key="labels_mode").set_value("thorough").run()
    assert at.text_input(key="labels_model").value == RunConfig().model
    at.text_input(key="labels_model").set_value("tiny-random-bert").run()
    at.number_input(key="labels_epochs").set_value(2.0).run()
    at.button(key="labels_start").click().run()
    ((mode, base),) = started
    assert mode == "thorough" and base.model == "tiny-random-bert" and base.epochs == 2.0 and base.dataset_id == dataset_id
    (bar,) = at.get("progress")
    assert bar.proto.text == "正在训练折运行：40%" and any(c.value == "折运行：r1" for c in at.caption)
    at.button(key="labels_stop").click().run()
    assert stopped == ["thorough"]
    assert [e.value for e in at.error] == [_t("zh", "error.quality.one_class")]


@pytest.mark.parametrize("agreement, warned", [(0.63, True), (0.83, False)])
def test_a_weak_checking_model_is_called_out(agreement, warned):
    dataset_id = _checked()
    rows, summary = findings.load_result(dataset_id, "fast")
    findings.save_result(dataset_id, "fast", rows, {**summary, "out_of_fold_agreement": agreement})
    at = _labels(dataset=dataset_id)
    sentence = _t("en", "labels.results.weak_model", share=agreement)
    assert (sentence in [w.value for w in at.warning]) is warned
