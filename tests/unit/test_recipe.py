"""The Auto recipe: how its rules react to the data (not their exact constants), its reasons, presets on the CLI."""

from __future__ import annotations

import json

import pytest

from core import cli, store
from core.config import BUILTIN_MODEL, PRESET_HELP, PRESETS, TINY_TEST_MODEL, RunConfig
from core.errors import ConfigError
from core.train import recipe
from core.train.recipe import DataProfile, auto_recipe
from tests.conftest import save_sample


def _profile(train_rows: int = 2000, n_classes: int = 5, validation_rows: int = 300,
             lengths: tuple[int, ...] = tuple(range(10, 110))) -> DataProfile:
    return DataProfile(train_rows, validation_rows, n_classes, lengths)


def test_more_classes_never_mean_a_smaller_head_rate_or_fewer_epochs():
    heads = [recipe.head_multiplier_rule(n)[0] for n in range(2, 300)]
    assert heads == sorted(heads) and heads[-1] > heads[0] >= 1  # the new head always learns at least as fast
    for rows in (100, 2_000, 50_000):
        epochs = [recipe.epochs_rule(rows, n, 16)[0] for n in range(2, 300)]
        assert epochs == sorted(epochs), rows


def test_bigger_datasets_never_get_more_epochs_and_stay_within_the_bounds():
    for classes in (2, 20, 150):
        epochs = [recipe.epochs_rule(rows, classes, 16)[0] for rows in range(50, 200_000, 997)]
        assert epochs == sorted(epochs, reverse=True), classes
        assert all(recipe.MIN_EPOCHS <= e <= recipe.MAX_EPOCHS for e in epochs)
    assert recipe.epochs_rule(100, 2, 16)[0] > recipe.epochs_rule(100_000, 2, 16)[0]  # the rule does react to size


@pytest.mark.parametrize("kind", ["cpu", "cuda", "mps"])
def test_max_length_covers_the_95_percent_quantile_within_the_device_cap(kind: str):
    short = _profile(lengths=(40,) * 95 + (1000,) * 5)  # a few very long texts must not decide the length
    length = recipe.max_length_rule(short, kind)[0]
    assert short.length_quantile(0.95) == 40 and 40 <= length < 1000
    assert length % recipe.LENGTH_STEP == 0 or length == recipe.MIN_MAX_LENGTH
    for p95 in (3, 70, 130, 300, 700, 5000):
        profile = _profile(lengths=(p95,) * 100)
        length = recipe.max_length_rule(profile, kind)[0]
        assert length <= recipe.MAX_LENGTH_LIMIT[kind]
        if p95 <= recipe.MAX_LENGTH_LIMIT[kind]:
            assert length >= p95, (p95, length)
    assert recipe.MAX_LENGTH_LIMIT["cuda"] >= recipe.MAX_LENGTH_LIMIT["cpu"]  # a GPU affords at least a CPU's length
    long_reason = str(recipe.max_length_rule(_profile(lengths=(5000,) * 100), kind)[1])
    assert "5000" in long_reason and str(recipe.MAX_LENGTH_LIMIT[kind]) in long_reason  # says the cap cut it


def test_early_stopping_only_with_enough_validation_texts():
    few, _ = recipe.early_stopping_rule(recipe.MIN_VALIDATION_ROWS - 1)
    enough, _ = recipe.early_stopping_rule(recipe.MIN_VALIDATION_ROWS)
    assert few["early_stopping_patience"] == 0
    assert enough["early_stopping_patience"] > 0 and enough["eval_strategy"] == "epoch"
    config = RunConfig(dataset_id="x").replace(**enough)
    config.validate()  # a valid setting with the default validation share


def test_one_reason_per_choice_mentioning_its_numbers():
    profile = _profile(train_rows=12_345, n_classes=77, validation_rows=1_234, lengths=(60,) * 100)
    result = auto_recipe(profile, model=BUILTIN_MODEL, device_kind="cpu")
    s, reasons = result.settings, result.reasons
    assert all(r.strip() and "\n" not in r for r in reasons) and len(set(reasons)) == len(reasons)

    def only_one(*fragments: str) -> str:
        found = [r for r in reasons if all(f in r for f in fragments)]
        assert len(found) == 1, (fragments, reasons)
        return found[0]

    only_one("77 classes", f"head learning rate ×{s['head_lr_multiplier']:g}")
    only_one("12,345 training texts", "77 classes", f"{s['epochs']:g} epochs")
    only_one("60 tokens", f"max length {s['max_length']}")
    only_one("3 epochs → no early stopping")  # 3 epochs: early stopping could not stop before the end
    assert s["early_stopping_patience"] == 0
    only_one(BUILTIN_MODEL, "learning rate")
    only_one("warm-up")
    assert len(reasons) == 6  # learning rate, head rate, epochs, max length, warm-up, early stopping
    RunConfig(dataset_id="x", **s).validate()
    few = auto_recipe(_profile(validation_rows=12), model="roberta-base", device_kind="cuda")
    assert any("12 validation texts" in r for r in few.reasons) and few.settings["early_stopping_patience"] == 0
    assert few.settings["learning_rate"] < s["learning_rate"]  # a base-size model gets the gentler rate


def test_early_stopping_only_when_it_could_stop_before_the_last_epoch():
    patience = recipe.EARLY_STOPPING_PATIENCE
    short, why = recipe.early_stopping_rule(1_000, epochs=patience + 1)
    assert short["early_stopping_patience"] == 0 and "no early stopping" in str(why)
    long, why = recipe.early_stopping_rule(1_000, epochs=patience + 2)
    assert long["early_stopping_patience"] == patience and long["eval_strategy"] == "epoch"
    assert "1,000 validation texts" in str(why)
    noisy, why = recipe.early_stopping_rule(recipe.MIN_VALIDATION_ROWS - 1, epochs=8)
    assert noisy["early_stopping_patience"] == 0 and "too noisy" in str(why)


def test_preset_names_put_auto_first_and_every_name_has_help():
    assert recipe.PRESET_NAMES[0] == recipe.AUTO and recipe.AUTO not in PRESETS
    assert recipe.PRESET_NAMES == list(PRESET_HELP) == [recipe.AUTO, *PRESETS]


def test_apply_preset_errors_are_one_sentence():
    with pytest.raises(ConfigError, match=r"Unknown preset ‘Fastest’; choose one of Auto, Quick demo") as bad:
        recipe.apply_preset(RunConfig(dataset_id="x"), "Fastest")
    assert str(bad.value).endswith(".") and "\n" not in str(bad.value)
    with pytest.raises(ConfigError, match="needs a dataset"):
        recipe.apply_preset(RunConfig(), recipe.AUTO)


def test_fixed_presets_apply_their_values_without_reasons():
    for name, values in PRESETS.items():
        config, reasons = recipe.apply_preset(RunConfig(dataset_id="x"), name)
        assert reasons == [] and all(getattr(config, k) == v for k, v in values.items())


def test_auto_on_a_stored_dataset_and_what_the_run_records():
    dataset_id = save_sample(300)
    base = RunConfig(dataset_id=dataset_id, model=TINY_TEST_MODEL, name="keep me")
    chosen, reasons = recipe.apply_preset_here(base, recipe.AUTO)
    chosen.validate()
    assert chosen.name == "keep me" and chosen.dataset_id == dataset_id and chosen.model == TINY_TEST_MODEL
    assert any("2 classes" in r for r in reasons) and chosen.head_lr_multiplier > 1
    final = chosen.replace(epochs=chosen.epochs + 1)
    info = recipe.preset_info(recipe.AUTO, reasons, chosen, final)
    assert info == {"preset": "Auto", "recipe_reasons": reasons, "preset_overrides": ["epochs"]}


def test_cli_flags_override_the_preset_and_no_preset_keeps_the_defaults(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)
    dataset_id = save_sample(300)
    base = RunConfig(dataset_id=dataset_id, model=TINY_TEST_MODEL)
    auto, reasons = recipe.apply_preset_here(base, recipe.AUTO)
    assert auto.epochs != 1 and auto.max_length != 48
    saved = tmp_path / "config.json"
    saved.write_text(json.dumps({"max_length": 48}))
    args = ["train", "--dataset-id", dataset_id, "--model", TINY_TEST_MODEL, "--detach"]
    assert cli.main([*args, "--preset", "Auto", "--epochs", "1", "--config", str(saved)]) == 0
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("auto: ")] == [f"auto: {r}" for r in reasons]
    (run,) = store.list_runs()
    assert run.config["epochs"] == 1 and run.config["max_length"] == 48  # the flag and the --config value win
    assert run.config["head_lr_multiplier"] == auto.head_lr_multiplier  # the rest is Auto's
    assert run.info["preset"] == "Auto" and run.info["recipe_reasons"] == reasons
    assert sorted(run.info["preset_overrides"]) == ["epochs", "max_length"]
    assert "--head-lr-multiplier" in run.info["cli"]  # the equivalent command has the concrete values

    assert cli.main([*args, "--preset", "Quick demo", "--lr", "3e-5"]) == 0
    quick = next(r for r in store.list_runs() if r.id != run.id)
    assert quick.config["max_length"] == PRESETS["Quick demo"]["max_length"] and quick.config["learning_rate"] == 3e-5
    assert quick.info["preset"] == "Quick demo" and quick.info["recipe_reasons"] == []
    err = capsys.readouterr().err
    assert "auto: " not in err and "warning: " not in err  # one label per text: what the fixed presets were tuned on
    assert recipe.preset_caveat(base, "Quick demo") is None and recipe.preset_caveat(base, recipe.AUTO) is None

    assert cli.main(args) == 0  # without --preset: the RunConfig defaults, nothing recorded about presets
    plain = next(r for r in store.list_runs() if r.id not in {run.id, quick.id})
    assert plain.config == RunConfig(dataset_id=dataset_id, model=TINY_TEST_MODEL).to_dict()
    assert "preset" not in plain.info


def test_an_unknown_preset_on_the_cli_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", "--example", "finance_sentiment", "--preset", "Fastest"])
    assert stop.value.code == 2 and "invalid choice: 'Fastest'" in capsys.readouterr().err


def test_a_fixed_preset_on_named_entities_warns_that_it_trains_too_few_epochs(capsys):
    from core.data.examples import load_ner_example

    record = load_ner_example("news_entities")
    base = RunConfig(dataset_id=record.id, model=TINY_TEST_MODEL)
    caveat = recipe.preset_caveat(base, "Balanced")
    assert caveat is not None and "too few epochs for named entities" in str(caveat) and "Choose Auto" in str(caveat)
    assert recipe.preset_caveat(base, recipe.AUTO) is None and recipe.preset_caveat(base.replace(dataset_id=""), "Balanced") is None
    args = ["train", "--dataset-id", record.id, "--model", TINY_TEST_MODEL, "--detach"]
    assert cli.main([*args, "--preset", "Quick demo"]) == 0
    assert f"warning: {caveat}" in capsys.readouterr().err.splitlines()
    assert cli.main(args) == 0  # no --preset: NER takes Auto, and no warning
    err = capsys.readouterr().err
    assert "named entities: using the Auto preset" in err and "warning: " not in err
