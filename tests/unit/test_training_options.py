"""What is trained and in which number format: word-embedding freezing and the precision switches (no training)."""

from __future__ import annotations

import pytest

from core import devices
from core.config import RunConfig
from core.train import adapters, trainer


def _tiny_bert():
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, num_labels=2)
    return BertForSequenceClassification(config)


def _trainable(model) -> set[str]:
    return {name for name, p in model.named_parameters() if p.requires_grad}


def test_word_embeddings_stay_fixed_by_default_and_train_when_asked():
    fixed, trained = _tiny_bert(), _tiny_bert()
    adapters.apply_freezing(fixed, RunConfig(dataset_id="x"))
    adapters.apply_freezing(trained, RunConfig(dataset_id="x", train_word_embeddings=True))
    assert _trainable(trained) - _trainable(fixed) == {"bert.embeddings.word_embeddings.weight"}
    # Only the vocabulary table: position/type embeddings, the encoder and the head still learn.
    assert "bert.embeddings.position_embeddings.weight" in _trainable(fixed)
    assert "classifier.weight" in _trainable(fixed) and "bert.encoder.layer.0.attention.self.query.weight" in _trainable(fixed)


def test_freeze_modes_still_apply_on_top():
    model = _tiny_bert()
    adapters.apply_freezing(model, RunConfig(dataset_id="x", freeze="encoder"))
    assert _trainable(model) == {"classifier.weight", "classifier.bias"}


@pytest.mark.parametrize(("precision", "units", "expected"), [
    ("auto", True, {"bf16": True}),
    ("auto", False, {}),
    ("fp32", True, {}),
    ("bf16", True, {"bf16": True}),
])
def test_cpu_precision_follows_the_cpus_bf16_units(monkeypatch, precision, units, expected):
    monkeypatch.setattr(devices, "cpu_has_bf16_units", lambda: units)
    config = RunConfig(dataset_id="x", device="cpu", precision=precision)
    assert trainer._precision_flags(config) == expected
    assert trainer.precision_description(config) == ("bf16 mixed precision" if expected else "fp32")


# (GPU, compute capability) -> precision under ``auto``: bf16 only where the tensor cores compute it natively.
GPUS = [
    ("T4", (7, 5), "fp16"),
    ("V100", (7, 0), "fp16"),
    ("A100", (8, 0), "bf16"),
    ("A10G", (8, 6), "bf16"),
    ("H100", (9, 0), "bf16"),
    ("H200", (9, 0), "bf16"),
]


@pytest.mark.parametrize(("gpu", "capability", "expected"), GPUS)
def test_gpu_precision_follows_native_bf16_support(gpu, capability, expected):
    native = trainer.cuda_bf16_native(capability)
    assert trainer.choose_precision("auto", "cuda", native) == expected, gpu
    assert trainer.choose_precision("bf16", "cuda", native) == expected, gpu  # never emulated bf16
    assert trainer.choose_precision("fp16", "cuda", native) == "fp16"
    assert trainer.choose_precision("fp32", "cuda", native) == "fp32"


@pytest.mark.parametrize(("setting", "units", "expected"), [
    ("auto", True, "bf16"), ("auto", False, "fp32"), ("bf16", True, "bf16"), ("bf16", False, "bf16"),
    ("fp32", True, "fp32"), ("fp16", False, "fp32"),
])
def test_cpu_and_mps_precision_choice(setting, units, expected):
    assert trainer.choose_precision(setting, "cpu", units) == expected
    assert trainer.choose_precision(setting, "mps", units) == "fp32"


@pytest.mark.parametrize(("capability", "expected"), [((7, 5), {"fp16": True}), ((8, 0), {"bf16": True})])
def test_cuda_flags_ask_torch_without_emulation(monkeypatch, capability, expected):
    """A T4 passes torch's default bf16 check by emulation; the flags must ask with including_emulation=False."""
    import torch

    asked = []

    def is_bf16_supported(including_emulation: bool = True) -> bool:
        asked.append(including_emulation)
        return including_emulation or capability[0] >= 8  # what torch answers on such a GPU

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", is_bf16_supported)
    config = RunConfig(dataset_id="x", device="cuda:0")
    assert trainer._precision_flags(config) == expected
    assert asked and not any(asked)
    assert trainer.precision_description(config) == f"{next(iter(expected))} mixed precision"


def test_a_half_precision_checkpoint_is_loaded_in_fp32_for_training(tmp_path):
    """transformers 5 loads in the stored dtype: a bf16 checkpoint must still train with fp32 weights."""
    import torch

    from core.train import models

    stored = _tiny_bert().to(torch.bfloat16)
    stored.save_pretrained(tmp_path / "bf16-model")
    from transformers import AutoModelForSequenceClassification

    as_stored = AutoModelForSequenceClassification.from_pretrained(tmp_path / "bf16-model")
    assert {p.dtype for p in as_stored.parameters()} == {torch.bfloat16}  # the default this guards against
    model = models.load_classifier(str(tmp_path / "bf16-model"), ["a", "b", "c"])
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    assert model.config.id2label == {0: "a", 1: "b", 2: "c"}


def test_cpu_bf16_detection_reads_the_bf16_flags():
    sapphire = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8\n"
    zen4 = "flags\t\t: fpu avx2 avx512f avx512_bf16\n"  # AVX-512 bf16 dot products, no AMX: still ~2.7× fp32 matmuls
    cascade = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_vnni\n"
    zen3 = "flags\t\t: fpu avx avx2 fma\n"
    assert devices.cpuinfo_has_bf16_units(sapphire) and devices.cpuinfo_has_bf16_units(zen4)
    assert not devices.cpuinfo_has_bf16_units(cascade) and not devices.cpuinfo_has_bf16_units(zen3)
    assert not devices.cpuinfo_has_bf16_units("")


@pytest.mark.parametrize("max_norm", [1e-3, 1.0, 1e3])
def test_clip_grad_norm_matches_torch(max_norm):
    """Same norm and same gradients as torch's clip_grad_norm_, whether or not the limit clips."""
    import torch

    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(5, 5)) for _ in range(3)] + [torch.nn.Parameter(torch.randn(2))]
    for p in params[:3]:  # the last one has no gradient, like a frozen weight
        p.grad = torch.randn_like(p) * 0.1
    copies = [torch.nn.Parameter(p.detach().clone()) for p in params]
    for p, c in zip(params, copies, strict=True):
        c.grad = None if p.grad is None else p.grad.clone()
    ours = trainer.clip_grad_norm_cpu(params, max_norm)
    theirs = torch.nn.utils.clip_grad_norm_(copies, max_norm)
    torch.testing.assert_close(ours, theirs)
    for p, c in zip(params[:3], copies[:3], strict=True):
        torch.testing.assert_close(p.grad, c.grad)
