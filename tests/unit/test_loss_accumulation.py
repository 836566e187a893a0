"""Gradient accumulation with the class-weighted loss: one accumulated step equals one full-batch step.

transformers' Trainer does not divide a ``compute_loss_func`` loss by the accumulation steps (it expects the loss to
be normalised by ``num_items_in_batch`` already), so a per-micro-batch mean made the gradients k times too large.
Here one real Trainer step (SGD, lr 1, no clipping) with k micro-batches must move every weight by exactly minus the
gradient of the class-weighted mean loss over the whole accumulated batch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.config import RunConfig
from core.tasks import Task
from core.train import tokencache
from core.train.batching import EncodedSplit
from core.train.losses import class_weight_loss, class_weight_sum
from core.train.run import _encode_frame, label_targets
from core.train.trainer import Prepared, build_trainer

WORDS = ["good", "bad", "fine", "awful", "great", "poor", "nice", "dull", "film", "plot", "acting", "music"]


def tiny_tokenizer(padding_side: str = "right"):
    """A word-level fast tokenizer built in memory (no files, no network)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, **{w: i + 4 for i, w in enumerate(WORDS)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                                   sep_token="[SEP]", padding_side=padding_side)


def _tiny_bert(seed: int = 0):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(WORDS) + 4, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, num_labels=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                        pad_token_id=0)
    return BertForSequenceClassification(config)


def _data(n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(1, 9)))) for _ in range(n)]
    labels = ["neg"] * (3 * n // 4) + ["pos"] * (n - 3 * n // 4)  # imbalanced: weights 0.67 and 2.0
    return pd.DataFrame({"text": texts, "label": labels})


def _prepared(frame: pd.DataFrame, config: RunConfig, tokenizer, model) -> Prepared:
    labels = sorted(frame["label"].unique())
    encoded = {
        "train": _encode_frame(tokenizer, frame, label_targets(frame, Task(), labels), config.max_length,
                               use_cache=False),
        "validation": EncodedSplit(tokencache.encode(tokenizer, [], config.max_length, use_cache=False),
                                            np.zeros(0, dtype=np.int64)),
    }
    return Prepared(config, labels, {"train": frame}, encoded, tokenizer, model, False)


def _full_batch_grads(model, tokenizer, frame: pd.DataFrame, weights, smoothing: float) -> dict:
    import torch

    enc = tokenizer(frame["text"].tolist(), padding=True, return_tensors="pt")
    labels = torch.tensor((frame["label"] == "pos").astype(int).to_numpy())
    model.train()
    model.zero_grad()
    logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
    loss = torch.nn.functional.cross_entropy(logits, labels, weight=weights, label_smoothing=smoothing)
    loss.backward()
    return {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize(("accumulation", "smoothing"), [(3, 0.0), (3, 0.1), (1, 0.0)])
def test_accumulated_step_equals_the_full_batch_step(tmp_path, accumulation, smoothing):
    import torch
    from transformers import TrainerCallback

    frame = _data(12)
    tokenizer = tiny_tokenizer()
    config = RunConfig(dataset_id="x", batch_size=12 // accumulation, gradient_accumulation=accumulation, max_steps=1,
                       class_weighted_loss=True, label_smoothing=smoothing, precision="fp32", device="cpu",
                       weight_decay=0.0, warmup_ratio=0.0, lr_scheduler="constant", max_length=16)
    model = _tiny_bert()
    reference = _tiny_bert()
    reference.load_state_dict(model.state_dict())
    before = {name: p.detach().clone() for name, p in model.named_parameters()}

    trainer = build_trainer(_prepared(frame, config, tokenizer, model), tmp_path, TrainerCallback())
    trainer.args.max_grad_norm = 0.0  # clipping would hide a wrongly scaled gradient
    trainer.args.save_strategy = "no"
    trainer.optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    trainer.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(trainer.optimizer, lambda _: 1.0)
    trainer.train()
    assert trainer.state.global_step == 1

    weights = trainer.class_weights
    assert torch.allclose(weights, torch.tensor([12 / (2 * 9), 12 / (2 * 3)]))
    expected = _full_batch_grads(reference, tokenizer, frame, weights, smoothing)
    moved = {name: before[name] - p.detach() for name, p in model.named_parameters()}  # = lr · gradient
    assert set(expected) <= set(moved)
    for name, grad in expected.items():
        assert torch.allclose(moved[name], grad, rtol=1e-4, atol=1e-6), name


def test_loss_of_micro_batches_adds_up_to_the_weighted_mean():
    import torch

    weights = torch.tensor([0.5, 2.0, 1.0])
    logits = torch.randn(10, 3, generator=torch.Generator().manual_seed(1))
    labels = torch.tensor([0, 1, 2, 0, 0, 1, 2, 2, 0, 1])
    loss_fn = class_weight_loss(weights, 0.0)
    full = torch.nn.functional.cross_entropy(logits, labels, weight=weights)
    total = class_weight_sum(weights, labels)
    parts = sum(loss_fn({"logits": logits[i:i + 4]}, labels[i:i + 4], num_items_in_batch=total) for i in range(0, 10, 4))
    assert torch.allclose(parts, full)
    assert torch.allclose(loss_fn({"logits": logits}, labels), full)  # no count given: the batch's own weighted mean
    # Ignored labels (-100) count for nothing.
    assert float(class_weight_sum(weights, torch.tensor([1, -100, 2]))) == pytest.approx(3.0)
