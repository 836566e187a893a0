"""The TF-IDF baseline check at the top of a run's report (issue 16, item 4; see :mod:`core.evaluate.guard`).

When the baseline beat the model: a warning with the sentence and the suggestions as a bullet list; otherwise one
caption with the baseline's scores and the model's lead; then, when the baseline was fitted on a sample, a caption
saying so.  The sentences are core's messages shown in this session's language (tr; old reports: their English).
Every sentence goes through escape_markdown, so nothing from the data (model names, numbers) can act as Markdown;
no HTML.
"""

from __future__ import annotations

import streamlit as st

from core.evaluate.guard import sampling_note, summary_message, verdict_texts
from pages.components.i18n import tr
from pages.components.safe_text import escape_markdown

__all__ = ["render"]


def render(report: dict) -> None:
    """Show the report's ``baseline_check`` (nothing for reports made before the check existed)."""
    check = report.get("baseline_check")
    if not check:
        return
    verdict = check.get("verdict")
    if verdict:
        sentence, suggestions = verdict_texts(verdict)
        tips = "\n".join(f"- {escape_markdown(tr(tip))}" for tip in suggestions)
        st.warning(f"**{escape_markdown(tr(sentence))}**\n\n{tips}", icon=":material/trending_down:")
    elif line := tr(summary_message(check)):
        st.caption(escape_markdown(line))
    if note := tr(sampling_note(check)):
        st.caption(escape_markdown(note))
