"""Stratified, seeded splits."""

import pandas as pd
import pytest

from core.data.splits import split_frame
from core.errors import DataError


def _frame(n=200):
    return pd.DataFrame({"text": [f"t{i}" for i in range(n)], "label": ["a"] * (n * 3 // 4) + ["b"] * (n // 4)})


def test_split_sizes_stratified_and_seeded():
    parts = split_frame(_frame(), test_size=0.2, validation_size=0.1, seed=1)
    assert [len(parts[k]) for k in ("train", "validation", "test")] == [140, 20, 40]
    assert parts["test"]["label"].value_counts().to_dict() == {"a": 30, "b": 10}
    again = split_frame(_frame(), test_size=0.2, validation_size=0.1, seed=1)
    assert parts["test"]["text"].tolist() == again["test"]["text"].tolist()
    other = split_frame(_frame(), test_size=0.2, validation_size=0.1, seed=2)
    assert parts["test"]["text"].tolist() != other["test"]["text"].tolist()
    seen = set().union(*(set(p["text"]) for p in parts.values()))
    assert len(seen) == 200


def test_predefined_split_column_is_respected():
    df = _frame(100)
    df["split"] = ["train"] * 80 + ["test"] * 20
    parts = split_frame(df, test_size=0.2, validation_size=0.1, seed=0)
    assert len(parts["test"]) == 20 and len(parts["validation"]) > 0


def test_too_small_is_a_clear_error():
    with pytest.raises(DataError, match="too small"):
        split_frame(pd.DataFrame({"text": ["x"], "label": ["a"]}), test_size=0.2, validation_size=0.1, seed=0)
