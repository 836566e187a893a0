"""Try texts: type or paste texts (one per line) or pick test examples; see the answers, scores and explanations.

A pair run gets two boxes (first texts, second texts; line ``i`` of each makes pair ``i``).  What an answer looks
like per kind (a class, the labels above their thresholds, a number) is :mod:`pages.components.playground_answers`.

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
from core.serve import task_output
from core.store import Run
from core.tasks import PAIR_COLUMN, Task
from pages.components import playground_answers
from pages.components.i18n import t, tr

TEXTS_KEY = "pg_texts"
PAIRS_KEY = "pg_pairs"
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
    """Occlusion scores of ``text`` for output ``target``: a class's or a label's probability, or the number."""
    from core.serve.explain import occlusion_scores

    return occlusion_scores(_model(run_id).predict_proba, text, target)


@st.cache_data(show_spinner=False, max_entries=8)
def _test_examples(run_id: str) -> pd.DataFrame:
    frame = runs.load_predictions(run_id)
    return frame[[c for c in ("text", PAIR_COLUMN, "label") if c in frame.columns]]


def _key(text: object, pair: object = None) -> tuple[str, str]:
    """Texts compared as the box shows them: whitespace collapsed (a test text may hold line breaks)."""
    return " ".join(str(text).split()), "" if pair is None else " ".join(str(pair).split())


def _fill_with_examples(run_id: str, n: int = 5) -> None:
    """Button callback: put ``n`` random test texts (and their second texts) into the boxes."""
    try:
        examples = _test_examples(run_id)
        sample = examples.sample(min(n, len(examples)))
        st.session_state[TEXTS_KEY] = "\n".join(_key(text)[0] for text in sample["text"])
        if PAIR_COLUMN in sample.columns:
            st.session_state[PAIRS_KEY] = "\n".join(_key(text)[0] for text in sample[PAIR_COLUMN])
    except TuneboardError as exc:
        st.session_state["pg_examples_error"] = tr(exc)


def _lines(key: str) -> list[str]:
    return [line.strip() for line in (st.session_state.get(key) or "").splitlines() if line.strip()]


def _boxes(task: Task) -> None:
    """The text box, or the two boxes of a pair run side by side."""
    # No help tooltip here: its button would share this label and make the text area ambiguous to find by label.
    if not task.pair:
        label = "serve_tasks.playground.texts_label_regression" if task.regression else "playground.single.texts_label"
        st.text_area(t(label), key=TEXTS_KEY, height=140, placeholder=t("playground.single.texts_placeholder", max=MAX_TEXTS))
        return
    left, right = st.columns(2)
    left.text_area(t("serve_tasks.playground.first_texts"), key=TEXTS_KEY, height=140,
                   placeholder=t("serve_tasks.playground.first_placeholder", max=MAX_TEXTS))
    right.text_area(t("serve_tasks.playground.second_texts"), key=PAIRS_KEY, height=140,
                    placeholder=t("serve_tasks.playground.second_placeholder"))


def _inputs(run: Run, task: Task) -> tuple[list[str], list[str] | None]:
    _boxes(task)
    left, right = st.columns([1, 3])
    action = "serve_tasks.playground.predict" if task.regression else "playground.single.classify"
    left.button(t(action), type="primary", icon=":material/play_arrow:", key="pg_classify")
    right.button(t("playground.single.fill_examples"), icon=":material/shuffle:", key="pg_examples",
                 on_click=_fill_with_examples, args=(run.id,), help=t("playground.single.fill_examples_help"))
    if st.session_state.get("pg_examples_error"):
        st.warning(st.session_state.pop("pg_examples_error"))
    texts = _lines(TEXTS_KEY)
    pairs = _lines(PAIRS_KEY) if task.pair else None
    if pairs is not None and texts and len(pairs) != len(texts):
        st.warning(t("serve_tasks.playground.pair_mismatch", first=len(texts), second=len(pairs)))
        texts = texts[: len(pairs)]
        pairs = pairs[: len(texts)]
    if len(texts) > MAX_TEXTS:
        st.warning(t("playground.single.too_many_lines", max=MAX_TEXTS, count=len(texts)))
    return texts[:MAX_TEXTS], None if pairs is None else pairs[:MAX_TEXTS]


def _true_labels(run_id: str, texts: list[str], pairs: list[str] | None) -> list[object | None]:
    """The test label of texts that are test examples (None for the user's own texts)."""
    try:
        examples = _test_examples(run_id)
    except TuneboardError:
        return [None] * len(texts)
    second = examples[PAIR_COLUMN] if PAIR_COLUMN in examples.columns else [None] * len(examples)
    known = {_key(text, pair): label for text, pair, label in zip(examples["text"], second, examples["label"], strict=True)}
    return [known.get(_key(text, None if pairs is None else pairs[i])) for i, text in enumerate(texts)]


def render(run: Run) -> None:
    """The 'Try texts' tab for one completed run."""
    task = task_output.run_task(run.id)
    texts, pairs = _inputs(run, task)
    if not texts:
        hint = "empty_hint_pair" if task.pair else "empty_hint_regression" if task.regression else None
        st.caption(t(f"serve_tasks.playground.{hint}") if hint else t("playground.single.empty_hint"))
        return
    try:
        with st.spinner(t("playground.single.loading_model")):  # appears only when loading takes a moment
            model = _model(run.id)
        scores = model.predict_proba(texts, pairs) if task.pair else model.predict_proba(texts)
        frame = serving.predictions_frame(texts, scores, model.labels, task=task, thresholds=model.thresholds,
                                          pairs=pairs)
    except (TuneboardError, OSError) as exc:
        st.error(tr(exc), icon=":material/error:")
        return
    playground_answers.summary(frame, _true_labels(run.id, texts, pairs), task)
    playground_answers.details(run, frame, model, task, _explanation)
