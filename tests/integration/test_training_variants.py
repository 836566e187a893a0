"""Other PEFT methods, class weights + freezing, continuing a completed run, and a 77-class report."""

import numpy as np
import pandas as pd
import pytest

from core import paths
from core import results as runs
from core.config import RunConfig
from core.data import library as datasets
from core.jobs import queue as jobs
from core.plots import classification_figures, confusion, reliability_figures
from tests.conftest import save_sample, wait_for

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("method", ["adalora", "prompt_tuning"])
def test_other_peft_methods_train_a_small_share_and_save_an_adapter(method):
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=8, peft=method))
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "completed", done.error
    assert done.info["parameters"]["trainable"] / done.info["parameters"]["total"] < 0.05
    assert (paths.run_dir(run.id) / "adapter" / "adapter_config.json").is_file()


def test_class_weights_label_smoothing_and_frozen_lower_layers():
    run = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=8,
                                class_weighted_loss=True, label_smoothing=0.1, freeze="lower", freeze_layers=1,
                                lr_scheduler="cosine", gradient_accumulation=2, eval_strategy="steps", eval_steps=4))
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "completed", done.error
    params = done.info["parameters"]
    assert 0 < params["trainable"] < params["total"]
    history = runs.history(run.id)
    assert sorted(history[(history["split"] == "validation") & (history["name"] == "loss")]["step"]) == [4, 8]


def test_continue_training_makes_a_linked_run_from_the_finished_model():
    first = jobs.submit(RunConfig(dataset_id=save_sample(200), model="tiny-random-bert", max_steps=6))
    assert wait_for(first.id, {"completed", "failed"}).status == "completed"
    second = jobs.continue_training(first.id, 1.0)
    done = wait_for(second.id, {"completed", "failed"})
    assert done.status == "completed", done.error
    assert done.parent_id == first.id and done.config["model"].endswith(f"{first.id}/model")


def test_a_77_class_run_gives_a_complete_readable_report():
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(300)]
    rows = []
    for k in range(77):
        for _ in range(12):
            rows.append({"text": f"topic{k} " + " ".join(rng.choice(vocab, 6)), "label": f"intent_{k:02d}"})
    record = datasets.save_frame(pd.DataFrame(rows), name="77 intents")
    run = jobs.submit(RunConfig(dataset_id=record.id, model="tiny-random-bert", max_steps=10, batch_size=32))
    done = wait_for(run.id, {"completed", "failed"})
    assert done.status == "completed", done.error
    report = runs.load_report(run.id)
    assert len(report["per_class"]) == 77 and len(report["confusion"]["labels"]) == 77
    assert "binary" not in report or not report["binary"]
    fig = confusion.confusion_matrix_figure(report, max_classes=30)
    assert len(fig.data[0].z) <= 30  # readable: the most-confused subset
    for build in (classification_figures.per_class_f1_figure, reliability_figures.reliability_figure, reliability_figures.robustness_figure):
        build(report)
