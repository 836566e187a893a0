"""The NER health report (core.data.ner_health) on hand-made files: counts, scheme errors seen before conversion,
IOB1 converted, dropped and widened spans, duplicates, rare types, and truncation counted with a fake counter; and
its charts (core.plots.ner_figures)."""

from __future__ import annotations

import json

import pytest

from core.data.ner_health import MAX_EXAMPLES, ner_health_report, scheme_problems, summary
from core.data.ner_import import read_ner
from core.i18n import localize
from core.ner.sentence import Sentence
from core.plots.ner_figures import entity_types_figure, sentence_length_figure

CONLL = """-DOCSTART- O

Ada B-PER
Lovelace I-PER
visited O
Port B-LOC
Elsby I-LOC
. O

The O
council O
met O
. O

Smith I-PER
works O
at O
Corvan B-ORG
Bank I-ORG

Ada B-PER
Lovelace I-PER
visited O
Port B-LOC
Elsby I-LOC
. O
"""


def _codes(report) -> dict[str, str]:
    return {f.code: f.severity for f in report.findings}


def test_counts_and_an_orphan_inside_tag_of_a_conll_file():
    report = ner_health_report(read_ner(CONLL.encode(), "a.conll"))
    assert (report.n_sentences, report.n_words, report.format, report.scheme) == (4, 21, "conll", "BIO")
    assert report.entity_counts == {"LOC": 2, "PER": 3, "ORG": 1}  # the orphan I-PER still counts as an entity
    assert report.n_entities == 6 and report.no_entity == 1
    assert report.sentence_lengths == [6, 4, 5, 6] and report.length_stats["max"] == 6
    assert report.problem_counts == {"orphan_inside": 1}
    assert report.problem_examples == [{"sentence": 3, "position": 0, "tag": "I-PER", "problem": "orphan_inside"}]
    assert report.duplicates == 1 and report.conflicts == 0
    assert not report.converted and report.token_lengths is None and report.n_long is None
    codes = _codes(report)
    assert codes["too_few"] == "error" and not report.trainable  # 4 sentences cannot be split three ways
    assert codes["scheme_errors"] == "warning" and codes["rare_types"] == "warning" and codes["duplicates"] == "warning"
    assert "converted" not in codes and "long" not in codes
    scheme = next(f for f in report.findings if f.code == "scheme_errors")
    assert scheme.message.startswith("1 tag breaks the BIO rules: an I- that continues an entity never begun")
    assert localize(scheme.messages["message"], "zh").startswith("1 个标签违反了 BIO 规则：延续了从未开始的实体的 I-")
    assert [f.severity for f in report.findings] == sorted((f.severity for f in report.findings),
                                                           key=["error", "warning", "info"].index)


def test_iob1_is_detected_converted_and_its_rules_checked():
    # IOB1: entities start with I-; B- only between two adjacent entities of one type.
    text = "\n\n".join(["Ada I-PER\nBob B-PER\nmet O\nin O\nOslo I-LOC"] * 12)
    report = ner_health_report(read_ner(text.encode(), "a.iob"))
    assert report.scheme == "IOB1" and report.converted
    assert report.entity_counts == {"PER": 24, "LOC": 12} and report.problem_counts == {}
    # A B- starting an entity after O breaks IOB1 (a file with one is called BIO with orphan I- tags instead).
    assert scheme_problems([Sentence(["Paris", "is"], ["B-LOC", "O"])], "IOB1") == (
        {"needless_begin": 1}, [{"sentence": 1, "position": 0, "tag": "B-LOC", "problem": "needless_begin"}])
    converted = next(f for f in report.findings if f.code == "converted")
    assert converted.severity == "info" and "The tags are in IOB1; they were converted to BIO" in converted.message
    assert report.trainable and "too_few" not in _codes(report) and _codes(report)["small"] == "warning"


def test_spans_with_an_overlap_are_dropped_and_widened_ones_counted():
    records = [{"text": "Ada Lovelace lives in Port Elsby.",
                "entities": [[0, 12, "PER"], [4, 12, "PER"], [22, 32, "LOC"], [0, 3, "ORG"]]}]
    records += [{"text": "Bob went to Oslo.", "entities": [[0, 3, "PER"], [12, 15, "LOC"]]}]  # "Osl": widened
    raw = "\n".join(json.dumps(r) for r in records).encode()
    report = ner_health_report(read_ner(raw, "spans.jsonl"))
    assert report.format == "jsonl_spans" and report.scheme == "BIO"
    assert report.dropped_spans == {"overlap": 2} and report.snapped_spans == 1
    assert report.entity_counts == {"PER": 2, "LOC": 2}
    dropped = next(f for f in report.findings if f.code == "dropped_spans")
    assert dropped.count == 2 and "overlap a longer or earlier span" in dropped.message
    assert _codes(report)["snapped_spans"] == "info"


def test_truncation_is_counted_with_the_counter_and_said_as_windows():
    sentences = "\n\n".join(" \n".join(f"w{i} {'B-PER' if i == 0 else 'O'}" for i in range(n)) for n in [3, 9] * 10)
    seen = []

    def count(texts: list[str]) -> list[int]:
        seen.extend(texts)
        return [len(text.split()) + 2 for text in texts]  # one token per word, plus [CLS] and [SEP]

    report = ner_health_report(read_ner(sentences.encode(), "a.conll"), count_tokens=count, max_length=8)
    assert seen[0] == "w0 w1 w2" and len(seen) == 20  # the words joined by single spaces, one text per sentence
    assert report.token_lengths == [5, 11] * 10 and report.n_long == 10 and report.max_length == 8
    long = next(f for f in report.findings if f.code == "long")
    assert long.severity == "info"
    assert long.message == ("10 sentences (50.0%) are longer than 8 tokens; they will be split into overlapping "
                            "windows when training, not cut.")
    fine = ner_health_report(read_ner(sentences.encode(), "a.conll"), count_tokens=count, max_length=64)
    assert fine.n_long == 0 and "long" not in _codes(fine)


def test_same_words_with_other_tags_are_a_conflict_and_rare_types_are_listed():
    one = "Ada B-PER\nsaid O"
    other = "Ada B-ORG\nsaid O"
    many = "\n\n".join([one] * 12 + [other])
    report = ner_health_report(read_ner(many.encode(), "a.conll"))
    assert report.duplicates == 11 and report.conflicts == 1
    rare = next(f for f in report.findings if f.code == "rare_types")
    assert rare.count == 1 and "‘ORG’: 1" in rare.message and "‘PER’" not in rare.message


def test_scheme_problem_examples_stop_at_the_limit_but_counts_go_on():
    sentences = [Sentence(["a", "b"], ["O", "I-X"])] * (MAX_EXAMPLES + 5)
    counts, examples = scheme_problems(sentences, "BIO")
    assert counts == {"orphan_inside": MAX_EXAMPLES + 5} and len(examples) == MAX_EXAMPLES
    assert examples[-1] == {"sentence": MAX_EXAMPLES, "position": 1, "tag": "I-X", "problem": "orphan_inside"}


def test_the_summary_is_json_without_per_sentence_lengths():
    report = ner_health_report(read_ner(CONLL.encode(), "a.conll"), count_tokens=lambda ts: [4] * len(ts))
    kept = summary(report)
    assert "sentence_lengths" not in kept and "token_lengths" not in kept
    assert json.loads(json.dumps(kept))["entity_counts"] == {"LOC": 2, "PER": 3, "ORG": 1}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_charts_are_worded_and_show_the_counts(language):
    report = ner_health_report(read_ner(CONLL.encode(), "a.conll"), count_tokens=lambda ts: [7] * len(ts),
                               max_length=6)
    bars = entity_types_figure(report, language=language)
    assert list(bars.data[0].x) == ["PER", "LOC", "ORG"] and list(bars.data[0].y) == [3, 2, 1]  # most first
    coloured = entity_types_figure(report, language=language, colours={"PER": "#111111", "LOC": "#222222"})
    assert list(coloured.data[0].marker.color) == ["#111111", "#222222", "#7f7f7f"]  # a type without one: grey
    lengths = sentence_length_figure(report, language=language)
    assert list(lengths.data[0].x) == [7, 7, 7, 7]
    title = {"en": ("Entities per type", "Sentence length"), "zh": ("各类型实体数", "句子长度")}[language]
    assert (bars.layout.title.text, lengths.layout.title.text) == title
    words = sentence_length_figure(ner_health_report(read_ner(CONLL.encode(), "a.conll")), language="en")
    assert list(words.data[0].x) == [6, 4, 5, 6] and words.layout.xaxis.title.text == "words per sentence"


def test_check_data_on_a_conll_file_prints_the_ner_report(tmp_path, capsys):
    from core.cli import main

    path = tmp_path / "tagged.txt"  # recognised by its content, not its extension
    path.write_text(CONLL, encoding="utf-8")
    assert main(["check-data", str(path), "--model", "all-MiniLM-L6-v2"]) == 2  # 4 sentences: not trainable
    out, err = capsys.readouterr()
    assert out.startswith("Named entities · conll · tags in BIO\nSentences: 4 · words: 21 · entities: 6 (PER 3, LOC 2, ")
    assert "  sentence 3, word 1: I-PER (orphan_inside)" in out
    assert err.strip() == "error: The file has 4 sentences; at least 10 are needed to train, validate and test a model."
    example = "core/ner/example_data/news_entities.conll"
    assert main(["check-data", example, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["task"] == "ner" and report["n_sentences"] == 300 and report["n_long"] == 0
    assert report["entity_counts"] == {"ORG": 167, "LOC": 166, "PER": 142, "MISC": 109}
