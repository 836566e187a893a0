"""The preset picker of the settings form, and what a run recorded about its preset.

Auto (the default) fills the form with the recipe for the chosen dataset, model and the device the run would train
on, and lists one reason per choice; the fixed presets (Quick demo, Balanced, Best quality) fill fixed values.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

import streamlit as st

from core.config import RunConfig
from core.errors import TuneboardError
from core.i18n import Message
from core.store import Run
from core.train import recipe
from pages.components.i18n import t, tr
from pages.components.safe_text import escape_markdown

_FIELD_NAMES = {f.name for f in dataclasses.fields(RunConfig)}


def catalogue_key(name: str) -> str:
    """The catalogue key part of a preset or model name: 'Quick demo' → 'quick_demo', 'hfl/rbt3' → 'hfl_rbt3'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def preset_name(preset: str) -> str:
    """A preset's name in the interface language (core keeps the English name: it is stored and the CLI's choice)."""
    return t(f"train.preset.{catalogue_key(preset)}.name")


def pick(base: RunConfig, *, key_prefix: str) -> tuple[str, RunConfig, list[Message], str]:
    """Draw the picker; returns the preset, ``base`` with its settings, Auto's reasons and the fields' key prefix.

    The key prefix changes with the preset (and, for Auto, with the dataset and model), so a new choice refills the
    fields, while edits made afterwards stay until then.
    """
    names = {p: preset_name(p) for p in recipe.PRESET_NAMES}  # a dict, not t(): AppTest formats outside the script
    preset = st.segmented_control(t("train.preset.label"), recipe.PRESET_NAMES, default=recipe.AUTO,
                                  format_func=names.__getitem__, key=f"{key_prefix}preset",
                                  help=t("train.preset.picker_help")) or recipe.AUTO
    st.caption(t("train.preset.caption", help=t(f"train.preset.{catalogue_key(preset)}.help")))
    prefix = f"{key_prefix}{preset}_"
    if preset != recipe.AUTO:
        chosen, _ = recipe.apply_preset(base, preset)
        if caveat := recipe.preset_caveat(base, preset):
            st.warning(tr(caveat), icon=":material/warning:")
        return preset, chosen, [], prefix
    if not base.dataset_id:
        st.caption(t("train.preset.auto_needs_data"))
        return preset, base, [], prefix
    try:
        chosen, reasons = recipe.explain_preset_here(base, preset)
    except TuneboardError as exc:
        st.error(t("train.preset.auto_cannot_look", error=tr(exc)), icon=":material/error:")
        return preset, base, [], prefix
    except (OSError, ValueError, KeyError):  # an unreadable stored file: say so in one sentence, keep the form usable
        st.error(t("train.preset.auto_cannot_read"), icon=":material/error:")
        return preset, base, [], prefix
    render_reasons(reasons)
    what = hashlib.sha1(f"{base.dataset_id}|{base.model}".encode()).hexdigest()[:10]
    return preset, chosen, reasons, f"{prefix}{what}_"


def render_reasons(reasons: list, title: str | None = None) -> None:
    """One line per choice, e.g. '77 classes → head learning rate ×20' (shown as text, never as Markdown).

    A reason is core's message (or its stored dict), shown in the interface language; plain text (a run recorded
    before reasons had keys) is shown as it is.
    """
    st.caption("\n".join([title or t("train.preset.reasons_title"), *(f"- {escape_markdown(tr(r))}" for r in reasons)]))


def _changed_field(name: str) -> str:
    # A config field name is a plain identifier (safe as is; Chinese shows it as code, like the CLI flags above);
    # anything else recorded in the run is escaped.
    return t("train.run_preset.changed_field", name=name if name in _FIELD_NAMES else escape_markdown(name))


def render_run_preset(run: Run) -> None:
    """What the run recorded about its preset: Auto's reasons and the settings changed by hand afterwards."""
    info = run.info or {}
    preset, reasons, changed = info.get("preset"), info.get("recipe_reasons") or [], info.get("preset_overrides") or []
    if not preset:
        return  # a run from before presets were recorded, or started without one (CLI, demo)
    messages = info.get("recipe_reason_messages")
    if isinstance(messages, list) and len(messages) == len(reasons):  # else an older run (or the CLI's): English
        reasons = messages
    if reasons:
        render_reasons(reasons)
    else:
        shown = preset_name(preset) if preset in recipe.PRESET_NAMES else escape_markdown(preset)
        st.caption(t("train.run_preset.started_from", preset=shown))
    if changed:
        st.caption(t("train.run_preset.changed", fields=", ".join(_changed_field(n) for n in changed)))
