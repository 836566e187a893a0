"""Showing user text (run names, labels, column names, texts) inside Markdown without it acting as Markdown.

Streamlit never renders raw HTML here (no ``unsafe_allow_html``), but Markdown itself can still make a
user's ``[x](http://…)`` a link or ``![x](…)`` an image that loads from elsewhere.  Every ASCII
punctuation character is backslash-escaped, so the text is shown literally; GitHub-style autolinks
(``http://…``, ``www.…``, ``a@b.c``) ignore escapes, so a zero-width space follows every ``:``, ``.`` and ``@``.
"""

from __future__ import annotations

import string

_PUNCTUATION = set(string.punctuation)
_NO_AUTOLINK = {":", ".", "@"}
_ZWSP = "\u200b"


def escape_markdown(text: object) -> str:
    """``text`` with ASCII punctuation backslash-escaped (shown literally) and autolink triggers broken."""
    out = []
    for ch in str(text):
        if ch in _PUNCTUATION:
            out.append("\\" + ch + (_ZWSP if ch in _NO_AUTOLINK else ""))
        else:
            out.append(ch)
    return "".join(out)
