"""Small reusable Streamlit pieces shared by the pages (the only UI code outside pages/*.py).

Importing this package also makes sure the app router in app.py is in charge: Streamlit treats an
app with a ``pages/`` folder as a "v1" multipage app until ``st.navigation`` has run once, so a
deep link (``/runs?run=…``) opened first on a fresh server would run the page script *without*
app.py (no router, no sidebar).  Every page imports this package, so on that first request we
switch Streamlit to the router and rerun, which then shows the requested page properly.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
