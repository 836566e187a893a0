"""core.fastops: the CPU fast paths must compute what the stock modules compute (dropout in expectation, attention
and clipping exactly up to float rounding), and uninstall must leave a stock model behind."""

from __future__ import annotations

import json

import pytest
import torch

from core import fastops


def _tiny_bert(**extra):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, num_labels=3, **extra)
    return BertForSequenceClassification(config)


def _padded_batch():
    ids = torch.tensor([[5, 6, 7, 8, 9, 10], [11, 12, 13, 0, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]])
    return ids, mask


@pytest.mark.parametrize("p", [0.1, 0.25, 0.5])
def test_keep_masks_drop_with_the_asked_probability_and_keep_the_expectation(p):
    scale = fastops.KeepMasks(seed=0).scale(torch.Size([400, 500]), p, torch.float32)
    kept = scale > 0
    assert abs(1 - kept.float().mean().item() - p) < 0.005  # 200,000 draws: ±0.1 % standard error
    assert torch.unique(scale[kept]).numel() == 1  # one inverted-dropout factor
    assert abs(scale.mean().item() - 1.0) < 0.01  # E[x · mask] = x


def test_keep_masks_are_reproducible_from_the_seed_and_differ_between_draws():
    a, b = fastops.KeepMasks(seed=3), fastops.KeepMasks(seed=3)
    first = a.scale(torch.Size([64, 64]), 0.1, torch.float32)
    assert torch.equal(first, b.scale(torch.Size([64, 64]), 0.1, torch.float32))
    assert not torch.equal(first, a.scale(torch.Size([64, 64]), 0.1, torch.float32))


def test_masked_dropout_edge_probabilities_and_gradient():
    masks = fastops.KeepMasks(seed=0)
    x = torch.randn(8, 8, requires_grad=True)
    assert fastops.masked_dropout(x, 0.0, masks) is x
    assert torch.count_nonzero(fastops.masked_dropout(x, 1.0, masks)) == 0
    y = fastops.masked_dropout(x, 0.5, masks)
    y.sum().backward()
    # The gradient flows exactly where the value was kept, scaled like the value.
    assert torch.equal(x.grad, torch.where(y != 0, torch.full_like(x, 2.0), torch.zeros_like(x)))


@pytest.mark.parametrize("padded", [False, True])
def test_attention_matches_sdpa_in_evaluation(padded):
    model = _tiny_bert().eval()
    ids, mask = _padded_batch()
    if not padded:
        mask = torch.ones_like(mask)
    with torch.no_grad():
        stock = model(input_ids=ids, attention_mask=mask).logits
        installed = fastops.install(model, seed=0)
        assert model.config._attn_implementation == fastops.ATTENTION_NAME
        fast = model(input_ids=ids, attention_mask=mask).logits
    torch.testing.assert_close(fast, stock, rtol=1e-5, atol=1e-6)
    fastops.uninstall(model, installed)


def test_install_swaps_dropout_and_uninstall_restores_a_stock_model(tmp_path):
    model = _tiny_bert()
    keys = set(model.state_dict())
    model.eval()
    installed = fastops.install(model, seed=0)
    dropouts = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    assert dropouts and all(type(m) is fastops.MaskedDropout for m in dropouts)
    assert not any(m.training for m in dropouts)  # the new modules keep the model's mode
    model.train()
    ids, mask = _padded_batch()
    model(input_ids=ids, attention_mask=mask, labels=torch.tensor([0, 2])).loss.backward()  # trains through them
    fastops.uninstall(model, installed)
    assert all(type(m) is torch.nn.Dropout for m in model.modules() if isinstance(m, torch.nn.Dropout))
    assert model.config._attn_implementation == "sdpa"
    assert not any(hasattr(m, "_tuneboard_masks") for m in model.modules())
    assert set(model.state_dict()) == keys
    model.save_pretrained(tmp_path)
    assert fastops.ATTENTION_NAME not in json.dumps(json.loads((tmp_path / "config.json").read_text()))


def test_training_with_fast_ops_matches_stock_training_without_dropout():
    """With dropout 0 the masks play no part, so a few optimizer steps must give the same weights either way."""
    ids, mask = _padded_batch()
    labels = torch.tensor([0, 2])
    results = []
    for fast in (False, True):
        model = _tiny_bert(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0).train()
        if fast:
            fastops.install(model, seed=0)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(3):
            model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
            opt.step()
            opt.zero_grad()
        results.append(model.classifier.weight.detach().clone())
    torch.testing.assert_close(results[1], results[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("max_norm", [1e-3, 1.0, 1e3])
def test_clip_grad_norm_matches_torch(max_norm):
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(5, 5)) for _ in range(3)] + [torch.nn.Parameter(torch.randn(2))]
    for p in params[:3]:  # the last one has no gradient, like a frozen weight
        p.grad = torch.randn_like(p) * 0.1
    copies = [torch.nn.Parameter(p.detach().clone()) for p in params]
    for p, c in zip(params, copies, strict=True):
        c.grad = None if p.grad is None else p.grad.clone()
    ours = fastops.clip_grad_norm(params, max_norm)
    theirs = torch.nn.utils.clip_grad_norm_(copies, max_norm)
    torch.testing.assert_close(ours, theirs)
    for p, c in zip(params[:3], copies[:3], strict=True):
        torch.testing.assert_close(p.grad, c.grad)


def test_attention_computes_in_fp32_under_bf16_like_sdpa():
    """bf16 inputs (autocast) give fp32 attention of those inputs, rounded once at the end — not bf16 scores."""
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 7, 8).mul(3).bfloat16() for _ in range(3))
    mask = torch.ones(2, 1, 7, 7, dtype=torch.bool)
    mask[1, ..., 4:] = False  # the second text has 4 real tokens
    module = torch.nn.Module().eval()
    low, _ = fastops.attention(module, q, k, v, mask)
    assert low.dtype == torch.bfloat16
    exact = torch.nn.functional.scaled_dot_product_attention(q.float(), k.float(), v.float(), attn_mask=mask)
    torch.testing.assert_close(low.float(), exact.transpose(1, 2), rtol=2 ** -8, atol=2 ** -8)
