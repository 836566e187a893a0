"""Try texts: type or paste texts (one per line) or pick test examples; see classes, probabilities, explanations.

The model is loaded lazily inside the UI process, on the first Classify, and kept with ``st.cache_resource`` (small,
interactive use): on the CPU unless a GPU is free of training runs, never on the GPU a run trains on.  Whole files go
through the batch prediction worker instead.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import results as runs
from core.errors import TuneboardError
from core.serve import loading as serving
from core.store import Run
from pages.components import playground_explain
from pages.components.i18n import t, tr

TEXTS_KEY = "pg_texts"
MAX_TEXTS = 50  # interactive limit; bigger jobs belong in batch prediction


_last_device: dict[str, str] = {}  # process-wide, like the resource cache it guards


@st.cache_resource(show_spinner=False, max_entries=2)  # the caller shows a spinner in the page's language
def _predictor(run_id: str, stamp: float, device: str) -> serving.Predictor:
    """The run's model (transformer or TF-IDF baseline), loaded once per device (``stamp`` = model folder time, so a
    replaced folder reloads)."""
    return serving.load_predictor(run_id, device=device)


def _model(run_id: str) -> serving.Predictor:
    """Loaded on first use, on the CPU unless a GPU is free of training runs (the rule of batch prediction jobs)."""
    device = serving.local_device()
    previous = _last_device.get("device", device)
    if previous != device and previous.startswith("cuda"):
        _predictor.clear()  # a training run now holds the GPU this model sat on: give its memory back
        serving.release_gpu_memory()
    _last_device["device"] = device
    return _predictor(run_id, serving.model_dir(run_id).stat().st_mtime, device)


@st.cache_data(show_spinner=False, max_entries=64)
def _explanation(run_id: str, text: str, target: int, stamp: float) -> list[tuple[str, float]]:
    from core.serve.explain import occlusion_scores

    return occlusion_scores(_model(run_id).predict_proba, text, target)


@st.cache_data(show_spinner=False, max_entries=8)
def _test_examples(run_id: str) -> pd.DataFrame:
    return runs.load_predictions(run_id)[["text", "label"]]


def _fill_with_examples(run_id: str, n: int = 5) -> None:
    """Button callback: put ``n`` random test texts into the text area (callbacks may set widget state)."""
    try:
        sample = _test_examples(run_id).sample(min(n, len(_test_examples(run_id))))
        st.session_state[TEXTS_KEY] = "\n".join(" ".join(str(text).split()) for text in sample["text"])
    except TuneboardError as exc:
        st.session_state["pg_examples_error"] = tr(exc)


def _inputs(run: Run) -> list[str]:
    # No help tooltip here: its button would share this label and make the text area ambiguous to find by label.
    st.text_area(t("playground.single.texts_label"), key=TEXTS_KEY, height=140,
                 placeholder=t("playground.single.texts_placeholder", max=MAX_TEXTS))
    left, right = st.columns([1, 3])
    left.button(t("playground.single.classify"), type="primary", icon=":material/play_arrow:", key="pg_classify")
    right.button(t("playground.single.fill_examples"), icon=":material/shuffle:", key="pg_examples",
                 on_click=_fill_with_examples, args=(run.id,), help=t("playground.single.fill_examples_help"))
    if st.session_state.get("pg_examples_error"):
        st.warning(st.session_state.pop("pg_examples_error"))
    lines = [line.strip() for line in (st.session_state.get(TEXTS_KEY) or "").splitlines() if line.strip()]
    if len(lines) > MAX_TEXTS:
        st.warning(t("playground.single.too_many_lines", max=MAX_TEXTS, count=len(lines)))
    return lines[:MAX_TEXTS]


def _true_labels(run_id: str, texts: list[str]) -> list[str | None]:
    """The test label of texts that are test examples (None for the user's own texts)."""
    try:
        known = {" ".join(str(text).split()): str(lab) for text, lab in _test_examples(run_id).itertuples(index=False)}
    except TuneboardError:
        return [None] * len(texts)
    return [known.get(" ".join(text.split())) for text in texts]


def _summary(frame: pd.DataFrame, truth: list[str | None]) -> None:
    # The headers are the frame's own column names (what the page shows), so they are translated here.
    text, confidence = t("playground.single.col_text"), t("playground.single.col_confidence")
    table = pd.DataFrame({text: frame["text"], t("playground.single.col_predicted"): frame["pred"],
                          confidence: frame["confidence"]})
    if any(truth):
        table[t("playground.single.col_true_label")] = [label or "" for label in truth]
    st.dataframe(table, hide_index=True, key="pg_summary", column_config={
        # Medium widths: text + predicted + confidence fit an 800 px window without hiding the confidence.
        text: st.column_config.TextColumn(text, width="medium"),
        confidence: st.column_config.ProgressColumn(confidence, min_value=0.0, max_value=1.0, format="percent",
                                                    width="medium"),
    })


def _details(run: Run, frame: pd.DataFrame, labels: list[str]) -> None:
    """Probability bars per class and the word-level explanation for one chosen text."""
    index = 0
    if len(frame) > 1:
        index = st.selectbox(t("playground.single.look_closer"), range(len(frame)), key="pg_pick",
                             format_func=lambda i: f"{i + 1}. {frame['text'].iloc[i][:90]}")
    row = frame.iloc[index]
    # Stacked, not side by side: in a narrow column the probability bars were cut off at 800 px.
    st.metric(t("playground.single.predicted_class"), str(row["pred"]), help=t("playground.single.predicted_class_help"))
    name, probability = t("playground.single.col_class"), t("playground.single.col_probability")
    probs = pd.DataFrame({name: labels, probability: [float(row[runs.prob_column(x)]) for x in labels]})
    st.dataframe(probs.sort_values(probability, ascending=False), hide_index=True, key="pg_probs", width="stretch",
                 column_config={name: st.column_config.TextColumn(name, width="medium"),
                                probability: st.column_config.ProgressColumn(probability, min_value=0.0, max_value=1.0,
                                                                             format="percent", width="medium")})
    st.markdown(t("playground.single.which_words"))
    target = labels.index(row["pred"])
    with st.spinner(t("playground.single.explaining")):
        stamp = serving.model_dir(run.id).stat().st_mtime
        scores = _explanation(run.id, str(row["text"]), target, stamp)
    playground_explain.render(scores, str(row["pred"]))


def render(run: Run) -> None:
    """The 'Try texts' tab for one completed run."""
    texts = _inputs(run)
    if not texts:
        st.caption(t("playground.single.empty_hint"))
        return
    try:
        with st.spinner(t("playground.single.loading_model")):  # appears only when loading takes a moment
            model = _model(run.id)
        frame = serving.predictions_frame(texts, model.predict_proba(texts), model.labels)
    except (TuneboardError, OSError) as exc:
        st.error(tr(exc), icon=":material/error:")
        return
    _summary(frame, _true_labels(run.id, texts))
    _details(run, frame, model.labels)
