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
