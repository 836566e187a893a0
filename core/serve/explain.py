"""Word-level explanations by occlusion: which words pushed a prediction towards a class.

For each word we classify the text with that word left out; the drop in the target class's
probability is the word's score.  Positive = the word pushed towards the class, negative = away.
It needs only ``texts -> probabilities``, so it works for any model and is easy to trust: every
score is a real prediction on a real variant of the text.

Words are what people read as words.  In alphabetic text that is what lies between spaces (punctuation
stays attached).  Chinese is written without spaces, so splitting on spaces would give one "word" per
clause; a Chinese text (:func:`core.data.script.is_cjk_text`) is segmented with ``jieba`` instead (pinned in
requirements.txt): pure Python, MIT-licensed, the segmenter most Chinese NLP tooling uses, deterministic,
and its dictionary gives real words (订单 / 还没 / 发货) where character bigrams would cut across words
(单还 / 没发) and make every character occluded twice.  Its dictionary loads once per process (about a
second), which an explanation costing one prediction per word easily absorbs.  Japanese goes through it
too (kanji words come out whole; runs of kana, which jieba splits into single characters, are joined
again), still far finer than clauses.  Korean is written with spaces between words, so it keeps the
whitespace split.  A segmented word is removed from the original text in place, so the variants keep every other character,
space and punctuation mark exactly as typed; punctuation tokens are attached to the word before them, as in
alphabetic text, so no prediction is spent on a lone comma.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

import numpy as np

from core.data.script import is_cjk_text

MAX_WORDS = 200  # one forward pass per word: cap the cost on long texts (later words score 0)
_WORD = re.compile(r"\S+")
_HANGUL = re.compile("[\uac00-\ud7af]")
_KANA = re.compile("[\u3040-\u30ff]+")


def _segmented(text: str) -> bool:
    """True for Chinese/Japanese text, whose words are not separated by spaces."""
    return is_cjk_text(text) and not _HANGUL.search(text)


def words(text: str) -> list[str]:
    """The words of ``text``: whitespace-separated (punctuation stays attached, as people read it), or
    segmented words for Chinese/Japanese/Korean text."""
    text = str(text)
    return [text[a:b] for a, b in _spans(text)] if _segmented(text) else _WORD.findall(text)


def word_separator(text: str) -> str:
    """What to put between the words of ``text`` when showing them one by one: nothing for Chinese or
    Japanese text (not written with spaces between words), else a space."""
    return "" if _segmented(str(text)) else " "


def _segment(text: str) -> list[str]:
    import jieba  # deferred: only Chinese explanations need it, and its dictionary loads on first use

    jieba.setLogLevel(logging.WARNING)  # it prints "Building prefix dict…" at INFO on every first use
    return jieba.lcut(text)


def _spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each segmented word of a Chinese/Japanese text; spaces are skipped, punctuation
    or symbols joins the word before it, and adjacent kana-only tokens join into one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for token in _segment(text):
        end = start + len(token)
        if token.strip():
            glued = spans and spans[-1][1] == start
            kana = glued and _KANA.fullmatch(token) and _KANA.fullmatch(text[spans[-1][0] : start])
            if glued and (kana or not any(ch.isalnum() for ch in token)):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        start = end
    return spans


def occlusion_scores(
    predict_proba: Callable[[Sequence[str]], np.ndarray],
    text: str,
    target: int,
    *,
    max_words: int = MAX_WORDS,
) -> list[tuple[str, float]]:
    """``(word, score)`` for every word of ``text``, in order.

    ``score = p(target | text) - p(target | text without the word)``; ``predict_proba`` maps a list
    of texts to an ``(n, n_classes)`` probability array and is called once with all variants.
    Words past ``max_words`` are not tested and get 0.
    """
    text = str(text)
    if _segmented(text):
        spans = _spans(text)
        tokens = [text[a:b] for a, b in spans]
        tested = min(len(tokens), max_words)
        variants = [text] + [text[: spans[i][0]] + text[spans[i][1] :] for i in range(tested)]
    else:
        tokens = _WORD.findall(text)
        tested = min(len(tokens), max_words)
        variants = [" ".join(tokens)] + [" ".join(tokens[:i] + tokens[i + 1 :]) for i in range(tested)]
    if not tokens:
        return []
    proba = np.asarray(predict_proba(variants), dtype=np.float64)
    base = proba[0, target]
    scores = [float(base - proba[i + 1, target]) for i in range(tested)]
    scores += [0.0] * (len(tokens) - tested)
    return list(zip(tokens, scores, strict=True))


def strongest(scores: list[tuple[str, float]], n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` words with the largest absolute influence, strongest first."""
    return sorted(scores, key=lambda item: abs(item[1]), reverse=True)[:n]
