"""Batches of token ids, pinned exactly: the padding rule on both sides, the evaluation batches (ties keep their
order, the last batch is short), the tokenised split, the training collator and the training order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.train.batching import (
    EncodedSplit,
    LengthBucketSampler,
    PadCollator,
    length_sorted_batches,
    pad_ids,
    pad_side,
)
from core.train.tokencache import TokenizedTexts

SEQUENCES = [[7, 8], [5], [1, 2, 3, 4], []]


class _Tokenizer:
    def __init__(self, **attrs) -> None:
        self.__dict__.update(attrs)


def _batches(order: list[int], size: int) -> list[list[int]]:
    return [order[i : i + size] for i in range(0, len(order), size)]


# --- pad_side -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("tokenizer", "side"), [
    (_Tokenizer(padding_side="left"), "left"),
    (_Tokenizer(padding_side="right"), "right"),
    (_Tokenizer(), "right"),  # no padding_side at all: right, as tokenizers do by default
    (_Tokenizer(padding_side="LEFT"), "right"),  # only the exact word left pads on the left
])
def test_pad_side_reads_the_tokenizers_padding_side(tokenizer, side):
    assert pad_side(tokenizer) == side


# --- pad_ids ------------------------------------------------------------------------------------------------------

def test_right_padding_puts_pads_after_each_sequence():
    ids, mask = pad_ids(SEQUENCES, 9)
    np.testing.assert_array_equal(ids, [[7, 8, 9, 9], [5, 9, 9, 9], [1, 2, 3, 4], [9, 9, 9, 9]])
    np.testing.assert_array_equal(mask, [[1, 1, 0, 0], [1, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]])
    assert ids.dtype == np.int64 and mask.dtype == np.int64


def test_left_padding_puts_pads_before_each_sequence():
    ids, mask = pad_ids(SEQUENCES, 9, "left")
    np.testing.assert_array_equal(ids, [[9, 9, 7, 8], [9, 9, 9, 5], [1, 2, 3, 4], [9, 9, 9, 9]])
    np.testing.assert_array_equal(mask, [[0, 0, 1, 1], [0, 0, 0, 1], [1, 1, 1, 1], [0, 0, 0, 0]])
    assert ids.dtype == np.int64 and mask.dtype == np.int64


def test_any_side_but_left_pads_on_the_right():
    ids, mask = pad_ids([[3], [4, 5]], 0, "Left")
    np.testing.assert_array_equal(ids, [[3, 0], [4, 5]])
    np.testing.assert_array_equal(mask, [[1, 0], [1, 1]])


def test_ids_are_int64_whatever_integer_type_the_pad_id_has():
    ids, _ = pad_ids([[3], [4, 5]], np.int32(1))
    assert ids.dtype == np.int64
    np.testing.assert_array_equal(ids, [[3, 1], [4, 5]])


def test_one_sequence_and_sequences_of_one_length_need_no_padding():
    ids, mask = pad_ids([[6, 7, 8]], 0, "left")
    np.testing.assert_array_equal(ids, [[6, 7, 8]])
    np.testing.assert_array_equal(mask, [[1, 1, 1]])
    ids, mask = pad_ids([np.array([1, 2]), np.array([3, 4])], 0)
    np.testing.assert_array_equal(ids, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(mask, [[1, 1], [1, 1]])


@pytest.mark.parametrize("side", ["left", "right"])
def test_no_sequences_give_empty_arrays(side):
    ids, mask = pad_ids([], 0, side)
    assert ids.shape == (0, 0) and mask.shape == (0, 0)
    ids, mask = pad_ids([[], []], 5, side)
    assert ids.shape == (2, 0) and mask.shape == (2, 0)


# --- length_sorted_batches ----------------------------------------------------------------------------------------

def test_length_sorted_batches_are_shortest_first_with_a_short_last_batch():
    batches = length_sorted_batches([5, 1, 4, 2, 3, 6, 0], 3)
    assert [b.tolist() for b in batches] == [[6, 1, 3], [4, 2, 0], [5]]


def test_equal_lengths_keep_their_input_order():
    lengths = [2, 1] * 6  # twelve texts, two lengths: a sort that is not stable mixes the ties up
    assert [b.tolist() for b in length_sorted_batches(lengths, 5)] == [[1, 3, 5, 7, 9], [11, 0, 2, 4, 6], [8, 10]]
    assert [b.tolist() for b in length_sorted_batches([3] * 11, 4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]


def test_length_sorted_batches_edges():
    assert length_sorted_batches([], 4) == []
    assert [b.tolist() for b in length_sorted_batches([7], 4)] == [[0]]
    assert [b.tolist() for b in length_sorted_batches([3, 2, 1], 1)] == [[2], [1], [0]]
    assert [b.tolist() for b in length_sorted_batches([3, 2, 1, 0], 4)] == [[3, 2, 1, 0]]
    assert [b.tolist() for b in length_sorted_batches([3, 2, 1, 0], 100)] == [[3, 2, 1, 0]]


@settings(deadline=None)  # as the project profile: a busy machine must not fail an example
@given(lengths=st.lists(st.integers(0, 6), max_size=60), batch_size=st.integers(1, 9))
def test_property_length_sorted_batches_cover_every_index_once_in_length_order(lengths, batch_size):
    batches = [b.tolist() for b in length_sorted_batches(lengths, batch_size)]
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    assert all(len(b) == batch_size for b in batches[:-1]) and all(0 < len(b) <= batch_size for b in batches)
    assert flat == sorted(range(len(lengths)), key=lambda i: (lengths[i], i))  # by length, ties in input order


# --- EncodedSplit -------------------------------------------------------------------------------------------------

def _tokens(lengths: list[int], with_types: bool = False) -> TokenizedTexts:
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ids = np.arange(1, int(offsets[-1]) + 1, dtype=np.int32)
    types = (ids % 2).astype(np.int8) if with_types else None
    return TokenizedTexts(ids, offsets, type_ids=types)


def test_items_carry_their_ids_and_a_plain_int_label():
    split = EncodedSplit(_tokens([2, 1, 3]), np.array([1, 0, 2]))
    assert len(split) == 3
    item = split[2]
    assert item["input_ids"].tolist() == [4, 5, 6] and item["labels"] == 2 and type(item["labels"]) is int
    assert "token_type_ids" not in item
    assert split.lengths.tolist() == [2, 1, 3]


def test_class_ids_of_any_integer_type_become_int64():
    split = EncodedSplit(_tokens([1, 1]), np.array([1, 0], dtype=np.int32))
    assert split.label_ids.dtype == np.int64 and split.label_ids.tolist() == [1, 0]
    flags = EncodedSplit(_tokens([1, 1]), np.array([True, False]))
    assert flags[0]["labels"] == 1 and type(flags[0]["labels"]) is int


def test_float_labels_stay_floats_and_label_rows_stay_rows():
    split = EncodedSplit(_tokens([1, 1]), np.array([0.25, 3.5]))
    assert split[1]["labels"] == 3.5 and type(split[1]["labels"]) is float
    rows = EncodedSplit(_tokens([1, 1]), np.array([[0.0, 1.0], [1.0, 1.0]], dtype=np.float32))
    assert rows[0]["labels"].tolist() == [0.0, 1.0]
    assert PadCollator(0)([rows[0], rows[1]])["labels"].tolist() == [[0.0, 1.0], [1.0, 1.0]]


def test_items_follow_the_given_order():
    split = EncodedSplit(_tokens([2, 1, 3]), np.array([10, 11, 12]), order=[2, 0])
    assert len(split) == 2
    assert split[0]["input_ids"].tolist() == [4, 5, 6] and split[0]["labels"] == 12
    assert split[1]["input_ids"].tolist() == [1, 2] and split[1]["labels"] == 10
    assert split.lengths.tolist() == [3, 2]


def test_pairs_carry_their_segment_ids():
    split = EncodedSplit(_tokens([2, 3], with_types=True), np.array([0, 1]))
    assert split[1]["input_ids"].tolist() == [3, 4, 5]
    assert split[1]["token_type_ids"].tolist() == [1, 0, 1]


def test_sorted_by_length_keeps_equal_lengths_in_their_order():
    lengths = [2, 1] * 6
    split = EncodedSplit(_tokens(lengths), np.arange(12))
    ordered = split.sorted_by_length()
    assert [ordered[i]["labels"] for i in range(12)] == [1, 3, 5, 7, 9, 11, 0, 2, 4, 6, 8, 10]
    assert ordered.lengths.tolist() == [1] * 6 + [2] * 6
    assert [item["labels"] for item in split] == list(range(12))  # the original split is left as it was


# --- PadCollator --------------------------------------------------------------------------------------------------

def test_collator_pads_ids_and_keeps_class_ids_as_int64():
    import torch

    split = EncodedSplit(_tokens([2, 1, 3]), np.array([1, 0, 2]))
    batch = PadCollator(0)([split[0], split[1], split[2]])
    assert set(batch) == {"input_ids", "attention_mask", "labels"}
    assert batch["input_ids"].tolist() == [[1, 2, 0], [3, 0, 0], [4, 5, 6]]
    assert batch["attention_mask"].tolist() == [[1, 1, 0], [1, 0, 0], [1, 1, 1]]
    assert batch["labels"].tolist() == [1, 0, 2]
    assert batch["input_ids"].dtype == batch["attention_mask"].dtype == batch["labels"].dtype == torch.int64


def test_collator_on_the_left_with_its_pad_id_and_float_labels():
    import torch

    features = [{"input_ids": np.array([5, 6]), "labels": 0.5}, {"input_ids": np.array([7]), "labels": 2.0}]
    batch = PadCollator(3, "left")(features)
    assert batch["input_ids"].tolist() == [[5, 6], [3, 7]]
    assert batch["attention_mask"].tolist() == [[1, 1], [0, 1]]
    assert batch["labels"].dtype == torch.float32 and batch["labels"].tolist() == [0.5, 2.0]


def test_collator_defaults_to_the_right():
    batch = PadCollator(4)([{"input_ids": [1], "labels": 1}, {"input_ids": [2, 3], "labels": 0}])
    assert batch["input_ids"].tolist() == [[1, 4], [2, 3]]


@pytest.mark.parametrize(("side", "types"), [("right", [[1, 0, 1], [0, 1, 0]]), ("left", [[1, 0, 1], [0, 0, 1]])])
def test_collator_pads_segment_ids_with_zeros_on_the_same_side(side, types):
    import torch

    split = EncodedSplit(_tokens([3, 2], with_types=True), np.array([0, 1]))
    batch = PadCollator(9, side)([split[0], split[1]])
    assert batch["token_type_ids"].tolist() == types
    assert batch["token_type_ids"].dtype == torch.int64
    assert batch["input_ids"].tolist() == ([[1, 2, 3], [4, 5, 9]] if side == "right" else [[1, 2, 3], [9, 4, 5]])


def test_collator_of_one_pair():
    split = EncodedSplit(_tokens([2], with_types=True), np.array([1]))
    batch = PadCollator(0)([split[0]])
    assert batch["token_type_ids"].tolist() == [[1, 0]] and batch["labels"].tolist() == [1]


# --- LengthBucketSampler ------------------------------------------------------------------------------------------

def _epoch(lengths, batch_size, seed=0, **kwargs) -> list[int]:
    import torch

    torch.manual_seed(seed)
    return list(LengthBucketSampler(lengths, batch_size, **kwargs))


def test_sampler_globally_sorted_batches_longest_first_short_batch_last():
    lengths = [5, 3, 9, 1, 7, 2, 8, 4, 6, 0]
    for seed in range(5):
        order = _epoch(lengths, 3, seed, chunk_batches=100)  # one chunk: every batch holds neighbouring lengths
        batches = [[lengths[i] for i in b] for b in _batches(order, 3)]
        assert batches[0] == [7, 8, 9] and batches[-1] == [0]
        assert sorted(batches[1:3]) == [[1, 2, 3], [4, 5, 6]]


def test_sampler_is_the_same_for_the_same_seed_and_changes_with_it():
    lengths = np.random.default_rng(1).integers(1, 30, size=50)
    assert _epoch(lengths, 4, 7) == _epoch(lengths, 4, 7)
    assert _epoch(lengths, 4, 7) != _epoch(lengths, 4, 8)
    assert len(LengthBucketSampler(lengths, 4)) == 50


def test_sampler_seeded_orders_are_pinned():
    # Equal lengths everywhere: which texts make the short batch and how ties sit in a chunk come from the seed.
    assert _epoch([4] * 12, 5, chunk_batches=2) == [7, 9, 11, 6, 1, 5, 4, 3, 2, 10, 8, 0]
    assert _epoch([5, 3, 9, 1, 7, 2, 8, 4, 6, 0], 3, chunk_batches=1) == [0, 6, 2, 3, 7, 8, 5, 1, 4, 9]
    assert _epoch([3, 1, 2] * 10, 4, chunk_batches=2) == [21, 0, 18, 6, 24, 9, 3, 12, 10, 29, 20, 15, 2, 11, 14, 27, 4,
                                                          23, 17, 5, 22, 1, 8, 26, 7, 28, 19, 16, 13, 25]
    lengths = [(7 * i) % 11 for i in range(36)]  # eighteen batches of two: the default chunk is sixteen batches
    assert _epoch(lengths, 2, seed=1) == [6, 25, 5, 16, 17, 28, 35, 24, 19, 30, 7, 29, 34, 23, 14, 3, 4, 20, 8, 27,
                                          10, 18, 12, 1, 22, 0, 33, 11, 2, 13, 32, 21, 9, 31, 26, 15]


def test_sampler_with_fewer_texts_than_one_batch_gives_them_shortest_first():
    assert _epoch([3, 1, 2], 8) == [1, 2, 0]
    assert _epoch([], 8) == []


@pytest.mark.parametrize("batch_size", [1, 0, -3])
def test_sampler_batch_of_one_puts_the_longest_text_first_and_no_short_batch(batch_size):
    lengths = [3, 1, 4, 1, 5, 9, 2, 6, 0]
    lasts = set()
    for seed in range(6):
        order = _epoch(lengths, batch_size, seed)
        assert sorted(order) == list(range(9)) and order[0] == 5
        lasts.add(order[-1])
    assert lasts != {8}  # the shortest text is not held back as a short batch


@pytest.mark.parametrize("chunk_batches", [1, 0])
def test_sampler_chunks_of_one_batch_make_random_batches(chunk_batches):
    lengths = np.arange(1, 1001)
    order = np.asarray(_epoch(lengths, 8, chunk_batches=chunk_batches))
    spans = [lengths[b].max() - lengths[b].min() for b in order.reshape(-1, 8)]
    assert np.mean(spans) > 650  # eight random texts of 1..1000 span ~780; chunks of two batches would give ~420
    assert all((np.diff(lengths[b]) > 0).all() for b in order.reshape(-1, 8))  # still sorted inside each batch


@settings(deadline=None)
@given(lengths=st.lists(st.integers(1, 12), max_size=70), batch_size=st.integers(1, 9),
       chunk_batches=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_property_sampler_covers_every_index_once_longest_first_shortest_last(lengths, batch_size, chunk_batches,
                                                                               seed):
    order = _epoch(lengths, batch_size, seed, chunk_batches=chunk_batches)
    assert sorted(order) == list(range(len(lengths)))
    if not lengths:
        return
    values = np.asarray(lengths)
    batches = _batches(order, batch_size)
    assert max(values[batches[0]]) == values.max()  # the longest batch comes first
    tail = len(lengths) % batch_size
    if tail:  # the short batch is last and holds the shortest texts
        assert sorted(values[order[-tail:]].tolist()) == sorted(lengths)[:tail]
    assert all((np.diff(values[b]) >= 0).all() for b in batches)  # each batch shortest first
