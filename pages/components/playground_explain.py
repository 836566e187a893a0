"""Showing a word-level explanation safely: user words are escaped Markdown, never HTML.

Every ASCII punctuation character of a word is backslash-escaped, so a text such as
``<script>``, ``[link](http://…)``, ``:red[x]`` or ``$x$`` is shown literally; colour comes only from
Streamlit's own ``:color[…]{background="…"}`` directive around the escaped word.  Escapes do not stop
GitHub-style autolinks (``http://…``, ``www.…``, ``a@b.c``), so a zero-width space follows every
``:``, ``.`` and ``@``: the text looks the same but is never turned into a link.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.serve.explain import word_separator
from core.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL
from pages.components.i18n import t
from pages.components.safe_text import escape_markdown

PUSH_RGB = "46,160,67"  # green: pushed towards the predicted class
PULL_RGB = "215,58,73"  # red: pushed away from it
MIN_SHARE = 0.08  # words with less than this share of the strongest influence stay plain


def highlighted_markdown(scores: list[tuple[str, float]]) -> str:
    """One Markdown line: each word escaped, on a green/red background whose strength follows its score.

    Words are joined as the language writes them: with spaces, or without for Chinese and Japanese."""
    strongest = max((abs(s) for _, s in scores), default=0.0)
    parts = []
    for word, score in scores:
        safe = escape_markdown(word)
        share = abs(score) / strongest if strongest > 0 else 0.0
        if share < MIN_SHARE:
            parts.append(safe)
            continue
        rgb = PUSH_RGB if score > 0 else PULL_RGB
        parts.append(f':color[{safe}]{{background="rgba({rgb},{0.15 + 0.6 * share:.2f})"}}')
    # Chinese/Japanese: a zero-width space, so adjacent :color[…] directives still parse but no gap shows.
    return (word_separator("".join(word for word, _ in scores)) or "\u200b").join(parts)


def influence_frame(scores: list[tuple[str, float]], n: int = 12, *, scale: float = 100.0) -> pd.DataFrame:
    """The ``n`` most influential words with their scores, strongest first: probability points (``scale`` 100), or
    the change of a predicted number in its own units (``scale`` 1)."""
    frame = pd.DataFrame(scores, columns=["word", "influence"])
    if frame.empty:
        return frame
    frame["influence"] = frame["influence"] * scale
    return frame.reindex(frame["influence"].abs().sort_values(ascending=False).index).head(n).reset_index(drop=True)


LEGEND_KEYS = {
    SINGLE_LABEL: ("playground.explain.legend", "playground.explain.influence_label", "playground.explain.influence_help"),
    MULTI_LABEL: ("serve_tasks.explain.legend_label", "playground.explain.influence_label",
                  "serve_tasks.explain.influence_help_label"),
    REGRESSION: ("serve_tasks.explain.legend_number", "serve_tasks.explain.influence_label_number",
                 "serve_tasks.explain.influence_help_number"),
}
"""Per task target: the legend under the text, the influence column's label and its help."""


def render(scores: list[tuple[str, float]], predicted: str, *, kind: str = SINGLE_LABEL) -> None:
    """Draw the highlighted text and the table of the most influential words.

    ``kind`` is the run's task target: the scores are a class's probability (single label), the explained label's
    probability (multi-label, ``predicted`` = that label) or the predicted number (regression)."""
    if not scores:
        st.caption(t("playground.explain.no_words"))
        return
    legend, label, help_key = LEGEND_KEYS.get(kind, LEGEND_KEYS[SINGLE_LABEL])
    st.markdown(highlighted_markdown(scores))
    st.caption(t(legend, predicted=predicted))
    # The table's own headers are translated (not just column_config labels): they are what the page shows.
    word, influence = t("playground.explain.col_word"), t("playground.explain.col_influence")
    frame = influence_frame(scores, scale=1.0 if kind == REGRESSION else 100.0)
    frame = frame.rename(columns={"word": word, "influence": influence})
    st.dataframe(frame, hide_index=True, key="pg_influence", column_config={
        word: st.column_config.TextColumn(word),
        influence: st.column_config.NumberColumn(t(label), format="%+.3f" if kind == REGRESSION else "%+.2f",
                                                 help=t(help_key)),
    })
