"""A tiny run through the real queue and worker is logged to TensorBoard and, with TUNEBOARD_MLFLOW_URI, to MLflow.

One run serves both tests (trained once per module).  Reading the logs back needs requirements-cluster.txt (the
TensorBoard viewer package and mlflow-skinny), which `make test` and CI install; without them the tests say so and skip.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from core import store
from core.train import tracking
from tests.conftest import module_workspace, train_tiny_in

pytestmark = pytest.mark.integration

HAS_MLFLOW = importlib.util.find_spec("mlflow") is not None
STEPS, EVAL_STEPS = 10, 5  # train_tiny_in trains 10 steps


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> tuple[Path, str, str]:
    """(workspace, run id, MLflow URI) of one tiny run with validation every EVAL_STEPS steps."""
    home = tmp_path_factory.mktemp("tracking") / "workspace"
    uri = (home.parent / "mlruns").as_uri()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("TUNEBOARD_TENSORBOARD", raising=False)
        if HAS_MLFLOW:
            mp.setenv("TUNEBOARD_MLFLOW_URI", uri)
            mp.setenv("TUNEBOARD_MLFLOW_EXPERIMENT", "tuneboard-tests")
            mp.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # this process reads the file store back
        run_id = train_tiny_in(home, models_dir, rows=200, eval_strategy="steps",
                               eval_steps=EVAL_STEPS, early_stopping_patience=0, name="tracked tiny run")
    return home, run_id, uri


def test_the_run_writes_tensorboard_scalars_and_hparams(tracked, models_dir):
    pytest.importorskip("tensorboard", reason="reading event files needs the tensorboard package "
                        "(pip install -r requirements-cluster.txt)")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import metadata

    home, run_id, _ = tracked
    with module_workspace(home, models_dir):
        folder, run = tracking.tensorboard_dir(run_id), store.require_run(run_id)
        assert folder == home / "runs" / run_id / "tensorboard" and tracking.has_tensorboard(run_id)
    events = EventAccumulator(str(folder))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"train/loss", "train/learning_rate", "train/grad_norm", "validation/loss", "validation/accuracy",
            "validation/f1_macro", "test/accuracy", "test/f1_macro"} <= tags
    assert [e.step for e in events.Scalars("train/loss")] == list(range(1, STEPS + 1))  # logged every step here
    assert [e.step for e in events.Scalars("validation/accuracy")] == [EVAL_STEPS, 2 * EVAL_STEPS]
    [test_accuracy] = events.Scalars("test/accuracy")
    assert test_accuracy.step == STEPS and test_accuracy.value == pytest.approx(run.final_metrics["accuracy"])
    assert len(events.Scalars("train/learning_rate")) == STEPS

    hparams = events.PluginTagToContent("hparams")
    start = metadata.parse_session_start_info_plugin_data(hparams[metadata.SESSION_START_INFO_TAG])
    assert start.hparams["model"].string_value == "tiny-random-bert"
    assert start.hparams["max_steps"].number_value == STEPS
    assert start.hparams["learning_rate"].number_value == pytest.approx(run.config["learning_rate"])
    end = metadata.parse_session_end_info_plugin_data(hparams[metadata.SESSION_END_INFO_TAG])
    assert end.status == 1  # STATUS_SUCCESS


@pytest.mark.skipif(not HAS_MLFLOW, reason="mlflow is not installed (pip install -r requirements-cluster.txt; CI does)")
def test_the_run_is_logged_to_mlflow_with_params_step_metrics_and_the_model(tracked, models_dir, monkeypatch):
    from mlflow import MlflowClient

    home, run_id, uri = tracked
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    with module_workspace(home, models_dir):
        run = store.require_run(run_id)
    logged = run.info["mlflow"]
    assert logged["tracking_uri"] == uri and tracking.mlflow_run_url(run) is None  # a folder has no web page
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("tuneboard-tests")
    assert experiment is not None and experiment.experiment_id == logged["experiment_id"]
    [found] = client.search_runs([experiment.experiment_id])
    assert found.info.run_id == logged["run_id"] and found.info.status == "FINISHED"
    assert found.info.run_name == run.name == "tracked tiny run"
    assert found.data.tags["tuneboard_run_id"] == run_id and found.data.tags["dataset"] == run.info["dataset_name"]
    params = found.data.params
    assert params["model"] == "tiny-random-bert" and float(params["learning_rate"]) == run.config["learning_rate"]
    assert params["max_steps"] == str(STEPS) and "resume_from" not in params

    loss = client.get_metric_history(found.info.run_id, "train/loss")
    assert sorted(m.step for m in loss) == list(range(1, STEPS + 1))
    assert client.get_metric_history(found.info.run_id, "train/learning_rate")
    assert sorted(m.step for m in client.get_metric_history(found.info.run_id, "validation/accuracy")) == \
        [EVAL_STEPS, 2 * EVAL_STEPS]
    assert found.data.metrics["test/accuracy"] == pytest.approx(run.final_metrics["accuracy"])
    assert found.data.metrics["test/f1_macro"] == pytest.approx(run.final_metrics["f1_macro"])

    artifacts = {a.path for a in client.list_artifacts(found.info.run_id)}
    assert {"model", "report.json"} <= artifacts
    model_files = {Path(a.path).name for a in client.list_artifacts(found.info.run_id, "model")}
    assert {"config.json", "model.safetensors"} <= model_files
