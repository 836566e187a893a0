"""The end of a multi-label, regression or sentence-pair run: thresholds, saved model, test predictions, report.

The single-label path (:func:`core.train.finish.finish_run`) adds robustness checks on perturbed texts and the TF-IDF
baseline check; both perturb or featurise one text, so the other kinds leave them out and their reports say so
(``robustness`` None).  Everything else is the same: the model folder is saved before the test split is predicted, each
phase is written to the run's progress, and predictions step down on out-of-memory (:class:`EvaluationModel`).

Multi-label: each label's threshold is tuned on the validation split (the F1-best cut; 0.5 without validation rows
or positives), saved in the model's ``config.json`` and applied to the test predictions.  Regression: the model
learnt standardised targets; the saved head is rewritten to output the original units (:mod:`core.train.heads`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from core import results, store
from core.tasks import PAIR_COLUMN, Task, label_matrix
from core.train.finish import LATENCY, REPORT, SAVE, TEST, EvaluationModel, PhaseReporter, calibrate
from core.train.trainer import Prepared, model_device

log = logging.getLogger("tuneboard.evaluation")

THRESHOLDS = "tuning thresholds on the validation split"


def activation(task: Task) -> str:
    """How the model's outputs become scores: softmax (classes), sigmoid (labels), none (a number)."""
    return "none" if task.regression else "sigmoid" if task.multi_label else "softmax"


def _pairs(frame: Any) -> list[str] | None:
    return frame[PAIR_COLUMN].astype(str).tolist() if PAIR_COLUMN in frame.columns else None


def tuned_thresholds(prep: Prepared, evaluator: EvaluationModel, phases: PhaseReporter) -> np.ndarray:
    """Per-label thresholds that maximise each label's F1 on the validation split (0.5 where it cannot tell)."""
    from core.evaluate.thresholds import tune_thresholds

    validation = prep.frames["validation"]
    if validation.empty:
        return np.full(len(prep.labels), 0.5)
    phases.start(THRESHOLDS, len(validation))
    scores = evaluator.predict(validation["text"].astype(str).tolist(), pairs=_pairs(validation),
                               activation="sigmoid", progress=phases.update)
    return tune_thresholds(label_matrix(validation["label"], prep.labels), scores, labels=prep.labels)


def save_task_model(prep: Prepared, trainer: Any, run_dir: Path, thresholds: np.ndarray | None,
                    temperature: float | None = None) -> Path:
    """Save the model folder with the kind's head: thresholds in the config, regression in the target's units."""
    from core.train.finish import save_model
    from core.train.heads import fold_target_scale

    model = trainer.model
    if prep.task.regression and prep.target_scale:
        fold_target_scale(model, *prep.target_scale)
    config = model.config
    config.problem_type = prep.task.problem_type
    if thresholds is not None:
        config.label_thresholds = {label: round(float(t), 4) for label, t in zip(prep.labels, thresholds, strict=True)}
    config.tuneboard_task = prep.task.to_dict()
    return save_model(prep, trainer, run_dir, temperature=temperature)


def finish_task_run(prep: Prepared, trainer: Any, run_id: str, run_dir: Path, train_seconds: float) -> dict[str, Any]:
    """Evaluate and save a multi-label, regression or pair run; returns the final test metrics."""
    from core.evaluate import efficiency

    task = prep.task
    phases = PhaseReporter(run_id)
    model = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    max_length = prep.config.max_length
    evaluator = EvaluationModel(model, prep.tokenizer, max_length=max_length, device=model_device(model))
    thresholds = tuned_thresholds(prep, evaluator, phases) if task.multi_label else None
    fit = calibrate(prep, evaluator, phases)  # sentence pairs with one label each; None for the other kinds

    phases.start(SAVE)
    model_dir = save_task_model(prep, trainer, run_dir, thresholds, fit and fit["temperature"])
    log.info("saved model to %s", model_dir)

    test = prep.frames["test"]
    texts = test["text"].astype(str).tolist()
    phases.start(TEST, len(texts))
    scores = evaluator.predict(texts, token_ids=prep.encoded["test"].tokens, progress=phases.update,
                               pairs=_pairs(test), activation=activation(task))
    predictions = results.task_predictions_frame(test, task, prep.labels, scores, thresholds)

    phases.start(LATENCY)
    # Latency is measured on single texts (the first text of a pair plus its second, joined): the cost of one call.
    timed = [f"{a} {b}" for a, b in zip(texts, _pairs(test), strict=True)] if task.pair else texts
    eff = {**efficiency.count_parameters(model), "model_size_bytes": efficiency.dir_size_bytes(model_dir),
           "train_seconds": train_seconds, **evaluator.measure_latency(timed)}

    phases.start(REPORT)
    rep = build_task_report(prep, run_id, predictions, thresholds, eff, fit)
    results.write_results(run_id, predictions, rep)
    phases.end()
    run = store.require_run(run_id)
    extra = {"evaluation_step_downs": evaluator.step_downs} if evaluator.step_downs else {}
    store.update_run(run_id, info={**run.info, "finish_seconds": {k: round(v, 2) for k, v in phases.timings.items()},
                                   "intervals": rep.get("intervals") or {}, **extra})
    return final_metrics(rep)


def build_task_report(prep: Prepared, run_id: str, predictions: Any, thresholds: np.ndarray | None,
                      eff: dict[str, Any], temperature: dict[str, Any] | None = None) -> dict[str, Any]:
    """The evaluation report of a finished run of any kind but plain single-label text."""
    from core.evaluate import report
    from core.evaluate.report_multilabel import build_multilabel_report
    from core.evaluate.report_regression import build_regression_report

    run = store.require_run(run_id)
    info = {"name": run.name, "id": run_id, "model": prep.config.model, "dataset_id": prep.config.dataset_id,
            "labels": prep.labels, "config": prep.config.to_dict(), "task": prep.task.to_dict(),
            "split_sizes": {k: len(v) for k, v in prep.frames.items()}}
    slices = results.slice_columns(prep.frames["test"])
    if prep.task.multi_label:
        return build_multilabel_report(predictions, prep.labels, thresholds, slice_columns=slices, efficiency=eff,
                                       run_info=info)
    if prep.task.regression:
        return build_regression_report(predictions, slice_columns=slices, efficiency=eff, run_info=info)
    return report.build_report(predictions, prep.labels, slice_columns=slices, efficiency=eff, run_info=info,
                               task=prep.task.to_dict(), temperature=temperature)


def final_metrics(report: dict[str, Any]) -> dict[str, float]:
    """The run's final test metrics (the numbers of the report's summary), as the run table and CLI show them."""
    return {k: float(v) for k, v in report["summary"].items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.startswith("n_")}
