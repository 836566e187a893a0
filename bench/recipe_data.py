"""The datasets of the recipe study, each as fixed train / validation / test frames (text, label).

Four come from ``../shared/datasets`` (SST-2, SMS spam, TREC-6, AG News); two are fetched by the user, because the
project must not ship them: CLINC150 (many-class intents, CC BY 3.0: https://github.com/clinc/oos-eval,
``data/data_full.json``) and a long-text set, 2,000 IMDB movie reviews (Maas et al. 2011, as a ``text,label`` CSV).
Put them in a folder and pass it as ``--data-dir`` (or ``TUNEBOARD_RECIPE_DATA``) with the names
``clinc_full.json`` and ``imdb.csv``.

Training sets are capped (:data:`TRAIN_CAP`, test sets :data:`TEST_CAP`) so that one run takes minutes on one CPU core; every split is seeded
and the same for every configuration, so the only thing that varies between rows of the study is the recipe.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from bench.common import SHARED

TRAIN_CAP = 2000
TRAIN_CAP_PER_CLASS = 20  # many-class sets keep 20 rows per class (CLINC150: 3,000), so every class is learnable
TEST_CAP = 1000
TEST_CAP_PER_CLASS = 10
VALIDATION_SHARE = 0.1
SPLIT_SEED = 0
DATASETS = ("sst2", "sms_spam", "trec6", "ag_news", "clinc150", "imdb")
REGIMES = {
    "sst2": "binary sentiment, short sentences",
    "sms_spam": "binary, imbalanced (13% spam), short messages",
    "trec6": "6 question types, very short",
    "ag_news": "4 news topics, medium length",
    "clinc150": "150 intents, very short, 18 training rows per class",
    "imdb": "binary sentiment, long reviews (~300 tokens)",
}


def data_dir(given: str | None = None) -> Path:
    """Where the fetched datasets (CLINC150, IMDB) are."""
    return Path(given or os.environ.get("TUNEBOARD_RECIPE_DATA", "bench/data")).expanduser()


def _stratified_take(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """``rows`` rows with the label shares of ``frame`` (all of it when smaller)."""
    if len(frame) <= rows:
        return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    from sklearn.model_selection import train_test_split

    taken, _ = train_test_split(frame, train_size=rows, stratify=frame["label"], random_state=seed)
    return taken.reset_index(drop=True)


def _split_off(frame: pd.DataFrame, share: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.model_selection import train_test_split

    rest, part = train_test_split(frame, test_size=share, stratify=frame["label"], random_state=seed)
    return rest.reset_index(drop=True), part.reset_index(drop=True)


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)[["text", "label"]]
    return frame[(frame["text"].str.strip() != "") & (frame["label"] != "label")].reset_index(drop=True)


def _train_test(name: str, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    if name == "sst2":
        return _read(SHARED / "sst2" / "train.csv"), _read(SHARED / "sst2" / "validation.csv")
    if name == "trec6":
        return _read(SHARED / "trec6" / "train.csv"), _read(SHARED / "trec6" / "test.csv")
    if name in {"sms_spam", "ag_news"}:
        file = "train.csv" if name == "sms_spam" else "test.csv"
        return _split_off(_read(SHARED / name / file), 0.2, SPLIT_SEED)
    if name == "imdb":
        return _split_off(_read(folder / "imdb.csv"), 0.2, SPLIT_SEED)
    if name == "clinc150":
        raw = json.loads((folder / "clinc_full.json").read_text())
        frames = {key: pd.DataFrame(raw[key], columns=["text", "label"]) for key in ("train", "test")}
        return frames["train"], frames["test"]
    raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")


def load_splits(name: str, folder: Path) -> dict[str, pd.DataFrame]:
    """Fixed train / validation / test frames of dataset ``name`` (train capped at :data:`TRAIN_CAP` rows)."""
    train, test = _train_test(name, folder)
    classes = train["label"].nunique()
    train = _stratified_take(train, max(TRAIN_CAP, TRAIN_CAP_PER_CLASS * classes), SPLIT_SEED)
    test = _stratified_take(test, max(TEST_CAP, TEST_CAP_PER_CLASS * classes), SPLIT_SEED)
    train, validation = _split_off(train, VALIDATION_SHARE, SPLIT_SEED)
    return {"train": train, "validation": validation, "test": test}


def as_dataset_frame(splits: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One frame with a ``split`` column, as Tuneboard stores a dataset with its own splits."""
    return pd.concat([frame.assign(split=name) for name, frame in splits.items()], ignore_index=True)
