"""The plain-English sentences of the evaluation report, written with each run's own numbers.

One sentence per summary metric (:func:`metric_explanations`) and three per class (:func:`class_explanations`),
so a reader who does not know what "macro F1" or "Cohen's kappa" means still learns what the model does:
"The model labelled 412 of 480 test texts correctly (85.8%)."  The numbers come from
:func:`core.evaluate.report.build_report`; this module only puts them into words.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["class_explanations", "metric_explanations", "pct", "quoted"]


def pct(x: float, digits: int = 1) -> str:
    """0.8583 -> '85.8%'."""
    return f"{100.0 * x:.{digits}f}%"


def quoted(label: str) -> str:
    """Quote a class name the way the sentences do: ‘refund’."""
    return f"‘{label}’"


def _kappa_chance(counts: np.ndarray) -> float:
    """Agreement expected by chance given the true and predicted label frequencies."""
    n = counts.sum()
    return float((counts.sum(axis=1) * counts.sum(axis=0)).sum() / (n * n)) if n else 0.0


def _prior_log_loss(y_true: np.ndarray, labels: list[str]) -> float:
    """Log loss of a model that always predicts the test-set class frequencies."""
    freq = np.array([np.mean(y_true == label) for label in labels])
    freq = freq[freq > 0]
    return float(-(freq * np.log(freq)).sum())


def _strength(value: float) -> str:
    """Rough verbal scale for correlation-like scores."""
    if value >= 0.7:
        return "a strong"
    if value >= 0.4:
        return "a moderate"
    if value >= 0.1:
        return "a weak"
    return "almost no"


def _headline_explanations(s: dict, n: int, k: int, noun: str, per_class: list[dict]) -> dict[str, str]:
    """Accuracy, balanced accuracy and the macro averages."""
    n_correct = round(s["accuracy"] * n)
    by_f1 = sorted(per_class, key=lambda r: r["f1"])
    worst, best = by_f1[0], by_f1[-1]
    return {
        "accuracy": f"The model labelled {n_correct} of {n} test {noun} correctly ({pct(s['accuracy'])}).",
        "balanced_accuracy": (
            f"Giving each of the {k} classes equal weight, however many test {noun} it has, the model finds "
            f"{pct(s['balanced_accuracy'])} of each class on average"
            + (
                "; that is well below accuracy, so smaller classes are missed more often."
                if s["balanced_accuracy"] < s["accuracy"] - 0.05
                else "."
            )
        ),
        "precision_macro": (
            f"Averaged over the {k} classes with each counting equally, when the model names a class it is right "
            f"{pct(s['precision_macro'])} of the time."
        ),
        "recall_macro": (
            f"Averaged over the {k} classes with each counting equally, the model finds "
            f"{pct(s['recall_macro'])} of the {noun} that belong to each class."
        ),
        "f1_macro": (
            f"F1 combines precision and recall into one score (100% is perfect); with every class counting "
            f"equally it is {pct(s['f1_macro'])}, lowest for {quoted(worst['label'])} ({pct(worst['f1'], 0)}) "
            f"and highest for {quoted(best['label'])} ({pct(best['f1'], 0)})."
        ),
    }


def _singular(noun: str) -> str:
    """'texts' -> 'text', 'reviews' -> 'review' (good enough for dataset nouns)."""
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def _average_explanations(s: dict, noun: str) -> dict[str, str]:
    """Micro and weighted averages (which big classes dominate)."""
    one = _singular(noun)
    micro = (
        f"Counting every test {one} once instead of every class once; "
        f"when each {one} has exactly one label this equals accuracy ({pct(s['accuracy'])})."
    )
    weighted = "Per-class {m} averaged with each class weighted by its number of test {noun}: {v}, so big classes dominate."
    out = {
        "precision_micro": f"Micro precision is {pct(s['precision_micro'])}. {micro}",
        "recall_micro": f"Micro recall is {pct(s['recall_micro'])}. {micro}",
        "f1_micro": f"Micro F1 is {pct(s['f1_micro'])}. {micro}",
    }
    for m in ("precision", "recall", "f1"):
        key = f"{m}_weighted"
        out[key] = weighted.format(m="F1" if m == "f1" else m, noun=noun, v=pct(s[key]))
    return out


def _agreement_explanations(s: dict, counts: np.ndarray, noun: str) -> dict[str, str]:
    """MCC and Cohen's kappa in words."""
    chance = _kappa_chance(counts)
    return {
        "mcc": (
            f"Matthews correlation is {s['mcc']:.2f} on a scale from -1 (always wrong) through 0 (no better than "
            f"guessing) to 1 (perfect): {_strength(s['mcc'])} link between predictions and true labels, "
            "and it stays honest when some classes are much bigger than others."
        ),
        "cohen_kappa": (
            f"The model agrees with the true labels on {pct(s['accuracy'])} of {noun}, where guessing with the "
            f"same label frequencies would agree on {pct(chance)}; Cohen's kappa of {s['cohen_kappa']:.2f} means it "
            f"closes {pct(max(s['cohen_kappa'], 0.0), 0)} of the gap between chance and perfect agreement."
        ),
    }


def _probability_explanations(s: dict, y_true: np.ndarray, labels: list[str], calibration: dict | None) -> dict[str, str]:
    """Log loss and ECE in words (only when probabilities exist)."""
    out: dict[str, str] = {}
    if "log_loss" in s:
        out["log_loss"] = (
            f"Log loss is {s['log_loss']:.3f} (lower is better, 0 is perfect): on average the model gave the true "
            f"label a probability of {pct(math.exp(-s['log_loss']), 0)} (geometric mean). A model that only knew "
            f"how common each class is would score {_prior_log_loss(y_true, labels):.3f}."
        )
    if "ece" in s and calibration is not None:
        mean_conf, acc = calibration["mean_confidence"], calibration["accuracy"]
        if abs(mean_conf - acc) < 0.01:
            tendency = "on the whole its confidence matches its accuracy"
        elif mean_conf > acc:
            tendency = f"overall it is overconfident (average confidence {pct(mean_conf)} vs accuracy {pct(acc)})"
        else:
            tendency = f"overall it is underconfident (average confidence {pct(mean_conf)} vs accuracy {pct(acc)})"
        out["ece"] = (
            f"Expected calibration error is {100 * s['ece']:.1f} percentage points: when the model says how sure it "
            f"is, it is off from how often it is actually right by that much on average (0 = perfectly honest); "
            f"{tendency}."
        )
    return out


def class_explanations(row: dict, noun: str) -> dict[str, str]:
    """Recall / precision / F1 sentences for one class."""
    label, support, n_pred = row["label"], row["support"], row["n_predicted"]
    if support:
        recall = (
            f"Of the {support} test {noun} that really are {quoted(label)}, the model found {row['n_correct']} "
            f"({pct(row['recall'], 0)})."
        )
    else:
        recall = f"No test {noun} are labelled {quoted(label)}, so recall cannot be measured."
    if n_pred:
        precision = f"When the model says {quoted(label)} ({n_pred} times), it is right {pct(row['precision'], 0)} of the time."
    else:
        precision = f"The model never predicted {quoted(label)}."
    f1 = f"F1 for {quoted(label)} is {pct(row['f1'], 0)}, the balance of the two numbers above."
    return {
        "recall_explanation": recall,
        "precision_explanation": precision,
        "f1_explanation": f1,
    }


def metric_explanations(
    summary: dict,
    per_class: list[dict],
    counts: np.ndarray,
    y_true: np.ndarray,
    labels: list[str],
    calibration: dict | None,
    noun: str,
) -> dict[str, str]:
    """One sentence per summary metric, using this run's numbers."""
    n, k = summary["n_test"], len(labels)
    out = _headline_explanations(summary, n, k, noun, per_class)
    out.update(_average_explanations(summary, noun))
    out.update(_agreement_explanations(summary, counts, noun))
    out.update(_probability_explanations(summary, y_true, labels, calibration))
    return out
