"""A seeded, generated set of short movie-review sentences labelled negative / positive (written for these tests).

It replaces samples of the public SST-2 set, so a fresh clone runs its tests without ``../shared``.  The sentences
read like review snippets of varied length (3 to ~25 words); the label follows from the opinion words, with
negations ("not dull") and mixed openers ("despite a slow start") so a model has to read more than one word, but a
small fine-tuned model still learns it well within a few dozen steps.
"""

from __future__ import annotations

import random

import pandas as pd

SUBJECTS = ["the film", "this movie", "the script", "the cast", "the story", "the ending", "the director's latest",
            "the lead performance", "the dialogue", "the soundtrack", "the second half", "the plot", "the animation",
            "the pacing", "the characters", "the final act", "the camera work", "this sequel", "the remake",
            "the documentary", "her performance", "his debut", "the whole thing", "the screenplay"]
NOUNS = ["drama", "comedy", "thriller", "documentary", "romance", "debut", "sequel", "adventure", "western", "satire",
         "mystery", "musical", "horror film", "biopic", "family film", "road movie"]
ADVERBS = ["", "", "really", "quite", "surprisingly", "utterly", "thoroughly", "genuinely", "remarkably", "simply",
           "consistently", "oddly"]
WORDS = {
    "positive": ["wonderful", "moving", "funny", "gripping", "charming", "beautifully shot", "smart", "heartfelt",
                 "delightful", "thrilling", "warm", "clever", "touching", "superb", "memorable", "inventive",
                 "tender", "witty", "gorgeous", "absorbing", "brilliant", "lovely", "sharp", "engaging"],
    "negative": ["dull", "boring", "tedious", "clumsy", "predictable", "lifeless", "messy", "bland", "shallow",
                 "forgettable", "painful", "overlong", "incoherent", "flat", "sloppy", "tiresome", "lazy", "hollow",
                 "dreary", "muddled", "pointless", "stale", "awkward", "joyless"],
}
CLAUSES = {
    "positive": ["stays with you long after the credits", "earns every laugh", "never loses its grip",
                 "makes the two hours fly by", "deserves a much bigger audience", "had the whole theatre cheering",
                 "rewards a second viewing", "finds real feeling in small moments", "is worth the ticket price"],
    "negative": ["never finds its footing", "wastes a talented cast", "drags on far too long",
                 "left me checking my watch", "falls apart in the last act", "forgets what made the original work",
                 "is not worth the ticket price", "mistakes noise for excitement", "runs out of ideas early"],
}
OPENERS = {
    "positive": ["despite a slow start ,", "against all odds ,", "after a shaky first scene ,", "in the end ,", ""],
    "negative": ["despite a promising start ,", "for all its ambition ,", "after a strong first scene ,",
                 "in the end ,", ""],
}
OTHER = {"positive": "negative", "negative": "positive"}


def _sentence(rng: random.Random, label: str) -> str:
    """One review snippet whose opinion is ``label``."""
    word, word2, word3 = rng.sample(WORDS[label], 3)
    adverb = rng.choice(ADVERBS)
    subject, noun = rng.choice(SUBJECTS), rng.choice(NOUNS)
    templates = [
        f"{subject} is {adverb} {word}",
        f"{subject} feels {word} from start to finish",
        f"a {adverb} {word} {noun} that {rng.choice(CLAUSES[label])}",
        f"i found {subject} {word} and {word2}",
        f"{rng.choice(OPENERS[label])} {subject} {rng.choice(CLAUSES[label])}",
        f"{word} , {word2} and {adverb} {word3}",
        f"{subject} is not {rng.choice(WORDS[OTHER[label]])} at all ; it is {word}",
        f"{rng.choice(OPENERS[label])} this {noun} is {adverb} {word} , and {subject} {rng.choice(CLAUSES[label])}",
        f"{word} {noun}",
    ]
    return " ".join(rng.choice(templates).split())  # empty adverbs/openers leave no double spaces


def sentiment_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """``n`` unique (text, label) rows, half negative and half positive (negatives first when ``n`` is odd), shuffled.

    The same ``n`` and ``seed`` give the same frame on every machine (only ``random.Random`` with a fixed seed).
    """
    rng = random.Random(seed)
    seen: set[str] = set()
    rows: list[tuple[str, str]] = []
    for label, count in (("negative", n - n // 2), ("positive", n // 2)):
        made = 0
        while made < count:
            text = _sentence(rng, label)
            if text not in seen:
                seen.add(text)
                rows.append((text, label))
                made += 1
    rng.shuffle(rows)
    return pd.DataFrame(rows, columns=["text", "label"])
