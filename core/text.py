"""Small helpers for wording user-facing messages."""

from __future__ import annotations


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """``n`` with the right form of ``word``: "1 example", "2,000 examples", "1 class", "3 classes".

    ``plural_word`` overrides the plural for irregular words; otherwise "s" (or "es" after
    s, x, z, ch, sh) is appended.
    """
    if n == 1:
        return f"1 {word}"
    if plural_word is None:
        plural_word = word + ("es" if word.endswith(("s", "x", "z", "ch", "sh")) else "s")
    return f"{n:,} {plural_word}"
