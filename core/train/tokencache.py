"""Tokenise once: a content-addressed cache of token ids per (texts, tokenizer, max_length).

``workspace/cache/tokens/<key>.npz`` holds the ids of every text as one flat ``int32`` array plus
offsets.  The key hashes the texts themselves, a fingerprint of the tokenizer (its class, the
serialised fast tokenizer: vocabulary, normaliser, pre-tokeniser, post-processor; its special
tokens) and ``max_length``.  A change of any of them is a different key, so the cache can never
return stale ids; a damaged or unreadable file is treated as a miss and rewritten.

Re-running or resuming a run, or training several models with the same tokenizer on one
dataset, skips tokenisation entirely.  The cache keeps at most ``MAX_CACHE_BYTES`` (oldest used
files are removed first).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core import paths

log = logging.getLogger("tuneboard.tokencache")

CACHE_VERSION = 1
MAX_CACHE_BYTES = 2 * 1024**3
_FINGERPRINTS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def cache_dir() -> Path:
    """Folder of the token cache (created on first use)."""
    path = paths.home() / "cache" / "tokens"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class TokenizedTexts:
    """Unpadded token ids of many texts, stored flat: text ``i`` is ``ids[offsets[i]:offsets[i + 1]]``."""

    ids: np.ndarray
    offsets: np.ndarray
    key: str = ""
    cache_hit: bool = False
    type_ids: np.ndarray | None = None
    """Segment ids (0 = first text, 1 = second) laid out like ``ids``; only for pairs, with tokenizers that use them."""

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        return self.ids[self.offsets[i] : self.offsets[i + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self[i]

    @property
    def lengths(self) -> np.ndarray:
        """Number of tokens of each text."""
        return np.diff(self.offsets)

    def as_lists(self) -> list[list[int]]:
        """The ids as plain Python lists (what a tokenizer call returns)."""
        return [self[i].tolist() for i in range(len(self))]

    def types(self, i: int) -> np.ndarray | None:
        """Segment ids of text ``i`` (None without them)."""
        return None if self.type_ids is None else self.type_ids[self.offsets[i] : self.offsets[i + 1]]


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """A hash that changes whenever the tokenizer would produce different ids."""
    try:
        cached = _FINGERPRINTS.get(tokenizer)
    except TypeError:
        cached = None
    if cached:
        return cached
    digest = hashlib.sha256()
    digest.update(f"{type(tokenizer).__module__}.{type(tokenizer).__qualname__}".encode())
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        spec = json.loads(backend.to_str())
        # Truncation and padding are call-time settings a previous call leaves behind, not the tokenizer.
        spec.pop("truncation", None)
        spec.pop("padding", None)
        digest.update(json.dumps(spec, sort_keys=True).encode())
    else:
        digest.update(json.dumps(sorted(tokenizer.get_vocab().items())).encode())
        digest.update(repr(getattr(tokenizer, "init_kwargs", {})).encode())
    special = getattr(tokenizer, "special_tokens_map", {}) or {}
    digest.update(json.dumps({str(k): str(v) for k, v in special.items()}, sort_keys=True).encode())
    digest.update(str(getattr(tokenizer, "padding_side", "")).encode())
    digest.update(str(getattr(tokenizer, "truncation_side", "")).encode())
    value = digest.hexdigest()[:20]
    try:
        _FINGERPRINTS[tokenizer] = value
    except TypeError:
        pass
    return value


def texts_digest(texts: Sequence[str]) -> str:
    """A hash of the texts, their order included."""
    digest = hashlib.sha256()
    digest.update(str(len(texts)).encode())
    for text in texts:
        raw = str(text).encode("utf-8", "surrogatepass")
        digest.update(len(raw).to_bytes(8, "little"))
        digest.update(raw)
    return digest.hexdigest()


def cache_key(tokenizer: Any, texts: Sequence[str], max_length: int, pairs: Sequence[str] | None = None) -> str:
    """The cache file name (without suffix) for these texts (and second texts of pairs), tokenizer and ``max_length``."""
    digest = hashlib.sha256()
    digest.update(f"v{CACHE_VERSION}|{tokenizer_fingerprint(tokenizer)}|{int(max_length)}|".encode())
    digest.update(texts_digest(texts).encode())
    if pairs is not None:  # single texts keep the keys they always had
        digest.update(b"|pairs|" + texts_digest(pairs).encode())
    return digest.hexdigest()[:32]


def _flat(encoded: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(x) for x in encoded), dtype=np.int64, count=len(encoded))
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.fromiter((i for ids in encoded for i in ids), dtype=np.int64, count=int(offsets[-1]))
    dtype = np.int32 if flat.size == 0 or int(flat.max()) < 2**31 else np.int64
    return flat.astype(dtype), offsets


def tokenize(tokenizer: Any, texts: Sequence[str], max_length: int,
             pairs: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(ids, offsets, type_ids)`` of ``texts`` — with ``pairs``, of each pair in the tokenizer's pair encoding
    (``[CLS] a [SEP] b [SEP]``, the longer text truncated first); ``type_ids`` only for pairs, when the model uses them."""
    if not texts:
        return np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64), None
    args = [[str(t) for t in texts]] + ([[str(t) for t in pairs]] if pairs is not None else [])
    encoded = tokenizer(*args, truncation=True, max_length=max_length, padding=False)
    ids, offsets = _flat(encoded["input_ids"])
    types = None
    if pairs is not None and "token_type_ids" in encoded and "token_type_ids" in getattr(tokenizer, "model_input_names", ()):
        types = _flat(encoded["token_type_ids"])[0].astype(np.int8)
    return ids, offsets, types


def _load(file: Path, n_texts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    try:
        with np.load(file, allow_pickle=False) as data:
            ids, offsets = data["ids"], data["offsets"]
            types = data["type_ids"] if "type_ids" in data.files else None
    except FileNotFoundError:
        return None
    except Exception:
        log.warning("token cache file %s is unreadable; tokenising again", file.name)
        return None
    if len(offsets) != n_texts + 1 or int(offsets[-1]) != len(ids) or (types is not None and len(types) != len(ids)):
        return None
    try:
        os.utime(file)  # "recently used", for pruning
    except OSError:
        pass
    return ids, offsets, types


def _save(file: Path, ids: np.ndarray, offsets: np.ndarray, types: np.ndarray | None = None) -> None:
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".incoming-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, ids=ids, offsets=offsets, **({"type_ids": types} if types is not None else {}))
        os.replace(tmp, file)  # atomic: a concurrent reader sees the old file or the whole new one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prune(max_bytes: int = MAX_CACHE_BYTES) -> int:
    """Remove the least recently used cache files until the cache fits in ``max_bytes``; returns files removed."""
    files = []
    for file in cache_dir().glob("*.npz"):
        try:
            stat = file.stat()
        except OSError:
            continue
        files.append((stat.st_mtime, stat.st_size, file))
    total = sum(size for _, size, _ in files)
    removed = 0
    for _, size, file in sorted(files):
        if total <= max_bytes:
            break
        file.unlink(missing_ok=True)
        total -= size
        removed += 1
    return removed


def encode(tokenizer: Any, texts: Sequence[str], max_length: int, *, use_cache: bool = True,
           pairs: Sequence[str] | None = None) -> TokenizedTexts:
    """Token ids of ``texts`` (truncated to ``max_length``, unpadded), from the cache when possible.

    With ``pairs`` (the second text of each pair) each item is the pair's encoding, with its segment ids.
    """
    texts = [str(t) for t in texts]
    pairs = None if pairs is None else [str(t) for t in pairs]
    if not use_cache or not texts:
        ids, offsets, types = tokenize(tokenizer, texts, max_length, pairs)
        return TokenizedTexts(ids, offsets, type_ids=types)
    started = time.perf_counter()
    key = cache_key(tokenizer, texts, max_length, pairs)
    file = cache_dir() / f"{key}.npz"
    loaded = _load(file, len(texts))
    if loaded is not None:
        log.info("token cache hit for %d texts (%.2f s)", len(texts), time.perf_counter() - started)
        ids, offsets, types = loaded
        return TokenizedTexts(ids, offsets, key=key, cache_hit=True, type_ids=types)
    ids, offsets, types = tokenize(tokenizer, texts, max_length, pairs)
    try:
        _save(file, ids, offsets, types)
        prune()
    except OSError:
        log.warning("could not write the token cache", exc_info=True)
    log.info("tokenised %d texts (%.2f s)", len(texts), time.perf_counter() - started)
    return TokenizedTexts(ids, offsets, key=key, cache_hit=False, type_ids=types)
