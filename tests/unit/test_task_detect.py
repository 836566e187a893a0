"""Detecting the kind of a table at upload (core.data.task_detect) and the multi-label cell helpers it uses
(core.data.label_sets): each kind, pairs with each target, the ambiguous cases, and ordinary data left alone."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.data import label_sets
from core.data.columns import detect_columns
from core.data.examples import EXAMPLE_DIR, EXAMPLES
from core.data.task_detect import TaskGuess, clean_for, detect_task, task_for_columns, with_task
from core.tasks import Task
from tests.conftest import SHARED, sentiment_sample

TAGS = ["billing", "shipping", "refund", "account", "bug"]


def _texts(n: int, seed: int = 0) -> list[str]:
    return sentiment_sample(n, seed)["text"].tolist()


def _tag_cells(n: int, joiner: str = "|", seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [joiner.join(sorted(set(rng.choice(TAGS, rng.integers(1, 4))))) for _ in range(n)]


def _kind(df: pd.DataFrame) -> str:
    return detect_task(df).task.key


# ------------------------------------------------------------------ single label stays single label
@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_every_builtin_example_is_detected_as_its_kind(key):
    """The single-label examples stay single-label; the multi-label, pair and regression ones are found as such."""
    example = EXAMPLES[key]
    guess = detect_task(pd.read_csv(EXAMPLE_DIR / example.filename))
    assert guess.task.key == example.task and guess.ask is None
    assert (guess.text, guess.pair) == (example.text_column, example.pair_column)
    assert guess.label == example.label_column


@pytest.mark.needs_shared
@pytest.mark.parametrize("name", ["sms_spam", "sst2", "trec6"])
def test_public_single_label_sets_are_single_label(name):
    path = next((SHARED / name).glob("*.csv"))
    assert detect_task(pd.read_csv(path)).task == Task()


def test_texts_with_one_label_are_single_label():
    guess = detect_task(sentiment_sample(300))
    assert guess.task == Task() and guess.alternatives == [] and not guess.label_columns
    assert str(guess.reason) == "‘label’ holds one of 2 classes per text."


def test_class_names_with_commas_are_not_several_labels():
    rng = np.random.default_rng(0)
    names = ["Books, Music & Film", "Toys & Games", "Home, Garden & Tools", "Health, Beauty"]
    df = pd.DataFrame({"text": _texts(400), "category": rng.choice(names, 400)})
    assert _kind(df) == "single_label"
    assert label_sets.guess_separator(df["category"]) is None


def test_a_few_rows_with_two_labels_stay_single_label():
    cells = ["billing"] * 190 + ["shipping"] * 190 + ["billing|shipping"] * 10 + ["shipping|refund"] * 5 + ["refund"] * 5
    assert _kind(pd.DataFrame({"text": _texts(400), "label": cells})) == "single_label"  # 4 % is under 10 %


def test_binary_numbers_are_classes_without_asking():
    df = pd.DataFrame({"text": _texts(200), "label": np.random.default_rng(0).integers(0, 2, 200)})
    guess = detect_task(df)
    assert guess.task == Task() and guess.ask is None


def test_zero_one_slice_columns_beside_a_named_label_are_not_labels():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"text": _texts(200), "label": rng.choice(["pos", "neg"], 200),
                       "verified": rng.integers(0, 2, 200), "mobile": rng.integers(0, 2, 200)})
    assert detect_task(df).task == Task()


# ------------------------------------------------------------------ multi-label
@pytest.mark.parametrize("joiner", ["|", ";", ", "])
def test_several_labels_in_one_cell(joiner):
    guess = detect_task(pd.DataFrame({"text": _texts(300), "tags": _tag_cells(300, joiner)}))
    assert guess.task == Task("multi_label") and guess.label == "tags" and guess.separator == joiner.strip()
    assert guess.alternatives == [Task()]
    assert str(guess.reason).startswith(f"‘tags’ holds several labels in one cell, separated by “{joiner.strip()}”")
    cleaned = clean_for(pd.DataFrame({"text": _texts(300), "tags": _tag_cells(300, joiner)}), guess).df
    assert set(cleaned["label"]) == {c.replace(joiner, "|") for c in _tag_cells(300, joiner)}


@pytest.mark.parametrize("style", ["json", "python"])
def test_json_lists(style):
    cells = [json.dumps(c.split("|")) for c in _tag_cells(200)]
    if style == "python":
        cells = [str(json.loads(c)) for c in cells]  # ['a', 'b'], as pandas writes a list
    guess = detect_task(pd.DataFrame({"text": _texts(200), "labels": cells}))
    assert guess.task == Task("multi_label") and guess.separator is None
    assert clean_for(pd.DataFrame({"text": _texts(200), "labels": cells}), guess).df["label"].tolist() == _tag_cells(200)


def test_zero_one_columns_one_per_label_ignoring_ids_and_splits():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"id": range(300), "comment_text": _texts(300),
                       **{tag: rng.integers(0, 2, 300) for tag in TAGS},
                       "split": rng.choice(["train", "test"], 300)})
    df["is_flagged"] = 0  # never 1: not a label
    guess = detect_task(df)
    assert guess.task == Task("multi_label") and guess.label == "" and guess.label_columns == TAGS
    assert guess.text == "comment_text"
    assert str(guess.reason).startswith("5 columns hold only 0/1 values, one per label: ‘billing’")
    cleaned = clean_for(df, guess, split_col="split").df
    assert cleaned["label"][0] == "|".join(sorted(t for t in TAGS if df.loc[0, t] == 1))


def test_yes_no_columns_count_as_zero_one():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"text": _texts(100), "toxic": rng.choice(["yes", "no"], 100), "insult": rng.choice([True, False], 100)})
    assert detect_task(df).label_columns == ["toxic", "insult"]


def test_separator_needs_pieces_that_recombine():
    assert label_sets.guess_separator(["a|b", "a", "b|c", "c", "a|c"] * 10) == "|"
    assert label_sets.guess_separator(["x, y", "z"] * 30) is None  # "x" and "y" always together: one class name
    assert label_sets.multi_label_share(["a|b", "a", None, ""], "|") == 0.5
    assert label_sets.multi_label_share(['["a", "b"]', '["a"]'], None) == 0.5


# ------------------------------------------------------------------ pairs
@pytest.mark.parametrize("first,second", [
    ("sentence1", "sentence2"), ("premise", "hypothesis"), ("question", "sentence"), ("question", "answer"),
    ("text_a", "text_b"), ("text1", "text2"), ("query", "passage"), ("sentence_a", "sentence_b"),
    ("question1", "question2"), ("#1 String", "#2 String"), ("Sentence A", "Sentence B"),
])
def test_pair_columns_named_as_pairs(first, second):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({second: _texts(200, seed=1), first: _texts(200), "label": rng.choice(["yes", "no"], 200)})
    guess = detect_task(df)
    assert guess.task == Task("single_label", pair=True)
    assert (guess.text, guess.pair, guess.label) == (first, second, "label")  # the pair's first column comes first
    assert str(guess.reason).startswith(f"‘{first}’ and ‘{second}’ are named like the two texts of a pair; ")


def test_mrpc_like_pairs_with_ids_and_a_quality_column():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"Quality": rng.integers(0, 2, 200), "#1 ID": rng.integers(10**5, 10**6, 200),
                       "#2 ID": rng.integers(10**5, 10**6, 200), "#1 String": _texts(200), "#2 String": _texts(200, 1)})
    guess = detect_task(df)
    assert guess.task == Task("single_label", pair=True) and guess.label == "Quality"
    cleaned = clean_for(df, guess).df
    assert list(cleaned.columns[:3]) == ["text", "text_pair", "label"] and set(cleaned["label"]) == {"0", "1"}


def test_sts_b_like_pairs_with_a_score_are_pair_regression():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"genre": rng.choice(["main-news", "main-captions"], 300), "sentence1": _texts(300),
                       "sentence2": _texts(300, 1), "score": np.round(rng.uniform(0, 5, 300), 3)})
    guess = detect_task(df)
    assert guess.task == Task("regression", pair=True) and guess.label == "score" and guess.ask is None
    assert "‘score’ is named like a score and holds decimal numbers from" in str(guess.reason)
    cleaned = clean_for(df, guess).df
    assert cleaned["label"].dtype == float and "text_pair" in cleaned


def test_two_long_unnamed_text_columns_of_similar_length_are_a_pair():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"left_side": _texts(200), "other": _texts(200, 1), "label": rng.choice(["a", "b"], 200)})
    guess = detect_task(df)
    assert guess.task.pair and guess.alternatives == [Task()]  # found by length only: could be one text
    assert "both hold free text of similar length" in str(guess.reason)


def test_a_short_title_or_an_id_column_is_not_a_pair():
    rng = np.random.default_rng(0)
    texts = _texts(200)
    df = pd.DataFrame({"title": [t.split()[0] + " " + t.split()[1] for t in texts], "body": [t * 3 for t in texts],
                       "url": ["https://example.com/a/very/long/path/" + str(i) for i in range(200)],
                       "label": rng.choice(["a", "b"], 200)})
    assert detect_task(df).task == Task()


# ------------------------------------------------------------------ numeric targets
def test_many_decimal_values_are_regression():
    df = pd.DataFrame({"text": _texts(200), "price": np.random.default_rng(0).uniform(1, 100, 200).round(2)})
    guess = detect_task(df)
    assert guess.task == Task("regression") and guess.label == "price" and guess.ask is None
    assert str(guess.reason).startswith("‘price’ holds 197 different numbers from 1.27 to 99.72")


def test_many_whole_numbers_are_regression():
    df = pd.DataFrame({"text": _texts(300), "target": np.random.default_rng(0).integers(0, 500, 300)})
    assert detect_task(df).task == Task("regression")


@pytest.mark.parametrize("name,low,high", [("stars", 1, 5), ("rating", 0, 10), ("label", 1, 5)])
def test_a_few_whole_numbers_ask(name, low, high):
    df = pd.DataFrame({"review": _texts(300), name: np.random.default_rng(0).integers(low, high + 1, 300)})
    guess = detect_task(df)
    assert guess.task == Task() and guess.alternatives == [Task("regression")]  # kept as classes, and asked
    assert guess.ask is not None and str(guess.ask).startswith(f"The values of ‘{name}’ could be classes")
    assert str(guess.reason) == f"‘{name}’ holds only {high - low + 1} different whole numbers, from {low} to {high}."


def test_class_ids_from_the_hub_ask_rather_than_become_regression():
    df = pd.DataFrame({"text": _texts(400), "label": np.arange(400) % 77})  # banking77: ids 0..76
    guess = detect_task(df)
    assert guess.task == Task() and guess.ask is not None


def test_a_score_with_decimals_is_regression_even_with_few_values():
    df = pd.DataFrame({"text": _texts(200), "similarity": np.random.default_rng(0).choice([0.5, 1.5, 2.5, 3.5], 200)})
    assert detect_task(df).task == Task("regression")


def test_numbers_with_decimal_commas_are_numbers():
    values = [f"{v:.2f}".replace(".", ",") for v in np.random.default_rng(0).uniform(0, 5, 200)]
    assert detect_task(pd.DataFrame({"text": _texts(200), "score": values})).task == Task("regression")


# ------------------------------------------------------------------ chosen columns and overrides
def test_the_kind_follows_the_columns_the_user_picks():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"text": _texts(300), "tags": _tag_cells(300), "mood": rng.choice(["happy", "sad"], 300)})
    assert detect_task(df).task == Task("multi_label")
    assert task_for_columns(df, "text", "mood").task == Task()
    assert task_for_columns(df, "text", "tags").separator == "|"


def test_a_user_chosen_label_is_kept_even_beside_a_score_column():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"text": _texts(200), "topic": rng.choice(["a", "b"], 200), "score": rng.uniform(0, 1, 200)})
    assert task_for_columns(df, "text", "topic").label == "topic"


def test_overriding_the_kind_fills_in_the_columns_it_needs():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"question": _texts(200), "answer": _texts(200, 1), "tags": _tag_cells(200, ";"),
                       "stars": rng.integers(1, 6, 200)})
    single = task_for_columns(df, "question", "stars", pair="")
    assert single.task == Task() and single.ask is not None
    assert with_task(df, single, Task("regression")).task == Task("regression")
    multi = with_task(df, task_for_columns(df, "question", "tags", pair=""), Task("multi_label", pair=True))
    assert (multi.pair, multi.separator, multi.ask) == ("answer", ";", None)
    assert multi.alternatives == [Task("multi_label")]
    assert clean_for(df, multi).df.columns[:3].tolist() == ["text", "text_pair", "label"]


def test_leaving_zero_one_columns_for_one_label_takes_a_label_column_back():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"text": _texts(100), **{t: rng.integers(0, 2, 100) for t in TAGS[:3]}})
    guess = detect_task(df)
    single = with_task(df, guess, Task())
    assert single.label_columns == [] and single.separator is None


def test_detect_task_accepts_a_column_guess_and_serialises():
    df = pd.DataFrame({"text": _texts(200), "tags": _tag_cells(200)})
    guess = detect_task(df, detect_columns(df))
    assert isinstance(guess, TaskGuess)
    data = json.loads(json.dumps(guess.to_dict()))
    assert data["task"] == "multi_label" and data["separator"] == "|" and data["alternatives"] == ["single_label"]
    assert data["messages"]["reason"]["key"] == "task_detect.reason.separator" and data["ask"] is None
