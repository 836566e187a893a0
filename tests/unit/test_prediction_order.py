"""Predictions come back in the order the texts arrived, whatever the batch size and the length sorting inside.

The reference is the model run on one text at a time straight through ``model(**tokenizer(text))`` — not
``predict_proba`` itself — so a wrong order inside ``predict_proba`` cannot hide on both sides of the comparison.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.train import inference
from tests.unit.test_loss_accumulation import WORDS, tiny_tokenizer

# Lengths deliberately out of order: longest first, shortest in the middle (length sorting must be undone).
TEXTS = ["bad plot awful acting dull music poor film", "good", "great music nice acting", "fine film", "dull"]


@pytest.fixture(scope="module")
def model_and_tokenizer():
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(3)  # a wider initialisation than BERT's 0.02, so that every text gets its own scores
    config = BertConfig(vocab_size=len(WORDS) + 4, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, num_labels=3, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                        pad_token_id=0, initializer_range=0.3)
    return BertForSequenceClassification(config), tiny_tokenizer()


def one_at_a_time(model, tokenizer, texts, activation="softmax"):
    import torch

    rows = []
    model.eval()
    with torch.inference_mode():
        for text in texts:
            logits = model(**tokenizer(text, return_tensors="pt")).logits.float()
            rows.append({"softmax": torch.softmax(logits, -1), "sigmoid": torch.sigmoid(logits),
                         "none": logits}[activation][0].numpy())
    return np.vstack(rows)


@pytest.mark.parametrize("batch_size", [1, 2, 64])
def test_rows_follow_the_input_order_for_any_batch_size(model_and_tokenizer, batch_size):
    model, tokenizer = model_and_tokenizer
    expected = one_at_a_time(model, tokenizer, TEXTS)
    assert len({tuple(np.round(row, 3)) for row in expected}) == len(TEXTS)  # rows differ, so an order shows
    got = inference.predict_proba(model, tokenizer, TEXTS, batch_size=batch_size)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("activation", ["sigmoid", "none"])
def test_activations_are_applied_per_row_in_input_order(model_and_tokenizer, activation):
    model, tokenizer = model_and_tokenizer
    got = inference.predict_proba(model, tokenizer, TEXTS, batch_size=2, activation=activation)
    np.testing.assert_allclose(got, one_at_a_time(model, tokenizer, TEXTS, activation), rtol=1e-4, atol=1e-6)


def test_cached_token_ids_give_the_same_rows_as_tokenising(model_and_tokenizer):
    from core.train import tokencache

    model, tokenizer = model_and_tokenizer
    tokens = tokencache.encode(tokenizer, TEXTS, 32, use_cache=False)
    got = inference.predict_proba(model, tokenizer, TEXTS, batch_size=2, token_ids=tokens)
    np.testing.assert_allclose(got, one_at_a_time(model, tokenizer, TEXTS), rtol=1e-4, atol=1e-6)


def test_progress_counts_up_to_every_text_and_the_model_keeps_its_mode(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    seen: list[tuple[int, int]] = []
    model.train()
    inference.predict_proba(model, tokenizer, TEXTS, batch_size=2, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert model.training  # a model handed over in training mode goes back to it
    model.eval()


def test_no_texts_give_an_empty_table_with_one_column_per_label(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    assert inference.predict_proba(model, tokenizer, []).shape == (0, 3)


def test_truncation_happens_at_max_length(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    long_text = " ".join(WORDS * 3)
    short = tokenizer(long_text, truncation=True, max_length=6, return_tensors="pt")
    import torch

    with torch.inference_mode():
        expected = torch.softmax(model.eval()(**short).logits, -1).numpy()
    np.testing.assert_allclose(inference.predict_proba(model, tokenizer, [long_text], max_length=6), expected,
                               rtol=1e-4, atol=1e-6)


texts_strategy = st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=9).map(" ".join),
                          min_size=1, max_size=10)


@given(texts=texts_strategy, batch_size=st.integers(1, 8), data=st.data())
def test_property_rows_depend_neither_on_batch_size_nor_on_arrival_order(model_and_tokenizer, texts, batch_size,
                                                                          data):
    model, tokenizer = model_and_tokenizer
    expected = one_at_a_time(model, tokenizer, texts)
    np.testing.assert_allclose(inference.predict_proba(model, tokenizer, texts, batch_size=batch_size), expected,
                               rtol=1e-4, atol=1e-6)
    order = data.draw(st.permutations(range(len(texts))))
    shuffled = inference.predict_proba(model, tokenizer, [texts[i] for i in order], batch_size=batch_size)
    np.testing.assert_allclose(shuffled, expected[list(order)], rtol=1e-4, atol=1e-6)
