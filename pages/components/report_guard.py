"""The TF-IDF baseline check at the top of a run's report (issue 16, item 4; see :mod:`core.evaluate.guard`).

When the baseline beat the model: a warning with the sentence and the suggestions as a bullet list; otherwise one
caption with the baseline's scores and the model's lead.  Every sentence goes through escape_markdown, so nothing
from the data (model names, numbers) can act as Markdown; no HTML.
"""

from __future__ import annotations

import streamlit as st

from core.evaluate.guard import summary_line
from pages.components.safe_text import escape_markdown

__all__ = ["render"]


def render(report: dict) -> None:
    """Show the report's ``baseline_check`` (nothing for reports made before the check existed)."""
    check = report.get("baseline_check")
    if not check:
        return
    verdict = check.get("verdict")
    if verdict:
        tips = "\n".join(f"- {escape_markdown(tip)}" for tip in verdict.get("suggestions", []))
        st.warning(f"**{escape_markdown(verdict['sentence'])}**\n\n{tips}", icon=":material/trending_down:")
        return
    line = summary_line(check)
    if line:
        st.caption(escape_markdown(line))
