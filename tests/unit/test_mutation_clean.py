"""Cleaning pinned exactly: which rows are dropped and under which reason, the columns and their order, every error
sentence with its numbers, the edges of the numeric-text and ID-like-label checks, each kind of task, stacking
split files, and the property that every uploaded row is either kept or counted as dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.data.clean import clean_examples, combine_splits
from core.errors import DataError
from core.tasks import MULTI_LABEL, REGRESSION, Task

REG = Task(target=REGRESSION)
MULTI = Task(target=MULTI_LABEL)


def _error(*args: object, **kwargs: object) -> str:
    with pytest.raises(DataError) as caught:
        clean_examples(*args, **kwargs)
    return str(caught.value)


def _texts(n: int) -> list[str]:
    return [f"review number {i}" for i in range(n)]


# --- columns --------------------------------------------------------------------------------------------------------


def test_missing_column_lists_the_first_ten_columns() -> None:
    df = pd.DataFrame({f"c{i}": ["x"] for i in range(12)})
    names = ", ".join(f"‘c{i}’" for i in range(10))
    assert _error(df, "body", "c1") == f"There is no column named ‘body’; the columns are {names}."


@pytest.mark.parametrize(
    ("kwargs", "missing"),
    [
        ({"text_col": "text", "label_col": "gold"}, "gold"),
        ({"text_col": "text", "label_col": "label", "split_col": "fold"}, "fold"),
        ({"text_col": "text", "label_col": "label", "task": Task(pair=True), "pair_col": "second"}, "second"),
        ({"text_col": "text", "label_col": "", "task": MULTI, "label_columns": ["label", "toxic"]}, "toxic"),
    ],
)
def test_every_chosen_column_must_exist(kwargs: dict, missing: str) -> None:
    df = pd.DataFrame({"text": ["a b"], "label": ["x"]})
    assert _error(df, **kwargs) == f"There is no column named ‘{missing}’; the columns are ‘text’, ‘label’."


def test_text_and_label_must_be_different_columns() -> None:
    df = pd.DataFrame({"text": ["a b", "c d"], "label": ["x", "y"]})
    assert _error(df, "label", "label") == (
        "‘label’ was chosen as both the text and the label column; choose two different columns."
    )


def test_a_pair_task_needs_its_second_column() -> None:
    df = pd.DataFrame({"text": ["a b", "c d"], "label": ["x", "y"]})
    assert _error(df, "text", "label", task=Task(pair=True)) == (
        "A sentence-pair dataset needs a second text column; choose the column that holds the second text of each pair."
    )


def test_columns_come_text_label_split_then_the_others_in_file_order() -> None:
    df = pd.DataFrame({
        "shop": ["s1", "s2"], "Set": ["train", "test"], "label": ["x", "y"], "text": ["raw1", "raw2"],
        "body": ["a b", "c d"], "gold": ["p", "q"], "stars": [1, 2],
    })
    result = clean_examples(df, "body", "gold", split_col="Set")
    assert list(result.df.columns) == ["text", "label", "split", "shop", "label_original", "text_original", "stars"]
    assert result.df["text_original"].tolist() == ["raw1", "raw2"]
    assert result.df["label_original"].tolist() == ["x", "y"]
    assert result.df["stars"].tolist() == [1, 2]


def test_an_unused_split_column_is_kept_under_another_name_only_when_a_split_was_chosen() -> None:
    df = pd.DataFrame({"body": ["a b", "c d"], "gold": ["p", "q"], "split": ["train", "test"]})
    kept = clean_examples(df, "body", "gold")
    assert list(kept.df.columns) == ["text", "label", "split"]
    assert kept.df["split"].tolist() == ["train", "test"]


def test_extras_follow_their_rows_when_the_index_is_not_0_to_n() -> None:
    df = pd.DataFrame({"text": ["a b", "", "e f", "g h"], "label": ["x", "y", "x", "y"], "k": [1, 2, 3, 4]},
                      index=[7, 7, 3, 0])
    result = clean_examples(df, "text", "label")
    assert result.df["k"].tolist() == [1, 3, 4]
    assert result.df.index.tolist() == [0, 1, 2]


# --- the text column ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, 3, 4],
        [1.5, 2.5, np.nan, 4.0],
        [True, False, True, False],
        ["1", "2.5", "3", "4"],
    ],
)
def test_a_column_of_numbers_is_not_text(values: list) -> None:
    df = pd.DataFrame({"n": values, "label": ["x", "y", "x", "y"]})
    assert _error(df, "n", "label") == (
        "The column ‘n’ holds numbers, not text; choose the column with the sentences."
    )


def test_nine_numbers_in_ten_are_a_number_column_eight_are_text() -> None:
    nine = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "ten"]
    df = pd.DataFrame({"n": nine, "label": ["x", "y"] * 5})
    assert "holds numbers, not text" in _error(df, "n", "label")
    eight = [*nine[:8], "nine", "ten"]
    result = clean_examples(pd.DataFrame({"n": eight, "label": ["x", "y"] * 5}), "n", "label")
    assert result.df["text"].tolist() == eight


def test_numbers_mixed_into_text_become_strings() -> None:
    df = pd.DataFrame({"text": ["good film", 5, "bad film", 2.5, "fine", None, "ok", "meh", "so so", "hm"],
                       "label": ["x", "y"] * 5})
    result = clean_examples(df, "text", "label")
    assert result.df["text"].tolist() == ["good film", "5", "bad film", "2.5", "fine", "ok", "meh", "so so", "hm"]
    assert all(type(t) is str for t in result.df["text"])
    assert result.dropped == {"empty text": 1}


def test_an_empty_text_column_leaves_nothing() -> None:
    df = pd.DataFrame({"text": [np.nan, np.nan], "label": ["x", "y"]})
    assert _error(df, "text", "label") == (
        "No rows are left after dropping rows with empty text or a missing label; check that you chose the right text "
        "and label columns."
    )


def test_a_second_text_of_numbers_is_refused_by_its_name() -> None:
    df = pd.DataFrame({"q": ["a b", "c d"], "a": [1, 2], "label": ["x", "y"]})
    assert _error(df, "q", "label", task=Task(pair=True), pair_col="a") == (
        "The column ‘a’ holds numbers, not text; choose the column with the sentences."
    )


# --- the label column -----------------------------------------------------------------------------------------------


def test_an_all_blank_label_column_is_refused() -> None:
    df = pd.DataFrame({"text": ["a b", "c d"], "gold": [None, "  "]})
    assert _error(df, "text", "gold") == (
        "Every label in the column ‘gold’ is empty; choose the column that holds the classes."
    )


def test_more_distinct_labels_than_half_of_twenty_rows_look_like_an_id() -> None:
    ten = pd.DataFrame({"text": _texts(20), "label": [f"c{i % 10}" for i in range(20)]})
    assert clean_examples(ten, "text", "label").df["label"].nunique() == 10
    eleven = pd.DataFrame({"text": _texts(20), "label": [f"c{i % 11}" for i in range(20)]})
    assert _error(eleven, "text", "label") == (
        "The column ‘label’ has 11 different values in 20 rows, so it looks like an ID or free text, not a label; "
        "choose the column that holds the classes."
    )


def test_nineteen_rows_may_all_have_their_own_label() -> None:
    df = pd.DataFrame({"text": _texts(19), "label": [f"c{i}" for i in range(19)]})
    assert clean_examples(df, "text", "label").df["label"].nunique() == 19


def test_id_like_check_counts_only_rows_with_a_label() -> None:
    # 21 labelled rows with 11 values: looks like an ID, and the sentence counts the 21 (not the 23 rows)
    labels = [f"c{i % 11}" for i in range(21)] + [None, " "]
    df = pd.DataFrame({"text": _texts(23), "label": labels})
    assert _error(df, "text", "label").startswith("The column ‘label’ has 11 different values in 21 rows,")


def test_more_than_a_thousand_classes_are_refused_even_with_many_rows() -> None:
    thousand = pd.DataFrame({"text": _texts(2000), "label": [f"c{i % 1000}" for i in range(2000)]})
    assert clean_examples(thousand, "text", "label").df["label"].nunique() == 1000
    more = pd.DataFrame({"text": _texts(2002), "label": [f"c{i % 1001}" for i in range(2002)]})
    assert _error(more, "text", "label") == (
        "The column ‘label’ has 1,001 different values in 2,002 rows, so it looks like an ID or free text, not a "
        "label; choose the column that holds the classes."
    )


def test_one_class_is_refused_with_the_number_of_examples() -> None:
    df = pd.DataFrame({"text": ["a b", "c d", ""], "gold": ["x", "X", "y"]})
    assert _error(df, "text", "gold") == (
        "All 2 examples have the label ‘x’; a classifier needs at least two classes, so add examples of another "
        "class or choose another column than ‘gold’."
    )
    assert _error(df.head(1), "text", "gold") == (
        "The only example has the label ‘x’; a classifier needs at least two classes, so add examples of another "
        "class or choose another column than ‘gold’."
    )


def test_labels_are_class_names_and_renamed_spellings_are_reported() -> None:
    df = pd.DataFrame({"text": _texts(6), "label": ["Pos", "pos", " pos ", 1, 1.0, "neg"]})
    result = clean_examples(df, "text", "label")
    assert result.df["label"].tolist() == ["pos", "pos", "pos", "1", "1", "neg"]
    assert result.label_mapping == {"Pos": "pos", " pos ": "pos"}
    assert result.dropped == {}


# --- dropped rows ---------------------------------------------------------------------------------------------------


def test_dropped_rows_are_counted_once_under_the_first_reason_in_order() -> None:
    df = pd.DataFrame({
        "text": ["a b", "", " \t\n", None, "e f", "g h", "i j", "k l", "", "m n"],
        "label": ["x", "x", None, "y", None, "  ", "y", "x", None, "y"],
        "fold": ["train", "test", "train", None, None, "dev", None, " TEST ", "train", "train"],
    })
    result = clean_examples(df, "text", "label", split_col="fold")
    assert list(result.dropped.items()) == [("empty text", 4), ("missing label", 2), ("missing split", 1)]
    assert result.df["text"].tolist() == ["a b", "k l", "m n"]
    assert result.df["split"].tolist() == ["train", "test", "train"]
    assert result.df["label"].tolist() == ["x", "x", "y"]


def test_nothing_dropped_is_an_empty_count() -> None:
    result = clean_examples(pd.DataFrame({"text": ["a b", "c d"], "label": ["x", "y"]}), "text", "label")
    assert result.dropped == {}


def test_texts_are_kept_as_written_not_stripped() -> None:
    df = pd.DataFrame({"text": ["  padded  ", "tab\tinside"], "label": ["x", "y"]})
    assert clean_examples(df, "text", "label").df["text"].tolist() == ["  padded  ", "tab\tinside"]


def test_a_blank_second_text_drops_the_pair_as_empty_text() -> None:
    df = pd.DataFrame({"q": ["a b", "c d", "e f", ""], "a": ["one", "  ", "three", "four"],
                       "label": ["x", "y", "y", "x"]})
    result = clean_examples(df, "q", "label", task=Task(pair=True), pair_col="a")
    assert list(result.df.columns) == ["text", "text_pair", "label"]
    assert result.df["text_pair"].tolist() == ["one", "three"]
    assert result.dropped == {"empty text": 2}


# --- split column ---------------------------------------------------------------------------------------------------


def test_split_names_are_folded_to_train_validation_test() -> None:
    names = ["Train", " training ", "TRN", "Validation", "valid", "VAL", "dev", "Development", "eval", "test",
             "Testing", "tst", "holdout"]
    df = pd.DataFrame({"text": _texts(13), "label": ["x", "y"] * 6 + ["x"], "fold": names})
    result = clean_examples(df, "text", "label", split_col="fold")
    assert result.df["split"].tolist() == ["train"] * 3 + ["validation"] * 6 + ["test"] * 4


def test_an_unknown_split_name_is_refused_naming_the_first_in_alphabetical_order() -> None:
    df = pd.DataFrame({"text": _texts(4), "label": ["x", "y"] * 2, "fold": ["train", "Zeta", " later ", None]})
    assert _error(df, "text", "label", split_col="fold") == (
        "The split column ‘fold’ holds ‘later’; use only train, validation or test."
    )


def test_a_missing_split_name_drops_the_row_instead_of_refusing_the_file() -> None:
    df = pd.DataFrame({"text": _texts(4), "label": ["x", "y", "x", "y"], "fold": ["train", np.nan, "test", "dev"]})
    result = clean_examples(df, "text", "label", split_col="fold")
    assert result.dropped == {"missing split": 1}
    assert result.df["split"].tolist() == ["train", "test", "validation"]


# --- numeric targets ------------------------------------------------------------------------------------------------


def test_numeric_targets_are_floats_and_words_are_counted_as_not_a_number() -> None:
    df = pd.DataFrame({"text": _texts(6), "score": ["1.5", " 2 ", "high", None, "", 3]})
    result = clean_examples(df, "text", "score", task=REG)
    assert result.df["label"].tolist() == [1.5, 2.0, 3.0] and result.df["label"].dtype == float
    assert result.dropped["target not a number"] == 1
    assert next(iter(result.dropped)) == "target not a number"
    assert result.label_mapping == {}


def test_numeric_target_errors() -> None:
    words = pd.DataFrame({"text": _texts(2), "score": ["low", "high"]})
    assert _error(words, "text", "score", task=REG) == (
        "No value of the column ‘score’ is a number, so it cannot be a numeric target; choose the column with the "
        "scores, or train a classifier instead."
    )
    infinite = pd.DataFrame({"text": _texts(3), "score": [1.0, np.inf, 2.0]})
    assert _error(infinite, "text", "score", task=REG) == (
        "The column ‘score’ holds infinite values; replace them with real numbers or remove those rows."
    )
    constant = pd.DataFrame({"text": _texts(3), "score": [2, 2.0, "2"]})
    assert _error(constant, "text", "score", task=REG) == (
        "Every row of the column ‘score’ has the same value, so there is nothing to predict; choose another target "
        "column."
    )


def test_a_numeric_target_of_two_values_is_enough() -> None:
    df = pd.DataFrame({"text": _texts(4), "score": [0, 1, 1, 0]})
    assert clean_examples(df, "text", "score", task=REG).df["label"].tolist() == [0.0, 1.0, 1.0, 0.0]


def test_a_numeric_target_may_have_many_distinct_values() -> None:
    df = pd.DataFrame({"text": _texts(40), "score": [i / 10 for i in range(40)]})
    result = clean_examples(df, "text", "score", task=REG)
    assert result.df["label"].nunique() == 40
    assert result.dropped == {}  # no reason listed with a count of 0


def test_a_target_that_is_not_a_number_is_counted_once() -> None:
    df = pd.DataFrame({"text": _texts(4), "score": ["1", "x", "2", "3"]})
    result = clean_examples(df, "text", "score", task=REG)
    assert len(result.df) + sum(result.dropped.values()) == len(df)


# --- multi-label ----------------------------------------------------------------------------------------------------


def test_multi_label_cells_are_sorted_and_joined() -> None:
    df = pd.DataFrame({"text": _texts(4), "tags": ["b; a", "a", "", None]})
    result = clean_examples(df, "text", "tags", task=MULTI, label_separator=";")
    assert result.df["label"].tolist() == ["a|b", "a", ""]
    assert result.dropped == {"missing label": 1}
    assert result.label_mapping == {}


def test_multi_label_from_indicator_columns_drops_nothing_and_keeps_other_columns() -> None:
    df = pd.DataFrame({"text": _texts(3), "toxic": [1, 0, 1], "rude": ["yes", "no", "yes"], "id": [7, 8, 9]})
    result = clean_examples(df, "text", "", task=MULTI, label_columns=["toxic", "rude"])
    assert result.df["label"].tolist() == ["rude|toxic", "", "rude|toxic"]
    assert list(result.df.columns) == ["text", "label", "id"]


def test_multi_label_needs_two_labels() -> None:
    df = pd.DataFrame({"text": _texts(3), "tags": ["a", "a", ""]})
    assert _error(df, "text", "tags", task=MULTI, label_separator="|") == (
        "The column ‘tags’ holds only 1 distinct label(s) across all rows; multi-label training needs at least two "
        "labels, so choose another column or train a single-label classifier."
    )
    indicators = pd.DataFrame({"text": _texts(2), "toxic": [1, 0], "rude": [0, 0]})
    assert _error(indicators, "text", "", task=MULTI, label_columns=["toxic", "rude"]) == (
        "The column ‘toxic, rude’ holds only 1 distinct label(s) across all rows; multi-label training needs at "
        "least two labels, so choose another column or train a single-label classifier."
    )


def test_multi_label_with_more_than_a_thousand_labels_is_refused() -> None:
    df = pd.DataFrame({"text": _texts(3), "tags": ["|".join(f"l{i}" for i in range(1001)), "l0", "l1"]})
    assert _error(df, "text", "tags", task=MULTI, label_separator="|") == (
        "The column ‘tags’ has 1,001 different values in 3 rows, so it looks like an ID or free text, not a label; "
        "choose the column that holds the classes."
    )
    thousand = pd.DataFrame({"text": _texts(2), "tags": ["|".join(f"l{i}" for i in range(1000)), "l0"]})
    assert len(clean_examples(thousand, "text", "tags", task=MULTI, label_separator="|").df) == 2


def test_a_label_holding_the_joiner_is_refused_naming_it() -> None:
    df = pd.DataFrame({"text": _texts(2), "tags": ['["z|y", "c"]', '["a|b"]']})
    assert _error(df, "text", "tags", task=MULTI) == (
        "The label ‘a|b’ in the column ‘tags’ contains “|”, which Tuneboard uses to join several labels; "
        "rename that label."
    )


# --- combine_splits -------------------------------------------------------------------------------------------------


def test_split_files_are_stacked_in_order_with_a_fresh_index_and_the_first_file_s_columns_first() -> None:
    train = pd.DataFrame({"text": ["a", "b"], "label": ["x", "y"]}, index=[5, 6])
    dev = pd.DataFrame({"zeta": [1], "text": ["c"], "label": ["x"]}, index=[5])
    test = pd.DataFrame({"label": ["y"], "text": ["d"], "alpha": [2]})
    combined = combine_splits({" Train ": train, "DEV": dev, "holdout": test})
    assert list(combined.columns) == ["text", "label", "split", "zeta", "alpha"]
    assert combined.index.tolist() == [0, 1, 2, 3]
    assert combined["text"].tolist() == ["a", "b", "c", "d"]
    assert combined["split"].tolist() == ["train", "train", "validation", "test"]
    assert combined["zeta"].tolist()[2] == 1 and combined["alpha"].tolist()[3] == 2


def test_split_file_errors() -> None:
    with pytest.raises(DataError) as caught:
        combine_splits({})
    assert str(caught.value) == "No files were given; upload at least a training file."
    with pytest.raises(DataError) as caught:
        combine_splits({"train": pd.DataFrame({"text": ["a"]}), "holdin": pd.DataFrame({"text": ["b"]})})
    assert str(caught.value) == "‘holdin’ is not a split name; call the files train, validation or test."


# --- property: every uploaded row is kept or counted as dropped ------------------------------------------------------

TEXTS = st.sampled_from(["good film", "Good Film", "bad film", "ok", "", " ", "\t\n", None, "so so", "meh"])
LABELS = st.sampled_from(["pos", "Pos", "POS", " pos ", "neg", "Neg", "meh", "", "  ", None])
SPLITS = st.sampled_from(["train", " Test ", "dev", None])


@given(rows=st.lists(st.tuples(TEXTS, LABELS, SPLITS), min_size=1, max_size=25), with_split=st.booleans(),
       two_classes=st.booleans())
def test_every_uploaded_row_is_kept_or_counted_as_dropped(
    rows: list[tuple[str | None, str | None, str | None]], with_split: bool, two_classes: bool
) -> None:
    if two_classes:  # tables that can surely be cleaned: two good rows of different classes among the generated ones
        rows = [("first good", "Neg", "dev"), *rows[: len(rows) // 2], ("second good", "pos", "train"),
                *rows[len(rows) // 2:]]
    df = pd.DataFrame(rows, columns=["text", "label", "fold"])
    df["row"] = range(len(df))

    def blank(value: str | None) -> bool:
        return value is None or not value.strip()

    empty_text = [blank(t) for t, _, _ in rows]
    missing_label = [not e and blank(label) for e, (_, label, _) in zip(empty_text, rows, strict=True)]
    missing_split = [with_split and not e and not m and s is None
                     for e, m, (_, _, s) in zip(empty_text, missing_label, rows, strict=True)]
    kept = [i for i in range(len(rows)) if not (empty_text[i] or missing_label[i] or missing_split[i])]
    expected_dropped = {reason: n for reason, n in [("empty text", sum(empty_text)),
                                                    ("missing label", sum(missing_label)),
                                                    ("missing split", sum(missing_split))] if n}
    classes = {rows[i][1].strip().lower() for i in kept}

    try:
        result = clean_examples(df, "text", "label", split_col="fold" if with_split else None)
    except DataError as error:
        # refused only when no row has a label, or nothing or a single class is left, with the sentence that says so
        assert len(classes) < 2
        if all(blank(label) for _, label, _ in rows):
            assert str(error) == (
                "Every label in the column ‘label’ is empty; choose the column that holds the classes."
            )
            return
        assert str(error).startswith("No rows are left" if not kept else ("The only example" if len(kept) == 1
                                                                            else f"All {len(kept)} examples"))
        return

    # every row is either kept (once, in order: duplicates are not merged) or counted under exactly one reason
    assert len(result.df) + sum(result.dropped.values()) == len(df)
    assert result.df["row"].tolist() == kept
    assert result.dropped == expected_dropped
    assert list(result.dropped) == list(expected_dropped)
    # kept rows keep their text as written; spellings of one class are merged into one name, never into fewer rows
    assert result.df["text"].tolist() == [rows[i][0] for i in kept]
    assert set(result.df["label"].str.lower()) == classes
    assert result.df["label"].nunique() == len(classes)
    assert all(result.label_mapping[original] == name for original, name in
               zip((rows[i][1] for i in kept), result.df["label"], strict=True) if original != name)
