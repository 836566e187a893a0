"""The run page's TensorBoard/MLflow expander: shown only for a run that was logged somewhere, with the command that
opens TensorBoard and a link (tracking server) or the store and id (file store) of its MLflow run."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n, paths, store
from core.config import RunConfig
from core.train import tracking
from tests.conftest import ROOT, save_sample


def _page(run_id: str, language: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = language
    at.switch_page("pages/runs.py")
    at.query_params["run"] = run_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _run(**info) -> store.Run:
    dataset = save_sample(40)
    return store.create_run(RunConfig(dataset_id=dataset).to_dict(), name="r", dataset_id=dataset, status="failed",
                            info={"dataset_name": "d", **info})


def _expander_titles(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_logged_run_says_where_to_see_it(language):
    run = _run(mlflow={"tracking_uri": "file:///tmp/mlruns", "experiment_id": "1", "run_id": "abc123"})
    folder = tracking.tensorboard_dir(run.id)
    folder.mkdir(parents=True)
    (folder / "events.out.tfevents.1.host").write_bytes(b"")
    at = _page(run.id, language)
    assert i18n.translate(language, "runs.tracking.title") in _expander_titles(at)
    assert f"tensorboard --logdir {paths.home() / 'runs'}" in [c.value for c in at.code]
    assert any("abc123" in c.value for c in at.caption)


def test_a_tracking_server_gets_a_link():
    run = _run(mlflow={"tracking_uri": "http://mlflow.local:5000", "experiment_id": "7", "run_id": "r9"})
    at = _page(run.id)
    buttons = at.get("link_button")
    assert [b.proto.url for b in buttons] == ["http://mlflow.local:5000/#/experiments/7/runs/r9"]


def test_a_run_logged_nowhere_has_no_tracking_expander():
    at = _page(_run().id)
    assert i18n.translate("en", "runs.tracking.title") not in _expander_titles(at)


@pytest.mark.parametrize(("uri", "installed", "says"), [
    ("", True, "start Tuneboard with `TUNEBOARD_MLFLOW_URI` set"),
    ("file:///tmp/mlruns", False, "MLflow is not installed here"),
    ("file:///tmp/mlruns", True, "queued before `TUNEBOARD_MLFLOW_URI` was set"),
])
def test_a_run_not_in_mlflow_says_how_to_get_runs_there(monkeypatch, uri, installed, says):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlflow" and not installed else real(name, *a))
    monkeypatch.setenv(tracking.MLFLOW_URI_ENV, uri)
    run = _run()
    folder = tracking.tensorboard_dir(run.id)
    folder.mkdir(parents=True)
    (folder / "events.out.tfevents.1.host").write_bytes(b"")
    at = _page(run.id)
    captions = [c.value for c in at.caption]
    assert any(says in c for c in captions), captions
