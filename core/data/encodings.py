"""Text encodings of uploaded files: detecting which codec decodes the bytes, and decoding them.

Owns the byte-order marks, the UTF-8 / UTF-16 / East-Asian / charset-normalizer guesses, the
user-facing encoding names and the notes ("Read as UTF-16 text") that tell the user what was
assumed.  A forced encoding that does not fit ends in a :class:`DataError` sentence.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from core.data.notes import Note, note
from core.errors import DataError
from core.i18n import Message, message

_SAMPLE_BYTES = 1 << 20  # encoding detection looks at the first 1 MB only

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32", "latin-1": "Latin-1"}
# Names with words in them ("GB18030 (Chinese)") come from the catalogue: note.data.encoding.<codec with _ for ->.
_DESCRIBED_ENCODINGS = ("utf-8-sig", "utf-16-le", "utf-16-be", "gb18030", "cp949", "cp932", "big5", "cp1251", "cp1252")

# charset-normalizer answers for these families are trusted; western single-byte answers
# (cp1250, mac_roman, ...) are too often wrong on short texts, so those become cp1252.
_CN_TRUSTED = {
    "big5": "big5",
    "cp950": "big5",
    "big5hkscs": "big5",
    "cp1251": "cp1251",
    "mac_cyrillic": "cp1251",
    "koi8_r": "koi8_r",
    "cp866": "cp866",
    "cp1253": "cp1253",
    "cp1255": "cp1255",
    "cp1256": "cp1256",
    "cp874": "cp874",
}


def detect_encoding(raw: bytes) -> str:
    """Return the Python codec name that most likely decodes ``raw``.

    A byte-order mark wins; then strict UTF-8; then BOM-less UTF-16; then Chinese (GB18030),
    Korean and Japanese by their byte patterns; then charset-normalizer on the first 1 MB for
    other scripts; anything else is taken as Windows-1252, or Latin-1 when that fails.
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    if _is_utf8(raw):
        return "utf-8"
    sample = raw[:_SAMPLE_BYTES]
    return _guess_utf16(sample) or _guess_east_asian(sample) or _guess_other(sample)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess_utf16(sample: bytes) -> str | None:
    """BOM-less UTF-16 shows up as NUL bytes at every other position for Latin text."""
    even, odd = sample[0:4096:2], sample[1:4096:2]
    if len(odd) < 4:
        return None
    if odd.count(0) > 0.3 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _non_ascii(sample: bytes, codec: str, limit: int = 20_000) -> list[str] | None:
    # Drop a possibly cut multi-byte character at the end of the sample.
    text = _decode_or_none(sample, codec) or _decode_or_none(sample[:-1], codec)
    if text is None:
        return None
    return [c for c in text if ord(c) >= 0x80][:limit]


def _decode_or_none(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


def _guess_east_asian(sample: bytes) -> str | None:
    chars = _non_ascii(sample, "gb18030")
    if chars and _share(chars, _is_common_gb) >= 0.9:
        # EUC-KR Hangul also decodes as common GB characters; real Chinese text almost
        # always contains characters that EUC-KR maps to Hanja or cannot decode.
        korean = _non_ascii(sample, "cp949")
        if korean and _share(korean, lambda c: "\uac00" <= c <= "\ud7a3") >= 0.95:
            return "cp949"
        return "gb18030"
    japanese = _non_ascii(sample, "cp932")
    if japanese and _share(japanese, lambda c: "\u3040" <= c <= "\u30ff") >= 0.3:
        return "cp932"
    return None


def _is_common_gb(char: str) -> bool:
    """True for GB2312 symbols and level-1 (frequent) hanzi: lead byte 0xA1-0xD7."""
    try:
        encoded = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and encoded[0] < 0xD8


def _share(items: list[str], predicate: Callable[[str], bool]) -> float:
    return sum(1 for c in items if predicate(c)) / len(items)


def _guess_other(sample: bytes) -> str:
    import charset_normalizer

    best = charset_normalizer.from_bytes(sample).best()
    if best is not None and best.encoding in _CN_TRUSTED:
        return _CN_TRUSTED[best.encoding]
    if _decode_or_none(sample, "cp1252") is not None:
        return "cp1252"
    return "latin-1"


def _encoding_name(codec: str) -> str | Message:
    if codec in _DESCRIBED_ENCODINGS:
        return message(f"note.data.encoding.{codec.replace('-', '_')}")
    return _ENCODING_NAMES.get(codec, codec)


def decode(raw: bytes, encoding: str | None) -> tuple[str, str, list[Note]]:
    """Decode bytes to text (detected codec, or the forced ``encoding``); return (text, codec, notes).

    The first note, "Read as UTF-8 text", is the start of a sentence that :mod:`core.data.formats` completes."""
    if encoding:
        return _decode_forced(raw, encoding)
    codec = detect_encoding(raw)
    notes = [note("note.data.read_as", encoding=_encoding_name(codec))]
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        # Detection looked at the first megabyte; a stray byte later should not sink the file.
        text = raw.decode(codec, errors="replace")
        notes.append(note("note.data.replaced_chars", encoding=_encoding_name(codec)))
    return text.removeprefix("\ufeff"), codec, notes


def _decode_forced(raw: bytes, encoding: str) -> tuple[str, str, list[Note]]:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise DataError(message("error.data.unknown_encoding", encoding=encoding)) from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(message("error.data.encoding_mismatch", encoding=encoding, position=exc.start)) from None
    return (
        text.removeprefix("\ufeff"),
        codec,
        [note("note.data.read_as_chosen", encoding=encoding)],
    )

