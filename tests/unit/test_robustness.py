"""Seeded perturbations and the robustness report."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluate import robustness as rb

TEXTS = [
    "The refund for my order #4411 never arrived, can you check?",
    "I love this product! Works great, thanks a lot.",
    "Where is my parcel? It was due on Monday.",
    "Cancel my subscription, please.",
    "Hello, I would like to change the delivery address for tomorrow's order.",
    "Terrible service... never again!!!",
] * 3
RANDOM = ["typos", "word_dropout"]


@pytest.mark.parametrize("name", list(rb.PERTURBATIONS))
def test_each_perturbation_is_deterministic_for_a_seed(name):
    assert rb.perturb_texts(TEXTS, name, seed=7) == rb.perturb_texts(TEXTS, name, seed=7)


@pytest.mark.parametrize("name", RANDOM)
def test_random_perturbations_change_with_the_seed(name):
    assert rb.perturb_texts(TEXTS, name, seed=1) != rb.perturb_texts(TEXTS, name, seed=2)


@pytest.mark.parametrize("name", list(rb.PERTURBATIONS))
def test_result_for_a_text_does_not_depend_on_list_order(name):
    forward = rb.perturb_texts(TEXTS, name, seed=3)
    backward = rb.perturb_texts(TEXTS[::-1], name, seed=3)
    assert backward == forward[::-1]
    assert rb.perturb_texts(TEXTS[2:3], name, seed=3) == forward[2:3]


def test_every_perturbation_has_a_description():
    assert set(rb.DESCRIPTIONS) == set(rb.PERTURBATIONS)
    assert all(d.endswith(".") for d in rb.DESCRIPTIONS.values())


def test_casing_and_punctuation():
    text = "Hello, World! It's “fine”…"
    assert rb.lowercase(text) == text.lower()
    assert rb.uppercase(text) == text.upper()
    assert rb.strip_punctuation(text) == "Hello World Its fine"


def test_typos_change_letters_only_and_respect_rate():
    rng = np.random.default_rng(0)
    assert rb.typos("12345 !!! 678", rng, rate=1.0) == "12345 !!! 678"
    assert rb.typos(TEXTS[0], np.random.default_rng(0), rate=0.0) == TEXTS[0]
    assert rb.typos(TEXTS[0], np.random.default_rng(0), rate=1.0) != TEXTS[0]
    noisy = rb.perturb_texts(TEXTS, "typos", seed=0)
    assert sum(a != b for a, b in zip(noisy, TEXTS, strict=True)) >= len(TEXTS) // 2


def test_word_dropout_never_empties_a_text():
    rng = np.random.default_rng(0)
    assert len(rb.word_dropout("one two three four", rng, rate=1.0).split()) == 1
    assert rb.word_dropout("single", rng, rate=1.0) == "single"
    assert rb.word_dropout("a b c", rng, rate=0.0) == "a b c"


def test_unknown_perturbation_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown perturbation"):
        rb.perturb_texts(TEXTS, "leetspeak")


LABELS = ["calm", "shouting"]
MIXED = ["all quiet here", "WHY IS THIS BROKEN", "fine, thanks", "STOP NOW", "ok then", "nice one"]


def _fake_predict_proba(texts: list[str]) -> np.ndarray:
    """'shouting' iff the text has no lowercase letters and at least one capital."""
    shouting = np.array([t.upper() == t and t.lower() != t for t in texts], dtype=float)
    return np.c_[1 - shouting, shouting]


def test_robustness_report_with_a_fake_model():
    y_true = ["calm", "shouting", "calm", "shouting", "calm", "calm"]  # the fake model is 100% right
    rows = {r["perturbation"]: r for r in rb.robustness_report(MIXED, y_true, _fake_predict_proba, LABELS)}
    assert set(rows) == set(rb.PERTURBATIONS)
    # lowercase turns both shouted texts calm: 4/6 right, 2 predictions flipped.
    assert rows["lowercase"]["accuracy"] == pytest.approx(4 / 6)
    assert rows["lowercase"]["drop"] == pytest.approx(100 * 2 / 6)
    assert rows["lowercase"]["changed_share"] == pytest.approx(2 / 6)
    # uppercase makes all four calm texts shout.
    assert rows["uppercase"]["accuracy"] == pytest.approx(2 / 6)
    assert rows["uppercase"]["changed_share"] == pytest.approx(4 / 6)
    # removing punctuation never changes casing, so nothing flips.
    assert rows["strip_punctuation"]["drop"] == 0.0
    assert rows["strip_punctuation"]["changed_share"] == 0.0
    assert all(isinstance(r["description"], str) and r["description"] for r in rows.values())


def test_robustness_report_uses_given_clean_accuracy_and_integer_labels():
    y_ids = [0, 1, 0, 1, 0, 0]
    rows = rb.robustness_report(MIXED, y_ids, _fake_predict_proba, LABELS, clean_accuracy=0.9)
    lower = next(r for r in rows if r["perturbation"] == "lowercase")
    assert lower["drop"] == pytest.approx(100 * (0.9 - 4 / 6))
    assert rb.robustness_report([], [], _fake_predict_proba, LABELS) == []


def test_robustness_report_reuses_clean_predictions_and_predicts_only_altered_texts():
    y_true = ["calm", "shouting", "calm", "shouting", "calm", "calm"]
    seen: list[str] = []

    def counting(texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return _fake_predict_proba(texts)

    clean = [LABELS[i] for i in _fake_predict_proba(MIXED).argmax(1)]
    rows = rb.robustness_report(MIXED, y_true, counting, LABELS, clean_pred=clean)
    assert rows == rb.robustness_report(MIXED, y_true, _fake_predict_proba, LABELS)  # same numbers as predicting all
    assert not set(MIXED) & set(seen)  # the clean texts were never predicted again
    expected = sum(r["texts_modified_share"] * len(MIXED) for r in rows)
    assert len(seen) == round(expected)  # unchanged perturbed texts reuse the clean prediction


def test_robustness_report_on_a_fixed_seeded_sample():
    texts = [f"text number {i}" for i in range(50)] + [f"TEXT NUMBER {i}" for i in range(50)]
    y_true = ["calm"] * 50 + ["shouting"] * 50
    progress: list[tuple[int, int]] = []
    rows = rb.robustness_report(texts, y_true, _fake_predict_proba, LABELS, max_texts=20, seed=3,
                                clean_accuracy=0.1, progress=lambda d, t: progress.append((d, t)))
    assert {r["n_texts"] for r in rows} == {20}
    assert rows == rb.robustness_report(texts, y_true, _fake_predict_proba, LABELS, max_texts=20, seed=3)  # seeded
    lower = next(r for r in rows if r["perturbation"] == "lowercase")
    # On a sample the drop is against the sample's clean accuracy (100 % here), not the given one.
    assert lower["drop"] == pytest.approx(100 * (1 - lower["accuracy"]))
    assert progress[-1] == (len(rb.PERTURBATIONS), len(rb.PERTURBATIONS))
    assert rb.robustness_report(texts, y_true, _fake_predict_proba, LABELS, max_texts=500)[0]["n_texts"] == 100
