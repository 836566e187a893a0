"""Occlusion explanations on toy models whose truth we know, and their safe Markdown rendering."""

from __future__ import annotations

import numpy as np

from core.serve.explain import occlusion_scores, strongest, words
from pages.components.playground_explain import highlighted_markdown, influence_frame
from pages.components.safe_text import escape_markdown


def _keyword_model(keyword: str = "great", high: float = 0.9, low: float = 0.2):
    """P(class 1) is ``high`` when ``keyword`` is among the words, else ``low``; counts its calls."""
    calls = []

    def predict(texts):
        calls.append(list(texts))
        p1 = np.array([high if keyword in t.split() else low for t in texts])
        return np.stack([1 - p1, p1], axis=1)

    return predict, calls


def test_the_word_that_drives_the_class_has_the_largest_positive_score():
    predict, calls = _keyword_model()
    scores = occlusion_scores(predict, "the film was great to watch", target=1)
    assert [w for w, _ in scores] == ["the", "film", "was", "great", "to", "watch"]
    best_word, best_score = max(scores, key=lambda item: item[1])
    assert best_word == "great" and abs(best_score - 0.7) < 1e-9
    assert all(abs(s) < 1e-12 for w, s in scores if w != "great")
    assert len(calls) == 1 and len(calls[0]) == 7  # one call: the full text and one variant per word


def test_scores_for_the_other_class_have_the_opposite_sign():
    predict, _ = _keyword_model()
    scores = dict(occlusion_scores(predict, "the film was great", target=0))
    assert abs(scores["great"] + 0.7) < 1e-9  # 'great' pushes away from class 0


def test_scores_of_an_additive_model_sum_to_the_full_effect():
    weights = {"good": 0.2, "fun": 0.15, "boring": -0.25}

    def predict(texts):
        p1 = np.array([0.5 + sum(weights.get(w, 0.0) for w in t.split()) for t in texts])
        return np.stack([1 - p1, p1], axis=1)

    text = "good fun but boring plot"
    scores = occlusion_scores(predict, text, target=1)
    assert dict(scores)["boring"] < 0 < dict(scores)["fun"] < dict(scores)["good"]
    full, empty = predict([text])[0, 1], predict([""])[0, 1]
    assert abs(sum(s for _, s in scores) - (full - empty)) < 1e-9


def test_empty_and_long_texts():
    predict, calls = _keyword_model()
    assert occlusion_scores(predict, "   ", target=1) == []
    assert calls == []
    long = " ".join(["word"] * 30 + ["great"])
    scores = occlusion_scores(predict, long, target=1, max_words=10)
    assert len(scores) == 31 and len(calls[0]) == 11
    assert scores[-1] == ("great", 0.0)  # past the cap: not tested, scored 0


def test_words_and_strongest():
    assert words(" a  b\tc\nd ") == ["a", "b", "c", "d"]
    assert strongest([("a", 0.1), ("b", -0.5), ("c", 0.3)], n=2) == [("b", -0.5), ("c", 0.3)]


def test_markdown_escaping_shows_user_text_literally():
    hostile = "<script>alert(1)</script> [x](http://evil.example) ![i](http://e.x/i.png) :red[x] $x$ *a* `c` www.evil.com a@b.co"
    safe = escape_markdown(hostile)
    for raw in ("<script>", "](", "![", ":red[", "$x$", "*a*", "`c`", "http://", "www.", "a@b"):
        assert raw not in safe, raw
    assert safe.replace("\\", "").replace("\u200b", "") == hostile  # only escapes were added


def test_highlighted_markdown_colours_only_influential_words():
    scores = [("great", 0.5), ("<b>", -0.25), ("the", 0.001)]
    line = highlighted_markdown(scores)
    assert line.startswith(':color[great]{background="rgba(46,160,67,0.75)"}')
    assert ':color[\\<b\\>]{background="rgba(215,58,73,0.45)"}' in line
    assert line.endswith(" the")  # below the threshold: plain
    assert highlighted_markdown([("x", 0.0)]) == "x"
    frame = influence_frame(scores, n=2)
    assert frame["word"].tolist() == ["great", "<b>"] and frame["influence"].tolist() == [50.0, -25.0]
