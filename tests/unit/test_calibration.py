"""Temperature scaling (core.evaluate.calibration, core.train.heads.fold_temperature, the report's section)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.evaluate import calibration, metrics, report
from core.results import prob_column


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


def _overconfident(n: int = 4000, k: int = 3, true_temperature: float = 3.0, seed: int = 0):
    """Labels drawn from softmax(z), a model that reports softmax(true_temperature · z): over-confident by design."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.5, size=(n, k))
    y = np.array([rng.choice(k, p=p) for p in _softmax(logits)])
    return y, _softmax(true_temperature * logits)


def test_scaling_an_overconfident_model_lowers_ece_and_keeps_every_prediction():
    y, proba = _overconfident()
    fit_on, test = slice(0, 2000), slice(2000, None)
    temperature = calibration.fit_temperature(y[fit_on], proba[fit_on])
    scaled = calibration.apply_temperature(proba[test], temperature)
    before = metrics.expected_calibration_error(y[test], proba[test])
    after = metrics.expected_calibration_error(y[test], scaled)
    assert after < before / 2
    assert (scaled.argmax(axis=1) == proba[test].argmax(axis=1)).all()
    assert metrics.accuracy_score(y[test], scaled.argmax(axis=1)) == metrics.accuracy_score(y[test], proba[test].argmax(axis=1))


def test_the_fit_recovers_the_temperature_that_made_the_model_overconfident():
    y, proba = _overconfident(n=6000, true_temperature=3.0)
    assert calibration.fit_temperature(y, proba) == pytest.approx(3.0, rel=0.1)
    y, proba = _overconfident(n=6000, true_temperature=0.5)  # under-confident: T < 1 sharpens
    assert calibration.fit_temperature(y, proba) == pytest.approx(0.5, rel=0.1)


def test_a_calibrated_model_keeps_a_temperature_near_one_and_never_a_worse_nll():
    y, proba = _overconfident(n=6000, true_temperature=1.0)
    temperature = calibration.fit_temperature(y, proba)
    assert temperature == pytest.approx(1.0, abs=0.1)
    nll_after = calibration.negative_log_likelihood(y, calibration.apply_temperature(proba, temperature))
    assert nll_after <= calibration.negative_log_likelihood(y, proba) + 1e-12


def test_nothing_to_fit_gives_one():
    assert calibration.fit_temperature([], np.zeros((0, 2))) == 1.0
    assert calibration.fit_temperature([0, 0], np.ones((2, 1))) == 1.0


def test_a_hopeless_model_stays_within_the_bounds():
    # Always sure, always wrong: the NLL keeps falling as T grows, so the fit stops at the upper bound.
    proba = np.array([[0.999, 0.001]] * 50)
    assert calibration.fit_temperature([1] * 50, proba) == pytest.approx(calibration.TEMPERATURE_BOUNDS[1], rel=1e-3)


def test_apply_and_undo_are_inverse_and_one_is_the_identity():
    _, proba = _overconfident(n=50)
    assert np.allclose(calibration.apply_temperature(proba, 1.0), proba)
    assert np.allclose(calibration.before_scaling(calibration.apply_temperature(proba, 2.5), 2.5), proba)
    assert np.allclose(calibration.apply_temperature(proba, 2.0).sum(axis=1), 1.0)


def test_fit_summary_states_the_validation_nll_before_and_after():
    y, proba = _overconfident(n=1000)
    fit = calibration.fit_summary(y, proba)
    assert fit["validation_rows"] == 1000
    assert fit["validation_nll_after"] < fit["validation_nll_before"]
    assert fit["temperature"] == round(fit["temperature"], 4) > 1


def test_folding_the_temperature_divides_the_logits():
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from core.train.heads import fold_temperature

    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1,
                                                     num_attention_heads=2, intermediate_size=32, num_labels=3))
    model.eval()
    ids = torch.tensor([[1, 5, 7, 2], [1, 9, 3, 2]])
    with torch.no_grad():
        before = model(input_ids=ids).logits
        fold_temperature(model, 2.5)
        after = model(input_ids=ids).logits
    assert torch.allclose(after, before / 2.5, atol=1e-6)
    scaled = calibration.apply_temperature(torch.softmax(before, -1).numpy(), 2.5)
    assert np.allclose(torch.softmax(after, -1).numpy(), scaled, atol=1e-6)


def _predictions(y: np.ndarray, proba: np.ndarray, labels: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({"text": [f"t{i}" for i in range(len(y))], "label": [labels[i] for i in y],
                          "pred": [labels[i] for i in proba.argmax(axis=1)], "confidence": proba.max(axis=1)})
    for j, label in enumerate(labels):
        frame[prob_column(label)] = proba[:, j]
    return frame


def test_the_report_carries_ece_before_and_after_scaling():
    y, proba = _overconfident(n=1500)
    labels = ["a", "b", "c"]
    fit = calibration.fit_summary(y[:500], proba[:500])
    scaled = calibration.apply_temperature(proba[500:], fit["temperature"])
    rep = report.build_report(_predictions(y[500:], scaled, labels), labels, temperature=fit)
    section = rep["calibration"]["temperature_scaling"]
    assert section["temperature"] == fit["temperature"]
    assert section["before"]["ece"] == pytest.approx(metrics.expected_calibration_error(y[500:], proba[500:]), abs=1e-6)
    assert rep["calibration"]["ece"] < section["before"]["ece"] / 2
    assert sum(section["before"]["reliability"]["count"]) == 1000
    assert "temperature_scaling" not in report.build_report(_predictions(y, proba, labels), labels)["calibration"]


def test_the_reliability_figure_draws_the_curve_before_scaling():
    from core.plots.reliability_figures import reliability_figure

    y, proba = _overconfident(n=600)
    labels = ["a", "b", "c"]
    fit = calibration.fit_summary(y, proba)
    rep = report.build_report(_predictions(y, calibration.apply_temperature(proba, fit["temperature"]), labels),
                              labels, temperature=fit)
    figure = reliability_figure(rep)
    assert len(figure.data) == 3 and "→" in figure.layout.title.text
    assert len(reliability_figure(report.build_report(_predictions(y, proba, labels), labels)).data) == 2
