"""The run settings form, generated from `RunConfig` so every field has its own help text.

Labels, help texts and the shown names of closed choices come from the catalogue (``train.field.<name>.label`` /
``.help``, ``train.choice.<field>.<value>``); the English entries are the texts of ``core/config.py`` (tested).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from core.config import RunConfig
from core.devices import detect
from core.train.recipe import preset_info
from pages.components import preset_picker
from pages.components.i18n import t

BASIC = ["epochs", "learning_rate", "batch_size", "max_length"]
ADVANCED_GROUPS = {  # catalogue key under train.group → the fields of that tab
    "optimisation": ["head_lr_multiplier", "gradient_accumulation", "weight_decay", "warmup_ratio", "lr_scheduler",
                     "label_smoothing", "class_weighted_loss", "seed", "max_steps"],
    "evaluation": ["eval_strategy", "eval_steps", "early_stopping_patience", "early_stopping_metric",
                   "test_size", "validation_size", "calibrate"],
    "what_to_train": ["freeze", "freeze_layers", "train_word_embeddings", "peft", "lora_r", "lora_alpha", "lora_dropout",
                      "lora_target_modules", "prompt_tokens"],
    "hardware": ["device", "processes", "precision", "trust_remote_code"],
}
_FIELDS = {f.name: f for f in dataclasses.fields(RunConfig)}
_FLOAT_FORMATS = {"learning_rate": "%.1e", "head_lr_multiplier": "%.1f"}


def field_widget(name: str, value: Any, *, key_prefix: str) -> Any:
    """One input widget for a config field, with the field's help text as tooltip."""
    f = _FIELDS[name]
    label, help_text = t(f"train.field.{name}.label"), t(f"train.field.{name}.help")
    key = f"{key_prefix}{name}"
    # Options are named through a dict made here, not a t() call later: AppTest formats them outside the script.
    if name == "device":  # offer the devices this machine really has
        options = detect().device_options()
        # Only "auto" is a word; cpu, mps and cuda:N are the names the CLI and PyTorch use in every language.
        shown = {d: t("train.device_auto") if d == "auto" else d for d in options}
        return st.selectbox(label, options, index=options.index(value) if value in options else 0,
                            format_func=shown.__getitem__, help=help_text, key=key)
    if "choices" in f.metadata:
        choices = list(f.metadata["choices"])
        shown = {c: t(f"train.choice.{name}.{c}") for c in choices}
        return st.selectbox(label, choices, index=choices.index(value) if value in choices else 0,
                            format_func=shown.__getitem__, help=help_text, key=key)
    if isinstance(f.default, bool):
        return st.checkbox(label, value=bool(value), help=help_text, key=key)
    if isinstance(f.default, int):
        return int(st.number_input(label, value=int(value), step=1, help=help_text, key=key))
    if isinstance(f.default, float):
        fmt = _FLOAT_FORMATS.get(name, "%.3f" if name != "epochs" else "%.1f")
        step = {"learning_rate": 1e-5, "epochs": 1.0, "head_lr_multiplier": 1.0}.get(name, 0.01)
        return float(st.number_input(label, value=float(value), step=step, format=fmt, help=help_text, key=key))
    return st.text_input(label, value=str(value), help=help_text, key=key)


def settings_form(base: RunConfig, *, key_prefix: str = "cfg_") -> tuple[RunConfig, dict[str, Any]]:
    """Preset picker (Auto by default) + basic fields + an Advanced section; returns the (unvalidated) config and
    what the run should record about its preset (name, Auto's reasons, the fields changed afterwards)."""
    preset, chosen, reasons, prefix = preset_picker.pick(base, key_prefix=key_prefix)  # new prefix → fields refilled
    values = chosen.to_dict()
    cols = st.columns(len(BASIC))
    for col, name in zip(cols, BASIC, strict=True):
        with col:
            values[name] = field_widget(name, values[name], key_prefix=prefix)
    with st.expander(t("train.advanced")):
        tabs = st.tabs([t(f"train.group.{group}") for group in ADVANCED_GROUPS])
        for tab, names in zip(tabs, ADVANCED_GROUPS.values(), strict=True):
            with tab:
                cols = st.columns(3)
                for i, name in enumerate(names):
                    with cols[i % 3]:
                        values[name] = field_widget(name, values[name], key_prefix=prefix)
    config = RunConfig.from_dict(values)
    return config, preset_info(preset, reasons, chosen, config)
