"""What a saved model's head must carry so that a plain ``transformers.pipeline`` answers in the user's terms.

- Regression: the model learns standardised targets (``(y - mean) / sd``: the same learning rate suits 0–5 scores and
  prices); :func:`fold_target_scale` rewrites the last linear layer so the saved model outputs the original units.
- Multi-label: the per-label thresholds tuned on validation are saved in ``config.json`` (``label_thresholds``) next
  to ``id2label``, and ``problem_type="multi_label_classification"`` makes a pipeline apply a sigmoid per label.
"""

from __future__ import annotations

from typing import Any


def output_layer(model: Any) -> Any:
    """The linear layer that produces the model's ``num_labels`` outputs (the last one outside the encoder).

    BERT-like models call it ``classifier``, RoBERTa ``classifier.out_proj``, decoder models ``score``; the
    search looks for the last ``nn.Linear`` with ``num_labels`` outputs outside ``base_model_prefix``.
    """
    import torch

    prefix = getattr(model, "base_model_prefix", "")
    found, trained_copy = None, None
    for name, module in model.named_modules():
        if prefix and (name == prefix or name.startswith(prefix + ".")):
            continue
        if isinstance(module, torch.nn.Linear) and module.out_features == model.config.num_labels:
            found = module
            if ".modules_to_save." in f".{name}.":  # PEFT keeps a frozen original beside the head it trained
                trained_copy = module
    found = trained_copy or found
    if found is None:
        raise ValueError(f"no output layer with {model.config.num_labels} outputs in {type(model).__name__}")
    return found


def fold_target_scale(model: Any, mean: float, sd: float) -> None:
    """Make a model trained on ``(y - mean) / sd`` output ``y``: ``W ← sd·W``, ``b ← sd·b + mean`` (in place)."""
    import torch

    layer = output_layer(model)
    with torch.no_grad():
        layer.weight.mul_(sd)
        if layer.bias is not None:
            layer.bias.mul_(sd).add_(mean)
        else:  # no bias to carry the mean: add one (saved and loaded like any Linear with a bias)
            layer.bias = torch.nn.Parameter(torch.full((layer.out_features,), float(mean), dtype=layer.weight.dtype,
                                                       device=layer.weight.device))


def fold_temperature(model: Any, temperature: float) -> None:
    """Make the model output ``logits / temperature`` (``W ← W/T``, ``b ← b/T``, in place): temperature scaling
    carried by the saved weights, so a plain pipeline returns the calibrated probabilities."""
    import torch

    layer = output_layer(model)
    with torch.no_grad():
        layer.weight.div_(temperature)
        if layer.bias is not None:
            layer.bias.div_(temperature)
