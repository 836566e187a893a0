"""Data: upload a file (or load an example), check its health, fix problems, store it."""

import streamlit as st

from pages.components import dataset_library, upload_flow

st.title("Data")
st.caption("A table with one column of texts and one column of labels. Nothing is stored until you press Save.")

upload, examples, hub = st.tabs(["Upload a file", "Built-in examples", "Hugging Face Hub"])
with upload:
    upload_flow.render()
with examples:
    dataset_library.render_examples()
with hub:
    dataset_library.render_hub()

st.divider()
st.subheader("Stored datasets")
dataset_library.render_library()
