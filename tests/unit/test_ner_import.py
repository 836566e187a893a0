"""Storing NER files as datasets (core.data.ner_import): which uploads are NER files, round trips of every format
through the store (BIOES and IOB1 stored as BIO, the file's scheme and its tag problems in the meta), bad files as
one catalogue sentence with no dataset left behind, and the built-in NER example."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core import store
from core.data import library
from core.data.examples import EXAMPLES, NER_EXAMPLES, example_path, load_ner_example
from core.data.ner_import import import_ner, is_ner_file, read_ner
from core.errors import DataError
from core.i18n import Message, localize
from core.ner.formats import to_jsonl, write_conll
from core.ner.sentence import Sentence
from core.ner.table import sentences_from_frame
from core.tasks import task_of

SENTENCES = [
    Sentence(["Ada", "Lovelace", "visited", "Port", "Elsby", "."], ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"]),
    Sentence(["The", "council", "met", "."], ["O"] * 4),
    Sentence(["Corvan", "Bank", "hired", "Smith"], ["B-ORG", "I-ORG", "O", "B-PER"]),
]


def _stored(record) -> list[Sentence]:
    return sentences_from_frame(library.load_frame(record.id))


def test_is_ner_file_knows_each_format_and_refuses_tables():
    conll = write_conll(SENTENCES).encode()
    tokens = to_jsonl(SENTENCES).encode()
    spans = json.dumps({"text": "Ada lives in Oslo", "entities": [[0, 3, "PER"], [13, 17, "LOC"]]}).encode()
    assert is_ner_file(conll, "data.conll") and is_ner_file(b"anything", "x.bio")  # the extension alone says so
    assert is_ner_file(conll, "data.txt") and is_ner_file(conll, "data.tsv") and is_ner_file(conll, None)
    assert is_ner_file(tokens, "data.jsonl") and is_ner_file(tokens, "data.json")
    assert is_ner_file(spans, "data.jsonl")
    doccano = json.dumps({"text": "Ada lives in Oslo", "label": [[0, 3, "PER"]]}).encode()
    studio = json.dumps({"text": "Ada", "label": [{"start": 0, "end": 3, "labels": ["PER"]}]}).encode()
    assert is_ner_file(doccano, "export.jsonl") and is_ner_file(studio, "export.json")
    cluener = json.dumps({"text": "叶老桂在杭州", "label": {"name": {"叶老桂": [[0, 2]]}}}, ensure_ascii=False).encode()
    assert is_ner_file(cluener, "train.json")
    assert not is_ner_file(json.dumps({"text": "ok", "label": {"kind": "x"}}).encode(), "rows.jsonl")  # a table's dict
    tags = json.dumps({"text": "refund please", "labels": ["billing", "refund"]}).encode()  # multi-label table
    assert not is_ner_file(tags, "tickets.jsonl")
    csv = pd.DataFrame({"text": ["good film", "bad film"] * 5, "label": ["pos", "neg"] * 5}).to_csv(index=False)
    assert not is_ner_file(csv.encode(), "reviews.csv") and not is_ner_file(csv.encode(), "reviews.txt")
    classification = "\n".join(json.dumps({"text": t, "label": lab}) for t, lab in [("good", "pos"), ("bad", "neg")])
    assert not is_ner_file(classification.encode(), "reviews.jsonl")
    tsv = "text\tlabel\ngood film\tpos\nbad film\tneg\n"
    assert not is_ner_file(tsv.encode(), "reviews.tsv") and not is_ner_file(conll, "data.xlsx")


@pytest.mark.parametrize(("name", "write"), [
    ("a.conll", write_conll), ("a.jsonl", to_jsonl),
])
def test_round_trip_of_tagged_tokens(name, write):
    record = import_ner(write(SENTENCES).encode(), name)
    assert task_of(record).ner and record.n_rows == 3 and record.labels == ["LOC", "ORG", "PER"]
    assert record.meta["ner"]["scheme"] == "BIO" and record.meta["ner"]["n_scheme_problems"] == 0
    assert [(list(s.tokens), list(s.tags)) for s in _stored(record)] == [(list(s.tokens), list(s.tags)) for s in SENTENCES]
    assert import_ner(write(SENTENCES).encode(), name).id == record.id  # the same sentences: the same dataset


def test_round_trip_of_text_with_spans():
    records = [{"text": "Ada Lovelace visited Port Elsby.", "entities": [[0, 12, "PER"], [21, 31, "LOC"], [0, 3, "ORG"]]},
               {"text": "The council met.", "entities": []}]
    record = import_ner("\n".join(json.dumps(r) for r in records).encode(), "spans.jsonl")
    assert _stored(record) == [SENTENCES[0], Sentence(["The", "council", "met", "."], ["O"] * 4)]
    assert record.meta["format"] == "jsonl_spans" and record.meta["ner"]["n_dropped_spans"] == 1
    assert record.meta["ner"]["dropped_spans"][0]["reason"] == "overlap"


def test_bioes_and_iob1_are_stored_as_bio_with_their_scheme_and_problems_in_the_meta():
    bioes = "Ada B-PER\nLovelace E-PER\nin O\nOslo S-LOC\n\nSmith I-PER\nleft O\n"
    record = import_ner(bioes.encode(), "a.bioes")
    assert _stored(record) == [Sentence(["Ada", "Lovelace", "in", "Oslo"], ["B-PER", "I-PER", "O", "B-LOC"]),
                               Sentence(["Smith", "left"], ["B-PER", "O"])]  # the orphan I- begins an entity
    ner = record.meta["ner"]
    assert ner["scheme"] == "BIOES" and ner["scheme_problems"] == {"orphan_inside": 1}
    assert ner["scheme_problem_examples"][0] == {"sentence": 2, "position": 0, "tag": "I-PER", "problem": "orphan_inside"}
    assert record.meta["health"]["entity_counts"] == {"PER": 2, "LOC": 1}
    iob1 = import_ner(b"Ada I-PER\nBob B-PER\nmet O\n", "a.iob")
    assert iob1.meta["ner"]["scheme"] == "IOB1"
    assert _stored(iob1) == [Sentence(["Ada", "Bob", "met"], ["B-PER", "B-PER", "O"])]


@pytest.mark.parametrize(("raw", "name", "key"), [
    (b"", "a.conll", "error.ner_data.empty"),
    (b"  \n\n", "a.conll", "error.ner_data.empty"),
    (b"Paris B-LOC\nlies\n", "a.conll", None),                    # a token without its tag
    (b"Paris O\nlies O\n\nhere O\n", "a.conll", "error.ner_data.all_outside"),
    ("Zürich B-LOC\n".encode("latin-1"), "a.conll", None),        # not UTF-8
    (b'{"words": ["a"], "labels": ["O"]}\n', "a.jsonl", None),    # JSON without the keys
    (b"Paris X-LOC\nlies O\n", "a.conll", "error.ner_data.bad_tag"),
])
def test_bad_files_are_one_sentence_and_leave_no_dataset(raw, name, key):
    with pytest.raises(DataError) as caught:
        import_ner(raw, name)
    text = str(caught.value)
    assert text and text.count(". ") <= 1 and "\n" not in text and "Traceback" not in text, text
    if key:
        assert isinstance(caught.value.message, Message) and caught.value.message.key == key
        assert localize(caught.value, "zh") != text  # said in Chinese on a Chinese page
    assert store.list_datasets() == []


def test_the_cli_import_routes_ner_files(tmp_path):
    from core.data.imports import import_any

    path = tmp_path / "sample.conll"
    path.write_text(write_conll(SENTENCES), encoding="utf-8")
    record = import_any(path)
    assert task_of(record).ner and record.n_rows == 3 and record.meta["source"] == "sample.conll"


def test_the_builtin_ner_example_loads_through_the_ner_path():
    assert "news_entities" in NER_EXAMPLES and "news_entities" not in EXAMPLES  # the table loaders never see it
    assert example_path("news_entities").name == "news_entities.conll" and example_path("news_entities").is_file()
    record = load_ner_example("news_entities")
    assert record.name == "News entities (NER)" and task_of(record).ner and record.n_rows == 300
    assert record.labels == ["LOC", "MISC", "ORG", "PER"]
    assert record.meta["health"]["entity_counts"] == {"ORG": 167, "LOC": 166, "PER": 142, "MISC": 109}
    assert record.meta["health"]["no_entity"] == 37 and record.meta["health"]["n_words"] == 4096
    assert load_ner_example("news_entities").id == record.id
    with pytest.raises(DataError):
        load_ner_example("support_intents")


def test_read_ner_keeps_the_files_own_tags():
    reading = read_ner(b"Smith I-PER\nleft O\n\nAda B-PER\n", "a.conll")
    assert reading.sentences[0].tags == ("I-PER", "O")  # converted only when stored
