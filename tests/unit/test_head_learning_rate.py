"""The new classification head learns at ``head_lr_multiplier`` × the encoder's learning rate, all through training."""

from __future__ import annotations

import pytest

from core.config import RunConfig
from core.errors import ConfigError
from core.train.trainer import build_trainer, head_parameter_names
from tests.unit.test_loss_accumulation import _data, _prepared, _tiny_bert, tiny_tokenizer


def _trainer(tmp_path, multiplier: float, **settings):
    from transformers import TrainerCallback

    config = RunConfig(dataset_id="x", learning_rate=1e-3, head_lr_multiplier=multiplier, precision="fp32", device="cpu",
                       max_length=16, batch_size=4, **settings)
    model = _tiny_bert()
    trainer = build_trainer(_prepared(_data(12), config, tiny_tokenizer(), model), tmp_path, TrainerCallback())
    trainer.args.save_strategy = "no"
    return trainer, model


def _rates(trainer, model) -> dict[str, float]:
    """Learning rate of each named parameter in the trainer's optimizer now."""
    by_id = {id(p): group["lr"] for group in trainer.optimizer.param_groups for p in group["params"]}
    return {name: by_id[id(p)] for name, p in model.named_parameters() if p.requires_grad}


def test_head_parameters_are_the_ones_outside_the_base_model():
    assert head_parameter_names(_tiny_bert()) == {"classifier.weight", "classifier.bias"}


def test_head_gets_the_multiplied_rate_and_keeps_it_under_the_schedule(tmp_path):
    trainer, model = _trainer(tmp_path, 20.0, lr_scheduler="linear", max_steps=2, warmup_ratio=0.0)
    trainer.train()  # the optimizer and scheduler as the Trainer builds them, after two linear-decay steps
    rates = _rates(trainer, model)
    encoder = {rate for name, rate in rates.items() if not name.startswith("classifier")}
    head = {rate for name, rate in rates.items() if name.startswith("classifier")}
    assert len(encoder) == 1 and len(head) == 1
    assert head.pop() == pytest.approx(20.0 * encoder.pop())
    decays = {group["weight_decay"] for group in trainer.optimizer.param_groups}
    assert decays == {0.0, RunConfig().weight_decay}  # the Trainer's decay/no-decay split survives


def test_multiplier_one_leaves_the_trainers_groups_alone(tmp_path):
    trainer, model = _trainer(tmp_path, 1.0, max_steps=1)
    optimizer = trainer.create_optimizer()
    assert len(optimizer.param_groups) == 2
    assert set(_rates(trainer, model).values()) == {1e-3}


def test_impossible_multiplier_is_one_clear_sentence():
    with pytest.raises(ConfigError, match="head_lr_multiplier"):
        RunConfig(head_lr_multiplier=0).validate()
