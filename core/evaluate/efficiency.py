"""Model size and inference speed.

torch is imported inside the functions that need it so that importing this module
(e.g. by the report builder) stays cheap.  Timings are end-to-end: they include
tokenization, because that is what a user of the model pays for.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["count_parameters", "dir_size_bytes", "measure_inference"]

_WARMUP_RUNS = 3


def count_parameters(model: Any) -> dict[str, int]:
    """Total and trainable (requires_grad) parameter counts of a torch module."""
    total = trainable = 0
    for param in model.parameters():
        total += param.numel()
        if param.requires_grad:
            trainable += param.numel()
    return {"total": int(total), "trainable": int(trainable)}


def dir_size_bytes(path: str | os.PathLike) -> int:
    """Bytes used by all regular files under ``path`` (symlinks not followed)."""
    root = Path(path)
    if root.is_file():
        return root.stat().st_size
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            file = Path(dirpath) / name
            if file.is_file() and not file.is_symlink():
                total += file.stat().st_size
    return total


def _sync(device: str) -> None:
    """Wait for queued GPU work so wall-clock timings are real."""
    import torch

    if str(device).startswith("cuda") and torch.cuda.is_available():
        torch.cuda.synchronize()


def _forward(model: Any, tokenizer: Any, batch: list[str], device: str, max_length: int) -> None:
    """Tokenize (padding to the longest text in the batch) and run one forward pass."""
    enc = tokenizer(batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    enc = {k: v.to(device) for k, v in enc.items()}
    model(**enc)
    _sync(device)


def _single_latencies_ms(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    device: str,
    max_length: int,
    n_single: int,
) -> np.ndarray:
    """Batch-1 latency of ``n_single`` texts (cycling through ``texts``), after warm-up."""
    for text in texts[:_WARMUP_RUNS]:
        _forward(model, tokenizer, [text], device, max_length)
    times = []
    for i in range(n_single):
        start = time.perf_counter()
        _forward(model, tokenizer, [texts[i % len(texts)]], device, max_length)
        times.append((time.perf_counter() - start) * 1000.0)
    return np.asarray(times)


def _throughput(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    device: str,
    max_length: int,
    batch_size: int,
) -> float:
    """Texts per second over all ``texts`` in length-sorted batches.

    Sorting by token length keeps similar lengths together so dynamic padding
    wastes little compute -- the way batch inference should be run.
    """
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]]
    ordered = [texts[i] for i in np.argsort(lengths, kind="stable")]
    batches = [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]
    _forward(model, tokenizer, batches[-1], device, max_length)  # warm-up on the longest batch
    start = time.perf_counter()
    for batch in batches:
        _forward(model, tokenizer, batch, device, max_length)
    elapsed = time.perf_counter() - start
    return len(ordered) / elapsed if elapsed > 0 else float("inf")


def measure_inference(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    device: str = "cpu",
    max_length: int = 128,
    n_single: int = 50,
    batch_size: int = 32,
) -> dict[str, Any]:
    """Latency (batch 1) and throughput (batched) of a sequence classifier.

    Returns latency_p50_ms, latency_p95_ms, throughput_texts_per_s, device,
    plus the settings used (n_single, batch_size, max_length, n_texts).  The
    model is put in eval mode for the measurement and its previous mode and
    device are restored afterwards.
    """
    import torch

    texts = [str(t) for t in texts]
    if not texts:
        raise ValueError("measure_inference needs at least one text.")
    if n_single < 1 or batch_size < 1:
        raise ValueError("n_single and batch_size must be at least 1.")
    was_training = model.training
    first = next(iter(model.parameters()), None)
    original_device = first.device if first is not None else torch.device("cpu")
    model.eval()
    model.to(device)
    try:
        with torch.inference_mode():
            latencies = _single_latencies_ms(model, tokenizer, texts, device, max_length, n_single)
            throughput = _throughput(model, tokenizer, texts, device, max_length, batch_size)
    finally:
        model.to(original_device)
        model.train(was_training)
    return {
        "latency_p50_ms": float(np.percentile(latencies, 50)),
        "latency_p95_ms": float(np.percentile(latencies, 95)),
        "throughput_texts_per_s": float(throughput),
        "device": str(device),
        "n_single": int(n_single),
        "batch_size": int(batch_size),
        "max_length": int(max_length),
        "n_texts": len(texts),
    }
