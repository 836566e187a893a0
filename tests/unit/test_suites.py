"""Benchmark suites (issue 19, item 6): definitions, queueing a batch, the GLUE-style table and its exports."""

from __future__ import annotations

import math

import pytest

from bench.bench_compare import fabricate_run
from core import store
from core.compare import suites
from core.config import RunConfig
from core.errors import ConfigError, DataError
from tests.conftest import save_sample


@pytest.fixture
def no_scheduler(monkeypatch):
    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)  # queue only; nothing trains here


def test_the_builtin_suite_covers_every_example_and_stores_them_on_first_use(no_scheduler):
    from core.data.examples import EXAMPLES

    assert suites.suites()[suites.BUILTIN] == {"datasets": [], "examples": list(EXAMPLES)}
    ids = suites.suite_dataset_ids(suites.BUILTIN)
    assert len(ids) == len(EXAMPLES) and len(store.list_datasets()) == len(EXAMPLES)
    assert suites.suite_dataset_ids(suites.BUILTIN) == ids  # idempotent: the same datasets the next time


def test_a_suite_queues_one_run_per_dataset_with_the_same_settings(no_scheduler):
    a, b = save_sample(60, name="first"), save_sample(80, name="second")
    suites.create_suite("mine", [a, b])
    runs = suites.run_suite("mine", RunConfig(dataset_id="x", model="tiny-random-bert", learning_rate=3e-4),
                            label="small lr")
    assert [r.dataset_id for r in runs] == [a, b] and [r.name for r in runs] == ["small lr · first", "small lr · second"]
    assert {r.info["suite_batch"] for r in runs} == {runs[0].info["suite_batch"]}
    assert all(r.config["learning_rate"] == 3e-4 and r.info["suite"] == "mine" for r in runs)
    assert suites.suite_runs("mine") == [store.require_run(r.id) for r in runs]


def test_bad_suites_are_one_clear_sentence():
    with pytest.raises(ConfigError, match="name of its own"):
        suites.create_suite(suites.BUILTIN, ["a", "b"])
    with pytest.raises(ConfigError, match="at least 2 datasets"):
        suites.create_suite("x", [save_sample(60)])
    with pytest.raises(DataError):
        suites.create_suite("x", [save_sample(60), "no-such-dataset"])
    with pytest.raises(ConfigError, match="no suite called"):
        suites.run_suite("nope", RunConfig(dataset_id="x"))


def _batch(label: str, accuracies: dict[str, float]) -> None:
    for dataset_id, accuracy in accuracies.items():
        run = fabricate_run(dataset_id, name=f"{label} · {dataset_id}", accuracy=accuracy, dataset_name=dataset_id)
        store.update_run(run.id, info={**run.info, "suite": "s", "suite_batch": f"b-{label}", "suite_label": label})


def test_the_table_has_a_row_per_settings_a_column_per_dataset_and_the_average():
    a, b = save_sample(60, name="alpha"), save_sample(64, name="beta")
    _batch("weak", {a: 0.6, b: 0.7})
    _batch("strong", {a: 0.8, b: 0.9})
    table = suites.suite_table("s")
    assert list(table["label"]) == ["strong", "weak"]  # best average first
    strong = table.iloc[0]
    runs = {r.name: r for r in store.list_runs()}
    f1 = {d: runs[f"strong · {d}"].final_metrics["f1_macro"] for d in (a, b)}
    assert strong["alpha"] == pytest.approx(f1[a]) and strong["average"] == pytest.approx((f1[a] + f1[b]) / 2)
    assert strong["alpha low"] <= strong["alpha"] <= strong["alpha high"]
    assert suites.dataset_columns(table) == ["alpha", "beta"]
    markdown = suites.to_markdown(table)
    assert markdown.splitlines()[0] == "| settings | model | alpha | beta | average |"
    assert f"{100 * f1[a]:.1f} (" in markdown.splitlines()[2]


def test_an_unfinished_run_leaves_a_dash_and_no_average():
    a, b = save_sample(60, name="alpha"), save_sample(64, name="beta")
    _batch("half", {a: 0.8})
    queued = store.create_run(RunConfig(dataset_id=b).to_dict(), name="half · beta", dataset_id=b,
                              info={"suite": "s", "suite_batch": "b-half", "suite_label": "half"})
    assert queued.status == "queued"
    table = suites.suite_table("s")
    assert math.isnan(table.iloc[0]["beta"]) and math.isnan(table.iloc[0]["average"])
    assert "| — |" in suites.to_markdown(table)


def test_the_cli_command_names_the_suite_and_the_settings_only():
    config = RunConfig(dataset_id="ds", model="tiny-random-bert", learning_rate=3e-4, text_column="body", name="n")
    command = suites.suite_cli_command("built-in examples", config, label="my lr")
    assert command.startswith("python -m core suite run 'built-in examples' ")
    assert "--learning-rate 0.0003" in command and "--label 'my lr'" in command
    assert "--dataset-id" not in command and "--text-column" not in command and "--name" not in command
