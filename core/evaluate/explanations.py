"""The plain-language sentences of the evaluation report, written with each run's own numbers.

One sentence per summary metric (:func:`metric_explanations`) and three per class (:func:`class_explanations`),
so a reader who does not know what "macro F1" or "Cohen's kappa" means still learns what the model does:
"The model labelled 412 of 480 test texts correctly (85.8%)."  The numbers come from
:func:`core.evaluate.report.build_report`; this module only puts them into words.  The words come from the
catalogue (``export.explain.*`` in core/locales): the report saves the English sentences, and
:func:`report_explanations` writes them again in another language from a saved report's numbers.
"""

from __future__ import annotations

import math

import numpy as np

from core.i18n import DEFAULT_LANGUAGE, translate

__all__ = ["class_explanations", "metric_explanations", "pct", "quoted", "report_explanations"]


def pct(x: float, digits: int = 1) -> str:
    """0.8583 -> '85.8%'."""
    return f"{100.0 * x:.{digits}f}%"


def quoted(label: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Quote a class name the way the sentences do: ‘refund’ (“退款” in Chinese)."""
    return translate(language, "export.explain.quote", label=label)


def _say(language: str, key: str, **params: object) -> str:
    return translate(language, f"export.explain.{key}", **params)


def _noun(noun: str, language: str) -> str:
    """The dataset noun in ``language``: the default "texts" is translated, any other noun is the user's word."""
    return noun if language == DEFAULT_LANGUAGE or noun != "texts" else _say(language, "noun_texts")


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
    """Rough verbal scale for correlation-like scores (a key of ``export.explain``)."""
    if value >= 0.7:
        return "strength_strong"
    if value >= 0.4:
        return "strength_moderate"
    if value >= 0.1:
        return "strength_weak"
    return "strength_none"


def _headline_explanations(s: dict, n: int, k: int, noun: str, per_class: list[dict], language: str) -> dict[str, str]:
    """Accuracy, balanced accuracy and the macro averages."""
    by_f1 = sorted(per_class, key=lambda r: r["f1"])
    worst, best = by_f1[0], by_f1[-1]
    # "Well below accuracy" is the sentence's point: it says smaller classes are missed more often.
    balanced = "balanced_accuracy_low" if s["balanced_accuracy"] < s["accuracy"] - 0.05 else "balanced_accuracy"
    return {
        "accuracy": _say(language, "accuracy", n_correct=round(s["accuracy"] * n), n=n, noun=noun, value=pct(s["accuracy"])),
        "balanced_accuracy": _say(language, balanced, k=k, noun=noun, value=pct(s["balanced_accuracy"])),
        "precision_macro": _say(language, "precision_macro", k=k, value=pct(s["precision_macro"])),
        "recall_macro": _say(language, "recall_macro", k=k, noun=noun, value=pct(s["recall_macro"])),
        "f1_macro": _say(language, "f1_macro", value=pct(s["f1_macro"]), worst=quoted(worst["label"], language),
                         worst_f1=pct(worst["f1"], 0), best=quoted(best["label"], language), best_f1=pct(best["f1"], 0)),
    }


def _singular(noun: str) -> str:
    """'texts' -> 'text', 'reviews' -> 'review' (good enough for dataset nouns)."""
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def _average_explanations(s: dict, noun: str, language: str) -> dict[str, str]:
    """Micro and weighted averages (which big classes dominate)."""
    one = _singular(noun) if language == DEFAULT_LANGUAGE else noun  # Chinese nouns have no plural
    micro = _say(language, "micro", one=one, accuracy=pct(s["accuracy"]))
    out = {key: _say(language, key, value=pct(s[key]), micro=micro) for key in ("precision_micro", "recall_micro", "f1_micro")}
    for key in ("precision_weighted", "recall_weighted", "f1_weighted"):
        out[key] = _say(language, key, noun=noun, value=pct(s[key]))
    return out


def _agreement_explanations(s: dict, counts: np.ndarray, noun: str, language: str) -> dict[str, str]:
    """MCC and Cohen's kappa in words."""
    return {
        "mcc": _say(language, "mcc", value=f"{s['mcc']:.2f}", strength=_say(language, _strength(s["mcc"]))),
        "cohen_kappa": _say(language, "cohen_kappa", accuracy=pct(s["accuracy"]), noun=noun,
                            chance=pct(_kappa_chance(counts)), value=f"{s['cohen_kappa']:.2f}",
                            closed=pct(max(s["cohen_kappa"], 0.0), 0)),
    }


def _probability_explanations(
    s: dict, y_true: np.ndarray, labels: list[str], calibration: dict | None, language: str
) -> dict[str, str]:
    """Log loss and ECE in words (only when probabilities exist)."""
    out: dict[str, str] = {}
    if "log_loss" in s:
        out["log_loss"] = _say(language, "log_loss", value=f"{s['log_loss']:.3f}",
                               probability=pct(math.exp(-s["log_loss"]), 0),
                               prior=f"{_prior_log_loss(y_true, labels):.3f}")
    if "ece" in s and calibration is not None:
        mean_conf, acc = calibration["mean_confidence"], calibration["accuracy"]
        if abs(mean_conf - acc) < 0.01:
            tendency = _say(language, "tendency_matched")
        else:
            key = "tendency_over" if mean_conf > acc else "tendency_under"
            tendency = _say(language, key, confidence=pct(mean_conf), accuracy=pct(acc))
        out["ece"] = _say(language, "ece", points=f"{100 * s['ece']:.1f}", tendency=tendency)
    return out


def class_explanations(row: dict, noun: str, *, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Recall / precision / F1 sentences for one class, in ``language``."""
    label, support, n_pred = quoted(row["label"], language), row["support"], row["n_predicted"]
    noun = _noun(noun, language)
    if support:
        recall = _say(language, "class_recall", support=support, noun=noun, label=label, n_correct=row["n_correct"],
                      value=pct(row["recall"], 0))
    else:
        recall = _say(language, "class_recall_none", noun=noun, label=label)
    if n_pred:
        precision = _say(language, "class_precision", label=label, n_predicted=n_pred, value=pct(row["precision"], 0))
    else:
        precision = _say(language, "class_precision_none", label=label)
    return {
        "recall_explanation": recall,
        "precision_explanation": precision,
        "f1_explanation": _say(language, "class_f1", label=label, value=pct(row["f1"], 0)),
    }


def metric_explanations(
    summary: dict,
    per_class: list[dict],
    counts: np.ndarray,
    y_true: np.ndarray,
    labels: list[str],
    calibration: dict | None,
    noun: str,
    *,
    language: str = DEFAULT_LANGUAGE,
) -> dict[str, str]:
    """One sentence per summary metric, using this run's numbers, in ``language``."""
    n, k = summary["n_test"], len(labels)
    noun = _noun(noun, language)
    out = _headline_explanations(summary, n, k, noun, per_class, language)
    out.update(_average_explanations(summary, noun, language))
    out.update(_agreement_explanations(summary, counts, noun, language))
    out.update(_probability_explanations(summary, y_true, labels, calibration, language))
    return out


def report_explanations(report: dict, *, language: str = DEFAULT_LANGUAGE) -> tuple[dict[str, str], list[dict]]:
    """A saved report's metric sentences and per-class rows (with their sentences) in ``language``.

    English returns what the report saved.  Another language writes the sentences again from the report's own
    numbers: the true-label frequencies the log-loss sentence needs are the confusion matrix's row sums.  A report
    saved by an older version that lacks one of those numbers keeps its English sentences rather than failing.
    """
    saved = report.get("explanations") or {}, report.get("per_class") or []
    if language == DEFAULT_LANGUAGE:
        return saved
    try:
        labels = [str(label) for label in report["confusion"]["labels"]]
        counts = np.asarray(report["confusion"]["counts"], dtype=np.int64)
        y_true = np.repeat(np.array(labels, dtype=object), counts.sum(axis=1))
        noun = report.get("dataset_noun", "texts")
        per_class = [{**row, **class_explanations(row, noun, language=language)} for row in saved[1]]
        sentences = metric_explanations(report["summary"], per_class, counts, y_true, labels, report.get("calibration"),
                                        noun, language=language)
    except (KeyError, IndexError, TypeError, ValueError):
        return saved
    return sentences, per_class
