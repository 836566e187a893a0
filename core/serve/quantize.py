"""Dynamic int8 copies of a run's model and a side-by-side comparison with the fp32 original.

**What int8 means here.** ``torch.ao.quantization.quantize_dynamic`` turns every ``nn.Linear`` into an
int8 layer (int8 weights, activations quantised on the fly; CPU only).  Those layers hold about half
of a BERT-style encoder; the rest is mostly the word-embedding table, which dynamic quantisation
leaves in floating point.  On disk we store that table (and any other large float matrix) as fp16 —
lossless enough for a lookup table and half the bytes; it is widened back to fp32 when loading.

**How it is stored — no pickle.** Quantised tensors cannot go into safetensors, and ``torch.save``
of a module would need unpickling to load (unsafe for files someone sends you).  So ``runs/<id>/int8/``
holds ``int8_weights.safetensors`` (the raw int8 values + scale + zero point of each Linear, the other
tensors as float) and ``int8_format.json``; :func:`load_int8_folder` builds the architecture from
``config.json``, loads the float tensors, re-applies ``quantize_dynamic`` and puts the stored int8
weights into the quantised layers.  That function is self-contained and is copied verbatim into
exported zips as ``load_int8.py``.

torch marks ``torch.ao.quantization`` as deprecated in favour of the separate ``torchao`` package
(not installed); the loader will need porting when torch removes it.  ONNX export would be another
route to a portable int8 model but needs the ``onnx`` package, which is not installed, so it is
not offered.
"""

from __future__ import annotations

import inspect
import json
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

from core import paths
from core.errors import ModelError, TuneboardError
from core.i18n import message
from core.serve import predict, task_output
from core.tasks import Task

FORMAT = "tuneboard-int8-dynamic/1"
WEIGHTS_FILE = "int8_weights.safetensors"
META_FILE = "int8_format.json"
COMPARISON_FILE = "comparison.json"
FP16_MIN_ELEMENTS = 65_536  # float matrices at least this big (embedding tables) are stored as fp16


def int8_dir(run_id: str) -> Path:
    """The int8 copy of a run (``runs/<id>/int8``)."""
    return paths.run_dir(run_id) / "int8"


def has_int8(run_id: str) -> bool:
    """Whether the run has a finished int8 copy."""
    return (int8_dir(run_id) / META_FILE).is_file() and (int8_dir(run_id) / WEIGHTS_FILE).is_file()


def quantize_model(model: Any) -> Any:
    """Dynamic int8 quantisation of every ``nn.Linear`` of a CPU model (in place; returns it)."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao quantisation is deprecated upstream (see above); nothing to act on
        return torch.ao.quantization.quantize_dynamic(model.cpu().eval(), {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


def save_int8_folder(qmodel: Any, tokenizer: Any, folder: Path) -> Path:
    """Write a quantised model as config + tokenizer + ``int8_weights.safetensors`` + ``int8_format.json``."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, Any] = {}
    quantized: list[str] = []
    for name, module in qmodel.named_modules():
        if isinstance(module, torch.ao.nn.quantized.dynamic.Linear):
            weight, bias = module._weight_bias()
            if weight.qscheme() not in (torch.per_tensor_affine, torch.per_tensor_symmetric):
                raise ModelError(message("error.serve.int8_per_channel"))
            quantized.append(name)
            tensors[f"int8::{name}::weight"] = weight.int_repr().contiguous()
            tensors[f"int8::{name}::scale"] = torch.tensor(weight.q_scale(), dtype=torch.float64)
            tensors[f"int8::{name}::zero_point"] = torch.tensor(weight.q_zero_point(), dtype=torch.int64)
            if bias is not None:
                tensors[f"int8::{name}::bias"] = bias.detach().contiguous().clone()
    prefixes = tuple(f"{name}." for name in quantized)
    fp16: list[str] = []
    for key, value in qmodel.state_dict().items():
        if key.startswith(prefixes) or not isinstance(value, torch.Tensor):
            continue
        value = value.detach().contiguous().clone()  # clone: safetensors refuses tensors that share memory
        if value.is_floating_point() and value.dim() >= 2 and value.numel() >= FP16_MIN_ELEMENTS:
            value = value.half()
            fp16.append(key)
        tensors[key] = value
    save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"format": FORMAT})
    (folder / META_FILE).write_text(json.dumps({"format": FORMAT, "quantized_linear": quantized, "fp16_stored": fp16,
                                                "torch": torch.__version__}, indent=2))
    qmodel.config.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def load_int8_folder(folder: str | Path) -> tuple[Any, Any]:
    """Load a Tuneboard int8 folder; returns ``(model, tokenizer)`` (a CPU model in eval mode).

    Self-contained on purpose (its imports are inside): it is copied verbatim into exported zips.

    Needs torch, transformers and safetensors.  Nothing is unpickled: the architecture comes from
    config.json, the weights from a safetensors file; Linear layers are re-quantised to int8 and
    given the stored int8 weights.
    """
    import json
    import warnings
    from pathlib import Path

    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    folder = Path(folder)
    meta = json.loads((folder / "int8_format.json").read_text())
    if meta.get("format") != "tuneboard-int8-dynamic/1":
        raise ValueError(f"{folder} is not a Tuneboard int8 model folder (format {meta.get('format')!r}).")
    tensors = load_file(str(folder / "int8_weights.safetensors"))
    model = AutoModelForSequenceClassification.from_config(AutoConfig.from_pretrained(folder))
    plain = {k: (v.float() if v.is_floating_point() else v) for k, v in tensors.items() if not k.startswith("int8::")}
    missing, unexpected = model.load_state_dict(plain, strict=False)
    quantized = meta["quantized_linear"]
    missing = [k for k in missing if not k.startswith(tuple(f"{name}." for name in quantized))]
    if missing or unexpected:
        raise ValueError(f"The int8 weights do not match the model (missing {missing[:3]}, unexpected {unexpected[:3]}).")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao quantisation is deprecated upstream; it still works
        spec = {name: torch.ao.quantization.default_dynamic_qconfig for name in quantized}
        torch.ao.quantization.quantize_dynamic(model.eval(), spec, dtype=torch.qint8, inplace=True)
        for name in quantized:
            weight = torch._make_per_tensor_quantized_tensor(
                tensors[f"int8::{name}::weight"],
                float(tensors[f"int8::{name}::scale"]),
                int(tensors[f"int8::{name}::zero_point"]),
            )
            model.get_submodule(name).set_weight_bias(weight, tensors.get(f"int8::{name}::bias"))
    return model.eval(), AutoTokenizer.from_pretrained(folder)


def loader_source() -> str:
    """Source of a standalone ``load_int8.py`` (shipped in int8 exports)."""
    return (
        '"""Load a Tuneboard int8 model:  from load_int8 import load_int8_folder;  model, tokenizer = load_int8_folder("int8")"""\n\n'
        "from __future__ import annotations  # the annotations below name types this file does not import\n\n\n"
        + inspect.getsource(load_int8_folder)
    )


# ---------------------------------------------------------------------------- make + compare
def make_int8(run_id: str) -> Path:
    """Quantise a completed run's model and save it to ``runs/<id>/int8`` (replacing an older copy)."""
    from core.serve import loading as serving

    if serving.is_peft_folder(serving.model_dir(run_id)):
        serving.require_model(run_id)
        raise ModelError(message("error.serve.int8_prompt_tuning"))
    task = task_output.run_task(run_id)
    if task != Task():  # the comparison scores single texts by argmax accuracy: no measure of the other kinds
        raise ModelError(message("serve_tasks.error.int8_single_text", kind=message(f"serve_tasks.kind.{task.key}")))
    model, tokenizer, _labels, _max_length = serving.load_run_model(run_id, device="cpu")
    qmodel = quantize_model(model)
    target = int8_dir(run_id)
    # Build in a temporary folder and rename: a crash never leaves a half-written int8 copy.
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".int8-"))
    try:
        save_int8_folder(qmodel, tokenizer, tmp)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _accuracy(model: Any, tokenizer: Any, texts: list[str], truth: list[str], labels: list[str],
              max_length: int) -> tuple[dict[str, float], Any]:
    from core.evaluate import metrics
    from core.train.inference import predict_proba

    proba = predict_proba(model, tokenizer, texts, max_length=max_length, device="cpu")
    pred = [labels[i] for i in proba.argmax(1)]
    scores = {"accuracy": metrics.accuracy_score(truth, pred),
              "f1_macro": metrics.f1_score(truth, pred, average="macro", labels=labels)}
    return scores, proba


CONFIDENT = 0.6  # rows where fp32's top probability reaches this are far enough from a tie for a flip to matter


def _agreement(proba_fp32: Any, proba_int8: Any) -> dict[str, float | int]:
    """How closely int8 follows fp32: the share of equal predictions (all rows, and rows fp32 is confident about) and
    the mean absolute change of the probabilities.  A near-tie row can flip under any rounding, so the confident-row
    agreement and the probability change say more about the quantisation than the raw agreement does."""
    same = proba_fp32.argmax(1) == proba_int8.argmax(1)
    confident = proba_fp32.max(1) >= CONFIDENT
    return {
        "agreement": float(same.mean()) if len(same) else 1.0,
        "agreement_confident": float(same[confident].mean()) if confident.any() else 1.0,
        "n_confident": int(confident.sum()),
        "mean_abs_prob_delta": float(abs(proba_fp32 - proba_int8).mean()) if len(same) else 0.0,
    }


def _speed(models: dict[str, tuple[Any, Any]], texts: list[str], max_length: int, repeats: int,
           n_single: int | None = None) -> dict[str, dict[str, Any]]:
    """Best of ``repeats`` alternating measurements per model: other processes on the machine only ever slow a
    measurement down, so the best one is the fairest estimate, and alternating keeps both sides equally exposed.

    Each one is :func:`core.evaluate.latency.measure`, the measurement of the run's report, on the CPU."""
    from core.evaluate import latency

    best: dict[str, dict[str, Any]] = {}
    for _ in range(repeats):
        for name, (model, tokenizer) in models.items():
            speed = latency.measure(model, tokenizer, texts, device="cpu", max_length=max_length,
                                    n_single=n_single or latency.N_SINGLE)
            old = best.get(name)
            if old is None or speed["latency_p50_ms"] < old["latency_p50_ms"]:
                best[name] = {**speed, "throughput_texts_per_s": max(speed["throughput_texts_per_s"],
                                                                     (old or {}).get("throughput_texts_per_s", 0.0))}
            elif speed["throughput_texts_per_s"] > old["throughput_texts_per_s"]:
                old["throughput_texts_per_s"] = speed["throughput_texts_per_s"]
    return best


def compare(run_id: str, *, repeats: int = 2, n_single: int | None = None) -> dict[str, Any]:
    """fp32 vs int8 on the CPU: size on disk, batch-1 latency p50, batch-32 throughput, test accuracy and macro-F1.

    Saved to ``runs/<id>/int8/comparison.json`` and returned.  Makes the int8 copy first if needed.
    Timings are :func:`core.evaluate.latency.measure` (the run report's measurement, here on the CPU), best of ``repeats``
    alternating measurements.
    """
    import torch

    from core import results as runs
    from core import store
    from core.evaluate import efficiency
    from core.serve import loading as serving

    if not has_int8(run_id):
        make_int8(run_id)
    # Training on the same CPU makes the threads of both models wait on each other: timings become meaningless.
    busy = [r.id for r in store.list_runs(statuses=["running"]) if (r.device or "cpu") == "cpu"]
    fp32 = serving.load_run_model(run_id, device="cpu")
    int8_model, int8_tokenizer = load_int8_folder(int8_dir(run_id))
    test = runs.load_predictions(run_id)
    texts, truth = test["text"].astype(str).tolist(), test["label"].astype(str).tolist()
    scores_fp32, proba_fp32 = _accuracy(fp32.model, fp32.tokenizer, texts, truth, fp32.labels, fp32.max_length)
    scores_int8, proba_int8 = _accuracy(int8_model, int8_tokenizer, texts, truth, fp32.labels, fp32.max_length)
    speed = _speed({"fp32": (fp32.model, fp32.tokenizer), "int8": (int8_model, int8_tokenizer)}, texts, fp32.max_length,
                   repeats, n_single)
    rows = {"fp32": {**scores_fp32, **speed["fp32"]}, "int8": {**scores_int8, **speed["int8"]}}
    rows["fp32"]["size_bytes"] = efficiency.dir_size_bytes(serving.model_dir(run_id))
    rows["int8"]["size_bytes"] = efficiency.dir_size_bytes(int8_dir(run_id))
    result = {
        "fp32": rows["fp32"],
        "int8": rows["int8"],
        "size_ratio": rows["int8"]["size_bytes"] / max(1, rows["fp32"]["size_bytes"]),
        "accuracy_delta": rows["int8"]["accuracy"] - rows["fp32"]["accuracy"],
        "f1_macro_delta": rows["int8"]["f1_macro"] - rows["fp32"]["f1_macro"],
        **_agreement(proba_fp32, proba_int8),
        "n_test": len(texts),
        "device": "cpu",
        "threads": torch.get_num_threads(),
        "repeats": repeats,
        "busy_with_training": bool(busy),
        "created_at": time.time(),
    }
    predict.write_json(int8_dir(run_id) / COMPARISON_FILE, result)
    return result


def speed_measurement(comparison: dict[str, Any], name: str = "int8") -> dict[str, Any]:
    """One side of a saved comparison as a :mod:`core.evaluate.latency` measurement (older files kept the threads outside)."""
    return {"device": comparison.get("device", "cpu"), "threads": comparison.get("threads"), **comparison[name]}


def load_comparison(run_id: str) -> dict[str, Any] | None:
    """The saved fp32-vs-int8 comparison of a run, or None."""
    return predict.read_json(int8_dir(run_id) / COMPARISON_FILE) if has_int8(run_id) else None


# ---------------------------------------------------------------------------- background job (for the UI)
def _status_file(run_id: str) -> Path:
    return paths.run_dir(run_id) / "int8_status.json"


def start_job(run_id: str) -> None:
    """Make the int8 copy and its comparison in a separate process (``python -m core.serve.quantize RUN_ID``)."""
    from core.jobs import scheduler
    from core.serve import loading as serving

    serving.require_model(run_id)
    if job_status(run_id).get("state") in {"queued", "running"}:
        return
    run_dir = paths.run_dir(run_id)
    predict.write_json(_status_file(run_id), {"state": "queued", "created_at": time.time()})
    # int8 (dynamic quantisation) is CPU-only work: the process sees no GPU, so it can never take a training run's.
    proc = predict.launch("core.serve.quantize", run_id, run_dir / "int8.log", scheduler.place_side_job(gpu=False))
    (run_dir / "int8.pid").write_text(str(proc.pid))


def job_status(run_id: str) -> dict[str, Any]:
    """``{"state": none / queued / running / completed / failed, "error": ...}`` of the int8 job."""
    if not _status_file(run_id).is_file():
        return {"state": "none"}
    return predict.background_state(_status_file(run_id), paths.run_dir(run_id) / "int8.pid",
                                    message("error.job.int8_ended"))


def main(run_id: str) -> int:
    """Entry point of the background job; returns the exit code."""
    status = _status_file(run_id)
    predict.write_json(status, {"state": "running", "started_at": time.time()})
    try:
        make_int8(run_id)  # always fresh: the button means "make it (again) from the current model"
        compare(run_id)
    except Exception as exc:
        traceback.print_exc()
        sentence = exc.message if isinstance(exc, TuneboardError) else message(
            "error.job.int8_failed_with", kind=type(exc).__name__, first=(str(exc).splitlines() or [""])[0][:200])
        predict.write_json(status, predict.failure_fields(sentence))
        return 1
    predict.write_json(status, {"state": "completed", "finished_at": time.time()})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
