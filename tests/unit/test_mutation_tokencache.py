"""The token cache, pinned exactly: the ids and segment ids it stores, what makes a hit (the same tokenizer, max_length
and texts) and a miss (anything else), files written atomically in the cache folder, damaged files and pruning.

Tokenizers are built in memory (a word-level fast tokenizer with a pair template), plus small stand-ins where a real
tokenizer cannot show a case (ids beyond int32, a tokenizer without a backend)."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import numpy as np
import pytest

from core.train import tokencache
from core.train.tokencache import TokenizedTexts
from tests.unit.test_loss_accumulation import WORDS

# [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3, then good=4 bad=5 fine=6 awful=7 great=8 poor=9 nice=10 dull=11 film=12 ...
TEXTS = ["good film", "bad", "great music nice acting", "dull plot"]
SECONDS = ["fine", "poor acting", "film", "awful dull music plot"]


def pair_tokenizer(*, uses_types: bool = True, padding_side: str = "right", single: str = "[CLS] $A [SEP]",
                   lowercase: bool = False, pad_token: str | None = "[PAD]"):
    """A word-level fast tokenizer with a pair template (``[CLS] a [SEP] b [SEP]``, b in segment 1)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, **{w: i + 4 for i, w in enumerate(WORDS)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    if lowercase:
        tok.normalizer = normalizers.Lowercase()
    tok.post_processor = processors.TemplateProcessing(
        single=single, pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    names = ["input_ids", "token_type_ids", "attention_mask"] if uses_types else ["input_ids", "attention_mask"]
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
                                   padding_side=padding_side, model_input_names=names,
                                   **({"pad_token": pad_token} if pad_token else {}))


class WordIds:
    """A tokenizer without a fast backend: every word is its number; truncation keeps the first ``max_length``."""

    __module__ = "stand_ins"  # fingerprints hash the class name: the same however pytest imports this file

    def __init__(self, vocab=None, init_kwargs=None, types: bool = False, **attrs) -> None:
        self.vocab = vocab if vocab is not None else {"1": 1, "2": 2}
        if init_kwargs is not None:
            self.init_kwargs = init_kwargs
        self.types = types
        self.calls = 0
        self.__dict__.update(attrs)

    def get_vocab(self):
        return dict(self.vocab)

    def __call__(self, texts, pairs=None, truncation=None, max_length=None, padding=False):
        self.calls += 1
        ids = [[int(w) for w in t.split()] for t in texts]
        if pairs is not None:
            ids = [a + [int(w) for w in b.split()] for a, b in zip(ids, pairs, strict=True)]
        if truncation is not False and max_length is not None:
            ids = [x[:max_length] for x in ids]
        out = {"input_ids": ids}
        if self.types:
            out["token_type_ids"] = [[i % 2 for i in range(len(x))] for x in ids]
        return out


class Backend:
    """A stand-in for a fast tokenizer's backend: its serialised spec, counting how often it is serialised."""

    __module__ = "stand_ins"

    def __init__(self, spec: str) -> None:
        self.spec, self.serialised = spec, 0

    def to_str(self) -> str:
        self.serialised += 1
        return self.spec


class FastLike:
    __module__ = "stand_ins"

    def __init__(self, spec: str, **attrs) -> None:
        self.backend_tokenizer = Backend(spec)
        self.__dict__.update(attrs)


class FastLikeToo(FastLike):
    __module__ = "stand_ins"


def _files() -> list[Path]:
    return sorted(tokencache.cache_dir().glob("*.npz"))


# --- TokenizedTexts -----------------------------------------------------------------------------------------------

def test_tokenized_texts_slices_the_flat_ids():
    tokens = TokenizedTexts(np.array([5, 6, 7, 8, 9, 10], dtype=np.int32), np.array([0, 2, 2, 5, 6]),
                            type_ids=np.array([0, 1, 0, 0, 1, 1], dtype=np.int8))
    assert len(tokens) == 4
    assert tokens[0].tolist() == [5, 6] and tokens[1].tolist() == [] and tokens[3].tolist() == [10]
    assert [x.tolist() for x in tokens] == [[5, 6], [], [7, 8, 9], [10]]
    assert tokens.as_lists() == [[5, 6], [], [7, 8, 9], [10]]
    assert tokens.lengths.tolist() == [2, 0, 3, 1]
    assert tokens.types(2).tolist() == [0, 0, 1] and tokens.types(0).tolist() == [0, 1]
    assert tokens.key == "" and tokens.cache_hit is False
    plain = TokenizedTexts(np.array([1], dtype=np.int32), np.array([0, 1]))
    assert plain.types(0) is None and plain.type_ids is None and len(plain) == 1


# --- tokenize -----------------------------------------------------------------------------------------------------

def test_tokenize_single_texts_exactly():
    ids, offsets, types = tokencache.tokenize(pair_tokenizer(), TEXTS, 16)
    assert ids.tolist() == [2, 4, 12, 3, 2, 5, 3, 2, 8, 15, 10, 14, 3, 2, 11, 13, 3]
    assert offsets.tolist() == [0, 4, 7, 13, 17]
    assert ids.dtype == np.int32 and offsets.dtype == np.int64
    assert types is None  # single texts have no segment ids, even with a tokenizer that uses them


def test_tokenize_truncates_at_max_length_without_padding():
    ids, offsets, _ = tokencache.tokenize(pair_tokenizer(), TEXTS, 3)
    assert ids.tolist() == [2, 4, 3, 2, 5, 3, 2, 8, 3, 2, 11, 3]
    assert offsets.tolist() == [0, 3, 6, 9, 12]


def test_tokenize_pairs_with_segment_ids():
    ids, offsets, types = tokencache.tokenize(pair_tokenizer(), TEXTS[:2], 16, pairs=SECONDS[:2])
    assert ids.tolist() == [2, 4, 12, 3, 6, 3, 2, 5, 3, 9, 14, 3]
    assert offsets.tolist() == [0, 6, 12]
    assert types.tolist() == [0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1] and types.dtype == np.int8


def test_tokenize_pairs_without_segment_ids_when_the_model_takes_none():
    ids, offsets, types = tokencache.tokenize(pair_tokenizer(uses_types=False), TEXTS[:1], 16, pairs=SECONDS[:1])
    assert ids.tolist() == [2, 4, 12, 3, 6, 3] and offsets.tolist() == [0, 6] and types is None
    # A tokenizer that returns segment ids but names no model inputs: none either.
    _, _, types = tokencache.tokenize(WordIds(types=True), ["1 2"], 8, pairs=["3"])
    assert types is None
    _, _, types = tokencache.tokenize(WordIds(types=True, model_input_names=["input_ids", "token_type_ids"]),
                                      ["1 2"], 8, pairs=["3"])
    assert types.tolist() == [0, 1, 0]


def test_tokenize_no_texts():
    ids, offsets, types = tokencache.tokenize(pair_tokenizer(), [], 16)
    assert ids.shape == (0,) and ids.dtype == np.int32
    assert offsets.tolist() == [0] and offsets.dtype == np.int64 and types is None


def test_texts_without_tokens():
    ids, offsets, _ = tokencache.tokenize(WordIds(), ["", ""], 8)
    assert ids.shape == (0,) and ids.dtype == np.int32 and offsets.tolist() == [0, 0, 0]


@pytest.mark.parametrize(("big", "dtype"), [(2**31 - 1, np.int32), (2**31, np.int64), (3**20, np.int64),
                                                  (2**53 + 1, np.int64)])
def test_ids_beyond_int32_are_kept_as_int64(big, dtype):
    ids, offsets, _ = tokencache.tokenize(WordIds(), [str(big)], 8)
    assert ids.dtype == dtype and ids.tolist() == [big] and offsets.tolist() == [0, 1]
    ids, _, _ = tokencache.tokenize(WordIds(), ["7 8", str(big)], 8)
    assert ids.dtype == dtype and ids.tolist() == [7, 8, big]


def test_ordinary_ids_are_int32():
    ids, _, _ = tokencache.tokenize(WordIds(), ["100 62 5000"], 8)
    assert ids.dtype == np.int32 and ids.tolist() == [100, 62, 5000]


# --- encode: hits, misses and keys --------------------------------------------------------------------------------

def test_cache_folder_is_in_the_workspace(workspace):
    assert tokencache.cache_dir() == workspace / "cache" / "tokens"
    assert (workspace / "cache" / "tokens").is_dir()
    first = tokencache.encode(pair_tokenizer(), TEXTS, 16)
    assert _files() == [workspace / "cache" / "tokens" / f"{first.key}.npz"]


def test_first_encode_misses_and_the_second_hits_with_the_same_ids():
    tokenizer = pair_tokenizer()
    first = tokencache.encode(tokenizer, TEXTS, 16)
    second = tokencache.encode(tokenizer, TEXTS, 16)
    expected = [[2, 4, 12, 3], [2, 5, 3], [2, 8, 15, 10, 14, 3], [2, 11, 13, 3]]
    assert first.cache_hit is False and second.cache_hit is True
    assert first.as_lists() == second.as_lists() == expected
    assert first.key == second.key == tokencache.cache_key(tokenizer, TEXTS, 16)
    assert second.offsets.tolist() == [0, 4, 7, 13, 17] and second.type_ids is None
    assert len(_files()) == 1


def test_a_tokenizer_built_again_the_same_way_hits():
    first = tokencache.encode(pair_tokenizer(), TEXTS, 16)
    again = tokencache.encode(pair_tokenizer(), TEXTS, 16)
    assert again.cache_hit and again.key == first.key


def test_pairs_hit_with_their_segment_ids():
    tokenizer = pair_tokenizer()
    first = tokencache.encode(tokenizer, TEXTS[:2], 16, pairs=SECONDS[:2])
    second = tokencache.encode(tokenizer, TEXTS[:2], 16, pairs=SECONDS[:2])
    assert not first.cache_hit and second.cache_hit
    assert second.as_lists() == [[2, 4, 12, 3, 6, 3], [2, 5, 3, 9, 14, 3]]
    assert second.types(0).tolist() == [0, 0, 0, 0, 1, 1] and second.types(1).tolist() == [0, 0, 0, 1, 1, 1]
    assert first.types(1).tolist() == [0, 0, 0, 1, 1, 1]


def test_a_different_max_length_tokenizer_text_or_pair_misses():
    tokenizer = pair_tokenizer()
    base = tokencache.encode(tokenizer, TEXTS, 16)
    shorter = tokencache.encode(tokenizer, TEXTS, 3)
    assert not shorter.cache_hit and shorter.as_lists() == [[2, 4, 3], [2, 5, 3], [2, 8, 3], [2, 11, 3]]
    other = tokencache.encode(pair_tokenizer(single="$A [SEP]"), TEXTS, 16)  # same vocabulary, no [CLS]
    assert not other.cache_hit and other.as_lists()[1] == [5, 3]
    one_more = tokencache.encode(tokenizer, [*TEXTS, "good"], 16)
    paired = tokencache.encode(tokenizer, TEXTS, 16, pairs=SECONDS)
    paired_other = tokencache.encode(tokenizer, TEXTS, 16, pairs=list(reversed(SECONDS)))
    assert not one_more.cache_hit and not paired.cache_hit and not paired_other.cache_hit
    assert paired.as_lists()[0] == [2, 4, 12, 3, 6, 3] and paired_other.as_lists()[0] == [2, 4, 12, 3, 7, 11, 15, 13, 3]
    keys = {base.key, shorter.key, other.key, one_more.key, paired.key, paired_other.key}
    assert len(keys) == 6 and len(_files()) == 6
    assert tokencache.encode(tokenizer, TEXTS, 16).cache_hit and tokencache.encode(tokenizer, TEXTS, 3).cache_hit


def test_texts_are_read_as_strings():
    tokenizer = WordIds()
    first = tokencache.encode(tokenizer, [12, 3], 8, pairs=[4, 5])
    assert first.as_lists() == [[12, 4], [3, 5]]
    again = tokencache.encode(tokenizer, ["12", "3"], 8, pairs=["4", "5"])
    assert again.cache_hit and again.key == first.key


def test_without_the_cache_nothing_is_written_and_ids_are_the_same():
    tokenizer = pair_tokenizer()
    plain = tokencache.encode(tokenizer, TEXTS[:2], 16, use_cache=False, pairs=SECONDS[:2])
    assert plain.cache_hit is False and plain.key == "" and _files() == []
    assert plain.as_lists() == [[2, 4, 12, 3, 6, 3], [2, 5, 3, 9, 14, 3]]
    assert plain.types(0).tolist() == [0, 0, 0, 0, 1, 1]
    assert tokencache.encode(tokenizer, TEXTS, 3, use_cache=False).as_lists()[2] == [2, 8, 3]


def test_no_texts_are_not_cached():
    empty = tokencache.encode(pair_tokenizer(), [], 16)
    assert len(empty) == 0 and empty.ids.shape == (0,) and empty.offsets.tolist() == [0]
    assert empty.cache_hit is False and empty.key == "" and _files() == []


def test_encode_logs_a_miss_and_a_hit(caplog):
    caplog.set_level(logging.INFO, logger="tuneboard.tokencache")
    tokenizer = pair_tokenizer()
    tokencache.encode(tokenizer, TEXTS, 16)
    tokencache.encode(tokenizer, TEXTS, 16)
    messages = [r.getMessage() for r in caplog.records if r.name == "tuneboard.tokencache"]
    assert len(messages) == 2
    assert re.fullmatch(r"tokenised 4 texts \((\d+\.\d\d) s\)", messages[0])
    assert re.fullmatch(r"token cache hit for 4 texts \((\d+\.\d\d) s\)", messages[1])
    assert all(float(re.search(r"\((\S+) s\)", m).group(1)) < 60 for m in messages)  # a duration, not a clock


# --- keys and fingerprints ----------------------------------------------------------------------------------------

def test_keys_and_fingerprints_have_fixed_lengths():
    key = tokencache.cache_key(pair_tokenizer(), TEXTS, 16)
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert re.fullmatch(r"[0-9a-f]{20}", tokencache.tokenizer_fingerprint(pair_tokenizer()))


def test_texts_digest_is_stable_across_releases():
    # Pinned: a changed digest would silently throw away every cache file users have.
    assert tokencache.texts_digest([]) == "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9"
    assert tokencache.texts_digest(["a", "ü"]) == (
        "da36c8bb265e191f4fcb67a627001ba30be6c4d5f3503d3085ba88dec60f892b")


def test_texts_digest_tells_texts_and_their_order_apart():
    digests = {tokencache.texts_digest(t) for t in (["ab", "c"], ["a", "bc"], ["c", "ab"], ["abc"], ["ab", "c", ""])}
    assert len(digests) == 5


def test_lone_surrogates_can_be_cached():
    text = "bad \ud800 film"
    assert tokencache.texts_digest([text]) != tokencache.texts_digest(["bad  film"])
    key = tokencache.cache_key(WordIds(), ["1 2"], 8, pairs=[text])
    assert re.fullmatch(r"[0-9a-f]{32}", key)


def test_cache_keys_are_stable_across_releases():
    tokenizer = FastLike('{"model": {"vocab": {"a": 0}}}', special_tokens_map={"unk_token": "[UNK]"},
                         padding_side="right", truncation_side="right")
    assert tokencache.tokenizer_fingerprint(tokenizer) == "2b36eaf36bca4f9f2501"
    assert tokencache.cache_key(tokenizer, ["a b"], 8) == "407273840269f895664022bc5fd09f54"
    assert tokencache.cache_key(tokenizer, ["a b"], 8, pairs=["c"]) == "519d638883337a31d74824ef26199eb4"


def test_fingerprint_of_a_tokenizer_without_optional_attributes_is_stable():
    assert tokencache.tokenizer_fingerprint(WordIds()) == "f6f845a9d4ce381d09b4"
    assert tokencache.tokenizer_fingerprint(FastLike('{"model": 1}')) == "a88a798d657a780ef174"


def test_fingerprint_follows_the_backend_spec_not_its_key_order():
    spec = {"normalizer": None, "model": {"type": "WordLevel", "vocab": {"a": 0, "b": 1}}}
    same = FastLike(json.dumps(spec))
    reordered = FastLike(json.dumps(dict(reversed(spec.items()))))
    other = FastLike(json.dumps({**spec, "normalizer": {"type": "Lowercase"}}))
    fp = tokencache.tokenizer_fingerprint
    assert fp(same) == fp(reordered) != fp(other)
    # Truncation and padding left behind by an earlier call are not the tokenizer.
    left_behind = FastLike(json.dumps({**spec, "truncation": {"max_length": 3}, "padding": {"length": 8}}))
    assert fp(left_behind) == fp(same)


def test_fingerprint_tells_the_tokenizer_class_apart():
    assert tokencache.tokenizer_fingerprint(FastLike('{"m": 1}')) != tokencache.tokenizer_fingerprint(
        FastLikeToo('{"m": 1}'))
    renamed = type("FastLike", (FastLike,), {"__module__": "elsewhere"})
    assert renamed.__qualname__ == FastLike.__qualname__
    assert tokencache.tokenizer_fingerprint(renamed('{"m": 1}')) != tokencache.tokenizer_fingerprint(
        FastLike('{"m": 1}'))


def test_fingerprint_follows_the_fast_pipeline_beyond_the_vocabulary():
    fp = tokencache.tokenizer_fingerprint
    assert fp(pair_tokenizer()) == fp(pair_tokenizer())
    assert fp(pair_tokenizer()) != fp(pair_tokenizer(single="$A [SEP]"))
    assert fp(pair_tokenizer()) != fp(pair_tokenizer(lowercase=True))


def test_fingerprint_follows_special_tokens_and_sides():
    fp = tokencache.tokenizer_fingerprint
    base = {"special_tokens_map": {"unk_token": "[UNK]", "cls_token": "[CLS]"}, "padding_side": "right",
            "truncation_side": "right"}
    reference = fp(FastLike("{}", **base))
    assert fp(FastLike("{}", **{**base, "special_tokens_map": {"cls_token": "[CLS]", "unk_token": "[UNK]"}})) == reference
    changes = [
        {"special_tokens_map": {"unk_token": "[UNK]", "cls_token": "<s>"}},
        {"special_tokens_map": {"unk_token": "[UNK]", "bos_token": "[CLS]"}},
        {"special_tokens_map": {}},
        {"padding_side": "left"},
        {"truncation_side": "left"},
    ]
    prints = [fp(FastLike("{}", **{**base, **change})) for change in changes]
    assert reference not in prints and len(set(prints)) == len(changes)


def test_fingerprint_of_a_tokenizer_without_backend_follows_vocabulary_and_settings():
    fp = tokencache.tokenizer_fingerprint
    base = fp(WordIds({"a": 0, "b": 1}, {"do_lower_case": True}))
    assert fp(WordIds({"b": 1, "a": 0}, {"do_lower_case": True})) == base  # the same vocabulary in another order
    assert fp(WordIds({"a": 0, "b": 2}, {"do_lower_case": True})) != base
    assert fp(WordIds({"a": 0, "b": 1}, {"do_lower_case": False})) != base
    assert fp(WordIds({"a": 0, "b": 1})) != base


def test_fingerprint_serialises_a_tokenizer_once():
    tokenizer = FastLike('{"model": 1}')
    first = tokencache.tokenizer_fingerprint(tokenizer)
    assert tokencache.tokenizer_fingerprint(tokenizer) == first
    assert tokenizer.backend_tokenizer.serialised == 1


def test_fingerprint_of_an_unhashable_tokenizer():
    class Unhashable(FastLike):
        __hash__ = None

    tokenizer = Unhashable('{"model": 1}')
    assert tokencache.tokenizer_fingerprint(tokenizer) == tokencache.tokenizer_fingerprint(tokenizer)
    assert tokencache.tokenizer_fingerprint(tokenizer) == tokencache.tokenizer_fingerprint(
        Unhashable('{"model": 1}'))


# --- files: atomic writes, damaged files, pruning -----------------------------------------------------------------

def test_cache_files_are_written_beside_their_name_and_renamed_into_place(monkeypatch):
    renames = []
    real_replace = os.replace

    def replace(src, dst):
        renames.append((Path(src), Path(dst), sorted(p.name for p in Path(dst).parent.iterdir())))
        real_replace(src, dst)

    monkeypatch.setattr(tokencache.os, "replace", replace)
    first = tokencache.encode(pair_tokenizer(), TEXTS, 16)
    [(src, dst, listing)] = renames
    assert dst == tokencache.cache_dir() / f"{first.key}.npz"
    assert src.parent == dst.parent  # the same folder: the rename is atomic
    assert src.name.startswith(".") and src.name.endswith(".npz") and src.name != dst.name
    assert listing == [src.name]  # while it is written, only the hidden temporary file exists
    assert sorted(p.name for p in tokencache.cache_dir().iterdir()) == [dst.name]


def test_a_temporary_file_left_by_a_killed_writer_is_pruned(monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(tokencache.os, "replace", lambda src, dst: None)  # the writer dies before the rename
        tokencache.encode(pair_tokenizer(), TEXTS, 16)
    [leftover] = list(tokencache.cache_dir().iterdir())
    assert leftover.name.startswith(".") and leftover.name.endswith(".npz")
    assert tokencache.encode(pair_tokenizer(), TEXTS, 16).cache_hit is False  # never read as a cache entry
    assert tokencache.prune(max_bytes=0) == 2 and list(tokencache.cache_dir().iterdir()) == []


def test_a_failed_write_leaves_nothing_and_still_returns_the_ids(monkeypatch, caplog):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(tokencache.np, "savez", fail)
    with caplog.at_level(logging.WARNING, logger="tuneboard.tokencache"):
        tokens = tokencache.encode(pair_tokenizer(), TEXTS, 16)
    assert tokens.as_lists()[1] == [2, 5, 3] and tokens.cache_hit is False and tokens.key
    assert list(tokencache.cache_dir().iterdir()) == []
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert record.getMessage() == "could not write the token cache" and isinstance(record.exc_info[1], OSError)


def test_an_interrupted_write_leaves_nothing_and_is_raised(monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tokencache.np, "savez", interrupt)
    with pytest.raises(KeyboardInterrupt):
        tokencache.encode(pair_tokenizer(), TEXTS, 16)
    assert list(tokencache.cache_dir().iterdir()) == []


def test_an_unreadable_file_is_a_miss_with_a_warning_and_is_rewritten(caplog):
    tokenizer = pair_tokenizer()
    key = tokencache.cache_key(tokenizer, TEXTS, 16)
    (tokencache.cache_dir() / f"{key}.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with caplog.at_level(logging.WARNING, logger="tuneboard.tokencache"):
        again = tokencache.encode(tokenizer, TEXTS, 16)
    assert not again.cache_hit and again.as_lists()[1] == [2, 5, 3]
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert record.getMessage() == f"token cache file {key}.npz is unreadable; tokenising again"
    assert tokencache.encode(tokenizer, TEXTS, 16).cache_hit


def _plant(tokenizer, texts, pairs=None, **arrays) -> Path:
    file = tokencache.cache_dir() / f"{tokencache.cache_key(tokenizer, texts, 16, pairs)}.npz"
    np.savez(file, **arrays)
    return file


@pytest.mark.parametrize("arrays", [
    {"ids": np.array([9, 9, 9], dtype=np.int32), "offsets": np.array([0, 3])},  # one text's offsets for two texts
    {"ids": np.array([9, 9, 9], dtype=np.int32), "offsets": np.array([0, 1, 2])},  # offsets end before the ids
    {"ids": np.array([9, 9, 9], dtype=np.int32), "offsets": np.array([0, 1, 4])},  # offsets run past the ids
    {"ids": np.array([9, 9, 9], dtype=np.int32), "offsets": np.array([0, 1, 3]),
     "type_ids": np.array([0, 1], dtype=np.int8)},  # segment ids of another length
    {"ids": np.array([9], dtype=np.int32)},  # no offsets at all
])
def test_a_file_that_does_not_fit_its_texts_is_a_miss(arrays):
    tokenizer = pair_tokenizer()
    _plant(tokenizer, TEXTS[:2], **arrays)
    tokens = tokencache.encode(tokenizer, TEXTS[:2], 16)
    assert not tokens.cache_hit and tokens.as_lists() == [[2, 4, 12, 3], [2, 5, 3]]
    assert tokencache.encode(tokenizer, TEXTS[:2], 16).cache_hit


def test_a_file_with_pickled_objects_is_never_unpickled():
    tokenizer = pair_tokenizer()
    objects = np.empty(3, dtype=object)
    objects[:] = [9, 9, 9]
    _plant(tokenizer, TEXTS[:2], ids=objects, offsets=np.array([0, 1, 3]))
    tokens = tokencache.encode(tokenizer, TEXTS[:2], 16)
    assert not tokens.cache_hit and tokens.as_lists() == [[2, 4, 12, 3], [2, 5, 3]]


def test_a_planted_file_that_fits_is_read_as_it_is():
    tokenizer = pair_tokenizer()
    file = _plant(tokenizer, TEXTS[:2], SECONDS[:2], ids=np.array([7, 8, 9], dtype=np.int32),
                  offsets=np.array([0, 1, 3]), type_ids=np.array([0, 1, 1], dtype=np.int8))
    os.utime(file, (1_000_000, 1_000_000))
    tokens = tokencache.encode(tokenizer, TEXTS[:2], 16, pairs=SECONDS[:2])
    assert tokens.cache_hit and tokens.as_lists() == [[7], [8, 9]] and tokens.types(1).tolist() == [1, 1]
    assert file.stat().st_mtime > 1_000_000  # a hit marks the file as recently used


def _sized_files(sizes_and_ages: list[tuple[str, int, int]]) -> None:
    for name, size, age in sizes_and_ages:
        file = tokencache.cache_dir() / name
        file.write_bytes(b"x" * size)
        os.utime(file, (2_000_000 - age, 2_000_000 - age))


def test_prune_removes_the_least_recently_used_files_first():
    _sized_files([("new.npz", 100, 1), ("old.npz", 100, 30), ("mid.npz", 100, 20), ("oldest.npz", 100, 40)])
    assert tokencache.prune(max_bytes=250) == 2
    assert [f.name for f in _files()] == ["mid.npz", "new.npz"]
    assert tokencache.prune(max_bytes=250) == 0


def test_prune_keeps_a_cache_exactly_at_its_size():
    _sized_files([("a.npz", 100, 1), ("b.npz", 50, 2), ("notes.txt", 1000, 3)])
    assert tokencache.prune(max_bytes=150) == 0 and len(_files()) == 2
    assert tokencache.prune(max_bytes=149) == 1 and [f.name for f in _files()] == ["a.npz"]
    assert tokencache.prune(max_bytes=0) == 1 and _files() == []
    assert (tokencache.cache_dir() / "notes.txt").exists()  # only cache files are pruned


def test_prune_skips_files_it_cannot_read_and_files_gone_meanwhile(monkeypatch):
    _sized_files([("a.npz", 100, 3), ("b.npz", 100, 2), ("c.npz", 100, 1)])
    folder = tokencache.cache_dir()
    dangling = folder / "dangling.npz"
    dangling.symlink_to(folder / "missing-target")

    class Gone(type(folder)):
        """A file another process removed between listing and removal."""

        def stat(self, *args, **kwargs):
            return (folder / "c.npz").stat()

    gone = Gone(folder / "0gone.npz")

    class Folder:
        @staticmethod
        def glob(pattern):
            assert pattern == "*.npz"
            return [dangling, gone, folder / "a.npz", folder / "b.npz", folder / "c.npz"]

    monkeypatch.setattr(tokencache, "cache_dir", lambda: Folder)
    assert tokencache.prune(max_bytes=150) == 3  # a, b and 0gone (as old as c, and sorted before it)
    assert sorted(p.name for p in folder.iterdir()) == ["c.npz", "dangling.npz"]
