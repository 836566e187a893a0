"""Word-level explanations by occlusion: which words pushed a prediction towards a class.

For each word we classify the text with that word left out; the drop in the target class's
probability is the word's score.  Positive = the word pushed towards the class, negative = away.
It needs only ``texts -> probabilities``, so it works for any model and is easy to trust: every
score is a real prediction on a real variant of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

MAX_WORDS = 200  # one forward pass per word: cap the cost on long texts (later words score 0)
_WORD = re.compile(r"\S+")


def words(text: str) -> list[str]:
    """The whitespace-separated words of ``text`` (punctuation stays attached, as people read it)."""
    return _WORD.findall(str(text))


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
    tokens = words(text)
    if not tokens:
        return []
    tested = min(len(tokens), max_words)
    variants = [" ".join(tokens)] + [" ".join(tokens[:i] + tokens[i + 1 :]) for i in range(tested)]
    proba = np.asarray(predict_proba(variants), dtype=np.float64)
    base = proba[0, target]
    scores = [float(base - proba[i + 1, target]) for i in range(tested)]
    scores += [0.0] * (len(tokens) - tested)
    return list(zip(tokens, scores, strict=True))


def strongest(scores: list[tuple[str, float]], n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` words with the largest absolute influence, strongest first."""
    return sorted(scores, key=lambda item: abs(item[1]), reverse=True)[:n]
