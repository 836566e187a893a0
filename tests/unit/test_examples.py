"""Tests for the built-in example datasets (core/examples.py, core/example_data/)."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from core.data.examples import EXAMPLES, Example, example_bytes, example_path
from core.errors import DataError

REPO_ROOT = Path(__file__).resolve().parents[2]
GENERATORS = [REPO_ROOT / "tools" / "make_examples.py", REPO_ROOT / "tools" / "make_examples_zh.py"]

SUPPORT_LABELS = {
    "refund",
    "order_status",
    "cancel_order",
    "account_access",
    "shipping_address",
    "product_question",
    "complaint",
    "billing",
}
FINANCE_LABELS = {"positive", "neutral", "negative"}
SUPPORT_ZH_LABELS = {"退款", "物流查询", "取消订单", "账户登录", "发票", "投诉", "商品咨询", "修改地址"}

# key -> (expected columns, expected labels, minimum rows, minimum rows per label)
SPECS: dict[str, tuple[list[str], set[str], int, int]] = {
    "support_intents": (["text", "label", "channel"], SUPPORT_LABELS, 560, 70),
    "finance_sentiment": (["text", "label"], FINANCE_LABELS, 360, 100),
    "support_intents_zh": (["text", "label", "channel"], SUPPORT_ZH_LABELS, 400, 45),
}
CHINESE = {"support_intents_zh"}  # no spaces between words: lengths are checked in characters


def _load(key: str) -> pd.DataFrame:
    # keep_default_na=False: a text such as "NA" must stay a string, and real empties
    # must show up as "" so the emptiness check below catches them.
    return pd.read_csv(io.BytesIO(example_bytes(key)), keep_default_na=False)


def test_registry_matches_specs() -> None:
    assert set(EXAMPLES) == set(SPECS)
    for key, example in EXAMPLES.items():
        assert isinstance(example, Example)
        assert example.key == key
        assert example.title
        assert example.description
        assert example.description.endswith(".")


@pytest.mark.parametrize("key", sorted(SPECS))
def test_example_loads_with_expected_shape(key: str) -> None:
    columns, labels, min_rows, min_per_label = SPECS[key]
    example = EXAMPLES[key]
    df = _load(key)

    assert list(df.columns) == columns
    assert example.text_column in df.columns
    assert example.label_column in df.columns
    assert len(df) >= min_rows
    assert set(df[example.label_column]) == labels
    counts = df[example.label_column].value_counts()
    assert counts.min() >= min_per_label, counts.to_dict()


@pytest.mark.parametrize("key", sorted(SPECS))
def test_example_texts_are_clean(key: str) -> None:
    df = _load(key)
    texts = df[EXAMPLES[key].text_column]
    assert (texts.str.strip() != "").all()
    assert not texts.duplicated().any()
    # Case-insensitive duplicates would leak between train and validation splits.
    assert not texts.str.casefold().duplicated().any()
    if key in CHINESE:
        # Full-width “退款！” and half-width “退款!” are the same message: no duplicates after NFKC folding either.
        assert not texts.str.normalize("NFKC").str.casefold().duplicated().any()
        assert texts.str.len().min() >= 6 and texts.str.len().max() <= 80
        assert not texts.str.contains(r"[\[\]|]", regex=True).any(), "unresolved [a|b] alternative"
    else:
        words = texts.str.split().str.len()
        assert words.min() >= 3
        assert words.max() <= 60
    assert not texts.str.contains("[{}]", regex=True).any(), "unfilled template slot"


@pytest.mark.parametrize(("key", "channels"), [("support_intents", {"email", "chat", "app"}),
                                               ("support_intents_zh", {"在线客服", "邮件", "App"})])
def test_support_channels(key: str, channels: set[str]) -> None:
    df = _load(key)
    assert set(df["channel"]) == channels
    # Every intent should appear in every channel, or per-channel metrics are meaningless.
    assert (pd.crosstab(df["label"], df["channel"]) > 0).all().all()


def test_finance_neutral_is_largest_class() -> None:
    counts = _load("finance_sentiment")["label"].value_counts()
    assert counts.idxmax() == "neutral"


def test_example_path_and_bytes_agree() -> None:
    for key in EXAMPLES:
        path = example_path(key)
        assert path.is_file()
        assert path.name == EXAMPLES[key].filename
        assert example_bytes(key) == path.read_bytes()


@pytest.mark.parametrize("func", [example_path, example_bytes])
def test_unknown_key_raises_data_error(func: Callable[[str], object]) -> None:
    with pytest.raises(DataError) as excinfo:
        func("nope")
    message = str(excinfo.value)
    assert "nope" in message
    for key in EXAMPLES:
        assert key in message


def test_generator_reproduces_committed_files(tmp_path: Path) -> None:
    # Run it as a script, the way the README says.  -I ignores PYTHONHASHSEED, so string
    # hashing is randomised in the child: matching bytes also show the output does not
    # depend on set or hash order.
    for generator in GENERATORS:
        result = subprocess.run(
            [sys.executable, "-I", str(generator), "--out", str(tmp_path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
    for example in EXAMPLES.values():
        generated = (tmp_path / example.filename).read_bytes()
        hint = "run `python tools/make_examples.py` and `python tools/make_examples_zh.py` and commit the result"
        assert generated == example_bytes(example.key), f"{example.filename} is stale; {hint}"


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [("support_intents", 0.85, 0.985), ("finance_sentiment", 0.78, 0.97)],
)
def test_bag_of_words_baseline_is_sensible(key: str, low: float, high: float) -> None:
    """A simple model should learn the data but not score perfectly.

    Perfect accuracy would mean the templates are too rigid to teach anything about
    fine-tuning; very low accuracy would mean the labels are noise.
    """
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    df = _load(key)
    pipe = make_pipeline(CountVectorizer(), LogisticRegression(max_iter=2000))
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    score = cross_val_score(pipe, df["text"], df["label"], cv=cv).mean()
    assert low <= score <= high, score
