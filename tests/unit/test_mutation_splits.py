"""Train / validation / test splits pinned exactly: sizes on the rounding edges, stratification edges, a ``split``
column from uploaded files, the strata of each kind of task, seeds, and the property that a split is a partition."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.data.health import min_class_size
from core.data.splits import SPLITS, split_frame, strata
from core.errors import DataError
from core.tasks import MULTI_LABEL, REGRESSION, Task

REG = Task(target=REGRESSION)
MULTI = Task(target=MULTI_LABEL)
ONE_CLASS_IN_TRAIN = "The training split has only one class; add examples of at least two classes."


def _frame(counts: dict[str, int]) -> pd.DataFrame:
    """Texts t0, t1, ... with ``counts[label]`` rows per label, classes interleaved (not sorted by label)."""
    labels = [label for label, n in counts.items() for _ in range(n)]
    labels = labels[::2] + labels[1::2]
    return pd.DataFrame({"text": [f"t{i}" for i in range(len(labels))], "label": labels})


def _sizes(parts: dict[str, pd.DataFrame]) -> list[int]:
    return [len(parts[name]) for name in SPLITS]


def _texts(part: pd.DataFrame) -> list[str]:
    return part["text"].tolist()


def _targets(n: int) -> pd.DataFrame:
    """A numeric target 0..n-1, shuffled so that the order of rows says nothing about the target."""
    values = [float((i * 7) % n) for i in range(n)]
    return pd.DataFrame({"text": [f"t{i}" for i in range(n)], "label": values})


# --- strata ---------------------------------------------------------------------------------------------------------


def test_single_label_strata_are_the_labels_themselves() -> None:
    df = pd.DataFrame({"label": ["b", "a", "b"]})
    assert strata(df, Task()).tolist() == ["b", "a", "b"]


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (2, ["0", "0"]),  # two rows: one stratum (n // 2 = 1 bin)
        (3, ["0", "0", "0"]),  # three rows: still one bin
        (4, ["0", "1", "1", "0"]),  # 0, 3, 2, 1 -> two bins
        (5, ["0", "0", "1", "0", "1"]),  # 0, 2, 4, 1, 3 -> two bins
        (10, ["0", "3", "2", "0", "4", "2", "1", "4", "3", "1"]),  # five quintiles of two rows
        (12, ["0", "3", "0", "4", "1", "4", "2", "0", "3", "1", "4", "2"]),  # never more than five bins
    ],
)
def test_regression_strata_are_quantile_bins_named_by_number(n: int, expected: list[str]) -> None:
    assert strata(_targets(n), REG).tolist() == expected


def test_multi_label_stratum_is_the_rarest_label_of_each_text_ties_by_name() -> None:
    # counts: a 3, b 2, c 1, x 1, y 1
    df = pd.DataFrame({"label": ["a|b", "a", "a|c", "b", "", "y|x"]})
    assert strata(df, MULTI).tolist() == ["b", "a", "c", "b", "", "x"]


def test_multi_label_strata_count_every_row_a_label_appears_in() -> None:
    # b appears in 3 rows, a in 2: the text with both is stratified by a
    df = pd.DataFrame({"label": ["b", "a|b", "b", "a"]})
    assert strata(df, MULTI).tolist() == ["b", "a", "b", "a"]


# --- sizes ----------------------------------------------------------------------------------------------------------


def test_sizes_round_to_the_nearest_row_and_take_at_least_one() -> None:
    parts = split_frame(_frame({"a": 5, "b": 5}), test_size=0.1, validation_size=0.1, seed=0)
    assert _sizes(parts) == [8, 1, 1]
    parts = split_frame(_frame({"a": 6, "b": 6}), test_size=0.01, validation_size=0.01, seed=0)
    assert _sizes(parts) == [10, 1, 1]


def test_validation_share_is_taken_from_what_the_test_split_left() -> None:
    # 0.2 / (1 - 0.4) of the 60 rows left after the test split is 20 rows, i.e. 0.2 of the 100
    parts = split_frame(_frame({"a": 50, "b": 50}), test_size=0.4, validation_size=0.2, seed=0)
    assert _sizes(parts) == [40, 20, 40]


def test_no_validation_share_means_an_empty_validation_split() -> None:
    parts = split_frame(_frame({"a": 10, "b": 10}), test_size=0.25, validation_size=0.0, seed=0)
    assert _sizes(parts) == [15, 0, 5]
    assert list(parts["validation"].columns) == ["text", "label"]
    assert set(_texts(parts["train"])) | set(_texts(parts["test"])) == {f"t{i}" for i in range(20)}


def test_no_test_share_leaves_no_test_split_and_is_refused() -> None:
    with pytest.raises(DataError) as caught:
        split_frame(_frame({"a": 10, "b": 10}), test_size=0.0, validation_size=0.1, seed=0)
    assert str(caught.value) == "The dataset is too small to split (20 rows); add more rows (at least a few dozen)."


def test_two_rows_split_one_and_one_then_train_has_one_class() -> None:
    with pytest.raises(DataError) as caught:
        split_frame(_frame({"a": 1, "b": 1}), test_size=0.5, validation_size=0.0, seed=0)
    assert str(caught.value) == ONE_CLASS_IN_TRAIN


def test_one_row_is_too_small_to_split() -> None:
    with pytest.raises(DataError) as caught:
        split_frame(pd.DataFrame({"text": ["x"], "label": ["a"]}), test_size=0.2, validation_size=0.1, seed=0)
    assert str(caught.value) == "The dataset is too small to split (1 rows); add more rows (at least a few dozen)."


def test_three_rows_give_one_test_row() -> None:
    df = pd.DataFrame({"text": ["x", "y", "z"], "label": ["a", "b", "a"]})
    for seed in range(6):
        try:
            parts = split_frame(df, test_size=0.3, validation_size=0.0, seed=seed)
        except DataError as error:  # the one test row took the only "b"
            assert str(error) == ONE_CLASS_IN_TRAIN
            continue
        assert _sizes(parts) == [2, 0, 1]
        assert sorted(_texts(parts["train"]) + _texts(parts["test"])) == ["x", "y", "z"]


def test_parts_have_a_fresh_index_and_only_the_input_columns() -> None:
    df = _frame({"a": 10, "b": 10})
    df.index = range(100, 120)
    parts = split_frame(df, test_size=0.2, validation_size=0.1, seed=0)
    for name in SPLITS:
        assert list(parts[name].columns) == ["text", "label"]
        assert parts[name].index.tolist() == list(range(len(parts[name])))


# --- stratification edges ---------------------------------------------------------------------------------------------


def test_a_class_with_one_row_turns_stratification_off_instead_of_failing() -> None:
    parts = split_frame(_frame({"a": 30, "b": 9, "lonely": 1}), test_size=0.2, validation_size=0.1, seed=0)
    assert _sizes(parts) == [28, 4, 8]
    assert sorted(text for part in parts.values() for text in _texts(part)) == sorted(f"t{i}" for i in range(40))


@pytest.mark.parametrize("seed", range(8))
def test_classes_of_two_rows_are_stratified_one_to_each_side(seed: int) -> None:
    parts = split_frame(_frame({"a": 18, "b": 2}), test_size=0.5, validation_size=0.0, seed=seed)
    assert parts["test"]["label"].value_counts().to_dict() == {"a": 9, "b": 1}
    assert parts["train"]["label"].value_counts().to_dict() == {"a": 9, "b": 1}


@pytest.mark.parametrize("seed", range(8))
def test_a_test_split_of_exactly_one_row_per_class_is_stratified(seed: int) -> None:
    parts = split_frame(_frame({"a": 4, "b": 4, "c": 4}), test_size=0.25, validation_size=0.0, seed=seed)
    assert sorted(parts["test"]["label"]) == ["a", "b", "c"]


@pytest.mark.parametrize("seed", range(8))
def test_a_train_split_of_exactly_one_row_per_class_is_stratified(seed: int) -> None:
    # 9 rows, 6 to test: the 3 left are one per class
    parts = split_frame(_frame({"a": 3, "b": 3, "c": 3}), test_size=0.67, validation_size=0.0, seed=seed)
    assert sorted(parts["train"]["label"]) == ["a", "b", "c"]
    assert sorted(parts["test"]["label"]) == ["a", "a", "b", "b", "c", "c"]


def test_a_train_side_too_small_for_every_class_is_split_without_stratification() -> None:
    # 8 rows of 4 classes, 5 to test: 3 left cannot hold every class, so no stratification (and no sklearn error)
    results = []
    for seed in range(6):
        try:
            parts = split_frame(_frame({"a": 2, "b": 2, "c": 2, "d": 2}), test_size=0.6, validation_size=0.0,
                                seed=seed)
        except DataError as error:
            assert str(error) == ONE_CLASS_IN_TRAIN
            continue
        assert _sizes(parts) == [3, 0, 5]
        results.append(parts)
    assert results


@pytest.mark.parametrize("seed", range(6))
def test_regression_splits_are_stratified_by_quintile(seed: int) -> None:
    # 25 targets, 5 per quintile: a test split of 5 rows takes one from each quintile
    parts = split_frame(_targets(25), test_size=0.2, validation_size=0.2, seed=seed, task=REG)
    assert _sizes(parts) == [15, 5, 5]
    assert sorted(int(v) // 5 for v in parts["test"]["label"]) == [0, 1, 2, 3, 4]
    assert sorted(int(v) // 5 for v in parts["validation"]["label"]) == [0, 1, 2, 3, 4]


# --- seeds ---------------------------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_parts_and_the_split_of_a_seed_is_pinned() -> None:
    df = _frame({"a": 6, "b": 6})
    first = split_frame(df, test_size=0.25, validation_size=0.25, seed=3)
    again = split_frame(df, test_size=0.25, validation_size=0.25, seed=3)
    for name in SPLITS:
        assert _texts(first[name]) == _texts(again[name])
    # A rerun of an old run must see the same rows (test carved with the seed, validation with seed + 1).
    assert {name: sorted(_texts(first[name])) for name in SPLITS} == PINNED_SEED_3


PINNED_SEED_3 = {
    "train": ["t10", "t4", "t5", "t6", "t7", "t8"],
    "validation": ["t11", "t2", "t9"],
    "test": ["t0", "t1", "t3"],
}


# --- a split column from uploaded files -----------------------------------------------------------------------------


def _with_split(splits: list[str | None], labels: list[str] | None = None) -> pd.DataFrame:
    n = len(splits)
    labels = labels or [("a", "b", "c")[i % 3] for i in range(n)]
    return pd.DataFrame({"text": [f"t{i}" for i in range(n)], "label": labels, "split": splits})


def test_uploaded_train_validation_and_test_are_kept_exactly() -> None:
    splits = ["test", "train", "validation", "train"] * 10
    parts = split_frame(_with_split(splits), test_size=0.5, validation_size=0.3, seed=0)
    for name in SPLITS:
        assert _texts(parts[name]) == [f"t{i}" for i, s in enumerate(splits) if s == name]
    assert list(parts["train"].columns) == ["text", "label", "split"]


def test_uploaded_test_with_no_validation_share_ignores_the_test_share() -> None:
    splits = ["train", "test"] * 10
    for test_size in (0.2, 1.0):
        parts = split_frame(_with_split(splits), test_size=test_size, validation_size=0.0, seed=0)
        assert _sizes(parts) == [10, 0, 10]
        assert _texts(parts["test"]) == [f"t{i}" for i in range(1, 20, 2)]


def test_rows_without_a_split_name_join_the_training_rows() -> None:
    splits = [None, "test", "train", None] * 5
    parts = split_frame(_with_split(splits), test_size=0.2, validation_size=0.0, seed=0)
    assert sorted(_texts(parts["train"])) == sorted(f"t{i}" for i, s in enumerate(splits) if s != "test")
    assert _texts(parts["test"]) == [f"t{i}" for i, s in enumerate(splits) if s == "test"]
    assert len(parts["validation"]) == 0


def test_a_missing_test_split_is_carved_from_the_training_rows() -> None:
    splits = ["train"] * 36 + ["validation"] * 4
    parts = split_frame(_with_split(splits), test_size=0.25, validation_size=0.1, seed=0)
    assert _sizes(parts) == [27, 4, 9]
    assert _texts(parts["validation"]) == ["t36", "t37", "t38", "t39"]
    assert set(_texts(parts["train"])).isdisjoint(_texts(parts["test"]))
    assert sorted(_texts(parts["train"]) + _texts(parts["test"])) == sorted(f"t{i}" for i in range(36))
    assert parts["test"]["label"].value_counts().to_dict() == {"a": 3, "b": 3, "c": 3}
    again = split_frame(_with_split(splits), test_size=0.25, validation_size=0.1, seed=0)
    assert _texts(again["test"]) == _texts(parts["test"]) and _texts(again["train"]) == _texts(parts["train"])


def test_a_missing_validation_split_is_carved_from_the_training_rows() -> None:
    # 90 training rows; validation 0.25 of everything = 0.25 / (1 - 0.25) of what the test split left
    splits = ["train"] * 90 + ["test"] * 10
    parts = split_frame(_with_split(splits), test_size=0.25, validation_size=0.25, seed=0)
    assert _sizes(parts) == [60, 30, 10]
    assert _texts(parts["test"]) == [f"t{i}" for i in range(90, 100)]
    assert sorted(_texts(parts["train"]) + _texts(parts["validation"])) == sorted(f"t{i}" for i in range(90))
    assert parts["validation"]["label"].value_counts().to_dict() == {"a": 10, "b": 10, "c": 10}
    again = split_frame(_with_split(splits), test_size=0.25, validation_size=0.25, seed=0)
    assert _texts(again["validation"]) == _texts(parts["validation"])


def test_validation_carved_from_uploaded_training_rows_is_pinned_for_a_seed() -> None:
    parts = split_frame(_with_split(["train"] * 9 + ["test"] * 3), test_size=0.25, validation_size=0.25, seed=3)
    assert {name: sorted(_texts(parts[name])) for name in SPLITS} == {
        "train": ["t0", "t1", "t3", "t5", "t7", "t8"],
        "validation": ["t2", "t4", "t6"],
        "test": ["t10", "t11", "t9"],
    }


@pytest.mark.parametrize("seed", range(6))
def test_carving_from_an_uploaded_split_stratifies_by_the_task(seed: int) -> None:
    # the 25 training rows hold the targets 0..24, 5 per quintile; the other 25 rows are uploaded as one split
    df = pd.concat([_targets(25), _targets(25).assign(text=lambda d: "other " + d["text"])], ignore_index=True)
    df["split"] = ["train"] * 25 + ["test"] * 25
    parts = split_frame(df, test_size=0.5, validation_size=0.1, seed=seed, task=REG)
    assert _sizes(parts) == [20, 5, 25]
    assert sorted(int(v) // 5 for v in parts["validation"]["label"]) == [0, 1, 2, 3, 4]
    df["split"] = ["train"] * 25 + ["validation"] * 25
    parts = split_frame(df, test_size=0.2, validation_size=0.1, seed=seed, task=REG)
    assert _sizes(parts) == [20, 25, 5]
    assert sorted(int(v) // 5 for v in parts["test"]["label"]) == [0, 1, 2, 3, 4]


def test_a_split_column_with_no_names_at_all_is_split_as_usual() -> None:
    df = _frame({"a": 10, "b": 10}).assign(split=None)
    parts = split_frame(df, test_size=0.2, validation_size=0.1, seed=0)
    assert _sizes(parts) == [14, 2, 4]


def test_uploaded_splits_with_one_class_in_train_are_refused() -> None:
    df = _with_split(["train"] * 4 + ["test"] * 4, labels=["a"] * 4 + ["a", "b"] * 2)
    with pytest.raises(DataError) as caught:
        split_frame(df, test_size=0.2, validation_size=0.0, seed=0)
    assert str(caught.value) == ONE_CLASS_IN_TRAIN


# --- property: a split is a partition of the rows, with the promised sizes and classes -------------------------------


@given(
    big=st.lists(st.integers(10, 30), min_size=2, max_size=3),
    small=st.lists(st.integers(1, 3), max_size=3),
    test_size=st.sampled_from([0.1, 0.2, 0.25, 0.3]),
    validation_size=st.sampled_from([0.0, 0.1, 0.15, 0.2]),
    seed=st.integers(0, 50),
)
def test_splits_partition_the_rows_with_the_requested_sizes(
    big: list[int], small: list[int], test_size: float, validation_size: float, seed: int
) -> None:
    counts = {f"big{i}": n for i, n in enumerate(big)} | {f"small{i}": n for i, n in enumerate(small)}
    df = _frame(counts)
    n = len(df)
    parts = split_frame(df, test_size=test_size, validation_size=validation_size, seed=seed)

    # every row in exactly one part, none lost, none repeated, labels travel with their texts
    rows = pd.concat([parts[name] for name in SPLITS])
    assert sorted(rows["text"]) == sorted(df["text"])
    assert dict(zip(rows["text"], rows["label"], strict=True)) == dict(zip(df["text"], df["label"], strict=True))

    # sizes: the requested fraction rounded to the nearest row, at least one row
    n_test = len(parts["test"])
    assert n_test == max(1, round(test_size * n)) and abs(n_test - test_size * n) <= max(0.5, 1 - test_size * n)
    n_validation = len(parts["validation"])
    if validation_size:
        share = validation_size / (1 - test_size)
        assert n_validation == max(1, round(share * (n - n_test)))
    else:
        assert n_validation == 0

    # every class big enough for the split sizes (see min_class_size) reaches the training split, and when every
    # class is that big the split is stratified: each class in each part
    enough = min_class_size(test_size, validation_size)
    for label, count in counts.items():
        if count >= enough:
            assert label in set(parts["train"]["label"])
    if min(counts.values()) >= enough:
        for name in ("test", "validation") if validation_size else ("test",):
            assert set(parts[name]["label"]) == set(counts)
