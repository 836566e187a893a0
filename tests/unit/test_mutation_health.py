"""The health report pinned exactly: the command-line text line by line, the JSON dict of numpy values, the smallest
class size on its edges, the defaults, and the seeded samples the token and vocabulary checks run on."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.data.findings import Finding
from core.data.health import HealthReport, health_report, min_class_size
from core.data.vocab import UnknownShare
from core.tasks import MULTI_LABEL, REGRESSION, Task


def _report(**fields: object) -> HealthReport:
    """A hand-made report: two classes, no findings, nothing measured, unless ``fields`` say otherwise."""
    base: dict = {
        "n_rows": 4,
        "label_counts": {"pos": 3, "neg": 1},
        "findings": [],
        "dropped": {},
        "token_lengths": None,
        "max_length": 128,
        "truncated_share": None,
        "split_counts": None,
    }
    return HealthReport(**(base | fields))


def _finding(severity: str, title: str, fix: str | None = None) -> Finding:
    return Finding(code=title.lower().replace(" ", "_"), severity=severity, title=title, message=f"{title} here.",
                   fix=fix)


def _frame(n: int) -> pd.DataFrame:
    """``n`` texts of different lengths (text i has i % 97 + 1 words), two classes."""
    return pd.DataFrame({"text": [" ".join(["w"] * (i % 97 + 1)) + f" {i}" for i in range(n)],
                         "label": ["a", "b"] * (n // 2) + ["a"] * (n % 2)})


def _words(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


# --- to_text --------------------------------------------------------------------------------------------------------


def test_text_of_a_ready_report_is_exact() -> None:
    assert _report().to_text() == (
        "Data health: 4 rows, 2 classes, ready to train.\nClasses: pos 3 (75.0%), neg 1 (25.0%)"
    )


def test_text_of_a_blocked_report_counts_the_errors_and_shows_each_finding_and_fix() -> None:
    findings = [
        _finding("error", "Too few rows"),
        _finding("error", "Single class", fix="merge_rare"),
        _finding("warning", "Duplicates", fix="drop_duplicates"),
    ]
    text = _report(n_rows=1, label_counts={"pos": 1}, findings=findings).to_text()
    assert text.split("\n") == [
        "Data health: 1 row, 1 class, NOT ready to train (2 to fix).",
        "Classes: pos 1 (100.0%)",
        "[ERROR] Too few rows: Too few rows here.",
        "[ERROR] Single class: Single class here. [fix: merge_rare]",
        "[WARNING] Duplicates: Duplicates here. [fix: drop_duplicates]",
    ]
    text = _report(findings=[_finding("error", "Too few rows"), _finding("info", "Short texts")]).to_text()
    assert text.split("\n")[0] == "Data health: 4 rows, 2 classes, NOT ready to train (1 to fix)."
    assert text.split("\n")[-1] == "[INFO] Short texts: Short texts here."


def test_text_with_only_warnings_is_ready_to_train() -> None:
    text = _report(findings=[_finding("warning", "Imbalanced classes")]).to_text()
    assert text.split("\n")[0] == "Data health: 4 rows, 2 classes, ready to train."


def test_text_lists_the_rows_of_each_split_and_the_truncated_share() -> None:
    report = _report(
        n_rows=1001,
        label_counts={"pos": 1000, "neg": 1},
        split_counts={"train": {"pos": 999, "neg": 1}, "test": {"pos": 1}},
        truncated_share=0.25,
        max_length=64,
    )
    assert report.to_text().split("\n") == [
        "Data health: 1,001 rows, 2 classes, ready to train.",
        "Classes: pos 1,000 (99.9%), neg 1 (0.1%)",
        "  train: 1,000 rows",
        "  test: 1 row",
        "Length: 25.0% of sampled texts are longer than 64 tokens.",
    ]


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (0.0, "0.0%"),
        (0.0000004, "0.0%"),  # under half a millionth: no text is counted
        (0.0009994, "under 0.1%"),
        (0.0009995, "0.1%"),  # rounds (to the millionth) onto 0.1%
        (0.0015005, "0.1%"),  # 1,500 millionths (half to even), not 1,501
        (1.0, "100.0%"),
    ],
)
def test_truncated_share_is_rounded_to_the_millionth_and_shown_to_a_tenth_of_a_percent(
    share: float, shown: str
) -> None:
    line = _report(truncated_share=share).to_text().split("\n")[-1]
    assert line == f"Length: {shown} of sampled texts are longer than 128 tokens."


def test_text_of_a_numeric_target() -> None:
    report = _report(label_counts={}, task=Task(target=REGRESSION).to_dict())
    assert report.to_text() == "Data health: 4 rows, a numeric target, ready to train."


def test_text_of_multi_label_data_names_labels() -> None:
    report = _report(label_counts={"red": 3, "blue": 2}, task=Task(target=MULTI_LABEL).to_dict())
    assert report.to_text().split("\n") == [
        "Data health: 4 rows, 2 labels, ready to train.",
        "Labels: red 3 (75.0%), blue 2 (50.0%)",
    ]


def test_text_of_pairs_says_so_and_leaves_the_length_to_the_pair_line() -> None:
    report = _report(task=Task(pair=True).to_dict(), truncated_share=0.5)
    assert report.to_text().split("\n") == [
        "Data health: 4 rows (text pairs), 2 classes, ready to train.",
        "Classes: pos 3 (75.0%), neg 1 (25.0%)",
    ]


def test_class_list_stops_after_twelve_classes() -> None:
    twelve = {f"c{i:02d}": 1 for i in range(12)}
    line = _report(n_rows=12, label_counts=twelve).to_text().split("\n")[1]
    assert line == "Classes: " + ", ".join(f"c{i:02d} 1 (8.3%)" for i in range(12))
    thirteen = {f"c{i:02d}": 1 for i in range(13)}
    line = _report(n_rows=13, label_counts=thirteen).to_text().split("\n")[1]
    assert line == "Classes: " + ", ".join(f"c{i:02d} 1 (7.7%)" for i in range(12)) + ", and 1 more"
    fifteen = {f"c{i:02d}": 1 for i in range(15)}
    line = _report(n_rows=15, label_counts=fifteen).to_text().split("\n")[1]
    assert line.endswith("c11 1 (6.7%), and 3 more")


def test_no_classes_read_none() -> None:
    assert _report(n_rows=0, label_counts={}).to_text().split("\n")[1] == "Classes: none"


# --- to_dict --------------------------------------------------------------------------------------------------------


def test_to_dict_turns_numpy_numbers_into_plain_ones_and_anything_else_into_text() -> None:
    report = _report(
        label_counts={"pos": np.int64(3), "neg": np.int32(1)},
        truncated_share=np.float64(0.25),
        token_lengths=[np.int64(5), np.int64(7)],
        regression={"min": np.float32(0.5), "when": pd.Timestamp("2024-01-02")},
    )
    data = report.to_dict()
    assert data["label_counts"] == {"pos": 3, "neg": 1} and type(data["label_counts"]["pos"]) is int
    assert data["truncated_share"] == 0.25 and type(data["truncated_share"]) is float
    assert data["token_lengths"] == [5, 7]
    assert data["regression"] == {"min": 0.5, "when": "2024-01-02 00:00:00"}
    assert data["trainable"] is True
    assert json.loads(json.dumps(data)) == data


# --- min_class_size -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test_size", "validation_size", "expected"),
    [
        (0.2, 0.1, 10),  # 1 / 0.1 is 10.000000000000002 in floats: still 10
        (0.45, 0.45, 10),  # the training split (0.1) is the smallest
        (0.3, 0.3, 4),  # 1 / 0.3 rounds up to 4
        (0.5, 0.0, 2),  # never below 2
        (0.6, 0.0, 3),  # training 0.4 is the smaller side
        (0.05, 0.0, 20),
    ],
)
def test_min_class_size_follows_the_smallest_split(test_size: float, validation_size: float, expected: int) -> None:
    assert min_class_size(test_size, validation_size) == expected


def test_report_needs_smaller_classes_when_the_upload_has_its_own_splits() -> None:
    df = _frame(40)
    assert health_report(df).min_class_size == 10  # the default shares: test 0.2, validation 0.1
    assert health_report(df, validation_size=0.0).min_class_size == 5  # test 0.2 by default
    assert health_report(df, test_size=0.5, validation_size=0.25).min_class_size == 4
    assert health_report(df.assign(split="train")).min_class_size == 1


def test_report_defaults_to_128_tokens() -> None:
    df = _frame(200)
    report = health_report(df, count_tokens=_words)
    assert report.max_length == 128
    assert report.truncated_share == 0.0
    longer = health_report(df.assign(text=" ".join(["w"] * 128)), count_tokens=_words)
    assert longer.truncated_share == 0.0  # exactly 128 tokens fits
    longer = health_report(df.assign(text=" ".join(["w"] * 129)), count_tokens=_words)
    assert longer.truncated_share == 1.0


# --- seeded samples -------------------------------------------------------------------------------------------------


def test_token_lengths_sample_is_seeded_and_pinned() -> None:
    df = _frame(300)
    first = health_report(df, count_tokens=_words, sample_size=10, seed=3)
    again = health_report(df, count_tokens=_words, sample_size=10, seed=3)
    assert first.token_lengths == again.token_lengths
    assert first.token_lengths == PINNED_SEED_3
    assert health_report(df, count_tokens=_words, sample_size=10).token_lengths == PINNED_SEED_0


PINNED_SEED_3 = [86, 25, 19, 94, 33, 39, 9, 56, 18, 82]
PINNED_SEED_0 = [16, 93, 14, 29, 47, 41, 38, 14, 54, 13]


def test_token_lengths_of_a_table_no_larger_than_the_sample_are_in_row_order() -> None:
    df = _frame(50)
    report = health_report(df, count_tokens=_words, sample_size=50)
    assert report.token_lengths == [i % 97 + 2 for i in range(50)]


def _recorder(seen: list[list[str]]):
    def count_unknown(texts: list[str]) -> UnknownShare:
        seen.append(list(texts))
        return UnknownShare(texts=len(texts), tokens=10, unknown_tokens=1, chars=20, unknown_chars=2,
                            unk_token="[UNK]")

    return count_unknown


def test_unknown_share_runs_on_a_seeded_sample_of_2000_texts() -> None:
    df = _frame(2001)
    seen: list[list[str]] = []
    report = health_report(df, count_unknown=_recorder(seen), seed=5)
    health_report(df, count_unknown=_recorder(seen), seed=5)
    assert len(seen[0]) == 2000 and seen[0] == seen[1]
    assert report.unknown is not None and report.unknown["texts"] == 2000
    assert set(df["text"]) - set(seen[0]) == {df["text"][867]}  # the one text seed 5 leaves out
    health_report(df, count_unknown=_recorder(seen))
    assert set(df["text"]) - set(seen[2]) == {df["text"][684]}  # the default seed is 0


def test_unknown_share_of_2000_texts_sees_them_all_in_order() -> None:
    df = _frame(2000)
    seen: list[list[str]] = []
    health_report(df, count_unknown=_recorder(seen))
    assert seen == [df["text"].tolist()]


def test_pair_token_lengths_are_seeded() -> None:
    df = _frame(60).assign(text_pair=lambda d: d["text"] + " again")

    def count_pairs(first: list[str], second: list[str]) -> list[int]:
        return [len(a.split()) + len(b.split()) for a, b in zip(first, second, strict=True)]

    reports = [health_report(df, count_tokens=_words, count_pair_tokens=count_pairs, sample_size=10, seed=2)
               for _ in range(2)]
    assert reports[0].token_lengths == reports[1].token_lengths
    assert reports[0].token_lengths == PINNED_PAIRS_SEED_2


PINNED_PAIRS_SEED_2 = [77, 5, 99, 115, 51, 97, 75, 61, 103, 69]
