"""Seeded text perturbations and a robustness report.

Each perturbation is ``f(text, rng) -> str`` with ``rng`` a :class:`numpy.random.Generator`
(deterministic ones ignore it), so they can be looked up by name in :data:`PERTURBATIONS` (the set for
alphabetic text) or :data:`CJK_PERTURBATIONS`.  Changing letter case or making English typos does
nothing to Chinese, Japanese or Korean text, so when the texts are CJK (:func:`core.data.script.is_cjk`)
the report uses character drops and swaps, full-/half-width punctuation, punctuation removal and,
when a converter is installed (requirements.txt brings OpenCC's tables in pure Python), traditional ↔ simplified script;
:func:`perturbations_for` says which, and every report row names the one it used.

:func:`perturb_texts` gives every text its own generator seeded from ``(seed, hash of
the text)``: the result for one text does not depend on which other texts are in the
list or in what order, so re-running a report on a re-shuffled test set gives the same
perturbed texts.
"""

from __future__ import annotations

import functools
import hashlib
import re
import string
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from core.data.script import CJK_CLASS, is_cjk

__all__ = [
    "CJK_DESCRIPTIONS",
    "CJK_PERTURBATIONS",
    "DESCRIPTIONS",
    "PERTURBATIONS",
    "char_drop",
    "char_swap",
    "lowercase",
    "perturb_texts",
    "perturbations_for",
    "punctuation_width",
    "robustness_report",
    "strip_punctuation",
    "traditional_simplified",
    "typos",
    "uppercase",
    "word_dropout",
]

Perturbation = Callable[[str, "np.random.Generator | None"], str]

_LETTERS = string.ascii_lowercase
# Full-width forms (U+FF01–FF5E) of ASCII punctuation, and the CJK marks without an ASCII twin.
_FULL_WIDTH_PUNCT = "".join(chr(ord(c) + 0xFEE0) for c in string.punctuation)
_CJK_PUNCT = "。、“”‘’「」『』【】《》〈〉〔〕…—～·　"
_PUNCT_TABLE = str.maketrans("", "", string.punctuation + "“”‘’«»…–—¿¡" + _FULL_WIDTH_PUNCT + _CJK_PUNCT)
_TO_HALF = str.maketrans({**{f: h for f, h in zip(_FULL_WIDTH_PUNCT, string.punctuation, strict=True)},
                          "。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "　": " "})
_HALF_PUNCT = ",.?!:;()"  # what a Chinese input method turns full-width after a Chinese character
_TO_FULL = {",": "，", ".": "。", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（", ")": "）"}
_AFTER_CJK = re.compile(f"(?<={CJK_CLASS})[{re.escape(_HALF_PUNCT)}]")


def _random_letter(rng: np.random.Generator, like: str) -> str:
    """A random ASCII letter with the same case as ``like``."""
    letter = _LETTERS[int(rng.integers(len(_LETTERS)))]
    return letter.upper() if like.isupper() else letter


def typos(text: str, rng: np.random.Generator, rate: float = 0.05) -> str:
    """Keyboard-slip noise: each letter is, with probability ``rate``, swapped with
    the next character, dropped, doubled with a random letter, or replaced."""
    chars = list(text)
    out: list[str] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        if not ch.isalpha() or rng.random() >= rate:
            out.append(ch)
            i += 1
            continue
        kind = int(rng.integers(4))
        if kind == 0 and i + 1 < len(chars):  # swap with the following character
            out.extend([chars[i + 1], ch])
            i += 2
            continue
        if kind == 1:  # drop
            pass
        elif kind == 2:  # insert a random letter after it
            out.extend([ch, _random_letter(rng, ch)])
        else:  # replace (also the fallback for a swap at the very end)
            out.append(_random_letter(rng, ch))
        i += 1
    return "".join(out)


def lowercase(text: str, rng: np.random.Generator | None = None) -> str:
    """All lower case (rng unused; kept for a uniform signature)."""
    return text.lower()


def uppercase(text: str, rng: np.random.Generator | None = None) -> str:
    """All upper case, like a shouted message (rng unused)."""
    return text.upper()


def strip_punctuation(text: str, rng: np.random.Generator | None = None) -> str:
    """Remove ASCII and common typographic punctuation (rng unused)."""
    return text.translate(_PUNCT_TABLE)


def word_dropout(text: str, rng: np.random.Generator, rate: float = 0.1) -> str:
    """Delete each whitespace-separated word with probability ``rate``.

    At least one word is kept so a short text never becomes empty (an empty
    input measures the tokenizer, not the model).
    """
    words = text.split()
    if len(words) <= 1:
        return text
    keep = rng.random(len(words)) >= rate
    if not keep.any():
        keep[int(rng.integers(len(words)))] = True
    return " ".join(w for w, k in zip(words, keep, strict=True) if k)


def char_drop(text: str, rng: np.random.Generator, rate: float = 0.1) -> str:
    """Delete each letter (a Chinese character counts as one) with probability ``rate``; spaces, digits and
    punctuation stay, and at least one letter is kept so a text never becomes empty."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) <= 1:
        return text
    drop = rng.random(len(letters)) < rate
    if drop.all():
        drop[int(rng.integers(len(letters)))] = False
    gone = {i for i, d in zip(letters, drop, strict=True) if d}
    return "".join(ch for i, ch in enumerate(text) if i not in gone)


def char_swap(text: str, rng: np.random.Generator, rate: float = 0.1) -> str:
    """Swap a letter with the next one (both letters) with probability ``rate`` each, like a hurried typist."""
    chars = list(text)
    i = 0
    while i + 1 < len(chars):
        if chars[i].isalpha() and chars[i + 1].isalpha() and chars[i] != chars[i + 1] and rng.random() < rate:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
            i += 2
            continue
        i += 1
    return "".join(chars)


def punctuation_width(text: str, rng: np.random.Generator | None = None) -> str:
    """Full-width punctuation (，。？！) written half-width (,.?!), or, in a text without any, half-width marks
    that follow a CJK character written full-width: the input method's other setting (rng unused)."""
    half = text.translate(_TO_HALF)
    if half != text:
        return half
    return _AFTER_CJK.sub(lambda m: _TO_FULL[m.group(0)], text)


@functools.cache
def _script_converters() -> tuple[Callable[[str], str], Callable[[str], str]] | None:
    """(to traditional, to simplified) from an installed converter, or None.  requirements.txt installs OpenCC's
    tables in pure Python (``opencc-python-reimplemented``); zhconv or OpenCC's own binding work too, and without
    any the check runs without this perturbation."""
    try:
        import zhconv  # type: ignore[import-not-found]

        return (lambda t: zhconv.convert(t, "zh-hant"), lambda t: zhconv.convert(t, "zh-hans"))
    except ImportError:
        pass
    try:
        import opencc  # type: ignore[import-not-found]
    except ImportError:
        return None
    for suffix in ("", ".json"):  # OpenCC's own binding wants "s2t.json", the pure-Python port "s2t"
        try:
            to_trad, to_simp = opencc.OpenCC(f"s2t{suffix}"), opencc.OpenCC(f"t2s{suffix}")
            return to_trad.convert, to_simp.convert
        except Exception:  # an unknown config name raises the binding's own error type
            continue
    return None


def traditional_simplified(text: str, rng: np.random.Generator | None = None) -> str:
    """Simplified Chinese written in traditional characters (a traditional text in simplified ones); the text
    unchanged when no converter is installed (rng unused)."""
    converters = _script_converters()
    if converters is None:
        return text
    converted = converters[0](text)
    return converted if converted != text else converters[1](text)


PERTURBATIONS: dict[str, Perturbation] = {
    "typos": typos,
    "lowercase": lowercase,
    "uppercase": uppercase,
    "strip_punctuation": strip_punctuation,
    "word_dropout": word_dropout,
}

DESCRIPTIONS: dict[str, str] = {
    "typos": "About 1 letter in 20 is swapped, dropped, doubled or replaced, like hurried typing.",
    "lowercase": "Every text is written in lower case.",
    "uppercase": "Every text is written in CAPITALS.",
    "strip_punctuation": "All punctuation marks are removed.",
    "word_dropout": "About 1 word in 10 is deleted at random.",
}


CJK_PERTURBATIONS: dict[str, Perturbation] = {
    "char_drop": char_drop,
    "char_swap": char_swap,
    "punctuation_width": punctuation_width,
    "strip_punctuation": strip_punctuation,
    "traditional_simplified": traditional_simplified,
}

CJK_DESCRIPTIONS: dict[str, str] = {
    "char_drop": "About 1 character in 10 is deleted at random.",
    "char_swap": "About 1 character in 10 trades places with the next one, like hurried typing.",
    "punctuation_width": "Full-width punctuation (，。？！) is written half-width (,.?!), or the other way round.",
    "strip_punctuation": "All punctuation marks, full-width ones included, are removed.",
    "traditional_simplified": "Simplified characters are written in traditional ones (or traditional in simplified).",
}
_ALL = {**PERTURBATIONS, **CJK_PERTURBATIONS}
_ALL_DESCRIPTIONS = {**DESCRIPTIONS, **CJK_DESCRIPTIONS}


def perturbations_for(texts: Sequence[str]) -> list[str]:
    """The perturbations that make sense for ``texts``: :data:`PERTURBATIONS` for alphabetic text; for
    Chinese, Japanese or Korean text those of :data:`CJK_PERTURBATIONS` that can run here."""
    if not is_cjk(texts):
        return list(PERTURBATIONS)
    return [n for n in CJK_PERTURBATIONS if n != "traditional_simplified" or _script_converters() is not None]


def _text_rng(text: str, seed: int) -> np.random.Generator:
    """Generator keyed by (seed, text) via a stable hash (Python's hash() is salted)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return np.random.default_rng([int(seed), int.from_bytes(digest, "little")])


def perturb_texts(texts: Sequence[str], name: str, *, seed: int = 0) -> list[str]:
    """Apply perturbation ``name`` to every text; same seed, same output."""
    if name not in _ALL:
        raise ValueError(f"Unknown perturbation {name!r}; choose one of {', '.join(_ALL)}.")
    fn = _ALL[name]
    return [fn(str(t), _text_rng(str(t), seed)) for t in texts]


def _label_names(values: Sequence[Any], labels: Sequence[str]) -> np.ndarray:
    """True labels as names; integer ids are mapped through ``labels``."""
    arr = np.asarray(values)
    known = {str(label) for label in labels}
    if np.issubdtype(arr.dtype, np.integer) and not all(str(v) in known for v in arr.tolist()):
        return np.asarray([str(labels[int(v)]) for v in arr])
    return arr.astype(str)


def _predict_names(
    predict_proba: Callable[[list[str]], np.ndarray],
    texts: list[str],
    labels: Sequence[str],
) -> np.ndarray:
    """Predicted label names (argmax over ``labels`` order)."""
    proba = np.asarray(predict_proba(texts))
    return np.asarray([str(x) for x in labels])[proba.argmax(axis=1)]


def _sample(n: int, max_texts: int | None, seed: int) -> np.ndarray:
    """Positions of a fixed, seeded sample of at most ``max_texts`` of ``n`` texts (in their original order)."""
    if max_texts is None or n <= max_texts:
        return np.arange(n)
    return np.sort(np.random.default_rng([int(seed), n]).choice(n, size=int(max_texts), replace=False))


def robustness_report(
    texts: Sequence[str],
    y_true: Sequence[Any],
    predict_proba: Callable[[list[str]], np.ndarray],
    labels: Sequence[str],
    *,
    seed: int = 0,
    clean_accuracy: float | None = None,
    clean_pred: Sequence[Any] | None = None,
    max_texts: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Accuracy under each perturbation (those :func:`perturbations_for` picks for ``texts``) compared
    with the clean texts.

    Returns one dict per perturbation: ``perturbation``, ``description``,
    ``accuracy`` (0-1), ``drop`` (clean minus perturbed accuracy, in percentage
    points; positive = worse), ``changed_share`` (share of texts whose predicted
    label flipped), ``texts_modified_share`` (share of texts the perturbation
    actually altered, e.g. lowercase leaves already-lowercase texts unchanged)
    and ``n_texts`` (how many texts were checked).

    ``max_texts`` checks a fixed sample (seeded by ``seed``) of that many texts instead of all: the
    accuracy drop of a few hundred texts is what people read, and each perturbation costs a full
    prediction pass.  ``clean_pred`` (predicted label names of all ``texts``, e.g. the test
    predictions already made) spares predicting the clean texts; texts a perturbation leaves
    unchanged reuse the clean prediction, so ``predict_proba`` only sees the altered ones.
    ``clean_accuracy`` is used as given only when every text is checked; on a sample the drop is
    measured against the sample's own clean accuracy.  ``progress(done, total)`` is called after each
    perturbation.
    """
    texts = [str(t) for t in texts]
    if not texts:
        return []
    keep = _sample(len(texts), max_texts, seed)
    sampled = len(keep) < len(texts)
    texts = [texts[i] for i in keep]
    truth = _label_names(y_true, labels)[keep]
    if clean_pred is not None:
        clean_pred = np.asarray([str(x) for x in clean_pred])[keep]
    else:
        clean_pred = _predict_names(predict_proba, texts, labels)
    if clean_accuracy is None or sampled:
        clean_accuracy = float(np.mean(clean_pred == truth))
    rows = []
    names = perturbations_for(texts)
    for done, name in enumerate(names, start=1):
        perturbed = perturb_texts(texts, name, seed=seed)
        altered = np.asarray([p != t for p, t in zip(perturbed, texts, strict=True)])
        pred = clean_pred.copy()
        if altered.any():
            pred[altered] = _predict_names(predict_proba, [p for p, a in zip(perturbed, altered, strict=True) if a], labels)
        accuracy = float(np.mean(pred == truth))
        rows.append(
            {
                "perturbation": name,
                "description": _ALL_DESCRIPTIONS[name],
                "accuracy": accuracy,
                "drop": float((clean_accuracy - accuracy) * 100.0),
                "changed_share": float(np.mean(pred != clean_pred)),
                "texts_modified_share": float(np.mean(altered)),
                "n_texts": len(texts),
            }
        )
        if progress:
            progress(done, len(names))
    return rows
