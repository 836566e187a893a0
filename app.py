"""Tuneboard — the Streamlit entry point: page config, navigation and the shared sidebar.

Run with ``make run`` (or ``streamlit run app.py``).  Pages live in ``pages/``; reusable UI pieces in
``pages/components/``; all logic in ``core/`` (which never imports Streamlit).
"""

from pathlib import Path

import streamlit as st

from pages.components import sidebar
from pages.components.i18n import t

# A local SVG: Streamlit inlines it as a data: URL.  A ":material/…:" page icon would make every browser fetch the
# favicon from fonts.gstatic.com (Streamlit's frontend builds that URL), which fails offline and leaks the visit.
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.svg"
st.set_page_config(page_title="Tuneboard", page_icon=str(FAVICON), layout="wide")

PAGES = {
    t("nav.group_main"): [
        st.Page("pages/home.py", title=t("nav.home"), icon=":material/home:", default=True),
        st.Page("pages/data.py", title=t("nav.data"), icon=":material/table:"),
        st.Page("pages/labels.py", title=t("labels.nav"), icon=":material/rule:"),
        st.Page("pages/train.py", title=t("nav.train"), icon=":material/model_training:"),
        st.Page("pages/runs.py", title=t("nav.runs"), icon=":material/monitoring:"),
    ],
    t("nav.group_use"): [
        st.Page("pages/compare.py", title=t("nav.compare"), icon=":material/compare_arrows:"),
        st.Page("pages/sweeps.py", title=t("sweep.nav"), icon=":material/tune:"),
        st.Page("pages/playground.py", title=t("nav.playground"), icon=":material/science:"),
    ],
}

page = st.navigation(PAGES)
sidebar.render()
page.run()
