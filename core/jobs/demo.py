"""The one-click guided demo: load a built-in example, start a quick run, return it."""

from __future__ import annotations

from core.config import PRESETS, RunConfig
from core.data import library as datasets
from core.data.clean import clean_examples
from core.data.examples import EXAMPLES, example_bytes
from core.data.upload import read_table
from core.jobs import queue as jobs
from core.store import DatasetRecord, Run
from core.tasks import Task

DEMO_EXAMPLE = "support_intents"
DEMO_EXAMPLE_ZH = "support_intents_zh"
"""The demo when the interface is Chinese: the same task on Chinese customer messages."""
DEMO_OTHER_KINDS = ("support_tags", "paraphrase_pairs", "review_scores")
"""Examples of the other kinds of data (multi-label, sentence pairs, regression) the home page's demo can train on."""
CHINESE_DEMO_MODEL = "hfl/rbt3"
"""A Chinese encoder small enough for a CPU.  The built-in MiniLM is English: it turns 65 % of the example's tokens
into [UNK] and reaches ~40 % accuracy on it (BENCHMARKS.md), so the Chinese demo uses this one once it is on disk."""


def demo_model(key: str) -> str | None:
    """The model the demo of example ``key`` trains: a Chinese encoder for Chinese data when it is already downloaded
    (the demo must start at once and work offline, so it never waits for a download), else the built-in one (None)."""
    if key != DEMO_EXAMPLE_ZH:
        return None
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(CHINESE_DEMO_MODEL, "config.json")
    return CHINESE_DEMO_MODEL if isinstance(cached, str) else None


def load_example(key: str, *, name: str | None = None) -> DatasetRecord:
    """Store a built-in example dataset (idempotent) and return its record; ``name`` names it in the interface's
    language (default: the English title the CLI uses)."""
    raw = example_bytes(key)  # raises a clear DataError for unknown keys
    example = EXAMPLES[key]
    table = read_table(raw, example.filename)
    task = Task.from_key(example.task)
    clean = clean_examples(table.df, example.text_column, example.label_column, task=task,
                           pair_col=example.pair_column, label_separator="|" if task.multi_label else None)
    return datasets.save_frame(clean.df, name=name or example.title, text_column=example.text_column,
                               label_column=example.label_column, task=task,
                               meta={"source": f"built-in example: {example.filename}", "format": table.format,
                                     "encoding": table.encoding, "dropped": clean.dropped,
                                     "label_mapping": clean.label_mapping, "pair_column": example.pair_column})


def start_demo(key: str = DEMO_EXAMPLE, *, model: str | None = None, run_name: str | None = None,
               dataset_name: str | None = None) -> Run:
    """Load the example and queue a quick run with the Quick demo settings (the shortest preset).

    ``run_name`` and ``dataset_name`` name the run and the example in the interface's language (default
    ``Demo · <example title>`` and the English title)."""
    record = load_example(key, name=dataset_name)
    config = RunConfig(dataset_id=record.id, name=run_name or f"Demo · {record.name}", **PRESETS["Quick demo"])
    config = config.replace(epochs=3.0, learning_rate=2e-4, max_length=64)  # small data: a few more passes help
    model = model or demo_model(key)
    if model:
        config = config.replace(model=model)
    return jobs.submit(config)
