"""NER training data: first-sub-token label alignment, stride windows for long sentences, stitching window
predictions back to one per word, and the entity-level validation scores (issue 21, item 2)."""

from __future__ import annotations

import numpy as np
import pytest

from core.config import BUILTIN_MODEL
from core.ner import metrics as nm
from core.train import models
from core.train.ner_data import (
    IGNORE,
    NerCollator,
    encode_sentence,
    encode_split,
    ner_validation_scores,
    stitch,
    tags_from_probs,
    window_tags,
)

WORDS = [
    "Rafael",
    "Halvorsen",
    ",",
    "a",
    "spokeswoman",
    "for",
    "Corvan",
    "University",
    ",",
    "declined",
    "to",
    "comment",
    ".",
]


@pytest.fixture(scope="module")
def tokenizer():
    return models.load_tokenizer(BUILTIN_MODEL)


def _first_pieces(tokenizer, words):
    """The id of each word's first sub-token, computed word by word (independent of the code under test)."""
    return [tokenizer(w, add_special_tokens=False)["input_ids"][0] for w in words]


def test_each_word_labelled_once_at_its_first_sub_token(tokenizer):
    tag_ids = list(range(len(WORDS)))
    (window,) = encode_sentence(tokenizer, WORDS, tag_ids, max_length=128)
    labelled = np.flatnonzero(window.labels != IGNORE)
    assert window.labels[labelled].tolist() == tag_ids  # every word once, in order
    assert window.input_ids[labelled].tolist() == _first_pieces(tokenizer, WORDS)
    # "Halvorsen" is several pieces: only the first carries the label; [CLS] and [SEP] carry none
    assert len(window.input_ids) > len(WORDS) + 2
    assert window.labels[0] == IGNORE and window.labels[-1] == IGNORE
    assert window.input_ids[0] == tokenizer.cls_token_id and window.input_ids[-1] == tokenizer.sep_token_id


def test_long_sentence_is_split_into_overlapping_windows_not_truncated(tokenizer):
    words = [f"word{i}" for i in range(120)]  # several pieces each: far beyond 32 sub-tokens
    windows = encode_sentence(tokenizer, words, list(range(len(words))), max_length=32)
    assert len(windows) > 3
    assert all(len(w.input_ids) <= 32 for w in windows)
    seen = set()
    for w in windows:
        seen.update(w.word_at[w.word_at >= 0].tolist())
        assert w.input_ids[0] == tokenizer.cls_token_id and w.input_ids[-1] == tokenizer.sep_token_id
    assert seen == set(range(len(words)))  # no word lost
    # neighbouring windows overlap (the stride)
    assert set(windows[0].word_at[windows[0].word_at >= 0]) & set(windows[1].word_at[windows[1].word_at >= 0])


def test_stitching_gives_one_prediction_per_word_from_the_most_central_window(tokenizer):
    words = [f"token{i}" for i in range(60)]
    windows = encode_sentence(tokenizer, words, None, max_length=24)
    n_tags = len(words)
    probs = []
    for w in windows:
        p = np.zeros((len(w.input_ids), n_tags), dtype=np.float32)
        for pos in np.flatnonzero(w.word_at >= 0):
            p[pos, w.word_at[pos]] = 0.5 + 0.001 * w.margin[pos]  # marks which window won
        probs.append(p)
    (out,) = stitch(windows, probs, [len(words)])
    assert out.argmax(1).tolist() == list(range(len(words)))
    for word in range(len(words)):  # the winner is the window with the largest margin for that word
        margins = [w.margin[w.word_at == word][0] for w in windows if (w.word_at == word).any()]
        assert round((out[word].max() - 0.5) / 0.001) == pytest.approx(max(margins), abs=0.5)


def test_a_word_without_sub_tokens_is_predicted_outside():
    tags, conf = tags_from_probs(np.array([[0.1, 0.9], [0.0, 0.0]], dtype=np.float32), ["O", "B-PER"])
    assert tags == ["B-PER", "O"] and conf.tolist() == pytest.approx([0.9, 0.0])


def test_collator_pads_labels_with_the_ignore_index(tokenizer):
    split = encode_split(tokenizer, [["Paris"], WORDS], [["B-LOC"], ["O"] * len(WORDS)], {"O": 0, "B-LOC": 1}, 64)
    batch = NerCollator(tokenizer.pad_token_id)([split[0], split[1]])
    assert batch["input_ids"].shape == batch["labels"].shape
    assert batch["labels"][0].tolist().count(IGNORE) >= batch["labels"].shape[1] - 1
    assert batch["attention_mask"][0].sum() == len(split[0]["input_ids"])


def test_unknown_tags_in_validation_become_outside(tokenizer):
    split = encode_split(tokenizer, [["Ann", "Lee"]], [["B-NEW", "I-NEW"]], {"O": 0, "B-PER": 1}, 16)
    assert set(split[0]["labels"][split[0]["labels"] != IGNORE].tolist()) == {0}


def test_validation_scores_are_entity_level():
    labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    gold = np.array([[IGNORE, 1, 2, 0, 3, IGNORE], [IGNORE, 3, 4, IGNORE, IGNORE, IGNORE]])
    pred = np.array([[0, 1, 0, 0, 3, 0], [0, 3, 4, 0, 0, 0]])  # PER cut short: a boundary error
    y_true, y_pred = window_tags(pred, gold, labels)
    assert y_true == [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "I-LOC"]]
    scores = ner_validation_scores(pred, gold, labels)
    assert scores["f1"] == pytest.approx(nm.f1_score(y_true, y_pred)) == pytest.approx(2 / 3)
    assert scores["token_accuracy"] == pytest.approx(5 / 6)
