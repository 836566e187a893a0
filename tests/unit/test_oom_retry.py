"""Out-of-memory: what counts as one, how a worker hands the retry to the scheduler, and evaluation that steps down."""

from __future__ import annotations

import numpy as np
import pytest

from core import paths, store
from core.config import RunConfig
from core.errors import OOM_EXIT_CODE, OOM_MARKER
from core.jobs import queue as jobs
from core.train import finish, oom, worker


class OutOfMemoryError(RuntimeError):
    """Stands in for torch.OutOfMemoryError (the detector goes by the name, not the class)."""


def _chained(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer from exc
    except BaseException as exc:
        return exc


DETECTOR_CASES = [
    (MemoryError(), True),
    (OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 14.75 GiB total capacity)"), True),
    (RuntimeError("MPS backend out of memory (MPS allocated: 8.00 GB)"), True),
    (RuntimeError("CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`"), True),
    (RuntimeError("cuDNN error: CUDNN_STATUS_ALLOC_FAILED"), True),
    (RuntimeError("NCCL error in: ProcessGroupNCCL.cpp:1970, unhandled cuda error (run with NCCL_DEBUG=INFO for "
                  "details), NCCL version 2.21.5\nncclUnhandledCudaError: Call to CUDA function failed.\n"
                  "Last error:\nCuda failure 2 'out of memory'"), True),
    (RuntimeError("NCCL WARN Failed to CUDA calloc 6291456 bytes"), True),
    (RuntimeError("CUDA error: cudaErrorMemoryAllocation"), True),
    (_chained(RuntimeError("DataLoader worker exited"), MemoryError()), True),  # raised from an OOM
    (RuntimeError("CUDA error: device-side assert triggered"), False),
    (RuntimeError("NCCL error: remote process exited or there was a network error"), False),
    (ValueError("Expected input batch_size (8) to match target batch_size (4)."), False),
    (KeyboardInterrupt(), False),
]


@pytest.mark.parametrize(("exc", "expected"), DETECTOR_CASES, ids=[str(i) for i in range(len(DETECTOR_CASES))])
def test_out_of_memory_detector(exc, expected):
    assert oom.is_out_of_memory(exc) is expected


def _running_run(batch_size: int = 16, accumulation: int = 1) -> store.Run:
    config = RunConfig(dataset_id="x", model="tiny-random-bert", batch_size=batch_size,
                       gradient_accumulation=accumulation)
    run = store.create_run(config.to_dict(), name="r", dataset_id=None, status="running", info={"cli": "x"})
    paths.run_dir(run.id).mkdir(parents=True, exist_ok=True)
    store.update_run(run.id, pid=12345)
    return run


def test_arrange_retry_halves_the_batch_once_and_leaves_the_marker():
    run = _running_run(16, 2)
    assert oom.arrange_retry(run.id, MemoryError())
    assert oom.arrange_retry(run.id, MemoryError())  # a second rank: the retry is arranged already, no 2nd halving
    after = store.require_run(run.id)
    assert (after.config["batch_size"], after.config["gradient_accumulation"]) == (8, 4)  # same effective batch
    assert [(r["from_batch_size"], r["to_batch_size"]) for r in after.info["oom_retries"]] == [(16, 8)]
    assert after.info["cli"] == "x" and after.status == "running"
    assert (paths.run_dir(run.id) / OOM_MARKER).is_file()


def test_arrange_retry_at_batch_one_gives_up():
    run = _running_run(1)
    assert not oom.arrange_retry(run.id, MemoryError())
    assert not (paths.run_dir(run.id) / OOM_MARKER).exists()


@pytest.fixture
def quiet_worker(monkeypatch):
    """worker.main without its train.log handler on the root logger and without a SIGTERM handler in pytest."""
    monkeypatch.setattr(worker, "_setup_logging", lambda run_id: None)
    monkeypatch.setattr(worker.signal, "signal", lambda *a: None)


def test_worker_exits_with_the_oom_code_instead_of_retrying_in_process(monkeypatch, quiet_worker):
    run = _running_run(16)
    calls = []

    def train_run(run_id, stop):
        calls.append(store.require_run(run_id).config["batch_size"])
        raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(worker, "train_run", train_run)
    assert worker.main(run.id) == OOM_EXIT_CODE
    assert calls == [16]  # no second attempt in this process
    after = store.require_run(run.id)
    assert after.status == "running" and after.config["batch_size"] == 8 and not after.error

    # The scheduler reaps the worker: the run is queued again (a fresh process), not failed.
    assert jobs.mark_crashed(after, OOM_EXIT_CODE)
    queued = store.require_run(run.id)
    assert queued.status == "queued" and queued.pid is None and queued.error is None
    assert not (paths.run_dir(run.id) / OOM_MARKER).exists()


def test_another_ranks_marker_turns_rank_zeros_broken_collective_into_a_retry(monkeypatch, quiet_worker):
    """Under torchrun rank 1's OOM reaches rank 0 as a gloo/NCCL error; torchrun then exits 1 for the whole run."""
    run = _running_run(16)

    def train_run(run_id, stop):
        oom.arrange_retry(run_id, MemoryError())  # what rank 1 does before exiting
        raise RuntimeError("[../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection closed by peer")

    monkeypatch.setattr(worker, "train_run", train_run)
    assert worker.main(run.id) == OOM_EXIT_CODE
    assert jobs.mark_crashed(store.require_run(run.id), 1)  # torchrun's exit code
    assert store.require_run(run.id).status == "queued"


def test_a_helper_rank_out_of_memory_at_batch_one_fails_the_run_with_the_sentence(monkeypatch, quiet_worker):
    run = _running_run(1)
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("RANK", "1")

    def train_run(run_id, stop):
        raise OutOfMemoryError("CUDA out of memory.")

    monkeypatch.setattr(worker, "train_run", train_run)
    assert worker.main(run.id) == 1
    failed = store.require_run(run.id)
    assert failed.status == "failed" and "ran out of memory even with a batch size of 1" in failed.error


def test_a_crash_without_marker_still_fails_and_a_stop_wins_over_a_retry():
    run = _running_run(16)
    assert jobs.mark_crashed(run, -9)
    assert store.require_run(run.id).status == "failed"
    stopping = _running_run(16)
    store.update_run(stopping.id, stop_requested_at=1.0)
    oom.arrange_retry(stopping.id, MemoryError())
    assert jobs.mark_crashed(store.require_run(stopping.id), OOM_EXIT_CODE)
    assert store.require_run(stopping.id).status == "stopped"
    assert not (paths.run_dir(stopping.id) / OOM_MARKER).exists()


def _fake_predict(limit: int, seen: list):
    """predict_proba that runs out of memory for batches above ``limit`` anywhere but on the CPU."""

    def predict(model, tokenizer, texts, *, batch_size, device, **kwargs):
        seen.append((batch_size, str(device)))
        if batch_size > limit and str(device) != "cpu":
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB")
        return np.full((len(texts), 2), 0.5, dtype=np.float32)

    return predict


def test_evaluation_halves_the_batch_on_out_of_memory(monkeypatch):
    seen: list = []
    monkeypatch.setattr(finish, "predict_proba", _fake_predict(16, seen))
    evaluator = finish.EvaluationModel(object(), None, max_length=32, device="cuda:0")
    assert evaluator.predict(["a", "b", "c"]).shape == (3, 2)
    assert seen == [(64, "cuda:0"), (32, "cuda:0"), (16, "cuda:0")]
    assert evaluator.batch_size == 16 and evaluator.step_downs == ["batch size 32", "batch size 16"]


def test_evaluation_moves_to_the_cpu_when_even_batch_one_does_not_fit(monkeypatch):
    import torch

    seen: list = []
    monkeypatch.setattr(finish, "predict_proba", _fake_predict(0, seen))
    model = torch.nn.Linear(2, 2)
    evaluator = finish.EvaluationModel(model, None, max_length=32, device="cuda:0", batch_size=2)
    evaluator.predict(["a"])
    assert seen == [(2, "cuda:0"), (1, "cuda:0"), (64, "cpu")]
    assert evaluator.on_cpu and evaluator.step_downs[-1] == "the CPU"


def test_evaluation_gives_up_on_other_errors_and_on_the_cpu_at_batch_one(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("not memory")

    monkeypatch.setattr(finish, "predict_proba", broken)
    with pytest.raises(ValueError):
        finish.EvaluationModel(object(), None, max_length=32, device="cuda:0").predict(["a"])

    def always_oom(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(finish, "predict_proba", always_oom)
    with pytest.raises(MemoryError):
        finish.EvaluationModel(object(), None, max_length=32, device="cpu").predict(["a"])


def test_finish_saves_the_model_first_and_an_out_of_memory_in_the_test_split_keeps_the_run(monkeypatch):
    from transformers import TrainerCallback

    from core.train import run as training
    from core.train import trainer
    from tests.conftest import save_sample

    # Without calibration: its validation predictions come before the save by design (the temperature is folded
    # into the saved weights), and would be the first calls here.
    config = RunConfig(dataset_id=save_sample(120), model="tiny-random-bert", max_steps=1, calibrate=False)
    run = store.create_run(config.to_dict(), name="r", dataset_id=config.dataset_id, status="running")
    run_dir = paths.run_dir(run.id)
    run_dir.mkdir(parents=True, exist_ok=True)
    prep = training.prepare(config)
    built = trainer.build_trainer(prep, run_dir, TrainerCallback())
    real, calls = finish.predict_proba, []

    def flaky(model, tokenizer, texts, *, batch_size=64, **kwargs):
        calls.append((batch_size, (run_dir / "model" / "config.json").is_file()))
        if batch_size > 16:
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB")
        return real(model, tokenizer, texts, batch_size=batch_size, **kwargs)

    monkeypatch.setattr(finish, "predict_proba", flaky)
    quick = finish.latency.measure
    monkeypatch.setattr(finish.latency, "measure", lambda *a, **k: quick(*a, **k, n_single=3))  # speed is not tested
    final = finish.finish_run(prep, built, run.id, run_dir, 1.0)
    assert calls[0] == (64, True)  # the trained model was on disk before the test split was predicted
    assert [b for b, _ in calls[:3]] == [64, 32, 16]  # stepped down, not re-trained
    assert 0.0 <= final["accuracy"] <= 1.0 and (run_dir / "report.json").is_file()
    assert store.require_run(run.id).info["evaluation_step_downs"] == ["batch size 32", "batch size 16"]
