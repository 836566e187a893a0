"""The end of a run: test predictions, the saved model, robustness, latency and the evaluation report.

Runs in the worker right after the last training step.  Each phase is written to the run's progress
(``phase``, ``phase_done``, ``phase_total``) and to train.log with its duration, so the live view shows
"evaluating the test split 430 / 1,829" instead of a frozen "100 %, 0:00" (issue 14, item 5).

What it costs was measured in BENCHMARKS.md ("End of a run"); the cuts are:
- the test split is predicted once; robustness reuses those predictions for the clean texts, for every
  perturbed text that the perturbation left unchanged, and for every perturbed text whose token ids equal
  a test text's (an uncased tokenizer reads "GREAT" as "great": the same input, the same output);
- robustness runs on a fixed, seeded sample of at most ``ROBUSTNESS_MAX_TEXTS`` test texts;
- latency is measured on ``LATENCY_SINGLE`` single texts and throughput on ``THROUGHPUT_TEXTS`` texts;
- the report is built once;
- the TF-IDF baseline check (:mod:`core.evaluate.guard`) fits on at most 50,000 training texts and never fails the run.

The model folder is saved *before* the test split is predicted, and an out-of-memory error while the finished model
predicts (a GPU that other processes filled meanwhile, a large evaluation batch) steps down — half the batch, then
the CPU — instead of failing the run and re-training it (:class:`EvaluationModel`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core import results, store
from core.evaluate import latency, metrics
from core.train.inference import encode, predict_proba
from core.train.oom import free_accelerator_memory, is_out_of_memory
from core.train.trainer import Prepared, model_device

log = logging.getLogger("tuneboard.evaluation")

ROBUSTNESS_MAX_TEXTS = 500
LATENCY_SINGLE = latency.N_SINGLE  # core.evaluate.latency: one measurement, shared with the int8 comparison
THROUGHPUT_TEXTS = latency.N_TEXTS
EVAL_BATCH_SIZE = 64  # predict_proba's default: the first batch size tried at the end of a run

# Phase names as the live view shows them (lower case: they follow "running ·").
TEST = "evaluating the test split"
SAVE = "saving the model"
CALIBRATE = "calibrating on the validation split"
ROBUSTNESS = "robustness checks"
LATENCY = "measuring latency"
BASELINE = "baseline check"
REPORT = "building the report"


class PhaseReporter:
    """Writes the current phase and its done/total into the run's progress (at most every
    ``min_interval_s``), logs each phase's start and duration, and keeps the durations."""

    def __init__(self, run_id: str, *, min_interval_s: float = 0.5) -> None:
        self.run_id = run_id
        self.min_interval_s = min_interval_s
        self.timings: dict[str, float] = {}
        run = store.get_run(run_id)
        self._base = dict(run.progress) if run else {}  # training's last step/total/epoch stay shown
        self._phase: str | None = None
        self._started = 0.0
        self._last_write = 0.0

    def start(self, phase: str, total: int | None = None) -> None:
        """End the current phase (if any) and start ``phase`` with ``total`` units of work (None: unknown)."""
        self.end()
        self._phase, self._started = phase, time.perf_counter()
        log.info("%s%s", phase, f" ({total:,})" if total else "")
        self._write(0, total, force=True)

    def update(self, done: int, total: int | None) -> None:
        """Progress within the current phase (throttled; the last unit is always written)."""
        self._write(done, total, force=total is not None and done >= total)

    def end(self) -> None:
        """Record and log how long the current phase took."""
        if self._phase is None:
            return
        seconds = time.perf_counter() - self._started
        self.timings[self._phase] = self.timings.get(self._phase, 0.0) + seconds
        log.info("%s took %.1f s", self._phase, seconds)
        self._phase = None

    def _write(self, done: int, total: int | None, *, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_write < self.min_interval_s:
            return
        self._last_write = now
        progress = {**self._base, "phase": self._phase, "phase_done": done, "phase_total": total, "eta_s": None}
        store.update_run(self.run_id, progress=progress)


class EvaluationModel:
    """The finished model as the end of a run uses it: predictions that step down on out-of-memory.

    Each out-of-memory error halves the batch; below batch size 1 the model moves to the CPU (slower, but the
    trained model and its evaluation are kept).  The retry happens after the ``except`` block has ended, so the
    failed batch's tensors, held by the traceback, are freed before it.
    """

    def __init__(self, model: Any, tokenizer: Any, *, max_length: int, device: Any,
                 batch_size: int = EVAL_BATCH_SIZE) -> None:
        self.model, self.tokenizer, self.max_length = model, tokenizer, max_length
        self.device, self.batch_size = device, batch_size
        self.step_downs: list[str] = []  # what was given up, in order (logged and kept in the run's info)

    @property
    def on_cpu(self) -> bool:
        """Whether predictions run on the CPU."""
        return str(self.device).startswith("cpu")

    def predict(self, texts: Sequence[str], *, token_ids: Any = None,
                progress: Callable[[int, int], None] | None = None, pairs: Sequence[str] | None = None,
                activation: str = "softmax") -> np.ndarray:
        """Scores of ``texts`` (see :func:`core.train.inference.predict_proba`), stepping down on OOM."""
        while True:
            try:
                return predict_proba(self.model, self.tokenizer, texts, max_length=self.max_length,
                                     batch_size=self.batch_size, device=self.device, token_ids=token_ids,
                                     progress=progress, pairs=pairs, activation=activation)
            except BaseException as exc:
                if not is_out_of_memory(exc) or (self.on_cpu and self.batch_size <= 1):
                    raise
                log.warning("out of memory predicting %d texts with batch size %d on %s (%s)",
                            len(texts), self.batch_size, self.device, type(exc).__name__)
            self.step_down()

    def step_down(self) -> None:
        """Half the batch, or (at batch size 1) move to the CPU with the first batch size again."""
        if self.batch_size > 1:
            self.batch_size //= 2
            self.step_downs.append(f"batch size {self.batch_size}")
        else:
            self.to_cpu()
        free_accelerator_memory()

    def to_cpu(self) -> None:
        """Predict on the CPU from now on."""
        self.model.to("cpu")
        self.device, self.batch_size = "cpu", EVAL_BATCH_SIZE
        self.step_downs.append("the CPU")
        free_accelerator_memory()

    def measure_latency(self, texts: Sequence[str]) -> dict[str, Any]:
        """Latency and throughput where the model is; after an out-of-memory error, on the CPU (the report says where)."""
        if not self.on_cpu:
            try:
                return latency.measure(self.model, self.tokenizer, texts, device=str(self.device),
                                       max_length=self.max_length)
            except BaseException as exc:
                if not is_out_of_memory(exc):
                    raise
                log.warning("out of memory measuring latency on %s; measuring on the CPU", self.device)
            self.to_cpu()
        return latency.measure(self.model, self.tokenizer, texts, device="cpu", max_length=self.max_length)


def cached_predictor(model: Any, tokenizer: Any, token_ids: Any, proba: np.ndarray, *, max_length: int,
                     device: Any, evaluator: EvaluationModel | None = None) -> Any:
    """``predict(texts) -> probabilities`` that runs the model only on texts whose token ids it has not seen:
    ``token_ids[i]`` was already predicted as ``proba[i]``.  Same token ids in, same probabilities out.
    With ``evaluator`` the unseen texts go through it (stepping down on out-of-memory)."""
    known = {tuple(np.asarray(ids).tolist()): row for ids, row in zip(token_ids, proba, strict=True)}

    def predict(texts: list[str]) -> np.ndarray:
        ids = encode(tokenizer, texts, max_length)
        out = np.zeros((len(texts), proba.shape[1]), dtype=proba.dtype)
        new = []
        for i, one in enumerate(ids):
            row = known.get(tuple(one))
            if row is None:
                new.append(i)
            else:
                out[i] = row
        if new and evaluator is not None:
            out[new] = evaluator.predict([texts[i] for i in new], token_ids=[ids[i] for i in new])
        elif new:
            out[new] = predict_proba(model, tokenizer, [texts[i] for i in new], token_ids=[ids[i] for i in new],
                                     max_length=max_length, device=device)
        return out

    return predict


def calibrate(prep: Prepared, evaluator: EvaluationModel, phases: PhaseReporter) -> dict[str, Any] | None:
    """Fit a temperature on the validation split and fold it into the model (single-label classes only).

    Returns :func:`core.evaluate.calibration.fit_summary` (None when switched off or without validation rows).
    Called before the model is saved, so the saved weights, the test predictions and the playground all use it.
    """
    from core.evaluate.calibration import fit_summary
    from core.tasks import PAIR_COLUMN
    from core.train.heads import fold_temperature

    validation = prep.frames["validation"]
    if not prep.config.calibrate or validation.empty or prep.task.multi_label or prep.task.regression:
        return None
    phases.start(CALIBRATE, len(validation))
    pairs = validation[PAIR_COLUMN].astype(str).tolist() if PAIR_COLUMN in validation.columns else None
    proba = evaluator.predict(validation["text"].astype(str).tolist(), token_ids=prep.encoded["validation"].tokens,
                              progress=phases.update, pairs=pairs)
    fit = fit_summary(prep.encoded["validation"].label_ids, proba)
    if fit["temperature"] != 1.0:
        fold_temperature(evaluator.model, fit["temperature"])
    log.info("temperature %.4f: validation NLL %.4f -> %.4f", fit["temperature"], fit["validation_nll_before"],
             fit["validation_nll_after"])
    return fit


def save_model(prep: Prepared, trainer: Any, run_dir: Path, *, temperature: float | None = None) -> Path:
    """Save a plain Hugging Face model folder (merged for LoRA; the adapter next to it)."""
    model_dir = run_dir / "model"
    model = trainer.model
    if prep.peft_model:
        from core.train.adapters import save_peft

        model = save_peft(model, run_dir)
    model.config.id2label = dict(enumerate(prep.labels))
    model.config.label2id = {label: i for i, label in enumerate(prep.labels)}
    if temperature is not None:  # already folded into the weights; stated so the model card and users can see it
        model.config.calibration_temperature = temperature
    model.save_pretrained(model_dir, safe_serialization=True)
    prep.tokenizer.save_pretrained(model_dir)
    return model_dir


def finish_run(prep: Prepared, trainer: Any, run_id: str, run_dir: Path, train_seconds: float) -> dict[str, Any]:
    """Evaluate and save a trained run: test predictions, model folder, robustness, latency, report.

    Returns the final test metrics; the seconds each phase took go into the run's info (``finish_seconds``).
    """
    from core.evaluate import efficiency, guard, report, robustness

    phases = PhaseReporter(run_id)
    # Mixed-precision training leaves Accelerate's autocast wrapper on model.forward; drop it, so the test metrics are
    # those of the fp32 model that is saved and that users load (not of its bf16-autocast twin).
    model = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    max_length = prep.config.max_length
    evaluator = EvaluationModel(model, prep.tokenizer, max_length=max_length, device=model_device(model))
    test = prep.frames["test"]
    texts = test["text"].astype(str).tolist()

    fit = calibrate(prep, evaluator, phases)
    # Saved before the test split is predicted: whatever happens while evaluating, the trained model is on disk.
    phases.start(SAVE)
    model_dir = save_model(prep, trainer, run_dir, temperature=fit and fit["temperature"])
    log.info("saved model to %s", model_dir)

    phases.start(TEST, len(texts))
    proba = evaluator.predict(texts, token_ids=prep.encoded["test"].tokens, progress=phases.update)  # tokenised once
    predictions = results.predictions_frame(test, prep.labels, proba)  # written with the report, at the end

    phases.start(ROBUSTNESS, len(robustness.PERTURBATIONS))
    robust = robustness.robustness_report(
        texts, predictions["label"].tolist(),
        cached_predictor(model, prep.tokenizer, prep.encoded["test"].tokens, proba, max_length=max_length,
                         device=evaluator.device, evaluator=evaluator),
        prep.labels, seed=prep.config.seed, clean_pred=predictions["pred"].tolist(),
        max_texts=ROBUSTNESS_MAX_TEXTS, progress=phases.update,
    )

    phases.start(LATENCY)
    eff = {
        **efficiency.count_parameters(model),
        "model_size_bytes": efficiency.dir_size_bytes(model_dir),
        "train_seconds": train_seconds,
        **evaluator.measure_latency(texts),
    }

    final = metrics.summary_metrics(predictions["label"], predictions["pred"], labels=prep.labels, y_proba=proba)
    phases.start(BASELINE)  # would TF-IDF + logistic regression have won? (issue 16, item 4; never raises)
    check = guard.baseline_check(prep.frames["train"], test, prep.labels, final, config=prep.config,
                                 history=lambda: store.metric_points(run_id, names=["loss", "f1_macro"]),
                                 train_lengths=prep.encoded["train"].lengths)
    log.info("baseline check: %s", guard.summary_line(check))

    phases.start(REPORT)
    run = store.require_run(run_id)
    info = {
        "name": run.name, "id": run_id, "model": prep.config.model, "dataset_id": prep.config.dataset_id,
        "labels": prep.labels, "config": prep.config.to_dict(), "split_sizes": {k: len(v) for k, v in prep.frames.items()},
    }
    rep = report.build_report(predictions, prep.labels, slice_columns=results.slice_columns(test), robustness=robust,
                              efficiency=eff, run_info=info, baseline_check=check, temperature=fit)
    results.write_results(run_id, predictions, rep)
    phases.end()
    run = store.require_run(run_id)
    extra = {"evaluation_step_downs": evaluator.step_downs} if evaluator.step_downs else {}
    store.update_run(run_id, info={**run.info, "finish_seconds": {k: round(v, 2) for k, v in phases.timings.items()},
                                   "baseline_check": rep["baseline_check"], "intervals": rep.get("intervals") or {},
                                   **extra})
    return final
