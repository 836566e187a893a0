"""Small reusable Streamlit pieces shared by the pages (the only UI code outside pages/*.py)."""
