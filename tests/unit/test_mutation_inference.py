"""Batched inference beyond single texts: pairs and their segment ids, token ids handed over, the defaults
(``max_length`` 128, batches of 64), the pad id and device the model is given, and float32 scores.

As in test_prediction_order.py the reference is the model run on one input at a time straight through the
tokenizer, never ``predict_proba`` itself; a recording model shows the exact batches a model is given."""

from __future__ import annotations

import numpy as np
import pytest

from core.train import inference, tokencache
from tests.unit.test_loss_accumulation import WORDS
from tests.unit.test_mutation_tokencache import pair_tokenizer

FIRSTS = ["bad plot awful acting dull music poor film", "good", "great music", "fine film", "dull"]
SECONDS = ["good", "awful acting dull music", "nice", "poor plot", "great film great music"]


@pytest.fixture(scope="module")
def pair_model():
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(5)  # wide weights, so that every pair (and every segment id) gets its own scores
    config = BertConfig(vocab_size=len(WORDS) + 4, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, num_labels=3, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                        pad_token_id=0, initializer_range=0.5, type_vocab_size=2)
    return BertForSequenceClassification(config).eval()


def one_at_a_time(model, tokenizer, firsts, seconds=None, max_length=None):
    import torch

    rows = []
    with torch.inference_mode():
        for i, text in enumerate(firsts):
            args = (text,) if seconds is None else (text, seconds[i])
            enc = tokenizer(*args, return_tensors="pt", truncation=max_length is not None, max_length=max_length)
            rows.append(torch.softmax(model(**enc).logits.float(), -1)[0].numpy())
    return np.vstack(rows)


class Recorder:
    """A model that keeps every batch it is given and scores each row by its first token."""

    def __init__(self, params_device: str = "cpu") -> None:
        import torch

        self.param = torch.zeros(1, device=params_device)
        self.config = type("Config", (), {"num_labels": 2})()
        self.training, self.calls = False, []

    def parameters(self):
        return iter([self.param])

    def eval(self):
        return self

    def train(self, mode: bool = True):
        return self

    def __call__(self, **inputs):
        import torch

        self.calls.append({name: (t.device.type, t.to("cpu").tolist() if t.device.type != "meta" else None)
                           for name, t in inputs.items()})
        n = inputs["input_ids"].shape[0]
        logits = torch.zeros(n, 2) if inputs["input_ids"].device.type == "meta" else torch.stack(
            [inputs["input_ids"][:, 0].float(), inputs["attention_mask"].sum(1).float()], 1).cpu()
        return type("Out", (), {"logits": logits})()


@pytest.mark.parametrize("batch_size", [1, 2, 64])
def test_pairs_follow_the_input_order_and_use_their_segment_ids(pair_model, batch_size):
    tokenizer = pair_tokenizer()
    expected = one_at_a_time(pair_model, tokenizer, FIRSTS, SECONDS)
    got = inference.predict_proba(pair_model, tokenizer, FIRSTS, pairs=SECONDS, batch_size=batch_size)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    swapped = one_at_a_time(pair_model, tokenizer, SECONDS, FIRSTS)
    assert np.abs(swapped - expected).max() > 1e-3  # the order inside a pair shows in the scores


def test_pairs_handed_over_as_cached_tokens_are_not_tokenised_again(pair_model):
    tokenizer = pair_tokenizer()
    tokens = tokencache.encode(tokenizer, FIRSTS, 6, pairs=SECONDS, use_cache=False)  # truncated at 6
    got = inference.predict_proba(pair_model, tokenizer, FIRSTS, pairs=SECONDS, token_ids=tokens, batch_size=2)
    expected = one_at_a_time(pair_model, tokenizer, FIRSTS, SECONDS, max_length=6)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    assert np.abs(expected - one_at_a_time(pair_model, tokenizer, FIRSTS, SECONDS)).max() > 1e-3


def test_pairs_are_truncated_at_max_length(pair_model):
    tokenizer = pair_tokenizer()
    got = inference.predict_proba(pair_model, tokenizer, FIRSTS, pairs=SECONDS, max_length=6, batch_size=2)
    np.testing.assert_allclose(got, one_at_a_time(pair_model, tokenizer, FIRSTS, SECONDS, max_length=6),
                               rtol=1e-4, atol=1e-6)


def test_pairs_with_tokens_of_other_texts_are_tokenised(pair_model):
    tokenizer = pair_tokenizer()
    stale = tokencache.encode(tokenizer, FIRSTS[:2], 6, pairs=SECONDS[:2], use_cache=False)  # two rows for five texts
    got = inference.predict_proba(pair_model, tokenizer, FIRSTS, pairs=SECONDS, token_ids=stale, batch_size=2)
    np.testing.assert_allclose(got, one_at_a_time(pair_model, tokenizer, FIRSTS, SECONDS), rtol=1e-4, atol=1e-6)


def test_plain_token_ids_are_used_as_given(pair_model):
    tokenizer = pair_tokenizer()
    ids = [[2, 5, 3], [2, 4, 4, 4, 3], [2, 3]]  # not what the tokenizer makes of these texts
    got = inference.predict_proba(pair_model, tokenizer, ["good", "bad", "fine film"], token_ids=ids, batch_size=2)
    np.testing.assert_allclose(got, one_at_a_time(pair_model, tokenizer, ["bad", "good good good", ""]),
                               rtol=1e-4, atol=1e-6)
    wrong_length = inference.predict_proba(pair_model, tokenizer, ["good", "bad"], token_ids=ids)
    np.testing.assert_allclose(wrong_length, one_at_a_time(pair_model, tokenizer, ["good", "bad"]),
                               rtol=1e-4, atol=1e-6)


def test_texts_are_truncated_at_128_tokens_by_default(pair_model):
    tokenizer = pair_tokenizer()
    long_text = " ".join(WORDS * 12)  # 144 words
    got = inference.predict_proba(pair_model, tokenizer, [long_text])
    np.testing.assert_allclose(got, one_at_a_time(pair_model, tokenizer, [long_text], max_length=128),
                               rtol=1e-4, atol=1e-6)
    assert np.abs(got - one_at_a_time(pair_model, tokenizer, [long_text], max_length=129)).max() > 1e-4


def test_batches_hold_64_texts_by_default(pair_model):
    seen = []
    texts = [WORDS[i % len(WORDS)] for i in range(70)]
    got = inference.predict_proba(pair_model, pair_tokenizer(), texts, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(64, 70), (70, 70)]
    assert got.shape == (70, 3) and got.dtype == np.float32


def test_scores_are_float32_even_for_no_texts(pair_model):
    empty = inference.predict_proba(pair_model, pair_tokenizer(), [])
    assert empty.shape == (0, 3) and empty.dtype == np.float32
    assert inference.predict_proba(pair_model, pair_tokenizer(), ["good"]).dtype == np.float32


@pytest.mark.parametrize(("side", "ids", "types", "mask"), [
    ("right", [[2, 5, 3, 8, 3, 0], [2, 4, 12, 3, 6, 3]], [[0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 1, 1]],
     [[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]]),
    ("left", [[0, 2, 5, 3, 8, 3], [2, 4, 12, 3, 6, 3]], [[0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1]],
     [[0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]]),
])
def test_pair_batches_pad_ids_and_segment_ids_on_the_tokenizers_side(side, ids, types, mask):
    model = Recorder()
    inference.predict_proba(model, pair_tokenizer(padding_side=side), ["good film", "bad"], pairs=["fine", "great"])
    [call] = model.calls
    assert call["input_ids"][1] == ids and call["token_type_ids"][1] == types and call["attention_mask"][1] == mask


def test_single_texts_are_given_no_segment_ids():
    model = Recorder()
    inference.predict_proba(model, pair_tokenizer(), ["good film", "bad"])
    assert set(model.calls[0]) == {"input_ids", "attention_mask"}


def test_batches_are_padded_with_the_tokenizers_pad_id_or_zero():
    model = Recorder()
    inference.predict_proba(model, pair_tokenizer(pad_token="[SEP]"), ["good film", "bad"])  # pad id 3
    assert model.calls[0]["input_ids"][1] == [[2, 5, 3, 3], [2, 4, 12, 3]]
    model = Recorder()
    tokenizer = pair_tokenizer(pad_token=None)
    assert tokenizer.pad_token_id is None
    scores = inference.predict_proba(model, tokenizer, ["good film", "bad"], activation="none")
    assert model.calls[0]["input_ids"][1] == [[2, 5, 3, 0], [2, 4, 12, 3]]
    np.testing.assert_array_equal(scores, [[2, 4], [2, 3]])  # first token, real tokens: rows back in input order


def test_inputs_go_to_the_models_device_or_the_one_asked_for():
    import torch

    model = Recorder(params_device="meta")
    inference.predict_proba(model, pair_tokenizer(), ["good film", "bad"], pairs=["fine", "great"])
    assert {name: device for name, (device, _) in model.calls[0].items()} == {
        "input_ids": "meta", "attention_mask": "meta", "token_type_ids": "meta"}
    model = Recorder()
    inference.predict_proba(model, pair_tokenizer(), ["good film", "bad"], pairs=["fine", "great"],
                            device=torch.device("meta"))
    assert {device for device, _ in model.calls[0].values()} == {"meta"}
