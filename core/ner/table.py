"""How NER sentences are stored in a dataset table, and read back: the one place that knows the two columns.

A stored NER dataset is an ordinary Tuneboard table (so the library, hashing, splits, versions and the data page all
work unchanged) with one row per sentence:

- ``text``: the words joined by single spaces (what search, de-duplication and previews read);
- ``label``: the BIO tags joined by single spaces, exactly one per word.

A word that itself holds whitespace (a JSON ``tokens`` list may have ``"New York"`` as one token) keeps it as a
no-break space (U+00A0), so splitting ``text`` on ``" "`` gives back the same number of words as tags.  Tags are
converted to BIO at import (:func:`core.ner.schemes.to_bio`); the file's own scheme is kept in the dataset's meta.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from core.ner.sentence import Sentence

WORD_JOINER = " "
_INNER_SPACE = re.compile(r"\s")
NO_BREAK_SPACE = "\u00a0"


def stored_word(token: str) -> str:
    """A token as stored in ``text``: any whitespace inside it becomes a no-break space (see the module doc)."""
    return _INNER_SPACE.sub(NO_BREAK_SPACE, token)


def frame_from_sentences(sentences: Iterable[Sentence]) -> pd.DataFrame:
    """The stored table of ``sentences``: one row per sentence with ``text`` and ``label`` (tags as given)."""
    rows = [
        {"text": WORD_JOINER.join(stored_word(t) for t in s.tokens), "label": WORD_JOINER.join(s.tags)}
        for s in sentences if len(s) > 0
    ]
    return pd.DataFrame(rows, columns=["text", "label"])


def words_of(text: object) -> list[str]:
    """The words of one stored ``text`` cell (``""`` → no words)."""
    value = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    return value.split(WORD_JOINER) if value else []


def tags_of(label: object) -> list[str]:
    """The tags of one stored ``label`` cell."""
    return words_of(label)


def sentences_from_frame(frame: pd.DataFrame) -> list[Sentence]:
    """The sentences of a stored table; a row whose word and tag counts differ is a ValueError naming the row."""
    out = []
    for number, (text, label) in enumerate(zip(frame["text"], frame["label"], strict=True), 1):
        words, tags = words_of(text), tags_of(label)
        if len(words) != len(tags):
            raise ValueError(f"Row {number} has {len(words)} words but {len(tags)} tags.")
        out.append(Sentence(words, tags))
    return out


def entity_types_of(labels: Iterable[object]) -> list[str]:
    """Every entity type used in stored ``label`` cells, sorted (``B-PER I-PER O`` → ``["PER"]``)."""
    found: set[str] = set()
    for cell in labels:
        for tag in tags_of(cell):
            if tag != "O" and len(tag) > 2 and tag[1] == "-":
                found.add(tag[2:])
    return sorted(found)
