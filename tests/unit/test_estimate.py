"""The run-time estimate: the arithmetic, the choice of history or prior, and measuring stored runs (exact numbers)."""

from __future__ import annotations

import pandas as pd
import pytest

from core import store
from core.config import RunConfig
from core.data import library as datasets
from core.train import estimate
from core.train.estimate import Measured, Workload

WORK = Workload(train_rows=100, validation_rows=20, test_rows=30, tokens_per_text=10.0)
# epochs=1, batch 10 → 10 steps, 1 validation pass.  In the loop: 10 steps × 10 texts × 10 tokens = 1,000 units;
# after it: (20 validation + 30 test × (1 clean + 5 robustness passes)) × 10 tokens / 3 = 2,000 / 3 units.
CONFIG = RunConfig(dataset_id="d", model="all-MiniLM-L6-v2", epochs=1.0, batch_size=10)
UNITS = 1000 + 2000 / 3


def _m(tokens_per_s: float, overhead_s: float, *, model: str = "all-MiniLM-L6-v2", kind: str = "cpu",
       peft: str = "none") -> Measured:
    return Measured("r", model, kind, peft, tokens_per_s, overhead_s)


def test_steps_and_evaluations_follow_the_trainer():
    config = RunConfig(epochs=3.0, batch_size=16)
    assert estimate.training_steps(config, 100) == 21  # ceil(100 / 16) = 7 updates per epoch
    assert estimate.evaluations(config, 100, 21) == 3
    assert estimate.training_steps(config.replace(gradient_accumulation=2), 100) == 12  # ceil(7 / 2) = 4 per epoch
    assert estimate.training_steps(config.replace(max_steps=10), 100) == 10
    assert estimate.evaluations(config, 100, 10) == 2  # the cut-short second epoch still ends in a validation pass
    assert estimate.evaluations(config.replace(eval_strategy="steps", eval_steps=5), 100, 21) == 4
    assert estimate.work_units(CONFIG, WORK) == pytest.approx((1000, 2000 / 3))


def test_history_median_of_the_same_model_and_device_kind():
    history = [_m(100, 5), _m(200, 10), _m(400, 30),
               _m(1, 1000, model="bert-base-uncased"), _m(1, 1000, kind="cuda")]  # other model / device: ignored
    result = estimate.estimate(CONFIG, WORK, history, device_kind="cpu")
    assert result.n_runs == 3 and result.steps == 10
    assert result.work_s == pytest.approx(UNITS / 200)  # median speed 200
    assert result.overhead_s == 10  # median overhead
    assert result.seconds == pytest.approx(UNITS / 200 + 10)  # 18.33 s
    assert result.describe() == "≈ 20 s on this CPU (10 steps), from 3 earlier all-MiniLM-L6-v2 runs."


def test_runs_with_the_same_peft_method_are_preferred():
    history = [_m(100, 5), _m(300, 7, peft="lora")]
    lora = estimate.estimate(CONFIG.replace(peft="lora"), WORK, history, device_kind="cpu")
    assert (lora.n_runs, lora.work_s, lora.overhead_s) == (1, pytest.approx(UNITS / 300), 7)
    full = estimate.estimate(CONFIG.replace(peft="adalora"), WORK, history, device_kind="cpu")  # none match: use all
    assert full.n_runs == 2 and full.work_s == pytest.approx(UNITS / 200)


def test_prior_when_there_is_no_earlier_run():
    result = estimate.estimate(CONFIG, WORK, [_m(1, 1, kind="cuda")], device_kind="cpu", cpu_cores=2, cpu_bf16=True)
    assert result.n_runs == 0
    assert result.seconds == pytest.approx(UNITS / 1820 + 20)  # 910 tokens/s per core × 2 cores; 20 s start-up
    assert "a rough guess: no earlier run of all-MiniLM-L6-v2 on this CPU" in result.describe()
    fp32 = estimate.estimate(CONFIG, WORK, [], device_kind="cpu", cpu_cores=4, cpu_bf16=False)
    assert fp32.work_s == pytest.approx(UNITS / 2600)
    bert = estimate.estimate(CONFIG.replace(model="bert-base-uncased"), WORK, [], device_kind="cuda")
    assert bert.seconds == pytest.approx(UNITS / (20_000 / 8) + 30) and "on this GPU" in bert.describe()
    stopping = estimate.estimate(CONFIG.replace(early_stopping_patience=2), WORK, [], device_kind="cpu")
    assert stopping.describe().endswith("early stopping can end it sooner.")


@pytest.mark.parametrize(("seconds", "text"), [(4, "10 s"), (54.7, "50 s"), (239, "4 min"), (3900, "65 min"), (7500, "2 h 05 min")])
def test_format_duration(seconds, text):
    assert estimate.format_duration(seconds) == text


def test_device_kinds():
    assert estimate.device_kind_of("auto", "cuda") == "cuda"
    assert estimate.device_kind_of("cuda:0,1") == "cuda" and estimate.device_kind_of("cpu", "cuda") == "cpu"


def _stored_run(dataset_id: str, *, elapsed: float, total: float, model: str = "all-MiniLM-L6-v2", device: str = "cpu",
                status: str = "completed") -> str:
    config = RunConfig(dataset_id=dataset_id, model=model, epochs=1.0, batch_size=10)
    run = store.create_run(config.to_dict(), name="old", dataset_id=dataset_id, status=status)
    store.update_run(run.id, device=device, started_at=1000.0, finished_at=1000.0 + total,
                     progress={"step": 7, "total_steps": 7, "elapsed_s": elapsed, "samples_per_s": 70 / elapsed},
                     info={"split_sizes": {"train": 70, "validation": 10, "test": 20}})
    return run.id


def test_stored_runs_are_measured_and_used():
    # "good movie" / "bad movie" are 4 MiniLM tokens each ([CLS] word movie [SEP]); 100 rows → 70 / 10 / 20.
    frame = pd.DataFrame({"text": ["good movie", "bad movie"] * 50, "label": ["pos", "neg"] * 50})
    dataset_id = datasets.save_frame(frame, name="tiny").id
    assert estimate.dataset_workload(dataset_id, "all-MiniLM-L6-v2", 128, 0.2, 0.1) == Workload(70, 10, 20, 4.0)
    assert estimate.dataset_workload(dataset_id, "all-MiniLM-L6-v2", 3, 0.2, 0.1).tokens_per_text == 3.0  # cut
    run_id = _stored_run(dataset_id, elapsed=14.0, total=40.0)
    _stored_run(dataset_id, elapsed=1.0, total=2.0, device="cuda:0")  # another device kind
    _stored_run(dataset_id, elapsed=1.0, total=2.0, model="tiny-random-bert")  # another model
    _stored_run(dataset_id, elapsed=1.0, total=2.0, status="failed")  # not completed
    # 7 steps × 10 texts × 4 tokens = 280 units in 14 s → 20 units/s; after the loop (10 + 20 × 6) × 4 / 3 = 173.3
    # units → 8.67 s, so 40 − 14 − 8.67 = 17.33 s of overhead.
    [measured] = estimate.run_history("all-MiniLM-L6-v2", "cpu")
    assert measured.run_id == run_id
    assert measured.tokens_per_s == pytest.approx(20.0) and measured.overhead_s == pytest.approx(40 - 14 - 520 / 3 / 20)

    # Two epochs: 14 steps → 560 units + 1 validation pass inside the loop (10 × 4 / 3) + 173.3 after = 746.7 units.
    result = estimate.estimate_run(RunConfig(dataset_id=dataset_id, epochs=2.0, batch_size=10), auto_device="cpu")
    assert result.seconds == pytest.approx((560 + 40 / 3 + 520 / 3) / 20 + (40 - 14 - 520 / 3 / 20))  # 54.67 s
    assert result.describe() == "≈ 50 s on this CPU (14 steps), from 1 earlier all-MiniLM-L6-v2 run."
    # device=auto on a GPU machine learns from the GPU run only (280 units in 1 s); on an Apple GPU there is none yet.
    gpu = estimate.estimate_run(RunConfig(dataset_id=dataset_id, epochs=2.0, batch_size=10), auto_device="cuda")
    assert gpu.n_runs == 1 and gpu.work_s == pytest.approx((560 + 40 / 3 + 520 / 3) / 280)
    assert estimate.estimate_run(RunConfig(dataset_id=dataset_id), auto_device="mps").n_runs == 0


def test_a_run_with_a_deleted_dataset_is_skipped():
    frame = pd.DataFrame({"text": ["good movie", "bad movie"] * 50, "label": ["pos", "neg"] * 50})
    other = pd.DataFrame({"text": ["a fine movie", "a bad movie"] * 50, "label": ["pos", "neg"] * 50})
    kept, gone = datasets.save_frame(frame, name="kept").id, datasets.save_frame(other, name="gone").id
    _stored_run(kept, elapsed=14.0, total=40.0)
    _stored_run(gone, elapsed=14.0, total=40.0)
    datasets.delete(gone)
    estimate.token_lengths.cache_clear(), estimate.split_sizes.cache_clear()
    assert len(estimate.run_history("all-MiniLM-L6-v2", "cpu")) == 1
