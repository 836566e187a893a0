"""Does the model's tokenizer know the data's language?  The share of unknown tokens and characters.

An English WordPiece vocabulary turns most Chinese characters, every Thai word and most emoji into
the unknown token (``[UNK]``): the model then literally cannot see the text, and training quietly
learns from the little that is left.  This measures, with the `tokenizers` library only (safe in
the UI process, no torch), how much of a sample of texts becomes unknown, and words a warning
with the number and a model that fits better.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.i18n import Message, message

UNKNOWN_WARNING = 0.05  # above 5 % of characters or tokens unknown, the model misses too much
SAMPLE_TEXTS = 2000


@dataclass
class UnknownShare:
    """How much of a sample of texts the tokenizer cannot represent."""

    texts: int
    tokens: int
    unknown_tokens: int
    chars: int  # characters other than spaces
    unknown_chars: int  # of those, characters inside unknown tokens
    unk_token: str
    han_share: float = 0.0  # share of the unknown characters that are Chinese characters (hanzi)

    @property
    def token_share(self) -> float:
        """Share of tokens that are the unknown token."""
        return self.unknown_tokens / self.tokens if self.tokens else 0.0

    @property
    def char_share(self) -> float:
        """Share of (non-space) characters the tokenizer turns into the unknown token."""
        return self.unknown_chars / self.chars if self.chars else 0.0

    def to_dict(self) -> dict:
        """A JSON-ready dict, shares included."""
        return asdict(self) | {"token_share": round(self.token_share, 4), "char_share": round(self.char_share, 4)}


def _tokenizer_file(model: str) -> Path | None:
    """The model's ``tokenizer.json`` if it is on this machine (never downloads, never loads torch)."""
    from core import models
    from core.config import BUILTIN_MODEL, TINY_TEST_MODEL
    from core.errors import ModelError

    if model.strip() == TINY_TEST_MODEL:
        model = BUILTIN_MODEL  # the tiny test model is built with the MiniLM tokenizer
    try:
        source = models.resolve_model(model)
    except ModelError:
        return None
    file = Path(source) / "tokenizer.json"
    if file.is_file():
        return file
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(source, "tokenizer.json")
    except Exception:  # not a valid repo id, no cache folder, ...
        return None
    return Path(cached) if isinstance(cached, str) else None


def unknown_counter(model: str) -> Callable[[Sequence[str]], UnknownShare] | None:
    """A ``texts -> UnknownShare`` function for ``model``'s tokenizer, or None when it is not available
    locally or has no unknown token (byte-level tokenizers such as RoBERTa's can represent anything)."""
    file = _tokenizer_file(model)
    if file is None:
        return None
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(file))
    tok.no_truncation()
    tok.no_padding()
    unk = _unk_token(tok)
    if unk is None:
        return None
    unk_id = tok.token_to_id(unk)

    def measure(texts: Sequence[str]) -> UnknownShare:
        return _measure(tok, [str(t) for t in texts], unk, unk_id)

    return measure


def _unk_token(tok: Any) -> str | None:
    name = getattr(tok.model, "unk_token", None)
    if name is None:
        unk_id = getattr(tok.model, "unk_id", None)  # Unigram (XLM-R, T5) keeps an id instead
        name = tok.id_to_token(unk_id) if unk_id is not None else None
    return name if name is not None and tok.token_to_id(name) is not None else None


def _measure(tok: Any, texts: list[str], unk: str, unk_id: int) -> UnknownShare:
    tokens = unknown_tokens = chars = unknown_chars = han = 0
    for text, encoding in zip(texts, tok.encode_batch(texts, add_special_tokens=False), strict=True):
        tokens += len(encoding.ids)
        chars += sum(1 for c in text if not c.isspace())
        covered: set[int] = set()
        for token_id, (start, end) in zip(encoding.ids, encoding.offsets, strict=True):
            if token_id == unk_id:
                unknown_tokens += 1
                covered.update(i for i in range(start, end) if not text[i].isspace())
        unknown_chars += len(covered)
        han += sum(1 for i in covered if _is_han(text[i]))
    return UnknownShare(
        texts=len(texts),
        tokens=tokens,
        unknown_tokens=unknown_tokens,
        chars=chars,
        unknown_chars=unknown_chars,
        unk_token=unk,
        han_share=han / unknown_chars if unknown_chars else 0.0,
    )


def _is_han(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def warning(share: UnknownShare | None) -> Message | None:
    """The warning as a message (shown in the page's language), or None when the model fits; ``str()`` of it is
    :func:`warning_message`."""
    if share is None or max(share.char_share, share.token_share) <= UNKNOWN_WARNING:
        return None
    # Chinese: the picker's Chinese encoders (hfl/rbt3 is the one fast enough for a CPU); else multilingual ones.
    variant = "chinese" if share.han_share >= 0.5 else "other"
    return message(f"health.unknown_tokens.message_{variant}", char_share=share.char_share,
                   token_share=share.token_share, texts=share.texts, unk_token=share.unk_token)


def warning_message(share: UnknownShare | None) -> str | None:
    """One sentence with the measured share and a model to pick instead, or None when the model fits."""
    found = warning(share)
    return None if found is None else str(found)


def model_fit_message(texts: Sequence[str], model: str) -> Message | None:
    """The warning for ``model`` on ``texts`` as a message (a seeded sample is the caller's job), or None."""
    counter = unknown_counter(model)
    if counter is None or not texts:
        return None
    return warning(counter(list(texts)[:SAMPLE_TEXTS]))


def dataset_fit_message(dataset_id: str, model: str, *, seed: int = 0) -> Message | None:
    """The warning for a stored dataset and ``model`` as a message (measured on a seeded sample of its texts)."""
    from core.data import library as datasets

    texts = datasets.load_frame(dataset_id)["text"].astype(str)
    if len(texts) > SAMPLE_TEXTS:
        texts = texts.sample(SAMPLE_TEXTS, random_state=seed)
    return model_fit_message(texts.tolist(), model)


def model_fit_warning(texts: Sequence[str], model: str) -> str | None:
    """The warning for ``model`` on ``texts`` (a seeded sample is the caller's job), or None."""
    found = model_fit_message(texts, model)
    return None if found is None else str(found)


def dataset_fit_warning(dataset_id: str, model: str, *, seed: int = 0) -> str | None:
    """The warning for a stored dataset and ``model`` (measured on a seeded sample of its texts), or None."""
    found = dataset_fit_message(dataset_id, model, seed=seed)
    return None if found is None else str(found)
