"""The report download: a finished run's evaluation report as one standalone HTML file, in the interface's language.

The file is built only when the button is pressed (it inlines plotly.js and every chart, a few megabytes), by the
same function as ``python -m core report RUN_ID --html FILE --lang …``.
"""

from __future__ import annotations

import streamlit as st

from core import results
from core.evaluate import html
from core.store import Run
from pages.components.i18n import current_language, t


def render(run: Run) -> None:
    """A "Download report (HTML)" button for ``run``, named ``<run name>-report.html``."""
    if not results.report_file(run.id).is_file():
        st.caption(t("export.download.no_report"))
        return
    language = current_language()  # read now: the file is built later, when the button is pressed
    st.download_button(t("export.download.button"), data=lambda: html.run_report_html(run.id, language=language),
                       file_name=html.report_file_name(run.name), mime="text/html", on_click="ignore",
                       icon=":material/download:", key=f"report_html_{run.id}", help=t("export.download.help"))
