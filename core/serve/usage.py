"""The few lines of Python that load an exported run and answer in its kind's shape (shown on the Runs page and in
the model card).  Plain runs load with ``transformers.pipeline("text-classification", model="model")``; prompt-tuning
runs need their base model and ``peft``; int8 copies need ``load_int8.py`` from the zip."""

from __future__ import annotations

from typing import Any

from core import results
from core.config import BUILTIN_MODEL
from core.serve import card_ner, card_tasks, task_output
from core.serve import loading as serving
from core.tasks import PAIR_COLUMN, SINGLE_LABEL, Task

BUILTIN_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"


def base_model_name(config: dict[str, Any]) -> str:
    """The run's starting model as someone else can load it (the Hub id for the built-in MiniLM)."""
    model = str(config.get("model") or "")
    return BUILTIN_HUB_ID if model.lower() in {BUILTIN_MODEL.lower(), BUILTIN_HUB_ID.lower()} else model


def _example_text(run_id: str) -> str:
    """A short real test text for code examples (falls back to a neutral sentence)."""
    try:
        texts = results.load_predictions(run_id, columns=["text"])["text"].astype(str)
        short = [t for t in texts.head(50) if 10 <= len(t) <= 80]
        return short[0] if short else "This is an example text."
    except Exception:
        return "This is an example text."


def _example_pair(run_id: str) -> tuple[str, str]:
    """A short real test pair for code examples (falls back to two neutral sentences)."""
    try:
        frame = results.load_predictions(run_id, columns=["text", PAIR_COLUMN]).head(50).astype(str)
        short = [(a, b) for a, b in frame.itertuples(index=False) if 5 <= len(a) <= 80 and 5 <= len(b) <= 80]
        return short[0] if short else ("This is the first text.", "This is the second text.")
    except Exception:
        return "This is the first text.", "This is the second text."


def _task_example(run_id: str, task: Task) -> tuple[str, str | None]:
    """``repr`` of the example text (and of its second text for a pair run) for the usage code."""
    if task.pair:
        first, second = _example_pair(run_id)
        return repr(first), repr(second)
    return repr(_example_text(run_id)), None


def usage_snippet(run_id: str, *, int8: bool = False) -> str:
    """The few lines of Python that load the unzipped export and classify a text."""
    run = serving.require_model(run_id)
    task = task_output.run_task(run_id)
    example, pair_example = _task_example(run_id, task)
    peft = serving.is_peft_folder(serving.model_dir(run_id))
    if task.ner:  # a token classifier: entity groups with character offsets (no int8 copy: refused on export)
        example = repr(card_ner.readable(_example_text(run_id)))  # stored NER texts are words joined by spaces
        return card_ner.usage(example, peft=peft, base=base_model_name(run.config))
    call = "\n".join(card_tasks.pipeline_call(task, example, pair_example, peft=peft)) + "\n"
    if int8:
        return (
            "# Unzip the int8 download; needs: pip install torch transformers safetensors (CPU only)\n"
            "from transformers import pipeline\n\n"
            "from load_int8 import load_int8_folder  # load_int8.py is in the zip\n\n"
            'model, tokenizer = load_int8_folder("int8")\n'
            'classifier = pipeline("text-classification", model=model, tokenizer=tokenizer)\n'
            f"print(classifier({example}, top_k=None))  # every class with its probability\n"
        )
    if peft:
        base = base_model_name(run.config)
        kind = f" problem_type={task.problem_type!r}," if task.target != SINGLE_LABEL else ""
        return (
            "# Unzip the download; needs: pip install torch transformers peft\n"
            "import json\n\n"
            "from peft import PeftModel\n"
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline\n\n"
            'labels = json.load(open("labels.json"))\n'
            f"base = AutoModelForSequenceClassification.from_pretrained({base!r}, num_labels=len(labels),{kind}\n"
            "    id2label=dict(enumerate(labels)), label2id={name: i for i, name in enumerate(labels)})\n"
            'model = PeftModel.from_pretrained(base, "model")  # the prompt-tuning adapter\n'
            'classifier = pipeline("text-classification", model=model, tokenizer=AutoTokenizer.from_pretrained("model"))\n'
            + call
        )
    return (
        "# Unzip the download; needs: pip install torch transformers\n"
        "from transformers import pipeline\n\n"
        'classifier = pipeline("text-classification", model="model")  # the model/ folder from the zip\n'
        + call
    )
