"""A run's failure sentence is kept with its catalogue key: the CLI reads the English, the UI shows it in Chinese."""

import pytest

from core import store
from core.errors import RunError
from core.i18n import localize, message
from core.jobs import queue as jobs
from core.train.worker import explain


def _failed_run(error) -> store.Run:
    run = store.create_run({"model": "m"}, name="r", dataset_id=None)
    store.transition(run.id, ["queued"], "running")
    store.transition(run.id, ["running"], "failed", error=error)
    return store.require_run(run.id)


def test_a_message_error_reads_back_as_english_with_its_key():
    run = _failed_run(message("error.run.crashed", how=jobs.exit_message(-9)))
    assert run.error == "The training process ended unexpectedly (killed by signal 9 (SIGKILL)); resume the run or start it again."
    assert localize(run.error_message, "zh") == "训练进程意外结束（被信号 9（SIGKILL）终止）；请恢复该运行或重新开始。"
    assert localize(run.error_message, "en") == run.error


def test_a_plain_text_error_from_an_older_version_stays_as_it_is():
    run = _failed_run("Something odd happened; start the run again.")
    assert run.error == "Something odd happened; start the run again." and run.error_message is None
    assert store.require_run(run.id).error == run.error
    assert _failed_run(None).error is None


def test_worker_failures_become_catalogue_sentences():
    crashed = explain(ValueError("bad value\nsecond line"))
    assert str(crashed) == "Training failed with ValueError: bad value (the full traceback is in the run's log)."
    assert crashed.in_language("zh").startswith("训练失败，错误类型 ValueError：bad value")
    oom = explain(RuntimeError("CUDA out of memory. Tried to allocate 2 GiB"))
    assert "ran out of memory" in str(oom) and "内存不足" in oom.in_language("zh")


def test_run_errors_raised_in_core_carry_their_message():
    run = store.create_run({"model": "m"}, name="r", dataset_id=None)
    with pytest.raises(RunError) as caught:
        jobs.delete_run(run.id)
    assert str(caught.value) == f"Run {run.id} is queued; stop or cancel it before deleting."
    assert localize(caught.value, "zh") == f"运行 {run.id} 的状态是「排队中」；请先停止或取消再删除。"
    with pytest.raises(RunError) as missing:
        store.require_run("nope")
    assert "没有运行「nope」" in localize(missing.value, "zh")
    assert localize(ValueError("plain"), "zh") == "plain"  # an exception without a message shows its text


def test_a_background_job_that_died_says_so_in_the_ui_language(tmp_path):
    import json

    from core.serve import predict

    status_file, pid_file = tmp_path / "progress.json", tmp_path / "worker.pid"
    status_file.write_text(json.dumps({"state": "running", "created_at": 0}))
    pid_file.write_text("999999999")  # no such process
    status = predict.background_state(status_file, pid_file, message("error.job.prediction_ended"))
    assert status["state"] == "failed"
    assert status["error"] == "The prediction process ended unexpectedly; start the prediction again."
    assert localize(status["error_message"], "zh") == "预测进程意外结束；请重新开始预测。"
    assert "error_message" not in predict.failure_fields("plain words")
