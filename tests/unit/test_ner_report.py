"""The NER evaluation report (core.evaluate.report_ner) and its standalone HTML (core.evaluate.html_ner): entity
scores equal seqeval's, the error list names what went wrong, and user words are escaped in the HTML."""

from __future__ import annotations

import pandas as pd
import pytest
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

from core.errors import DataError
from core.evaluate.html import report_to_html
from core.evaluate.report_ner import build_ner_report, error_kinds, predictions_frame
from core.ner.sentence import Sentence
from core.ner.table import frame_from_sentences

GOLD = [
    ["B-PER", "I-PER", "O", "O", "B-LOC"],
    ["B-ORG", "I-ORG", "I-ORG", "O"],
    ["O", "B-PER", "O", "B-LOC", "I-LOC"],
    ["O", "O", "O"],
]
PRED = [
    ["B-PER", "I-PER", "O", "O", "B-ORG"],  # wrong type
    ["B-ORG", "I-ORG", "O", "O"],  # boundary
    ["O", "O", "O", "B-LOC", "I-LOC"],  # missed PER
    ["B-MISC", "O", "O"],  # spurious
]
WORDS = [["Ann", "Lee", "went", "to", "Paris"], ["Acme", "Steel", "Works", "fell"],
         ["Yesterday", "Bob", "saw", "New", "York"], ["<script>alert(1)</script>", "&", "co"]]


def _predictions(gold=GOLD, pred=PRED, words=WORDS):
    test = frame_from_sentences([Sentence(w, g) for w, g in zip(words, gold, strict=True)])
    import numpy as np

    return predictions_frame(test, pred, [np.full(len(p), 0.9) for p in pred])


def test_summary_and_per_type_equal_seqeval():
    report = build_ner_report(_predictions())
    summary = report["summary"]
    assert summary["f1"] == pytest.approx(f1_score(GOLD, PRED))
    assert summary["precision"] == pytest.approx(precision_score(GOLD, PRED))
    assert summary["recall"] == pytest.approx(recall_score(GOLD, PRED))
    assert summary["f1_macro"] == pytest.approx(f1_score(GOLD, PRED, average="macro"))
    expected = classification_report(GOLD, PRED, output_dict=True)
    for row in report["per_type"]:
        assert row["f1"] == pytest.approx(expected[row["type"]]["f1-score"])
        assert row["support"] == expected[row["type"]]["support"]
    assert summary["n_entities"] == 5 and summary["n_predicted"] == 5 and summary["n_sentences"] == 4
    assert summary["token_accuracy"] == pytest.approx(13 / 17)


def test_errors_name_each_kind_of_mistake():
    report = build_ner_report(_predictions())
    kinds = {row["row_id"]: row["kinds"] for row in report["errors"]}
    assert kinds == {0: ["wrong_type"], 1: ["boundary"], 2: ["missed"], 3: ["spurious"]}
    first = report["errors"][0]
    assert first["pred"][0][:3] == ["PER", 0, 2] and first["pred"][0][3] == pytest.approx(0.9)
    assert error_kinds([("PER", 0, 2)], [("PER", 0, 2)]) == []


def test_a_perfect_run_has_no_errors_and_full_scores():
    report = build_ner_report(_predictions(pred=GOLD))
    assert report["errors"] == [] and report["summary"]["f1"] == 1.0


def test_damaged_predictions_are_refused_in_one_sentence():
    frame = _predictions()
    frame.loc[0, "pred"] = "O O"
    with pytest.raises(DataError, match="Row 1"):
        build_ner_report(frame)
    with pytest.raises(DataError):
        build_ner_report(pd.DataFrame({"text": [], "label": [], "pred": []}))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_html_report_escapes_words_and_marks_entities(language):
    html = report_to_html(build_ner_report(_predictions()), title="NER <b>run</b>", language=language)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "NER <b>run</b>" not in html
    assert html.count('<mark class="ent"') >= 10


def test_lookup_baseline_tags_known_words_and_leaves_unknown_ones_outside():
    from core.ner.baseline import LookupTagger

    tagger = LookupTagger.fit([["Paris", "is", "big"], ["paris", "Hilton"], ["Paris", "again"]],
                              [["B-LOC", "O", "O"], ["B-PER", "I-PER"], ["B-LOC", "O"]])
    assert tagger.tag(["Paris", "PARIS", "Hilton", "Rome"]) == ["B-LOC", "B-LOC", "I-PER", "O"]
