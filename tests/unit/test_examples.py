"""Tests for the built-in example datasets (core/data/examples.py, core/data/example_data/)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from core.data.examples import EXAMPLES, Example, example_bytes, example_path
from core.errors import DataError
from core.tasks import Task, distinct_labels, join_labels, split_labels

REPO_ROOT = Path(__file__).resolve().parents[2]
GENERATORS = [
    REPO_ROOT / "tools" / "make_examples.py",
    REPO_ROOT / "tools" / "make_examples_zh.py",
    REPO_ROOT / "tools" / "make_examples_tasks.py",
]

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

# The examples of the other task kinds: key -> (expected columns, task key).
OTHER_KINDS: dict[str, tuple[list[str], str]] = {
    "support_tags": (["text", "tags", "channel"], "multi_label"),
    "paraphrase_pairs": (["sentence1", "sentence2", "label"], "pair_single_label"),
    "review_scores": (["text", "score"], "regression"),
}
TAGS = {"billing", "refund", "shipping", "account", "bug", "feature_request", "urgent", "praise"}


def _load(key: str) -> pd.DataFrame:
    # keep_default_na=False: a text such as "NA" must stay a string, and real empties
    # must show up as "" so the emptiness check below catches them.
    return pd.read_csv(io.BytesIO(example_bytes(key)), keep_default_na=False)


def test_registry_matches_specs() -> None:
    assert set(EXAMPLES) == set(SPECS) | set(OTHER_KINDS)
    for key, example in EXAMPLES.items():
        assert isinstance(example, Example)
        assert example.key == key
        assert example.title
        assert example.description
        assert example.description.endswith(".")
        assert example.task == (OTHER_KINDS[key][1] if key in OTHER_KINDS else "single_label")
        assert Task.from_key(example.task).pair == (example.pair_column is not None)
        columns = OTHER_KINDS[key][0] if key in OTHER_KINDS else SPECS[key][0]
        assert {example.text_column, example.label_column, example.pair_column or example.text_column} <= set(columns)
        # The description's row count is the file's (the catalogue repeats it in both languages).
        assert example.description.startswith(f"{len(_load(key))} ")


def test_example_fields_are_checked() -> None:
    with pytest.raises(ValueError):
        Example(key="x", title="x", description="x.", filename="x.csv", task="no_such_kind")
    with pytest.raises(ValueError):
        Example(key="x", title="x", description="x.", filename="x.csv", task="pair_single_label")
    with pytest.raises(ValueError):
        Example(key="x", title="x", description="x.", filename="x.csv", pair_column="sentence2")


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


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_example_texts_are_clean(key: str) -> None:
    df = _load(key)
    texts = df[EXAMPLES[key].text_column]
    assert (texts.str.strip() != "").all()
    assert not texts.duplicated().any()
    # Case-insensitive duplicates would leak between train and validation splits.
    assert not texts.str.casefold().duplicated().any()
    pair_column = EXAMPLES[key].pair_column
    if pair_column:
        # A pair's second text may come back in another pair, but the two texts of one pair differ.
        assert (df[pair_column].str.strip() != "").all()
        assert (df[pair_column].str.casefold() != texts.str.casefold()).all()
        texts = pd.concat([texts, df[pair_column]])
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
        hint = "run the generators in tools/ (make_examples*.py) and commit the result"
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


# --------------------------------------------------------------------------- the other task kinds
def test_support_tags_are_a_realistic_multi_label_set() -> None:
    df = _load("support_tags")
    cells = df["tags"]
    assert len(df) >= 380
    assert set(distinct_labels(cells)) == TAGS
    # Stored the way core.tasks stores them: distinct, sorted, joined by "|".
    assert all(join_labels(split_labels(cell)) == cell for cell in cells)
    sizes = cells.map(lambda cell: len(split_labels(cell)))
    assert sizes.between(1, 3).all()
    assert (sizes >= 2).mean() >= 0.35  # a multi-label example, not a single-label one in disguise
    counts = pd.Series([tag for cell in cells for tag in split_labels(cell)]).value_counts()
    assert counts.drop("praise").min() >= 40, counts.to_dict()
    # One rare tag, always alone: a label with a handful of test rows, as real tag sets have.
    assert 0.02 <= counts["praise"] / len(df) <= 0.05
    assert (cells[cells.str.contains("praise")] == "praise").all()
    assert not (cells == "urgent").any()  # urgent is always about something

    def share(tag: str, given: str) -> float:
        with_given = cells[cells.map(lambda cell: given in split_labels(cell))]
        return float(with_given.map(lambda cell: tag in split_labels(cell)).mean())

    assert share("billing", given="refund") >= 0.5
    assert share("bug", given="urgent") >= 0.4
    assert share("refund", given="account") == 0.0  # and some tags never meet


def test_support_tags_reach_every_channel() -> None:
    df = _load("support_tags")
    assert set(df["channel"]) == {"email", "chat", "app"}
    exploded = df.assign(tag=df["tags"].map(split_labels)).explode("tag")
    assert (pd.crosstab(exploded["tag"], exploded["channel"]) > 0).all().all()


def _jaccard(a: str, b: str) -> float:
    left, right = set(re.findall(r"\w+", a.casefold())), set(re.findall(r"\w+", b.casefold()))
    return len(left & right) / len(left | right)


def test_paraphrase_pairs_are_balanced_and_hard() -> None:
    df = _load("paraphrase_pairs")
    assert len(df) >= 380
    assert set(df["label"]) == {"paraphrase", "different"}
    assert 0.4 <= (df["label"] == "paraphrase").mean() <= 0.6
    # One first sentence per row, also ignoring a missing question mark: no sentence sits in both train and test.
    assert not df["sentence1"].str.casefold().str.rstrip(".?!").duplicated().any()
    assert not df[["sentence1", "sentence2"]].duplicated().any()
    # Shared words must not give the answer away: negatives share about as many words as positives do ...
    overlap = [_jaccard(a, b) for a, b in zip(df["sentence1"], df["sentence2"], strict=True)]
    is_paraphrase = (df["label"] == "paraphrase").to_numpy()
    pytest.importorskip("sklearn")
    from sklearn.metrics import roc_auc_score

    assert 0.35 <= roc_auc_score(is_paraphrase, overlap) <= 0.7
    # ... and some negatives use exactly the same words in another order ("A is cheaper than B" / "B is ...").
    same_words = [o == 1.0 and not p for o, p in zip(overlap, is_paraphrase, strict=True)]
    assert sum(same_words) >= 10


def test_review_scores_are_one_decimal_numbers_over_the_whole_range() -> None:
    raw = pd.read_csv(io.BytesIO(example_bytes("review_scores")), dtype=str, keep_default_na=False)
    assert list(raw.columns) == ["text", "score"]
    assert raw["score"].map(lambda cell: re.fullmatch(r"[0-5]\.[0-9]", cell) is not None).all()
    scores = raw["score"].astype(float)
    assert scores.between(0.0, 5.0).all()
    assert len(raw) >= 380
    assert scores.nunique() >= 35
    assert scores.std() >= 1.0
    # Every stretch of the scale is represented, or a model could score well by predicting the middle.
    shares = pd.cut(scores, [-0.01, 1, 2, 3, 4, 5]).value_counts(normalize=True)
    assert shares.min() >= 0.1, shares.to_dict()


def test_multi_label_bag_of_words_baseline_is_sensible() -> None:
    """A simple model learns the tags well, but not perfectly (the rare tag and implied urgency stay hard)."""
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    from core.tasks import label_matrix

    df = _load("support_tags")
    labels = sorted(TAGS)
    y = label_matrix(df["tags"], labels)
    pipe = make_pipeline(CountVectorizer(), OneVsRestClassifier(LogisticRegression(max_iter=2000)))
    pred = cross_val_predict(pipe, df["text"], y, cv=KFold(n_splits=5, shuffle=True, random_state=0))
    assert 0.8 <= f1_score(y, pred, average="micro") <= 0.97
    assert f1_score(y, pred, average="macro") <= 0.92


def test_regression_bag_of_words_baseline_is_sensible() -> None:
    """The wording predicts the score roughly: well above chance, well below perfect (raters disagree)."""
    pytest.importorskip("sklearn")
    from scipy.stats import spearmanr
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    df = _load("review_scores")
    pred = cross_val_predict(make_pipeline(CountVectorizer(), Ridge()), df["text"], df["score"],
                             cv=KFold(n_splits=5, shuffle=True, random_state=0))
    assert 0.75 <= spearmanr(df["score"], pred).statistic <= 0.95


def test_pair_bag_of_words_baseline_is_far_from_perfect() -> None:
    """Words alone (which ones differ, which are shared) barely tell paraphrases apart: the pairs need a model
    that reads both sentences together."""
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    df = _load("paraphrase_pairs")
    vectorizer = CountVectorizer(binary=True).fit(pd.concat([df["sentence1"], df["sentence2"]]))
    first, second = vectorizer.transform(df["sentence1"]), vectorizer.transform(df["sentence2"])
    features = abs(first - second).toarray().tolist()
    features = [[*diff, *shared] for diff, shared in zip(features, first.multiply(second).toarray().tolist(), strict=True)]
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    score = cross_val_score(LogisticRegression(max_iter=3000), features, df["label"], cv=cv).mean()
    assert 0.55 <= score <= 0.85, score
