"""The lookup baseline of named-entity recognition: every word gets the tag it carried most often in training.

The classic CoNLL-2003 baseline (Tjong Kim Sang & De Meulder, 2003) tags only words seen in training: a model that
does not beat it has learnt nothing beyond a dictionary of the training names.  Here a word is looked up as written,
then in lower case; an unseen word is ``O``.  Tags are chosen per word, so the sequence can break BIO (``I-PER`` after
``O``); entities are then read the way seqeval's default mode reads them (:func:`core.ner.schemes.entities`), which
is what the report scores anyway.  Pure Python; fitting 200,000 words takes well under a second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

OUTSIDE = "O"


class LookupTagger:
    """The most frequent training tag of each word (ties: the tag seen first)."""

    def __init__(self, exact: dict[str, str], lower: dict[str, str]) -> None:
        self.exact, self.lower = exact, lower

    @classmethod
    def fit(cls, sentences_words: Iterable[Sequence[str]], sentences_tags: Iterable[Sequence[str]]) -> LookupTagger:
        """Count each word's tags over the training sentences."""
        exact: dict[str, Counter[str]] = {}
        lower: dict[str, Counter[str]] = {}
        for words, tags in zip(sentences_words, sentences_tags, strict=True):
            for word, tag in zip(words, tags, strict=True):
                exact.setdefault(word, Counter())[tag] += 1
                lower.setdefault(word.lower(), Counter())[tag] += 1
        return cls({w: c.most_common(1)[0][0] for w, c in exact.items()},
                   {w: c.most_common(1)[0][0] for w, c in lower.items()})

    def tag(self, words: Sequence[str]) -> list[str]:
        """The looked-up tag of each word."""
        return [self.exact.get(w) or self.lower.get(w.lower(), OUTSIDE) for w in words]
