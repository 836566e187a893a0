"""Notes about how a file was read ("Read as UTF-8 text, comma-separated.") that the Data page shows in its language.

A :class:`Note` is a ``str``, the English sentence, so comparisons, ``in``, joins, JSON dumps and the CLI's output are
exactly what they always were; it also carries its :class:`core.i18n.Message` as ``note.message`` (the way a
:class:`core.errors.TuneboardError` does), which the UI's ``tr(note)`` shows in its language.
"""

from __future__ import annotations

import functools

from core.i18n import Message, message


class Note(str):
    """An English note (a plain ``str`` to every reader) with the catalogue sentence it was made from."""

    message: Message | str

    def __new__(cls, text: Message | str) -> Note:
        made = super().__new__(cls, str(text))
        made.message = text
        return made

    def __reduce__(self) -> tuple:
        """Pickled (Streamlit's cache) and copied with its Message, not only its English."""
        return Note, (self.message,)


def note(key: str, /, **params: object) -> Note:
    """The note for catalogue ``key`` (``note.data.…``) with ``params`` filled in."""
    return Note(message(key, **params))


def sentence(text: str | Message) -> Message | str:
    """What a note stands for (its Message, or plain text as it is): a parameter of another sentence."""
    return getattr(text, "message", text)


def counted(n: int, word: str) -> Message:
    """``n`` with the right form of ``word`` ("1 line", "2,000 lines"; Chinese "2,000 行"), as a sentence part."""
    return message(f"note.data.count.{word}_{'one' if n == 1 else 'other'}", n=n)


def joined(texts: list[str]) -> str:
    """Sentences one after another (English: separated by a space, as ``" ".join`` did; Chinese: no space)."""
    if len(texts) <= 1:
        return texts[0] if texts else ""
    return functools.reduce(lambda a, b: note("note.data.join", first=sentence(a), second=sentence(b)), texts)
