"""Named-entity prediction on raw text (core.serve.ner_predict): word tags → character offsets, the score of an
entity, windows of long texts, the batch table and its CSV/JSON-lines downloads.

The model here is a fake token classifier whose logits depend only on each sub-token's id (a lookup table), with a
word-level fast tokenizer built in memory: the tags are known in advance whatever window a word falls in, so the
offsets and the stitching of long texts are checked exactly.
"""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.ner.spans import tokenize
from core.serve import ner_predict, predict
from core.serve.loading import RunModel

TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
# word → (tag, logit): the logit sets the word's probability, so an entity's score (its lowest word) is checkable.
LEXICON = {"Maria": ("B-PER", 6.0), "Pemberly": ("I-PER", 3.0), "Quarry": ("B-LOC", 5.0), "Point": ("I-LOC", 5.0),
           "Corvan": ("B-ORG", 4.0), "University": ("I-ORG", 7.0), "=": ("B-ORG", 5.0),
           "HYPERLINK": ("I-ORG", 5.0),
           "北": ("B-LOC", 5.0), "京": ("I-LOC", 5.0), "李": ("B-PER", 5.0), "明": ("I-PER", 5.0)}


def _tokenizer():
    """A word-level fast tokenizer (no files, no network); unknown words are [UNK]."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    words = [*LEXICON, "filler", "said", "in", ",", "."]
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, **{w: i + 4 for i, w in enumerate(words)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                                   sep_token="[SEP]"), vocab


def _fake_tagger(max_length: int = 64) -> RunModel:
    """A token classifier whose logits are a lookup table by sub-token id (every other word: O)."""
    import torch

    tokenizer, vocab = _tokenizer()
    table = torch.zeros(len(vocab), len(TAGS))
    table[:, 0] = 4.0  # O, confidently, for every word not in the lexicon
    for word, (tag, logit) in LEXICON.items():
        table[vocab[word]] = 0.0
        table[vocab[word], TAGS.index(tag)] = logit

    class Fake(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.table = torch.nn.Parameter(table)

        def forward(self, input_ids, attention_mask=None):
            return SimpleNamespace(logits=self.table[input_ids])

    return RunModel(Fake(), tokenizer, TAGS, max_length)


def _softmax_top(logit: float) -> float:
    """The probability of the word's tag when its logit is ``logit`` and the six others are 0."""
    return float(np.exp(logit) / (np.exp(logit) + len(TAGS) - 1))


def _check_offsets(text: str, found: list[dict]) -> None:
    for entity in found:
        assert text[entity["start"]:entity["end"]] == entity["text"]
        assert set(entity) == {"type", "start", "end", "text", "score"}


# ---------------------------------------------------------------------------- char_entities: tags → spans
def test_char_offsets_with_punctuation_and_an_entity_at_the_very_end():
    text = "Maria Pemberly, of Corvan University, visited Quarry Point"
    words = tokenize(text)
    tags = ["O"] * len(words)
    tags[0:2] = ["B-PER", "I-PER"]
    tags[4:6] = ["B-ORG", "I-ORG"]
    tags[-2:] = ["B-LOC", "I-LOC"]
    found = ner_predict.char_entities(text, words, tags, np.linspace(0.5, 0.99, len(words)))
    assert [(e["type"], e["text"]) for e in found] == [("PER", "Maria Pemberly"), ("ORG", "Corvan University"),
                                                       ("LOC", "Quarry Point")]
    assert found[-1]["end"] == len(text)  # the last entity runs to the end of the text
    assert found[0]["start"] == 0 and found[0]["end"] == text.index(",")
    _check_offsets(text, found)


def test_the_entity_score_is_its_lowest_word_probability():
    text = "Maria Pemberly said"
    found = ner_predict.char_entities(text, tokenize(text), ["B-PER", "I-PER", "O"], [0.9, 0.6, 0.99])
    assert found[0]["score"] == pytest.approx(0.6)


def test_chinese_characters_are_one_word_each_and_map_back_exactly():
    text = "李明在北京工作。"
    words = tokenize(text)
    assert [w[0] for w in words] == list(text)
    tags = ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O", "O", "O"]
    found = ner_predict.char_entities(text, words, tags, [0.9] * len(words))
    assert [(e["type"], e["text"], e["start"], e["end"]) for e in found] == [("PER", "李明", 0, 2), ("LOC", "北京", 3, 5)]


def test_entity_text_keeps_the_original_spacing():
    text = "Quarry   Point\tsaid"
    found = ner_predict.char_entities(text, tokenize(text), ["B-LOC", "I-LOC", "O"], [0.8, 0.8, 0.8])
    assert found[0]["text"] == "Quarry   Point"


# ---------------------------------------------------------------------------- predict_entities with a model
def test_predict_entities_finds_the_known_tags_with_offsets_and_scores():
    tagger = _fake_tagger()
    texts = ["Maria Pemberly, of Corvan University.", "", "   ", "李明在北京。", "said in Quarry Point"]
    found = ner_predict.predict_entities(tagger, texts)
    assert len(found) == len(texts)
    assert [(e["type"], e["text"]) for e in found[0]] == [("PER", "Maria Pemberly"), ("ORG", "Corvan University")]
    assert found[0][0]["score"] == pytest.approx(_softmax_top(3.0), abs=1e-5)  # Pemberly is the doubtful word
    assert found[1] == [] and found[2] == []
    assert [(e["type"], e["text"]) for e in found[3]] == [("PER", "李明"), ("LOC", "北京")]
    assert [(e["text"], e["end"]) for e in found[4]] == [("Quarry Point", len(texts[4]))]
    for text, ents in zip(texts, found, strict=True):
        _check_offsets(text, ents)


def test_a_long_text_is_windowed_and_stitched_with_the_entity_at_the_end_intact():
    text = "Maria Pemberly said " + "filler " * 300 + "in Corvan University , Quarry Point"
    short = _fake_tagger(max_length=16)  # 14 sub-tokens a window: over 20 windows
    found = ner_predict.predict_entities(short, [text])[0]
    assert [(e["type"], e["text"]) for e in found] == [("PER", "Maria Pemberly"), ("ORG", "Corvan University"),
                                                       ("LOC", "Quarry Point")]
    assert found[-1]["end"] == len(text)
    _check_offsets(text, found)
    assert ner_predict.predict_entities(_fake_tagger(max_length=512), [text])[0] == found


def test_progress_is_reported_and_empty_input_is_fine():
    seen: list[tuple[int, int]] = []
    ner_predict.predict_entities(_fake_tagger(), ["Maria said", "Quarry Point"], progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert ner_predict.predict_entities(_fake_tagger(), []) == []


# ---------------------------------------------------------------------------- tables and downloads
def test_entities_text_is_readable():
    found = [{"type": "PER", "text": "Maria Pemberly"}, {"type": "LOC", "text": "Quarry Point"}]
    assert ner_predict.entities_text(found) == "Maria Pemberly (PER); Quarry Point (LOC)"
    assert ner_predict.entities_text([]) == ""


def test_added_columns_never_overwrite_the_uploads_own():
    df = pd.DataFrame({"text": ["a"], "entities": ["mine"], "entities_text": ["mine too"]})
    out = ner_predict.add_entities(df, [[{"type": "PER", "start": 0, "end": 1, "text": "a", "score": 0.5}]])
    assert out.columns.tolist() == ["text", "entities", "entities_text", "entities (model)", "entities_text (model)"]
    assert out["entities"].tolist() == ["mine"]
    assert json.loads(out["entities (model)"].iloc[0])[0]["text"] == "a"


def test_formula_like_entity_text_is_escaped_in_the_csv_download():
    tagger = _fake_tagger()
    df = pd.DataFrame({"text": ["=HYPERLINK said", "+cmd Maria", "-1 in Quarry Point"], "id": [1, 2, 3]})
    table = ner_predict.add_entities(df, ner_predict.predict_entities(tagger, df["text"].tolist()))
    # spans.tokenize makes "=" a word of its own; the fake model tags it B-ORG, so the entity starts with "=".
    assert table["entities_text"].iloc[0] == "=HYPERLINK (ORG)"
    back = pd.read_csv(io.BytesIO(predict.to_csv_bytes(table)), encoding="utf-8-sig", dtype=str)
    assert back["entities_text"].tolist()[0] == "'=HYPERLINK (ORG)"
    assert back["text"].tolist()[:2] == ["'=HYPERLINK said", "'+cmd Maria"]
    assert back["text"].iloc[2] == "'-1 in Quarry Point"
    assert all(not str(cell).startswith(predict.FORMULA_STARTS) for column in back.columns for cell in back[column])
    spans = json.loads(back["entities"].iloc[0])  # JSON starts with "[": nothing to escape, still parseable
    assert spans[0]["text"] == "=HYPERLINK" and spans[0]["start"] == 0


def test_jsonl_download_has_text_spans_and_the_other_columns():
    df = pd.DataFrame({"sentence": ["Maria Pemberly said", None], "id": [7, 8]})
    texts = ner_predict.texts_of(df, "sentence")
    table = ner_predict.add_entities(df, ner_predict.predict_entities(_fake_tagger(), texts))
    lines = ner_predict.to_jsonl_bytes(table, "sentence").decode("utf-8").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["text"] == "Maria Pemberly said" and first["id"] == 7
    assert first["entities"] == [{"type": "PER", "start": 0, "end": 14, "text": "Maria Pemberly",
                                  "score": first["entities"][0]["score"]}]
    assert second == {"text": None, "entities": [], "id": 8}
    assert "entities_text" not in first


def test_parse_entities_reads_cells_back():
    assert ner_predict.parse_entities('[{"type": "PER"}]') == [{"type": "PER"}]
    assert ner_predict.parse_entities(None) == [] and ner_predict.parse_entities("not json") == []
    assert ner_predict.parse_entities(float("nan")) == []


def test_a_plain_text_file_of_lines_is_a_table_of_texts_to_predict():
    table = ner_predict.read_texts("Maria Pemberly said\n\n李明在北京。\r\n".encode(), "texts.txt")
    assert table.df["text"].tolist() == ["Maria Pemberly said", "李明在北京。"] and table.format == "txt"
    csv = ner_predict.read_texts(b"id,sentence\n1,Maria Pemberly said in Quarry Point today\n", "in.csv")
    assert csv.df.columns.tolist() == ["id", "sentence"]
    with pytest.raises(DataError):
        ner_predict.read_texts(b"  \n\n", "empty.txt")


def test_code_examples_show_a_stored_ner_text_as_written():
    from core.serve.card_ner import readable

    assert readable("Amara Varnholt ( Ardent Mining Group ) finished second , then left .") == \
        "Amara Varnholt (Ardent Mining Group) finished second, then left."
    assert readable("李 明 在 北 京 工 作 。") == "李明在北京工作。"
