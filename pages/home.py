"""Start here: what Tuneboard does in four steps, and a one-click demo."""

import streamlit as st

import pages.components  # noqa: F401 - makes sure the app router runs (see its docstring)
from core.errors import TuneboardError
from core.jobs.demo import start_demo

st.title("Tuneboard")
st.markdown("Teach a language model to sort texts into your own categories — "
            "support tickets by intent, reviews by sentiment, news by topic — and see how well it works.")

steps = st.columns(4)
steps[0].markdown("**1 · Data**  \nUpload a table with a text column and a label column (CSV, Excel, JSON…), "
                  "or pick a built-in example. Tuneboard checks it for problems first.")
steps[1].markdown("**2 · Train**  \nChoose a pretrained model and a preset. Training runs in the background; "
                  "you can close the tab.")
steps[2].markdown("**3 · Watch**  \nFollow the loss falling and the validation score rising, live.")
steps[3].markdown("**4 · Evaluate**  \nRead accuracy, F1, the confusion matrix and the model's mistakes; "
                  "compare runs, try the model, export it.")

st.divider()
st.subheader("Try it now")
st.write("One click loads a customer-support example (about 600 messages, 8 intents), fine-tunes the built-in "
         "MiniLM model for a few minutes and opens the live view.")
if st.button("Run the demo", type="primary", icon=":material/rocket_launch:"):
    try:
        run = start_demo()
    except TuneboardError as exc:
        st.error(str(exc))
    else:
        st.switch_page("pages/runs.py", query_params={"run": run.id})

st.caption("Or go step by step:")
cols = st.columns(3)
cols[0].page_link("pages/data.py", label="Upload data", icon=":material/table:")
cols[1].page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
cols[2].page_link("pages/runs.py", label="See runs", icon=":material/monitoring:")
