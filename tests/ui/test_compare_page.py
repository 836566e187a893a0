"""AppTest of the Compare page (preselection by ?runs= or session state, every section, leaderboard,
one-click baseline) and of the run-management and run-table components."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bench.bench_compare import fabricate_run
from core import store
from core.config import RunConfig
from tests.conftest import ROOT, save_sample


def _compare(*, runs: list[str] | None = None, query: list[str] | None = None) -> AppTest:
    """The Compare page; preselect with session state (``runs``) or the ?runs= query parameter (``query``)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    if runs is not None:
        at.session_state["compare_runs"] = runs
    if query is not None:
        at.query_params["runs"] = ",".join(query)
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_empty_workspace_says_what_to_do():
    at = _compare()
    assert any("No runs yet" in t for t in _texts(at.info))


def test_fewer_than_two_runs_asks_for_more():
    run = fabricate_run(name="only")
    at = _compare(runs=[run.id])
    assert [m.label for m in at.multiselect] == ["Runs to compare"]
    assert any("Pick at least two runs" in t for t in _texts(at.info))
    assert "Loss curves" not in _texts(at.subheader)


def test_two_runs_preselected_by_session_state_show_every_section():
    a = fabricate_run(name="A", accuracy=0.7, seed=1)
    b = fabricate_run(name="B", accuracy=0.9, seed=2, n_steps=300, config={"learning_rate": 1e-4})
    at = _compare(runs=[a.id, b.id])
    assert at.multiselect(key="compare_runs").value == [a.id, b.id]
    assert "Loss curves" in _texts(at.subheader)
    assert [t.label for t in at.tabs] == ["Curves", "Metrics", "Settings", "Per class", "Confusion matrices", "Hyperparameters", "Disagreements"]
    charts = at.get("plotly_chart")
    assert len(charts) >= 6  # loss, validation metric, per class, 2 confusion matrices, parallel coordinates
    assert not at.warning  # same dataset and labels: everything aligns
    assert any("disagree on" in t for t in _texts(at.caption))
    # The x axis and the reference run can be changed.
    at.radio(key="cmp_x").set_value("epoch").run()
    at.selectbox(key="cmp_reference").set_value(b.id).run()
    assert not at.exception
    assert at.query_params["runs"] == f"{a.id},{b.id}"  # the choice is in the URL, so it can be shared


def test_runs_preselected_by_query_parameter():
    runs = [fabricate_run(name=f"r{i}", seed=i) for i in range(3)]
    at = _compare(query=[runs[2].id, runs[0].id, "deleted-run"])
    assert at.multiselect(key="compare_runs").value == [runs[2].id, runs[0].id]
    assert "Loss curves" in _texts(at.subheader)


def test_runs_with_different_label_sets_say_so():
    a = fabricate_run("ds-a", name="binary", seed=1)
    b = fabricate_run("ds-b", name="three-way", labels=("neg", "neutral", "pos"), seed=2)
    at = _compare(runs=[a.id, b.id])
    warnings = _texts(at.warning)
    assert "Confusion matrices cannot be aligned because the runs have different label sets." in warnings
    assert "The test examples cannot be aligned because the runs were trained on different datasets." in warnings


def test_leaderboard_view():
    fabricate_run("ds-a", name="a-run", dataset_name="reviews", accuracy=0.8)
    fabricate_run("ds-b", name="b-run", dataset_name="tickets", accuracy=0.7, seed=1)
    at = _compare()
    at.segmented_control(key="compare_view_mode").set_value("Leaderboard").run()
    assert not at.exception
    assert _texts(at.subheader) == ["reviews", "tickets"]
    at.selectbox(key="leaderboard_metric").set_value("log_loss").run()
    assert not at.exception


def test_one_click_baseline_joins_the_comparison():
    dataset_id = save_sample(200)
    source = store.create_run(RunConfig(dataset_id=dataset_id, model="tiny-random-bert").to_dict(), name="source",
                              dataset_id=dataset_id, status="completed", info={"dataset_name": "sst2"})
    at = _compare(runs=[source.id])
    at.selectbox(key="compare_baseline_source").set_value(source.id)
    at.button(key="compare_baseline_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (base,) = [r for r in store.list_runs() if r.info.get("kind") == "baseline"]
    assert at.multiselect(key="compare_runs").value == [source.id, base.id]
    assert any("Baseline run" in t for t in _texts(at.success))
    assert "Loss curves" in _texts(at.subheader)


# ---------------------------------------------------------------------------- run management components
def _manage_app(root: str, run_ids: list[str], bulk: bool) -> None:
    import sys

    sys.path.insert(0, root)
    from core import store
    from pages.components import run_manage

    runs = [r for r in (store.get_run(i) for i in run_ids) if r]
    if bulk:
        run_manage.render_bulk(runs)
    elif runs:
        run_manage.render(runs[0])


def _manage(run_ids: list[str], bulk: bool = False) -> AppTest:
    at = AppTest.from_function(_manage_app, args=(str(ROOT), run_ids, bulk), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_rename_tag_and_annotate_a_run():
    run = fabricate_run(name="old name")
    at = _manage([run.id])
    at.text_input(key=f"manage_name_{run.id}").set_value("new name")
    at.text_input(key=f"manage_tags_{run.id}").set_value("keep, lora")
    at.text_area(key=f"manage_notes_{run.id}").set_value("try a lower learning rate")
    at.button[0].click().run()  # the form's "Save changes"
    assert not at.exception
    saved = store.require_run(run.id)
    assert (saved.name, saved.tags, saved.notes) == ("new name", ["keep", "lora"], "try a lower learning rate")
    at.text_input(key=f"manage_name_{run.id}").set_value("  ")
    at.button[0].click().run()
    assert any("needs a name" in t for t in _texts(at.error))


def test_delete_asks_first_then_removes_everything():
    run = fabricate_run(name="doomed <b>bold</b>")
    at = _manage([run.id])
    at.button(key=f"manage_delete_{run.id}").click().run()
    assert store.get_run(run.id) is not None  # nothing happens before the confirmation
    assert any("cannot be undone" in t and "\\<b\\>" in t for t in _texts(at.warning))  # the name is escaped, not HTML
    at.button(key=f"manage_delete_no_{run.id}").click().run()
    assert not at.warning and store.get_run(run.id) is not None
    at.button(key=f"manage_delete_{run.id}").click().run()
    at.button(key=f"manage_delete_yes_{run.id}").click().run()
    assert not at.exception
    assert store.get_run(run.id) is None and len(store.metric_points(run.id)) == 0


def test_active_run_cannot_be_deleted_from_the_ui():
    run = store.create_run({"model": "m"}, name="busy", dataset_id="ds-a", status="running")
    at = _manage([run.id])
    assert not [b for b in at.button if b.key == f"manage_delete_{run.id}"]
    assert any("Stop or cancel" in t for t in _texts(at.caption))


def test_bulk_tag_and_delete():
    runs = [fabricate_run(name=f"r{i}", seed=i) for i in range(3)]
    keep = fabricate_run(name="keep", seed=9)
    ids = [r.id for r in runs]
    at = _manage(ids, bulk=True)
    next(t for t in at.text_input if t.label == "Add tags to the selected runs").set_value("sweep").run()
    next(b for b in at.button if b.label == "Add tags").click().run()
    assert all(store.require_run(i).tags == ["sweep"] for i in ids)
    next(b for b in at.button if b.label == "Delete 3 runs…").click().run()
    assert all(store.get_run(i) for i in ids)
    next(b for b in at.button if b.label == "Yes, delete 3 runs").click().run()
    assert not at.exception
    assert [r.id for r in store.list_runs()] == [keep.id]


def _table_app(root: str) -> None:
    import sys

    sys.path.insert(0, root)
    import streamlit as st

    from core import store
    from pages.components import run_table

    shown = run_table.filter_bar(store.list_runs())
    st.session_state["shown"] = [r.id for r in shown]
    st.session_state["picked"] = run_table.select_runs(shown)
    run_table.compare_link(st.session_state["picked"])


def test_run_table_filter_bar():
    a = fabricate_run("ds-a", name="on reviews", dataset_name="reviews", with_files=False)
    b = fabricate_run("ds-b", name="on tickets", dataset_name="tickets", seed=1, with_files=False)
    at = AppTest.from_function(_table_app, args=(str(ROOT),), default_timeout=60).run()
    assert not at.exception
    assert set(at.session_state["shown"]) == {a.id, b.id} and at.session_state["picked"] == []
    at.multiselect(key="runs_filter_datasets").set_value(["tickets"]).run()
    assert at.session_state["shown"] == [b.id]
    assert any("1 of 2 runs" in t for t in _texts(at.caption))
    at.multiselect(key="runs_filter_datasets").set_value([]).run()
    at.text_input(key="runs_filter_text").set_value("REVIEWS").run()
    assert at.session_state["shown"] == [a.id]


def test_a_baseline_is_left_out_of_the_curves_with_a_caption_but_kept_in_the_tables():
    import json

    a = fabricate_run(name="A", seed=1)
    base = fabricate_run(name="TF-IDF base", seed=2, n_steps=1, eval_every=1)
    store.update_run(base.id, info={**base.info, "kind": "baseline"})
    at = _compare(runs=[a.id, base.id])
    assert any("Baselines have no training curve" in t and "TF\\-IDF base" in t for t in _texts(at.caption))
    loss = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert {t["name"] for t in loss["data"]} == {"A · train", "A · validation"}
    assert "TF-IDF base" in at.dataframe[0].value.columns  # still in the metric table
