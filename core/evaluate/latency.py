"""One definition of the latency and throughput numbers Tuneboard shows, and one sentence saying what they measure.

Two places show a model's speed: the run's report (measured at the end of training, on the device the run trained
on, often a GPU) and the fp32-vs-int8 comparison of the export panel and the int8 model card (always on the CPU: int8
is CPU-only).  Both measure with :func:`core.evaluate.efficiency.measure_inference` and the settings below, and every display
labels its numbers with :func:`describe` (the UI with :func:`describe_message`, the same sentence in its language), so
a GPU latency is never read as a CPU one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.i18n import Message, message

N_TEXTS = 128  # texts measured (the first ones of the test split); few, as the end of a run waits for it
N_SINGLE = 20  # one-text calls whose median is the latency (after the same warm-up)
BATCH_SIZE = 32  # batch size of the throughput measurement


def measure(model: Any, tokenizer: Any, texts: Sequence[str], *, device: str, max_length: int,
            n_single: int = N_SINGLE) -> dict[str, Any]:
    """Latency and throughput of ``model`` on ``device`` with the shared settings; adds the CPU thread count.

    ``n_single`` other than the default is for tests that need a quick number, not for anything shown to users.
    """
    import torch

    from core.evaluate import efficiency

    result = efficiency.measure_inference(model, tokenizer, list(texts)[:N_TEXTS] or ["example"], device=device,
                                          max_length=max_length, n_single=n_single, batch_size=BATCH_SIZE)
    if str(device).startswith("cpu"):
        result["threads"] = torch.get_num_threads()
    return result


def where(measurement: dict[str, Any]) -> str:
    """'the CPU (4 threads)', 'the GPU (cuda:0)' — where a measurement ran."""
    device = str(measurement.get("device") or "cpu")
    if device.startswith("cpu"):
        threads = measurement.get("threads")
        return f"the CPU ({threads} threads)" if threads else "the CPU"
    if device.startswith("cuda"):
        return f"the GPU ({device})"
    return device


def describe_message(measurement: dict[str, Any]) -> Message:
    """The one sentence every speed display uses, as a :class:`core.i18n.Message` (the UI shows it in its language).

    One catalogue text per place (the CPU with or without its thread count, the GPU, another device) says what
    :func:`where` says, so the sentence is translated whole."""
    n_single = measurement.get("n_single") or N_SINGLE
    batch = measurement.get("batch_size") or BATCH_SIZE
    device = str(measurement.get("device") or "cpu")
    if device.startswith("cpu"):
        threads = measurement.get("threads")
        if threads:
            return message("evalmsg.latency.cpu_threads", n_single=n_single, threads=threads, batch=batch)
        return message("evalmsg.latency.cpu", n_single=n_single, batch=batch)
    kind = "gpu" if device.startswith("cuda") else "other"
    return message(f"evalmsg.latency.{kind}", n_single=n_single, device=device, batch=batch)


def describe(measurement: dict[str, Any]) -> str:
    """The one sentence every speed display uses, in English, e.g. 'Latency: median of 50 one-text calls on the CPU
    (2 threads), tokenisation included; throughput: batches of 32.'"""
    return str(describe_message(measurement))
