"""Data: upload a file (or load an example), check its health, fix problems, store it."""

import streamlit as st

from pages.components import dataset_library, upload_flow
from pages.components.i18n import t

st.title(t("data.title"))
st.caption(t("data.caption"))
st.caption(t("ner_upload.page_caption"))

upload, examples, hub = st.tabs([t("data.tab_upload"), t("data.tab_examples"), t("data.tab_hub")])
with upload:
    upload_flow.render()
with examples:
    dataset_library.render_examples()
with hub:
    dataset_library.render_hub()

st.divider()
st.subheader(t("data.stored"))
dataset_library.render_library()
