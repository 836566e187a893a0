"""Training batches and inference batches pad on the tokenizer's side, through one function."""

from __future__ import annotations

import numpy as np
import pytest

from core.train import batching, inference
from core.train.trainer import build_trainer
from tests.unit.test_loss_accumulation import WORDS, tiny_tokenizer


def _tiny_llama():
    """Rotary positions (only distances between tokens matter) and the last real token read: padding on either side
    leaves each text's logits as they are alone, so batched and one-at-a-time predictions must agree."""
    import torch
    from transformers import LlamaConfig, LlamaForSequenceClassification

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(WORDS) + 4, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                         num_key_value_heads=2, intermediate_size=32, num_labels=3, pad_token_id=0,
                         max_position_embeddings=64)
    return LlamaForSequenceClassification(config).eval()


class Recorder:
    """Wraps a model and keeps every ``input_ids`` batch it is given."""

    def __init__(self, model) -> None:
        self.model, self.batches = model, []
        self.config, self.training = model.config, False

    def parameters(self):
        return self.model.parameters()

    def eval(self):
        return self

    def train(self, mode: bool = True):
        return self

    def __call__(self, input_ids, attention_mask):
        self.batches.append((input_ids.numpy().copy(), attention_mask.numpy().copy()))
        return self.model(input_ids=input_ids, attention_mask=attention_mask)


TEXTS = ["good film", "bad plot awful acting dull music", "fine", "great music nice acting", "poor"]


@pytest.mark.parametrize("side", ["left", "right"])
def test_inference_pads_on_the_tokenizers_side_and_matches_one_text_at_a_time(side):
    tokenizer = tiny_tokenizer(side)
    model = Recorder(_tiny_llama())
    batched = inference.predict_proba(model, tokenizer, TEXTS, batch_size=8)
    ids, mask = model.batches[0]
    assert ids.shape[0] == len(TEXTS) and not mask.all()
    for row_ids, row_mask in zip(ids, mask, strict=True):
        padded = np.flatnonzero(row_mask == 0)
        if len(padded):  # pads sit at the tokenizer's end of the row, and only pads are masked
            assert (padded < row_mask.argmax() if side == "left" else padded >= row_mask.sum()).all()
            assert (row_ids[padded] == tokenizer.pad_token_id).all()
    alone = np.vstack([inference.predict_proba(model, tokenizer, [t], batch_size=1) for t in TEXTS])
    np.testing.assert_allclose(batched, alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("side", ["left", "right"])
def test_training_collator_pads_like_inference(side):
    tokenizer = tiny_tokenizer(side)
    encoded = tokenizer(TEXTS)["input_ids"]
    batch = batching.PadCollator(tokenizer.pad_token_id, batching.pad_side(tokenizer))(
        [{"input_ids": np.asarray(x), "labels": 0} for x in encoded])
    ids, mask = batching.pad_ids(encoded, tokenizer.pad_token_id, side)
    np.testing.assert_array_equal(batch["input_ids"].numpy(), ids)
    np.testing.assert_array_equal(batch["attention_mask"].numpy(), mask)
    # And what the tokenizer itself does when asked to pad (DataCollatorWithPadding, the slow path).
    reference = tokenizer(TEXTS, padding=True, return_tensors="np")
    np.testing.assert_array_equal(ids, reference["input_ids"])
    np.testing.assert_array_equal(mask, reference["attention_mask"])


def test_build_trainer_uses_the_tokenizers_side(tmp_path):
    from transformers import TrainerCallback

    from core.config import RunConfig
    from tests.unit.test_loss_accumulation import _data, _prepared, _tiny_bert

    config = RunConfig(dataset_id="x", precision="fp32", device="cpu", max_length=16)
    trainer = build_trainer(_prepared(_data(8), config, tiny_tokenizer("left"), _tiny_bert()), tmp_path,
                            TrainerCallback())
    assert trainer.data_collator.side == "left"
