"""Which writing system a dataset uses: is it Chinese, Japanese or Korean (CJK) text?

Several steps treat CJK text differently because it is written without spaces between words: the TF-IDF
baseline uses character n-grams instead of words (scikit-learn's default token pattern would take a whole
unspaced clause as one "word"), robustness checks drop and swap characters instead of changing letter case,
explanations occlude segmented words, and the health report counts characters.  They all ask
:func:`is_cjk`, so one rule decides.

The measure is the share of *letters* (characters that are neither spaces, digits nor punctuation) that are
CJK ideographs, kana or hangul: order numbers, prices and punctuation say nothing about the language, so
"订单TB-9868282还没到" counts as Chinese.  Only an evenly spaced sample of texts (and each text's beginning)
is read, so the answer is deterministic and takes milliseconds on hundreds of thousands of texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["CJK_CLASS", "CJK_THRESHOLD", "cjk_share", "is_cjk", "is_cjk_text"]

CJK_THRESHOLD = 0.3
"""A dataset whose letters are at least this share CJK is treated as CJK text (mixed Chinese/English
customer messages with product names in Latin letters are still well above it)."""
SAMPLE_TEXTS = 2000
SAMPLE_CHARS = 400  # a text's beginning is enough to tell its script

# CJK punctuation (U+3000–303F) is not counted, as it is no letter: hiragana/katakana (+ extensions and half-width katakana), the CJK
# unified ideographs (+ extension A, compatibility ideographs and the supplementary-plane extensions)
# and hangul (jamo, compatibility jamo, syllables).
CJK_CLASS = (
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"
)
"""A regular-expression character class matching one CJK ideograph, kana or hangul character."""
_CJK = re.compile(CJK_CLASS)
_LETTER = re.compile(r"[^\W\d_]")  # a word character that is not a digit or underscore: letters of any script


def _sample(texts: Iterable[object], size: int) -> list[str]:
    """Every k-th text (evenly spaced, no randomness), cut to its first SAMPLE_CHARS characters."""
    if hasattr(texts, "iloc"):  # a pandas Series: slice by position without copying 50k values into a list
        step = max(1, len(texts) // size) if size > 0 else 1  # type: ignore[arg-type]
        picked = texts.iloc[::step].iloc[:size].tolist()  # type: ignore[attr-defined]
    else:
        items = texts if isinstance(texts, list | tuple) else list(texts)
        step = max(1, len(items) // size) if size > 0 else 1
        picked = list(items[::step][:size])
    return [str(t)[:SAMPLE_CHARS] for t in picked]


def cjk_share(texts: Iterable[object], *, sample: int = SAMPLE_TEXTS) -> float:
    """Share (0–1) of the letters in an evenly spaced sample of ``texts`` that are CJK ideographs, kana or
    hangul; 0.0 when the sample has no letters at all (only digits, punctuation or nothing)."""
    letters = cjk = 0
    for text in _sample(texts, sample):
        letters += len(_LETTER.findall(text))
        cjk += len(_CJK.findall(text))
    return cjk / letters if letters else 0.0


def is_cjk(texts: Iterable[object], threshold: float = CJK_THRESHOLD, *, sample: int = SAMPLE_TEXTS) -> bool:
    """True when the texts are mostly Chinese, Japanese or Korean (see :func:`cjk_share`)."""
    return cjk_share(texts, sample=sample) >= threshold


def is_cjk_text(text: str, threshold: float = CJK_THRESHOLD) -> bool:
    """:func:`is_cjk` for one text (explanations decide per sentence)."""
    return is_cjk([text], threshold)
