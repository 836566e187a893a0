"""RunConfig: defaults valid, every impossible value gets one clear sentence, CLI round trip."""

import dataclasses
import shlex

import pytest

from core.cli import build_parser
from core.config import PRESETS, RunConfig
from core.errors import ConfigError
from core.jobs.commands import config_from_args


def test_defaults_and_presets_are_valid():
    RunConfig(dataset_id="x").validate()
    for values in PRESETS.values():
        RunConfig(dataset_id="x", **values).validate()


def test_every_field_has_help():
    for f in dataclasses.fields(RunConfig):
        assert len(f.metadata["help"]) > 15, f.name


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"learning_rate": 0}, "learning_rate = 0"),
    ({"learning_rate": -1e-5}, "learning_rate"),
    ({"epochs": 0}, "epochs = 0"),
    ({"batch_size": 0}, "batch_size = 0"),
    ({"max_length": 4}, "max_length = 4"),
    ({"test_size": 0.6}, "test_size"),
    ({"test_size": 0.45, "validation_size": 0.4}, "leaves too little to train on"),
    ({"lr_scheduler": "zigzag"}, "lr_scheduler"),
    ({"device": "gpu7"}, "device = ‘gpu7’"),
    ({"device": "cuda:0,0"}, "device"),
    ({"freeze": "lower", "freeze_layers": 0}, "freeze_layers"),
    ({"freeze": "encoder", "peft": "lora"}, "cannot be combined"),
    ({"precision": "fp16", "device": "cpu"}, "needs a GPU"),
    ({"early_stopping_patience": 2, "validation_size": 0.0}, "validation set"),
    ({"model": " "}, "No model chosen"),
    ({"learning_rate": float("nan")}, "finite"),
])
def test_impossible_values_raise_one_sentence(changes, fragment):
    with pytest.raises(ConfigError) as info:
        RunConfig(dataset_id="x", **changes).validate()
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message and "Traceback" not in message


def test_from_dict_rejects_unknown_and_bad_types():
    with pytest.raises(ConfigError, match="Unknown setting"):
        RunConfig.from_dict({"learning_rat": 1e-4})
    with pytest.raises(ConfigError, match="not a valid value for batch_size"):
        RunConfig.from_dict({"batch_size": "sixteen"})
    assert RunConfig.from_dict({"batch_size": "32", "class_weighted_loss": "true"}).batch_size == 32


def test_cli_command_round_trips_through_the_parser():
    config = RunConfig(dataset_id="abc", model="tiny-random-bert", learning_rate=1e-4, epochs=2, batch_size=8,
                       class_weighted_loss=True, lr_scheduler="cosine", name="my run")
    argv = shlex.split(config.cli_command())[3:]  # drop "python -m core"
    args = build_parser().parse_args(argv)
    assert config_from_args(args) == config


def test_json_round_trip():
    config = RunConfig(dataset_id="abc", peft="lora", lora_r=4)
    assert RunConfig.from_dict(__import__("json").loads(config.to_json())) == config


def test_bf16_on_the_cpu_is_refused_only_without_bf16_units(monkeypatch):
    from core import devices

    monkeypatch.setattr(devices, "cpu_has_bf16_units", lambda: False)
    with pytest.raises(ConfigError, match="slower than fp32"):
        RunConfig(dataset_id="x", precision="bf16", device="cpu").validate()
    monkeypatch.setattr(devices, "cpu_has_bf16_units", lambda: True)
    RunConfig(dataset_id="x", precision="bf16", device="cpu").validate()
