"""Hub loading offline says so in one sentence; the demo helper queues a quick run on the example."""

import pytest

from core import store
from core.data.hub import load_hub_dataset
from core.errors import DataError
from core.jobs.demo import load_example, start_demo


def test_hub_offline_is_one_clear_sentence():
    with pytest.raises(DataError, match="cannot be reached from this machine") as info:
        load_hub_dataset("imdb")
    assert "\n" not in str(info.value)
    assert store.list_datasets() == []  # nothing half-stored


def test_examples_load_through_the_normal_path_and_are_idempotent():
    first = load_example("finance_sentiment")
    again = load_example("finance_sentiment")
    assert first.id == again.id and set(first.labels) == {"positive", "neutral", "negative"}
    with pytest.raises(DataError, match="Unknown example"):
        load_example("nope")


def test_start_demo_queues_a_quick_run(monkeypatch):
    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)  # queue only; no training in a unit test
    run = start_demo()
    assert run.status == "queued" and run.config["max_length"] == 64
    assert store.get_dataset(run.dataset_id).name == "Customer-support intents"


def test_the_chinese_demo_uses_a_chinese_encoder_only_once_it_is_downloaded(monkeypatch):
    from core.jobs import demo

    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)
    monkeypatch.setattr("huggingface_hub.try_to_load_from_cache", lambda repo, name: None)  # not on disk: built-in
    assert demo.demo_model(demo.DEMO_EXAMPLE_ZH) is None
    assert start_demo(demo.DEMO_EXAMPLE_ZH).config["model"] != demo.CHINESE_DEMO_MODEL
    monkeypatch.setattr("huggingface_hub.try_to_load_from_cache", lambda repo, name: f"/cache/{repo}/{name}")
    assert start_demo(demo.DEMO_EXAMPLE_ZH).config["model"] == demo.CHINESE_DEMO_MODEL
    assert start_demo(demo.DEMO_EXAMPLE).config["model"] != demo.CHINESE_DEMO_MODEL  # English data: built-in model
