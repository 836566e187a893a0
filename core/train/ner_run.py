"""What a named-entity run trains on and how it is scored while training: the NER branch of :func:`core.train.run.prepare`.

The dataset's rows are sentences (:mod:`core.ner.table`); the split is the same seeded split as every kind, stratified
by each sentence's rarest entity type; the model is an ``AutoModelForTokenClassification`` whose outputs are the BIO
tags of the training data's entity types (``O``, then ``B-``/``I-`` per type, sorted: :func:`core.ner.schemes.bio_labels`).
Sentences become sub-token windows (:mod:`core.train.ner_data`).  Validation is scored on whole entities per window
(entity F1, as the final report scores whole sentences), so the live curves and early stopping watch what the user
will be judged on.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from core.config import RunConfig
from core.ner.schemes import bio_labels
from core.ner.table import entity_types_of, tags_of, words_of
from core.tasks import Task
from core.train import models
from core.train.ner_data import encode_split
from core.train.trainer import Prepared

log = logging.getLogger("tuneboard.training")


def load_ner_tokenizer(source: str, *, trust_remote_code: bool) -> Any:
    """The model's tokenizer, able to take pre-split words (byte-level BPE tokenizers need ``add_prefix_space``)."""
    tokenizer = models.load_tokenizer(source, trust_remote_code=trust_remote_code)
    if getattr(tokenizer, "add_prefix_space", None) is False:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(models.model_source(source), add_prefix_space=True,
                                                  trust_remote_code=trust_remote_code)
    if not getattr(tokenizer, "is_fast", True):
        from core.errors import ModelError
        from core.i18n import message

        raise ModelError(message("error.ner.slow_tokenizer", model=source))
    return tokenizer


def prepare_ner(config: RunConfig, frames: dict[str, pd.DataFrame], task: Task) -> Prepared:
    """Tokenise every split into windows and load a token classifier for the training data's entity types."""
    types = entity_types_of(frames["train"]["label"])
    labels = bio_labels(types)
    label2id = {tag: i for i, tag in enumerate(labels)}
    tokenizer = load_ner_tokenizer(config.model, trust_remote_code=config.trust_remote_code)
    encoded = {
        name: encode_split(tokenizer, [words_of(t) for t in frame["text"]], [tags_of(t) for t in frame["label"]],
                           label2id, config.max_length)
        for name, frame in frames.items()
    }
    encoded["validation"] = encoded["validation"].sorted_by_length()
    for name, split in encoded.items():
        if split.split_sentences:
            log.info("%s: %d sentences longer than %d sub-tokens were split into overlapping windows",
                     name, split.split_sentences, config.max_length)
    model = models.load_token_classifier(config.model, labels, trust_remote_code=config.trust_remote_code)
    from core.train.adapters import apply_freezing, apply_peft

    apply_freezing(model, config)
    model, is_peft = apply_peft(model, config, token_classification=True)
    log.info("task ner; split sizes: %s; entity types: %s", {k: len(v) for k, v in frames.items()}, types)
    return Prepared(config, labels, frames, encoded, tokenizer, model, is_peft, task=task)
