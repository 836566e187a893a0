"""The search space of a sweep: ``name=low:high[:log|:step]`` and ``name=a,b,c`` parsed into typed parameters, every
mistake one sentence (in English for the CLI, in Chinese on a Chinese page); the checks a sweep runs before it starts;
the CLI's answers to bad input."""

from __future__ import annotations

import re
import shlex

import pytest

from core import cli
from core.config import RunConfig
from core.errors import ConfigError
from core.i18n import localize
from core.jobs.sweep import manage, space
from core.jobs.sweep.space import Param, parse_param, parse_space
from tests.conftest import save_sample


def test_ranges_log_ranges_steps_and_choices_parse_into_typed_params():
    assert parse_param("lr=1e-5:3e-4:log") == Param("learning_rate", "float", 1e-5, 3e-4, log=True)
    assert parse_param("warmup_ratio=0:0.2") == Param("warmup_ratio", "float", 0.0, 0.2)
    assert parse_param("epochs=1:4:1") == Param("epochs", "float", 1.0, 4.0, step=1.0)
    assert parse_param("batch-size=8:64:log") == Param("batch_size", "int", 8, 64, log=True)
    assert parse_param("batch_size=8, 16,32,16") == Param("batch_size", "choice", choices=(8, 16, 32))
    assert parse_param("lr_scheduler=linear,cosine") == Param("lr_scheduler", "choice", choices=("linear", "cosine"))
    assert parse_param("calibrate=true,false").choices == (True, False)


@pytest.mark.parametrize("text", ["learning_rate=1e-05:0.0003:log", "epochs=1:4:1", "batch_size=8,16,32",
                                  "lr_scheduler=linear,cosine", "weight_decay=0:0.1", "lora_r=4:64:log"])
def test_to_text_round_trips(text):
    base = RunConfig(peft="lora")
    param = parse_param(text, base)
    assert param.to_text() == text
    assert parse_param(param.to_text(), base) == param
    assert Param.from_dict(param.to_dict()) == param


def test_distributions_sample_inside_the_range_and_apply_in_the_fields_type():
    import optuna

    params = parse_space(["lr=1e-5:3e-4:log", "batch_size=8:32", "epochs=1:3:1", "lr_scheduler=linear,cosine"])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(20):
        trial = study.ask(space.distributions(params))
        config = space.apply(RunConfig(), trial.params).validate()
        assert 1e-5 <= config.learning_rate <= 3e-4 and isinstance(config.batch_size, int)
        assert config.epochs in (1.0, 2.0, 3.0) and config.lr_scheduler in ("linear", "cosine")
        study.tell(trial, 0.5)


BAD = {
    "lr": "is not a search setting",
    "lr=": "is not a search setting",
    "colour=1:2": "There is no setting called ‘colour’",
    "lr=3e-4:1e-5": "The range of learning_rate is empty",
    "weight_decay=0:0.1:log": "cannot be searched on a log scale from 0",
    "lr=1e-5:1e-3:fast": "‘fast’ after the range of learning_rate is neither `log` nor a step size",
    "lr=1e-4": "learning_rate=1e-4 gives one value only",
    "batch_size=16,16": "batch_size=16,16 gives one value only",
    "lr=0:1e-3": "learning_rate = 0 cannot be used by the trials: learning_rate = 0.0 is out of range",
    "batch_size=8.5:16": "batch_size takes whole numbers",
    "epochs=1:4:2": "is not a whole number of steps",
    "lr=a:b": "‘a’ in learning_rate=a:b is not a number",
    "lr=1e-5:inf": "is not a number",
    "lr_scheduler=a:b": "lr_scheduler takes words, not a range",
    "lr_scheduler=linear,sideways": "lr_scheduler = sideways cannot be used by the trials",
    "batch_size=8,sixteen": "‘sixteen’ is not a valid value for batch_size",
    "validation_size=0.1:0.2": "validation_size cannot be searched: it changes which rows validate a trial",
    "seed=1,2": "seed cannot be searched",
    "device=cpu,auto": "device cannot be searched: it is the same for every trial",
    "lora_r=4,8": "lora_r is searched but the trials train no LoRA adapter",
}


@pytest.mark.parametrize("text", list(BAD))
def test_each_mistake_is_one_sentence_in_english_and_chinese(text):
    with pytest.raises(ConfigError) as caught:
        parse_param(text)
    sentence = str(caught.value)
    assert BAD[text] in sentence
    assert "\n" not in sentence and sentence.rstrip("`").endswith((".", "；", ")")), sentence
    assert re.search(r"[\u4e00-\u9fff]", localize(caught.value, "zh")), localize(caught.value, "zh")


def test_a_space_needs_one_setting_and_each_only_once():
    with pytest.raises(ConfigError, match="Nothing to search"):
        parse_space([])
    with pytest.raises(ConfigError, match="learning_rate is searched twice"):
        parse_space(["lr=1e-5:1e-4", "learning_rate=1e-4,1e-3"])
    assert space.searchable()[:2] == ["model", "epochs"] and "seed" not in space.searchable()


def test_a_sweep_is_checked_before_anything_runs():
    base = RunConfig(dataset_id=save_sample(60), model="tiny-random-bert")
    params = parse_space(["lr=1e-5:1e-4:log"])
    assert manage.check(base, params, n_trials=5, parallel=1, pruner="median", metric=None)[1:] == ("single_label", "f1_macro")
    cases = [({"n_trials": 0}, "The number of trials must be between 1 and 1000; got 0."),
             ({"parallel": 0}, "Trials at once must be between 1 and 32; got 0."),
             ({"pruner": "hyperband"}, "Unknown pruner ‘hyperband’; choose one of median, halving, none."),
             ({"metric": "spearman"}, "spearman is not a validation score of this data (classes); choose one of "
                                      "f1_macro, accuracy, loss.")]
    for change, sentence in cases:
        settings = {"n_trials": 5, "parallel": 1, "pruner": "median", "metric": None, **change}
        with pytest.raises(ConfigError) as caught:
            manage.check(base, params, **settings)
        assert str(caught.value) == sentence
    with pytest.raises(ConfigError, match="this dataset has no validation split"):
        manage.check(base.replace(validation_size=0.0), params, n_trials=5, parallel=1, pruner="median", metric=None)


def test_the_equivalent_command_line_parses_back():
    base = RunConfig(dataset_id="abc", model="tiny-random-bert", max_steps=30)
    params = parse_space(["lr=1e-5:3e-4:log", "batch_size=8,16"])
    line = manage.command_line(base, params, n_trials=6, parallel=2, pruner="halving", metric="loss",
                               task="single_label", name="my sweep")
    assert line == ("python -m core sweep --dataset-id abc --model tiny-random-bert --max-steps 30 --trials 6 "
                    "--search learning_rate=1e-05:0.0003:log --search batch_size=8,16 --pruner halving --metric loss "
                    "--parallel 2 --name 'my sweep'")
    args = cli.build_parser().parse_args(shlex.split(line)[3:])
    assert args.trials == 6 and args.search == ["learning_rate=1e-05:0.0003:log", "batch_size=8,16"]
    assert args.pruner == "halving" and args.parallel == 2 and args.metric == "loss" and args.action is None
    assert args.name == "my sweep" and args.max_steps == "30"


def test_cli_sweep_mistakes_end_in_one_sentence(capsys: pytest.CaptureFixture[str]):
    assert cli.main(["sweep", "--example", "support_intents", "--search", "lr=0:1"]) == 2
    assert capsys.readouterr().err.startswith("error: learning_rate = 0 cannot be used by the trials")
    assert cli.main(["sweep", "--search", "lr=1e-5:1e-4"]) == 2
    assert capsys.readouterr().err == ("error: Pass one of `--data FILE`, `--example NAME` or `--dataset-id ID` "
                                       "(see `python -m core examples`).\n")
    assert cli.main(["sweep", "show", "sw-nope"]) == 1
    assert capsys.readouterr().err == "error: There is no sweep sw-nope; list the sweeps with `python -m core sweep list`.\n"
    assert cli.main(["sweep", "show"]) == 2
    assert "`sweep show` needs a sweep id" in capsys.readouterr().err
    assert cli.main(["sweep", "list"]) == 0
    assert capsys.readouterr().out.startswith("No sweeps yet.")
