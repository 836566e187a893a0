"""NER foundation (core/ner): reading and writing CoNLL / JSON lines / text with spans, tag schemes, the sample.

Pure Python and fast: no model, no training.  Entity extraction is pinned to seqeval's own ``get_entities`` (default
mode) and ``Tokens(..., IOB2).entities`` (strict mode) on hand-made sequences.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import IOB2, Tokens

from core.errors import DataError
from core.ner import schemes
from core.ner.formats import (
    CONLL,
    JSONL_SPANS,
    JSONL_TOKENS,
    Sentence,
    read_conll,
    read_jsonl_spans,
    read_jsonl_tokens,
    read_sentences,
    sniff_format,
    to_jsonl,
    to_jsonl_spans,
    write_conll,
)
from core.ner.spans import align, tokenize

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "core" / "ner" / "example_data"

CONLL_2003 = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP B-NP B-LOC
"""
EXPECTED_2003 = [
    Sentence(["EU", "rejects", "German", "call", "."], ["B-ORG", "O", "B-MISC", "O", "O"]),
    Sentence(["Peter", "Blackburn"], ["B-PER", "I-PER"]),
    Sentence(["BRUSSELS"], ["B-LOC"]),
]
SENTENCES = [
    Sentence(["Ada", "Lovelace", "visited", "Port", "Elsby", "."], ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"], "a1"),
    Sentence(["Nothing", "here"], ["O", "O"], "a2"),
    Sentence(["Shares", "of", "Luma", "Systems", "rose", "4", "%"], ["O", "O", "B-ORG", "I-ORG", "O", "O", "O"], "a3"),
]


# --- CoNLL -------------------------------------------------------------------------------------------------------

def test_conll_2003_four_columns_tag_in_last_column_and_docstart_ignored():
    assert read_conll(CONLL_2003) == EXPECTED_2003


def test_conll_crlf_tabs_trailing_spaces_and_a_byte_order_mark():
    text = "\ufeff" + CONLL_2003.replace(" ", "\t").replace("\n", "  \r\n")
    assert read_conll(text) == EXPECTED_2003


def test_conll_docstart_without_blank_line_still_ends_the_sentence():
    assert read_conll("a O\n-DOCSTART- O\nb B-X\n") == [Sentence(["a"], ["O"]), Sentence(["b"], ["B-X"])]


def test_conll_line_without_tag_is_one_sentence_naming_the_line():
    text = "-DOCSTART- O\n\nAda B-PER\nvisited\nOslo B-LOC\n"
    with pytest.raises(DataError) as info:
        read_conll(text)
    message = str(info.value)
    assert message.startswith("Line 4 has a token but no tag; CoNLL files need the tag in the last column")
    assert message.count(". ") == 0 and message.endswith(".")


def test_conll_without_any_token_is_refused():
    with pytest.raises(DataError, match="no tagged tokens"):
        read_conll("-DOCSTART- O\n\n\n")


@pytest.mark.parametrize("docstart", [False, True])
def test_conll_round_trip(docstart: bool):
    text = write_conll(SENTENCES, docstart=docstart)
    assert text.startswith("-DOCSTART- O\n\n") == docstart
    assert read_conll(text) == [Sentence(s.tokens, s.tags) for s in SENTENCES]  # CoNLL keeps no ids


@pytest.mark.parametrize("token", ["New York", "", "a\tb", "-DOCSTART-"])
def test_conll_writer_refuses_tokens_a_column_cannot_hold(token: str):
    with pytest.raises(ValueError, match="CoNLL column"):
        write_conll([Sentence([token], ["O"])])


# --- JSON lines of tokens ----------------------------------------------------------------------------------------

def test_jsonl_tokens_round_trip_keeps_ids_and_unicode():
    sentences = [*SENTENCES, Sentence(["张", "三", "在", "北", "京"], ["B-PER", "I-PER", "O", "B-LOC", "I-LOC"])]
    text = to_jsonl(sentences)
    assert "张" in text and json.loads(text.splitlines()[0])["id"] == "a1"
    assert read_jsonl_tokens(text) == sentences


def test_jsonl_tokens_accepts_ner_tags_names_and_ids_with_names():
    lines = [{"tokens": ["Ada", "sang"], "ner_tags": ["B-PER", "O"]}, {"id": 7, "tokens": ["Oslo"], "ner_tags": [2]}]
    text = "\n".join(json.dumps(line) for line in lines) + "\n\n"
    with pytest.raises(DataError, match="Line 2 gives the tags as numbers"):
        read_jsonl_tokens(text)
    assert read_jsonl_tokens(text, tag_names=["O", "B-PER", "B-LOC"]) == [
        Sentence(["Ada", "sang"], ["B-PER", "O"]), Sentence(["Oslo"], ["B-LOC"], "7")]
    with pytest.raises(DataError, match="tag number 2, but only 2 tag names"):
        read_jsonl_tokens(text, tag_names=["O", "B-PER"])


def test_jsonl_tokens_json_array_is_read_by_record():
    text = json.dumps([{"tokens": ["a"], "tags": ["O"]}, {"tokens": ["b", "c"], "tags": ["O"]}])
    with pytest.raises(DataError, match=r"^Record 2 has 2 tokens but 1 tags"):
        read_jsonl_tokens(text)


@pytest.mark.parametrize(("text", "expected"), [
    ('{"tokens": ["a"], "tags": ["O"]}\n{"tokens": ["a"]\n', r"^Line 2 is not valid JSON"),
    ('{"tokens": ["a"], "tags": ["O"]}\n["a"]\n', r"^Line 2 is not a JSON object"),
    ('{"words": ["a"], "tags": ["O"]}\n', r'^Line 1 needs "tokens"'),
    ('{"tokens": [], "tags": []}\n', r"^Line 1 has no tokens"),
    ("\n\n", r"^The file has no records"),
])
def test_jsonl_tokens_errors_name_the_line(text: str, expected: str):
    with pytest.raises(DataError, match=expected):
        read_jsonl_tokens(text)


# --- text with character spans -----------------------------------------------------------------------------------

def test_tokenizer_keeps_offsets_and_splits_punctuation_and_cjk():
    text = "Dr. O'Neil-Smith paid $4.50 in 北京, 2024!"
    tokens = tokenize(text)
    assert all(text[start:end] == token for token, start, end in tokens)
    assert [t[0] for t in tokens] == ["Dr", ".", "O", "'", "Neil", "-", "Smith", "paid", "$", "4", ".", "50", "in",
                                      "北", "京", ",", "2024", "!"]


def test_spans_in_every_accepted_shape_give_the_same_sentence():
    text = "Ada Lovelace visited Port Elsby."
    expected = Sentence(["Ada", "Lovelace", "visited", "Port", "Elsby", "."], ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"])
    shapes = [
        {"text": text, "entities": [{"start": 0, "end": 12, "label": "PER"}, {"start": 21, "end": 31, "label": "LOC"}]},
        {"text": text, "spans": [[0, 12, "PER"], [21, 31, "LOC"]]},
        {"text": text, "label": [[0, 12, "PER"], [21, 31, "LOC"]]},  # doccano
        {"text": text, "entities": [{"start_offset": 0, "end_offset": 12, "label": "PER"},
                                    {"start_offset": 21, "end_offset": 31, "type": "LOC"}]},
        {"text": text, "label": [{"start": 0, "end": 12, "text": "Ada Lovelace", "labels": ["PER"]},
                                 {"start": 21, "end": 31, "text": "Port Elsby", "labels": ["LOC"]}]},  # Label Studio
    ]
    for record in shapes:
        reading = read_jsonl_spans(json.dumps(record))
        assert (reading.sentences, reading.dropped, reading.snapped, reading.format) == ([expected], [], 0, JSONL_SPANS)


def test_spans_off_token_boundaries_are_snapped_and_counted():
    # "Paris" inside "Parisian" and a span that swallowed the following space both widen/trim to whole tokens.
    sentence, dropped, snapped = align("The Parisian mayor met Ada ", [(4, 9, "LOC"), (23, 27, "PER")])
    assert sentence.tags == ("O", "B-LOC", "O", "O", "B-PER")
    assert (dropped, snapped) == ([], 2)


def test_overlapping_nested_duplicate_and_impossible_spans_are_dropped_and_listed():
    text = "Bank of Port Elsby opened in Varrow ."
    spans = [
        (8, 18, "LOC"),    # "Port Elsby", nested in the longer ORG below: dropped
        (0, 18, "ORG"),    # "Bank of Port Elsby": kept (longest)
        (29, 35, "LOC"),   # "Varrow": kept
        (29, 35, "LOC"),   # the same again: duplicate
        (19, 35, "MISC"),  # "opened in Varrow": longer than "Varrow", so kept and both Varrow spans dropped
        (36, 99, "LOC"),   # past the end of the text
        (18, 19, "LOC"),   # only a space
    ]
    sentence, dropped, snapped = align(text, spans, line=3)
    assert sentence.tags == ("B-ORG", "I-ORG", "I-ORG", "I-ORG", "B-MISC", "I-MISC", "I-MISC", "O")
    assert snapped == 0
    assert sorted((d.start, d.end, d.label, d.reason, d.line) for d in dropped) == [
        (8, 18, "LOC", "overlap", 3), (18, 19, "LOC", "no_token", 3), (29, 35, "LOC", "overlap", 3),
        (29, 35, "LOC", "overlap", 3), (36, 99, "LOC", "outside", 3)]


def test_equal_length_crossing_spans_keep_the_first_and_an_exact_repeat_is_a_duplicate():
    sentence, dropped, _ = align("a b c", [(2, 5, "Y"), (0, 3, "X"), (2, 5, "Y")])
    assert sentence.tags == ("O", "B-Y", "I-Y")
    assert [(d.label, d.reason) for d in dropped] == [("X", "overlap"), ("Y", "duplicate")]


@pytest.mark.parametrize(("record", "expected"), [
    ({"entities": []}, r'^Line 1 has no "text"'),
    ({"text": "a", "entities": {"start": 0}}, r"^Line 1: entities needs to be a list"),
    ({"text": "a", "entities": [[0, "1", "X"]]}, r"^Line 1: span 1 needs whole-number"),
    ({"text": "a", "spans": [{"start": 0, "end": 1}]}, r"^Line 1: span 1 needs"),
    ({"text": "a", "spans": [[0, 1, "B-PER"]]}, r'^Line 1: the label "B-PER" needs to be one word'),
    ({"text": "  ", "spans": []}, r"^Line 1 has an empty text"),
    ({"text": "ab", "label": {"PER": [[0, 1]]}}, r"^Line 1: label needs to be a list"),
    ({"text": "ab", "label": {"PER": {"a": [[0]]}}}, r"^Line 1: span 1 needs whole-number"),
])
def test_span_records_errors(record: dict, expected: str):
    with pytest.raises(DataError, match=expected):
        read_jsonl_spans(json.dumps(record))


def test_spans_round_trip_and_json_array():
    text = to_jsonl_spans(SENTENCES)
    first = json.loads(text.splitlines()[0])
    assert first == {"id": "a1", "text": "Ada Lovelace visited Port Elsby .",
                     "entities": [{"start": 0, "end": 12, "label": "PER"}, {"start": 21, "end": 31, "label": "LOC"}]}
    assert read_jsonl_spans(text).sentences == SENTENCES
    array = json.dumps([json.loads(line) for line in text.splitlines()])
    assert read_jsonl_spans(array).sentences == SENTENCES


# --- sniffing and the one entry point ----------------------------------------------------------------------------

def test_sniff_format_and_read_sentences_dispatch():
    files = {CONLL: write_conll(SENTENCES, docstart=True), JSONL_TOKENS: to_jsonl(SENTENCES),
             JSONL_SPANS: to_jsonl_spans(SENTENCES)}
    for fmt, text in files.items():
        data = text.encode("utf-8")
        assert sniff_format(data[:40]) == fmt  # a start that cuts the first record in half is enough
        reading = read_sentences(data)
        assert reading.format == fmt
        assert [(s.tokens, s.tags) for s in reading.sentences] == [(s.tokens, s.tags) for s in SENTENCES]
    assert sniff_format(b'\xef\xbb\xbf  [{"text": "a", "spans": []}]') == JSONL_SPANS
    assert sniff_format(b"[ O\nOslo B-LOC\n] O\n") == CONLL
    with pytest.raises(DataError, match="neither"):
        sniff_format(b'{"sentence": "a", "label": 1}')
    with pytest.raises(DataError, match="not UTF-8"):
        read_sentences(b"caf\xe9 O\n")
    with pytest.raises(ValueError, match="Unknown NER format"):
        read_sentences("a O\n", "iob")


def test_sentence_is_immutable_and_checks_lengths():
    sentence = Sentence(["a"], ["O"])
    assert sentence == Sentence(("a",), ("O",)) and len(sentence) == 1 and hash(sentence)
    with pytest.raises(ValueError, match="one tag per token"):
        Sentence(["a", "b"], ["O"])


# --- tag schemes -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sequences", "scheme"), [
    ([["B-PER", "I-PER", "O", "B-LOC"], ["O"]], "BIO"),
    ([["B-PER", "I-PER", "O", "I-LOC"], ["B-LOC"]], "BIO"),                    # BIO with one orphan I- (an error)
    ([["I-PER", "I-PER", "B-PER", "O", "I-LOC"]], "IOB1"),
    ([["I-PER", "O", "I-LOC", "I-LOC"]], "IO"),
    ([["B-PER", "E-PER", "O", "S-LOC"]], "BIOES"),
    ([["B-PER", "L-PER", "U-LOC"]], "BIOES"),                                 # BILOU
    ([["B-PER", "O", "B-LOC"]], "BIO"),
    ([["O", "O"], []], "BIO"),
])
def test_detect_scheme(sequences: list[list[str]], scheme: str):
    assert schemes.detect_scheme(sequences) == scheme


def test_detect_scheme_names_a_malformed_tag():
    with pytest.raises(ValueError, match="'PER'"):
        schemes.detect_scheme([["O", "PER"]])


def test_iob1_and_io_to_bio():
    assert schemes.to_bio(["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"]) == [
        "B-PER", "I-PER", "B-PER", "O", "B-LOC", "B-ORG"]
    assert schemes.convert(["O", "I-LOC", "I-LOC"], "BIO") == ["O", "B-LOC", "I-LOC"]


def test_bioes_to_bio_to_bioes_and_bilou():
    bioes = ["B-PER", "I-PER", "E-PER", "S-LOC", "O", "S-PER", "B-ORG", "E-ORG"]
    bio = ["B-PER", "I-PER", "I-PER", "B-LOC", "O", "B-PER", "B-ORG", "I-ORG"]
    assert schemes.to_bio(bioes) == bio
    assert schemes.to_bioes(bio) == bioes
    assert schemes.convert(schemes.convert(bioes, "BIO"), "BIOES") == bioes
    assert schemes.to_bio(["B-PER", "I-PER", "L-PER", "U-LOC"]) == ["B-PER", "I-PER", "I-PER", "B-LOC"]
    with pytest.raises(ValueError, match="BIO or BIOES"):
        schemes.convert(bio, "IOB1")


@pytest.mark.parametrize(("tags", "scheme", "expected"), [
    (["O", "I-PER", "I-PER", "B-LOC", "I-ORG"], "BIO", [(1, "I-PER", "orphan_inside"), (4, "I-ORG", "orphan_inside")]),
    (["B-PER", "I-PER", "O"], "BIO", []),
    (["B-PER", "S-LOC", "PER", "O"], "BIO", [(1, "S-LOC", "prefix"), (2, "PER", "malformed")]),
    (["I-PER", "B-PER", "O", "B-LOC"], "IOB1", [(3, "B-LOC", "needless_begin")]),
    (["B-PER", "O", "I-LOC"], "IO", [(0, "B-PER", "prefix")]),
    (["B-PER", "I-PER", "E-PER", "S-LOC", "O", "B-ORG", "O", "E-LOC", "I-ORG"], "BIOES",
     [(5, "B-ORG", "unclosed"), (7, "E-LOC", "orphan_inside"), (8, "I-ORG", "orphan_inside")]),  # one problem a tag
    (["B-PER", "L-PER", "U-LOC"], "BIOES", []),
])
def test_scheme_errors(tags: list[str], scheme: str, expected: list[tuple[int, str, str]]):
    problems = schemes.scheme_errors(tags, scheme)
    assert problems == expected
    assert all(p.problem in schemes.PROBLEMS for p in problems)


HAND_SEQUENCES = [
    ["B-PER", "I-PER", "O", "B-LOC"],
    ["O", "I-PER", "I-PER", "O"],                       # orphan I- starts an entity (default) / is ignored (strict)
    ["B-PER", "I-LOC", "I-LOC", "B-LOC", "I-LOC"],      # type change inside
    ["I-ORG", "B-ORG", "I-ORG", "I-PER"],
    ["B-MISC", "I-MISC"],                               # entity at sentence end
    ["O", "O"],
    [],
]


@pytest.mark.parametrize("tags", HAND_SEQUENCES)
def test_entities_match_seqeval_default_and_strict(tags: list[str]):
    assert schemes.entities(tags) == [(t, s, e + 1) for t, s, e in get_entities(tags)]
    strict = Tokens(tags, IOB2).entities
    assert schemes.entities(tags, strict=True) == [(e.tag, e.start, e.end) for e in strict]


def test_entities_on_bioes_match_seqeval_and_strict_refuses_other_prefixes():
    tags = ["B-PER", "E-PER", "S-LOC", "I-LOC", "E-LOC", "E-ORG", "O", "S-PER"]
    assert schemes.entities(tags) == [(t, s, e + 1) for t, s, e in get_entities(tags)]
    with pytest.raises(ValueError, match="strict BIO"):
        schemes.entities(tags, strict=True)


def test_labels_types_and_render():
    assert schemes.bio_labels(["PER", "LOC", "PER"]) == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    assert schemes.bio_labels(["X"], "BIOES") == ["O", "B-X", "I-X", "E-X", "S-X"]
    assert schemes.entity_types([["B-PER", "O"], ["I-WORK-OF-ART"]]) == ["PER", "WORK-OF-ART"]
    with pytest.raises(ValueError, match="overlaps"):
        schemes.render(3, [("A", 0, 2), ("B", 1, 3)])
    with pytest.raises(ValueError, match="does not fit"):
        schemes.render(2, [("A", 1, 3)])


# --- the team-written sample -------------------------------------------------------------------------------------

def test_news_entities_sample_is_reproducible_and_clean():
    spec = importlib.util.spec_from_file_location("make_news_entities", SAMPLE_DIR / "make_news_entities.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = SAMPLE_DIR / "news_entities.conll"
    text = path.read_text(encoding="utf-8")
    assert module.build() == text, "run python core/ner/example_data/make_news_entities.py"
    assert path.stat().st_size < 100_000 and text.startswith("-DOCSTART- O\n\n")
    sentences = read_conll(text)
    assert len(sentences) == 300 and len({s.tokens for s in sentences}) == 300
    tags = [s.tags for s in sentences]
    assert schemes.detect_scheme(tags) == "BIO"
    assert schemes.entity_types(tags) == ["LOC", "MISC", "ORG", "PER"]
    assert not any(schemes.scheme_errors(t) for t in tags)


def test_cluener_records_type_entity_text_and_inclusive_ends():
    """CLUENER (a Chinese benchmark the issue names): {type: {entity text: [[start, end]]}}, end inclusive."""
    records = [
        {"text": "浙商银行企业信贷部叶老桂博士则从另一个角度解读。",
         "label": {"name": {"叶老桂": [[9, 11]]}, "company": {"浙商银行": [[0, 3]]}}},
        {"text": "Maria met Bob and Bob.", "label": {"PER": {"Maria": [[0, 5]], "Bob": [[10, 12], [18, 20]]}}},
        {"text": "没有实体的句子。"},  # CLUENER's test split has no "label"
    ]
    reading = read_jsonl_spans("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    chinese, english, plain = reading.sentences
    assert get_entities(list(chinese.tags)) == [("company", 0, 3), ("name", 9, 11)]  # one character per token
    assert "".join(chinese.tokens[9:12]) == "叶老桂"
    # "Maria" [0, 5] only fits as an exclusive end (text[0:6] is "Maria "): both readings are accepted.
    assert english.tags == ("B-PER", "O", "B-PER", "O", "B-PER", "O")
    assert set(plain.tags) == {"O"} and reading.dropped == [] and reading.snapped == 0
    assert read_sentences(json.dumps(records[0], ensure_ascii=False).encode()).format == "jsonl_spans"
