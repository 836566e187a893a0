"""Errors about run settings, models, serving, comparing, results and evaluation: the same English sentence as
before (the CLI prints it), and a Chinese one for the UI (``exc.message``)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from core import devices, i18n, store
from core.compare import curves, leaderboard, manage
from core.compare import loading as compare_loading
from core.config import RunConfig
from core.errors import ConfigError, DataError, ModelError, RunError, TuneboardError
from core.evaluate import report
from core.models import resolve_model
from core.serve import loading as serving
from core.serve import predict
from core.train import params, recipe


def _check(exc: TuneboardError, english: str) -> str:
    """``exc`` reads ``english`` as before and has a filled-in Chinese sentence; returns the Chinese."""
    assert str(exc) == english
    assert isinstance(exc.message, i18n.Message)
    chinese = exc.message.in_language("zh")
    assert chinese != english and "{" not in chinese and "}" not in chinese
    return chinese


def _raised(kind: type[TuneboardError], call, *args, **kwargs) -> TuneboardError:
    with pytest.raises(kind) as caught:
        call(*args, **kwargs)
    return caught.value


def _invalid(**changes) -> ConfigError:
    return _raised(ConfigError, RunConfig(**changes).validate)


def test_every_field_help_in_the_catalogue_is_the_settings_help():
    """The type error of a setting ends with its help from the catalogue (shown in the UI's language)."""
    english = i18n.catalogue("en")
    for f in dataclasses.fields(RunConfig):
        assert english[f"train.field.{f.name}.help"] == f.metadata["help"], f.name


def test_unknown_settings_and_values_of_the_wrong_type():
    exc = _raised(ConfigError, RunConfig.from_dict, {"epochz": 1, "bogus": 2})
    _check(exc, "Unknown setting(s) bogus, epochz; remove them or check the spelling (see `python -m core train --help`).")
    exc = _raised(ConfigError, RunConfig.from_dict, {"batch_size": "many"})
    chinese = _check(exc, f"‘many’ is not a valid value for batch_size (expected int); {RunConfig.field_help('batch_size')}")
    assert i18n.catalogue("zh")["train.field.batch_size.help"] in chinese


@pytest.mark.parametrize(("changes", "english"), [
    ({"test_size": 0.9}, "test_size = 0.9 is out of range [0.05, 0.5]; choose a value in that range."),
    ({"epochs": 0.0}, "epochs = 0.0 is out of range (0.0, 1000]; train for at least a fraction of an epoch, e.g. 1."),
    ({"learning_rate": 2.0}, "learning_rate = 2.0 is out of range (0.0, 1.0]; typical values are 1e-5 to 1e-3."),
    ({"head_lr_multiplier": 0.0}, "head_lr_multiplier = 0.0 is out of range [0.01, 1000]; typical values are 1 to 50."),
    ({"batch_size": 0}, "batch_size = 0 is out of range [1, 4096]; typical values are 8 to 64."),
    ({"max_length": 4}, "max_length = 4 is out of range [8, 8192]; most models accept up to 512 tokens."),
    ({"seed": -1}, "seed = -1 is out of range [0, 4294967295]; choose a value in that range."),
    ({"processes": 0}, "processes = 0 is out of range [1, 256]; use 1, or one process per CPU socket or GPU."),
    ({"epochs": float("nan")}, "epochs must be a finite number."),
    ({"lr_scheduler": "wild"},
     "lr_scheduler = ‘wild’ is not one of linear, cosine, constant, constant_with_warmup, polynomial."),
    ({"model": "  "}, "No model chosen; pick the built-in model or type a Hugging Face model id or folder."),
    ({"test_size": 0.45, "validation_size": 0.4},
     "test_size + validation_size = 0.85 leaves too little to train on; keep their sum below 0.8."),
    ({"device": "gpu"}, "device = ‘gpu’ is not understood; use auto, cpu, mps, cuda:0 or several GPUs as cuda:0,1."),
    ({"device": "cuda:0,1", "processes": 3},
     "processes = 3 does not match the 2 GPUs of device cuda:0,1; a run uses one process per GPU."),
    ({"processes": 2},
     "processes = 2 needs device cpu or several GPUs (e.g. cuda:0,1); set device cpu, or keep processes at 1."),
    ({"freeze": "lower"}, "freeze = lower needs freeze_layers ≥ 1 (how many of the lowest layers to keep fixed)."),
    ({"freeze": "encoder", "peft": "lora"},
     "Freezing layers and a PEFT method cannot be combined (PEFT already freezes the base model); choose one."),
    ({"device": "cpu", "precision": "fp16"}, "fp16 training needs a GPU; choose precision auto, bf16 or fp32 for CPU runs."),
    ({"early_stopping_patience": 2, "validation_size": 0.0},
     "Early stopping needs a validation set; set validation_size above 0 or turn early stopping off."),
])
def test_impossible_settings(changes, english):
    _check(_invalid(**changes), english)


def test_bf16_on_a_cpu_without_bf16_units(monkeypatch):
    monkeypatch.setattr(devices, "cpu_has_bf16_units", lambda: False)
    _check(_invalid(device="cpu", precision="bf16"),
           "bf16 on this CPU would be slower than fp32 (it has no bf16 matrix instructions: Intel AMX or AVX-512 bf16); "
           "choose precision auto or fp32.")


def test_presets_and_model_folders(tmp_path):
    exc = _raised(ConfigError, recipe.explain_preset, RunConfig(), "Turbo")
    _check(exc, "Unknown preset ‘Turbo’; choose one of Auto, Quick demo, Balanced, Best quality.")
    exc = _raised(ConfigError, recipe.explain_preset, RunConfig(), "Auto")
    assert "“自动”" in _check(exc, "The Auto preset needs a dataset to look at; choose the data first.")
    exc = _raised(ModelError, resolve_model, str(tmp_path))
    _check(exc, f"The folder ‘{tmp_path}’ is not a Hugging Face model (it has no config.json); "
                "choose a folder saved with save_pretrained, or a Hub id.")


def test_the_parameter_count_keeps_the_subprocess_s_message():
    exc = _raised(ConfigError, RunConfig.from_dict, {"nope": 1})
    answer = {"error": str(exc), "message": exc.message.to_dict()}  # what ``python -m core.train.params`` prints
    rebuilt = params._sentence(answer)
    assert str(rebuilt) == str(exc) and rebuilt.in_language("zh") == exc.message.in_language("zh")
    assert params._sentence({"error": "something else", "message": answer["message"]}) == "something else"
    assert params._sentence({"error": ["unknown error"]}) == "['unknown error']"


def test_prediction_tables_and_jobs(monkeypatch, tmp_path):
    monkeypatch.setattr(predict, "EXCEL_MAX_ROWS", 1500)
    exc = _raised(DataError, predict.to_excel_bytes, pd.DataFrame({"text": ["a"] * 2000}))
    _check(exc, "2,000 rows do not fit in one Excel sheet (at most 1,500); download CSV instead.")
    exc = _raised(DataError, predict.write_table, pd.DataFrame({"a": [1]}), tmp_path / "out.json")
    _check(exc, "Cannot write ‘.json’ files; name the output file .csv or .xlsx.")
    exc = _raised(DataError, predict.texts_of, pd.DataFrame({"review": ["x"], 3: [1]}), "text")
    _check(exc, "The file has no column ‘text’; choose one of: review, 3.")
    _check(_raised(RunError, predict.job_dir, "../etc"), "‘../etc’ is not a prediction job id; start the prediction again.")
    _check(_raised(RunError, predict.job_info, "0101-120000-abcdef"),
           "There is no prediction job 0101-120000-abcdef; start the prediction again.")
    _check(_raised(RunError, predict.job_result, "0101-120000-abcdef"),
           "Prediction job 0101-120000-abcdef has no results yet; wait until it has finished.")


def test_runs_without_a_model_or_results_name_their_status():
    run = store.create_run(RunConfig(dataset_id="ds").to_dict(), name="r", dataset_id="ds", status="queued")
    chinese = _check(_raised(RunError, serving.require_model, run.id),
                     f"Run {run.id} is queued; only completed runs have a model to use.")
    assert "排队中" in chinese
    assert "排队中" in _check(_raised(RunError, _load_report, run.id),
                            f"Run {run.id} is queued and has no evaluation report yet; reports are made when a run completes.")
    _check(_raised(RunError, serving.load_predictor, run.id),
           f"Run {run.id} is queued; only completed runs have a model to try.")
    done = store.create_run(RunConfig(dataset_id="ds").to_dict(), name="d", dataset_id="ds", status="completed")
    _check(_raised(RunError, serving.require_model, done.id),
           f"The model files of run {done.id} are missing from the workspace; train the run again.")
    _check(_raised(RunError, serving.run_labels, done.id),
           f"Run {done.id} has no record of its class names; train the run again.")


def _load_report(run_id: str) -> dict:
    from core import results

    return results.load_report(run_id)


def test_managing_and_comparing_runs():
    run = store.create_run(RunConfig().to_dict(), name="r", dataset_id="ds", status="completed")
    _check(_raised(RunError, manage.rename_run, run.id, " "), "A run needs a name; type at least one character.")
    _check(_raised(RunError, manage.set_notes, run.id, "x" * (manage.MAX_NOTES + 1)),
           "The notes have 20,001 characters; keep them under 20,000.")
    _check(_raised(RunError, manage.set_tags, run.id, [f"t{i}" for i in range(21)]),
           "A run can have at most 20 tags (you gave 21); drop some.")
    _check(_raised(RunError, compare_loading.require_runs, [run.id]), "Pick at least 2 runs to compare (you picked 1).")
    _check(_raised(RunError, curves.curves, [], x="hours"), "The x axis ‘hours’ is not one of step, epoch, time.")
    exc = _raised(RunError, leaderboard.leaderboard, "speed", runs=[])
    assert str(exc).startswith("‘speed’ is not a metric Tuneboard reports; choose one of accuracy, ")


def test_deleting_active_runs_lists_them_in_the_sentence_s_language():
    active = [store.create_run(RunConfig().to_dict(), name=f"run {i}", dataset_id="ds", status=status)
              for i, status in enumerate(["running", "queued", "running", "queued"])]
    chinese = _check(_raised(RunError, manage.delete_runs, [r.id for r in active]),
                     "Stop or cancel ‘run 0’ (running), ‘run 1’ (queued), ‘run 2’ (running) … before deleting; "
                     "nothing was deleted.")
    assert "「run 0」（运行中）、「run 1」（排队中）、「run 2」（运行中） 等" in chinese
    _check(_raised(RunError, manage.delete_runs, [active[1].id]),
           "Stop or cancel ‘run 1’ (queued) before deleting; nothing was deleted.")


def test_evaluation_inputs():
    frame = pd.DataFrame({"label": ["a"], "pred": ["a"]})
    exc = _raised(DataError, report._validate, frame.drop(columns="pred"), ["a"])
    assert str(exc).startswith("The predictions file lacks the column(s) ")
    _check(_raised(DataError, report._validate, frame.iloc[:0], ["a"]),
           "The test set has no rows, so there is nothing to evaluate; use a larger test split.")
