"""Loading a finished run's model for predictions (playground, batch prediction, CLI, int8 comparison).

A completed run keeps a plain Hugging Face folder in ``runs/<id>/model``; LoRA runs have it merged.
Prompt tuning cannot be merged, so there ``model/`` is a PEFT folder (``adapter_config.json``) that
needs the run's base model underneath it.  torch/transformers are imported inside the functions:
the UI imports this module and only pays for them when it really loads a model.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from core import paths, store
from core.errors import ModelError, RunError
from core.i18n import Message, catalogue, message
from core.results import read_report, status_word
from core.serve import task_output
from core.tasks import Task


class RunModel(NamedTuple):
    """A loaded run model; unpacks as ``model, tokenizer, labels, max_length``."""

    model: Any
    tokenizer: Any
    labels: list[str]
    max_length: int


def model_dir(run_id: str) -> Path:
    """The saved model folder of a run (not checked)."""
    return paths.run_dir(run_id) / "model"


def is_peft_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a PEFT adapter (prompt tuning) rather than a full model."""
    return (folder / "adapter_config.json").is_file() and not (folder / "config.json").is_file()


def has_model(run_id: str) -> bool:
    """Whether the run folder holds a transformer model (classical baselines and unfinished runs do not)."""
    folder = model_dir(run_id)
    return (folder / "config.json").is_file() or is_peft_folder(folder)


BASELINE_MODEL = "tfidf-logreg"  # = core.evaluate.baseline.BASELINE_MODEL; not imported, baseline pulls in sklearn


class Predictor(NamedTuple):
    """Any run's model as ``(texts, pairs=None) -> scores`` (columns in ``labels`` order): class probabilities,
    per-label probabilities (multi-label, with each label's ``thresholds``) or the predicted number (regression)."""

    predict_proba: Callable[..., np.ndarray]
    labels: list[str]
    task: Task = Task()
    thresholds: np.ndarray | None = None


def is_baseline(run: store.Run) -> bool:
    """Whether the run is a TF-IDF + logistic regression baseline (no transformer folder)."""
    return run.info.get("kind") == "baseline" or run.config.get("model") == BASELINE_MODEL


def playground_problem(run_id: str) -> str | None:
    """Why the run cannot be tried in the playground, in one English sentence; None when it can."""
    problem = playground_problem_message(run_id)
    return None if problem is None else str(problem)


def playground_problem_message(run_id: str) -> Message | None:
    """:func:`playground_problem` as a :class:`core.i18n.Message`, for the UI to show in its language."""
    run = store.get_run(run_id)
    if run is None:
        return message("evalmsg.playground.no_run", run_id=run_id)
    if run.status != "completed":
        # One text per status, so the status is translated with its sentence; the general one for any other.
        key = f"evalmsg.playground.status.{run.status}"
        if key in catalogue("en"):
            return message(key, run_id=run_id)
        return message("evalmsg.playground.not_completed", run_id=run_id, status=run.status)
    if is_baseline(run):
        if not (model_dir(run_id) / "baseline.json").is_file():
            return message("evalmsg.playground.baseline_missing", run_id=run_id)
        return None
    if not has_model(run_id):
        return message("evalmsg.playground.model_missing", run_id=run_id)
    return None


def load_predictor(run_id: str, *, device: str | None = None) -> Predictor:
    """A completed run's classifier: the transformer (on ``device``, default :func:`default_device`), or the saved
    TF-IDF baseline (never another run's model)."""
    problem = playground_problem_message(run_id)
    if problem is not None:
        raise RunError(problem)
    task = task_output.run_task(run_id)
    if is_baseline(store.require_run(run_id)):
        from core.evaluate import baseline

        predict, labels = baseline.load_predictor(run_id)

        def baseline_scores(texts: Sequence[str], pairs: Sequence[str] | None = None) -> np.ndarray:
            texts = [str(t) for t in texts]
            scores = predict(texts, [str(p) for p in pairs]) if pairs is not None else predict(texts)
            return np.asarray(scores, dtype=np.float64).reshape(len(texts), -1)

        saved = getattr(predict, "thresholds", None)  # a multi-label baseline carries its tuned thresholds
        cuts = np.asarray(saved, dtype=float) if task.multi_label and saved is not None else _thresholds(run_id, task, labels)
        return Predictor(baseline_scores, labels, task, cuts)
    bundle = load_run_model(run_id, device=device)

    def model_scores(texts: Sequence[str], pairs: Sequence[str] | None = None) -> np.ndarray:
        return probabilities(bundle, texts, pairs=pairs, activation=task_output.activation(task))

    return Predictor(model_scores, bundle.labels, task, _thresholds(run_id, task, bundle.labels))


def _thresholds(run_id: str, task: Task, labels: list[str]) -> np.ndarray | None:
    return task_output.thresholds_of(run_id, labels) if task.multi_label else None


def require_model(run_id: str) -> store.Run:
    """The run, if it is completed and its model folder exists; else a :class:`RunError`."""
    run = store.require_run(run_id)
    if run.status != "completed":
        raise RunError(message("error.serve.run_not_completed", run_id=run_id, status=status_word(run.status)))
    if not has_model(run_id) and is_baseline(run):
        raise RunError(message("error.serve.baseline_no_model", run_id=run_id))
    if not has_model(run_id):
        raise RunError(message("error.serve.model_files_missing", run_id=run_id))
    return run


def run_labels(run_id: str) -> list[str]:
    """The run's class names in model order (id2label), read without loading the model."""
    config_file = model_dir(run_id) / "config.json"
    if config_file.is_file():
        id2label = json.loads(config_file.read_text()).get("id2label") or {}
        if id2label:
            return [str(id2label[k]) for k in sorted(id2label, key=int)]
    report = read_report(run_id)
    if report:
        labels = report.get("run", {}).get("labels") or report.get("labels")
        if labels:
            return [str(x) for x in labels]
    raise RunError(message("error.serve.no_class_names", run_id=run_id))


def default_device() -> str:
    """The GPU when this process sees one, else the CPU.

    Right in a batch prediction worker, which sees only the GPU it was placed on (or none); a process that may see
    GPUs training runs hold (the UI, the CLI) asks :func:`local_device` instead.
    """
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def local_device() -> str:
    """Where a model used inside this process (playground, ``predict`` CLI) goes: ``cuda:N`` or ``cpu``.

    The placement rule of side jobs (:func:`core.jobs.scheduler.place_side_job`): a GPU no training run holds, else
    the CPU, so this process never adds a CUDA context and a model to the GPU a run trains on.  A GPU this process
    cannot address by index (a MIG slice) also means the CPU.  Nothing here starts CUDA.
    """
    from core import devices
    from core.jobs import scheduler

    _label, gpus = scheduler.place_side_job()
    index = devices.process_cuda_index(gpus[0]) if gpus else None
    if index is None:
        return "cpu"
    os.environ.update(devices.CUDA_ORDER)  # before CUDA starts here, so cuda:N is nvidia-smi's GPU N
    return f"cuda:{index}"


def release_gpu_memory() -> None:
    """Hand cached GPU memory back to the driver after a model left the GPU (no-op when CUDA never started here)."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        import gc

        gc.collect()
        torch.cuda.empty_cache()


def load_run_model(run_id: str, *, device: str | None = None) -> RunModel:
    """Load a completed run's model and tokenizer (PEFT prompt-tuning folders included), in eval mode."""
    from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a "Loading weights" bar per load is noise in the CLI and worker logs
    run = require_model(run_id)
    folder = model_dir(run_id)
    labels = run_labels(run_id)
    max_length = int(run.config.get("max_length") or 128)
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
        if is_peft_folder(folder):
            model = _load_prompt_tuned(run, folder, labels)
        else:
            # A NER run saved a token classifier (one tag per word, core.serve.ner_predict); every other kind a
            # sequence classifier.
            auto = AutoModelForTokenClassification if task_output.run_task(run_id).ner else AutoModelForSequenceClassification
            model = auto.from_pretrained(folder)
    except (OSError, ValueError) as exc:
        raise ModelError(message("error.serve.model_load_failed", run_id=run_id, detail=str(exc).splitlines()[0][:160])) from exc
    model.to(device or default_device())
    model.eval()
    return RunModel(model, tokenizer, labels, max_length)


def _load_prompt_tuned(run: store.Run, folder: Path, labels: list[str]) -> Any:
    """Base model with a fresh head + the saved prompt and head from the adapter folder."""
    from peft import PeftModel

    from core.train import models

    base = models.load_classifier(str(run.config.get("model")), labels, trust_remote_code=bool(run.config.get("trust_remote_code")))
    return PeftModel.from_pretrained(base, folder)


def probabilities(bundle: RunModel, texts: Sequence[str], *, batch_size: int = 64,
                  progress: Callable[[int, int], None] | None = None, pairs: Sequence[str] | None = None,
                  activation: str = "softmax") -> np.ndarray:
    """Scores of ``texts`` (and their second texts ``pairs``) with a loaded model, length-sorted dynamically padded
    batches: class probabilities by default, ``activation="sigmoid"`` / ``"none"`` for multi-label / regression."""
    from core.train.inference import predict_proba

    return predict_proba(bundle.model, bundle.tokenizer, [str(t) for t in texts], max_length=bundle.max_length,
                         batch_size=batch_size, progress=progress, activation=activation,
                         pairs=None if pairs is None else [str(p) for p in pairs])


def predictions_frame(texts: Sequence[str], proba: np.ndarray, labels: list[str], *, task: Task | None = None,
                      thresholds: np.ndarray | None = None, pairs: Sequence[str] | None = None) -> pd.DataFrame:
    """``text, [text_pair], pred`` and the kind's score columns (:func:`core.serve.task_output.answers_frame`):
    ``confidence, prob::<label>…`` for a single label, ``prob::<label>…`` for multi-label, none for a number."""
    return task_output.answers_frame(texts, proba, labels, task=task, thresholds=thresholds, pairs=pairs)


def predict_texts(run_id: str, texts: Sequence[str], *, pairs: Sequence[str] | None = None,
                  bundle: RunModel | None = None) -> pd.DataFrame:
    """Predict ``texts`` (with their second texts ``pairs`` for a pair run) with a run's model, in input order:
    :func:`predictions_frame`'s columns for the run's kind.

    Pass an already loaded ``bundle`` (the playground caches one) to skip loading the model.
    """
    task = task_output.run_task(run_id)
    task_output.check_pairs(task, texts, pairs)
    bundle = bundle or load_run_model(run_id)
    scores = probabilities(bundle, texts, pairs=pairs, activation=task_output.activation(task))
    return predictions_frame(texts, scores, bundle.labels, task=task, pairs=pairs,
                             thresholds=_thresholds(run_id, task, bundle.labels))
