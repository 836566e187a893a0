"""The health report: each finding from a hand-made table, the fixes, serialisation, figures."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.data.findings import Finding
from core.data.fixes import apply_fixes
from core.data.health import HealthReport, health_report, min_class_size
from core.errors import DataError
from core.plots.health_figures import label_distribution_figure, length_histogram_figure


def _frame(counts: dict[str, int], split: str | None = None) -> pd.DataFrame:
    """Unique texts, ``counts[label]`` rows per label."""
    rows = [(f"example {i} of class {label} says something", label) for label, n in counts.items() for i in range(n)]
    df = pd.DataFrame(rows, columns=["text", "label"])
    if split:
        df["split"] = split
    return df


def _words(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def _codes(report: HealthReport) -> dict[str, Finding]:
    return {f.code: f for f in report.findings}


def test_clean_data_has_no_findings() -> None:
    report = health_report(_frame({"a": 100, "b": 80}))
    assert report.findings == []
    assert report.trainable
    assert report.n_rows == 180
    assert report.label_counts == {"a": 100, "b": 80}
    assert report.truncated_share is None and report.token_lengths is None


def test_duplicates() -> None:
    df = _frame({"a": 50, "b": 50})
    df = pd.concat([df, df.iloc[:3], df.iloc[[0]].assign(text=lambda d: d["text"] + "  ")], ignore_index=True)
    finding = _codes(health_report(df))["duplicates"]
    assert finding.severity == "warning" and finding.count == 4 and finding.fix == "drop_duplicates"
    assert "4 rows (3.8%)" in finding.message
    assert len(apply_fixes(df, ["drop_duplicates"])) == 100


def test_conflicts() -> None:
    df = _frame({"a": 50, "b": 50})
    df = pd.concat([df, pd.DataFrame({"text": [df["text"][0], df["text"][1]], "label": ["b", "b"]})], ignore_index=True)
    finding = _codes(health_report(df))["conflicts"]
    assert finding.count == 2 and finding.fix == "drop_conflicts"
    assert "2 texts (4 rows)" in finding.message
    fixed = apply_fixes(df, ["drop_conflicts"])
    assert len(fixed) == 98
    assert "conflicts" not in _codes(health_report(fixed))


def test_leakage_between_splits() -> None:
    train = _frame({"a": 50, "b": 50}, split="train")
    test = pd.concat([train.iloc[:5], _frame({"a": 8, "b": 7}).assign(text=lambda d: "new " + d["text"])])
    df = pd.concat([train, test.assign(split="test")], ignore_index=True)
    report = health_report(df)
    finding = _codes(report)["leakage"]
    assert finding.count == 5 and finding.fix == "drop_leakage"
    assert "duplicates" not in _codes(report)  # copies across splits are leakage, not duplicates
    assert report.split_counts == {"train": {"a": 50, "b": 50}, "test": {"a": 13, "b": 7}}
    fixed = apply_fixes(df, ["drop_leakage"])
    assert len(fixed) == 115 and "leakage" not in _codes(health_report(fixed))


def test_imbalance_warning_and_info() -> None:
    warning = _codes(health_report(_frame({"big": 300, "small": 20})))["imbalance"]
    assert warning.severity == "warning" and "ratio 15.0 : 1" in warning.message
    info = _codes(health_report(_frame({"big": 80, "small": 20})))["imbalance"]
    assert info.severity == "info"


def test_single_example_classes_block_training() -> None:
    report = health_report(_frame({"a": 60, "b": 60, "c": 1}))
    finding = _codes(report)["rare_classes"]
    assert finding.severity == "error" and finding.count == 1 and not report.trainable
    assert finding.message.startswith("1 class has only one example")


def test_rare_classes_warn_and_merge_fix() -> None:
    df = _frame({"a": 60, "b": 60, "c": 3, "d": 4, "e": 5})
    report = health_report(df)
    finding = _codes(report)["rare_classes_split"]
    assert finding.severity == "warning" and finding.count == 3 and finding.fix == "merge_rare"
    assert report.min_class_size == 10 and report.trainable
    merged = apply_fixes(df, ["merge_rare"], min_count=report.min_class_size)
    assert merged["label"].value_counts().to_dict() == {"a": 60, "b": 60, "other": 12}
    assert health_report(merged).trainable


def test_merge_rare_drops_when_other_stays_too_small() -> None:
    df = _frame({"a": 60, "b": 60, "c": 3})
    fixed = apply_fixes(df, ["merge_rare"], min_count=10)
    assert set(fixed["label"]) == {"a", "b"} and len(fixed) == 120


def test_small_classes_warning_depends_on_split_sizes() -> None:
    df = _frame({"a": 60, "b": 60, "c": 5})
    assert min_class_size(0.5, 0.0) == 2
    report = health_report(df, test_size=0.5, validation_size=0.0)
    codes = _codes(report)
    assert "rare_classes" not in codes
    assert codes["small_classes"].severity == "warning" and report.trainable


def test_min_class_size() -> None:
    assert min_class_size(0.2, 0.1) == 10
    assert min_class_size(0.25, 0.25) == 4
    assert min_class_size(0.3, 0.0) == 4


def test_truncation_share_with_fake_tokenizer() -> None:
    df = _frame({"a": 50, "b": 50})
    df.loc[:19, "text"] = "word " * 200
    report = health_report(df, count_tokens=_words, max_length=128)
    assert report.truncated_share == pytest.approx(0.2)
    assert len(report.token_lengths) == 100
    finding = _codes(report)["truncation"]
    assert finding.severity == "warning" and finding.count == 20
    assert "20.0% of texts" in finding.message and "256" in finding.message


def test_truncation_sample_is_seeded_and_bounded() -> None:
    df = _frame({"a": 500, "b": 500})
    first = health_report(df, count_tokens=_words, sample_size=100, seed=3)
    again = health_report(df, count_tokens=_words, sample_size=100, seed=3)
    assert len(first.token_lengths) == 100
    assert first.token_lengths == again.token_lengths


def test_short_texts() -> None:
    df = _frame({"a": 50, "b": 50})
    df.loc[:2, "text"] = ["ok", "a", " :) "]
    finding = _codes(health_report(df))["short_texts"]
    assert finding.count == 3 and finding.severity == "info"


def test_dropped_rows() -> None:
    finding = _codes(health_report(_frame({"a": 50, "b": 50}), dropped={"empty text": 5, "missing label": 2}))["dropped_rows"]
    assert finding.count == 7
    assert "5 with empty text, 2 with missing label" in finding.message


def test_too_few_rows_and_one_class_are_errors() -> None:
    tiny = _codes(health_report(_frame({"a": 3, "b": 3})))
    assert tiny["too_few_rows"].severity == "error"
    single = health_report(_frame({"a": 40}))
    assert _codes(single)["single_class"].severity == "error"
    assert not single.trainable
    small = _codes(health_report(_frame({"a": 25, "b": 25})))
    assert small["small_dataset"].severity == "warning"


def test_split_without_train_and_unseen_classes() -> None:
    no_train = health_report(_frame({"a": 30, "b": 30}, split="test"))
    assert _codes(no_train)["no_train_split"].severity == "error"
    df = pd.concat([_frame({"a": 30, "b": 30}, split="train"), _frame({"c": 10}, split="validation")], ignore_index=True)
    assert _codes(health_report(df))["unseen_classes"].count == 1


def test_errors_come_first() -> None:
    df = _frame({"a": 300, "b": 20, "c": 2})
    severities = [f.severity for f in health_report(df).findings]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_apply_fixes_rejects_unknown_fix() -> None:
    with pytest.raises(ValueError, match="Unknown fix"):
        apply_fixes(_frame({"a": 5, "b": 5}), ["make_it_good"])


def test_apply_fixes_chain_and_index() -> None:
    df = _frame({"a": 60, "b": 60, "c": 2})
    df = pd.concat([df, df.iloc[:4]], ignore_index=True)
    fixed = apply_fixes(df, ["drop_duplicates", "drop_conflicts", "merge_rare"], min_count=10)
    assert len(fixed) == 120
    assert list(fixed.index) == list(range(120))
    assert len(df) == 126  # the input is not modified


def test_missing_columns_raise_data_error() -> None:
    with pytest.raises(DataError, match="no ‘text’ and ‘label’ columns"):
        health_report(pd.DataFrame({"review": ["a"]}))


def test_to_dict_is_json_serialisable() -> None:
    df = pd.concat([_frame({"a": 300, "b": 20, "c": 2}, split="train"), _frame({"a": 5}, split="test")], ignore_index=True)
    report = health_report(df, count_tokens=_words, dropped={"empty text": 1})
    data = json.loads(json.dumps(report.to_dict()))
    # With a given split nothing needs splitting, so a 2-example class is a warning only.
    assert data["trainable"] is True
    assert data["n_rows"] == 327
    assert {f["code"] for f in data["findings"]} >= {"small_classes", "imbalance", "leakage", "dropped_rows"}
    assert len(data["token_lengths"]) == 327
    assert data["split_counts"]["test"] == {"a": 5}


def test_to_text() -> None:
    report = health_report(_frame({"a": 300, "b": 20}), count_tokens=_words)
    text = report.to_text()
    assert text.startswith("Data health: 320 rows, 2 classes, ready to train.")
    assert "[WARNING] Imbalanced classes" in text
    assert "a 300 (93.8%)" in text


def test_figures_build() -> None:
    plain = health_report(_frame({"a": 30, "b": 20}))
    fig = label_distribution_figure(plain)
    assert list(fig.data[0].x) == ["a", "b"] and list(fig.data[0].y) == [30, 20]
    assert length_histogram_figure(plain) is None

    df = pd.concat([_frame({"a": 30, "b": 20}, split="train"), _frame({"b": 5}, split="test")], ignore_index=True)
    df.loc[:4, "text"] = "word " * 300
    report = health_report(df, count_tokens=_words, max_length=64)
    stacked = label_distribution_figure(report)
    assert [trace.name for trace in stacked.data] == ["train", "test"]
    hist = length_histogram_figure(report)
    assert hist is not None
    assert hist.layout.shapes[0].x0 == 64
    assert "cut" in hist.layout.annotations[0].text


def test_large_table_report() -> None:
    n = 200_000
    df = pd.DataFrame({"text": [f"sentence number {i} with words" for i in range(n)], "label": ["x", "y", "z", "w"] * (n // 4)})
    report = health_report(df, count_tokens=_words)
    assert report.n_rows == n and report.trainable
    assert len(report.token_lengths) == 20_000
