"""Chinese text handling on a public corpus: the TF-IDF baseline with word vs character features, and how much of
the text the built-in English MiniLM cannot read ([UNK]).

    python -m bench.bench_chinese --csv PATH [--text-column review --label-column label]

The corpus used in BENCHMARKS.md is ChnSentiCorp_htl_all (7,766 hotel reviews, 1 positive / 0 negative; collected
by Tan Songbo, redistributed by the SophonPlus/ChineseNlpCorpus project for research use).  It is not committed:
fetch it yourself.  The split is a fixed stratified 80/20 (seed 0); the baseline is Tuneboard's own pipeline
(:func:`core.evaluate.baseline.build_pipeline`), once with its automatic choice (character 1–3-grams, Chinese
detected) and once forced to the word settings every dataset got before Chinese was detected.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import pandas as pd


def _split(frame: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.model_selection import train_test_split

    return train_test_split(frame, test_size=0.2, random_state=seed, stratify=frame["label"])


def _fit_score(train: pd.DataFrame, test: pd.DataFrame, *, words: bool) -> dict[str, float]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, f1_score

    from core.evaluate import baseline

    pipeline = baseline.build_pipeline(train["text"].tolist())
    if words:  # the settings before CJK detection: scikit-learn's token pattern over word 1–2-grams
        pipeline.steps[0][1].set_params(**baseline.TFIDF_PARAMS, analyzer="word")
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(train["text"].tolist(), train["label"].tolist())
    predicted = pipeline.predict(test["text"].tolist())
    return {"accuracy": round(accuracy_score(test["label"], predicted), 4),
            "f1_macro": round(f1_score(test["label"], predicted, average="macro"), 4),
            "features": len(pipeline.steps[0][1].vocabulary_), "fit_s": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--text-column", default="review")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--no-header", action="store_true", help="The file has no header row: label,text per line.")
    args = parser.parse_args(argv)
    if args.no_header:
        frame = pd.read_csv(args.csv, header=None, names=["label", "text"], dtype=str, keep_default_na=False)
    else:
        frame = pd.read_csv(args.csv, dtype=str, keep_default_na=False).rename(
            columns={args.text_column: "text", args.label_column: "label"})
    frame = frame[frame["text"].str.strip() != ""][["text", "label"]]
    train, test = _split(frame)

    from core.config import BUILTIN_MODEL
    from core.data import vocab

    share = vocab.unknown_counter(BUILTIN_MODEL)(test["text"].tolist()[: vocab.SAMPLE_TEXTS])
    print(json.dumps({
        "rows": len(frame), "train": len(train), "test": len(test),
        "baseline_words": _fit_score(train, test, words=True),
        "baseline_auto": _fit_score(train, test, words=False),
        "minilm_unknown": {"char_share": round(share.char_share, 4), "token_share": round(share.token_share, 4),
                           "texts": share.texts},
        "warning": vocab.warning_message(share),
    }, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
