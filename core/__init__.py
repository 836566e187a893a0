"""Tuneboard core: all logic, no Streamlit.  See README.md for the map of modules."""
