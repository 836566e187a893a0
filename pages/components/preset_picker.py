"""The preset picker of the settings form, and what a run recorded about its preset.

Auto (the default) fills the form with the recipe for the chosen dataset, model and the device the run would train
on, and lists one reason per choice; the fixed presets (Quick demo, Balanced, Best quality) fill fixed values.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from core.config import PRESET_HELP, RunConfig
from core.errors import TuneboardError
from core.store import Run
from core.train import recipe
from pages.components.safe_text import escape_markdown

AUTO_NEEDS_DATA = "Auto needs the data: choose a dataset and it fills the settings from it (until then: the defaults)."


def pick(base: RunConfig, *, key_prefix: str) -> tuple[str, RunConfig, list[str], str]:
    """Draw the picker; returns the preset, ``base`` with its settings, Auto's reasons and the fields' key prefix.

    The key prefix changes with the preset (and, for Auto, with the dataset and model), so a new choice refills the
    fields, while edits made afterwards stay until then.
    """
    preset = st.segmented_control("Preset", recipe.PRESET_NAMES, default=recipe.AUTO, key=f"{key_prefix}preset",
                                  help="A starting point; every value stays editable below.") or recipe.AUTO
    st.caption(f"{PRESET_HELP[preset]} How long it will take here is shown next to *Start training*.")
    prefix = f"{key_prefix}{preset}_"
    if preset != recipe.AUTO:
        chosen, _ = recipe.apply_preset(base, preset)
        return preset, chosen, [], prefix
    if not base.dataset_id:
        st.caption(AUTO_NEEDS_DATA)
        return preset, base, [], prefix
    try:
        chosen, reasons = recipe.apply_preset_here(base, preset)
    except TuneboardError as exc:
        st.error(f"Auto cannot look at this dataset: {exc}", icon=":material/error:")
        return preset, base, [], prefix
    except (OSError, ValueError, KeyError):  # an unreadable stored file: say so in one sentence, keep the form usable
        st.error("Auto cannot read this dataset's stored file; pick another preset or set the fields by hand.",
                 icon=":material/error:")
        return preset, base, [], prefix
    render_reasons(reasons)
    what = hashlib.sha1(f"{base.dataset_id}|{base.model}".encode()).hexdigest()[:10]
    return preset, chosen, reasons, f"{prefix}{what}_"


def render_reasons(reasons: list[str], title: str = "Settings chosen by Auto:") -> None:
    """One line per choice, e.g. '77 classes → head learning rate ×20' (shown as text, never as Markdown)."""
    st.caption("\n".join([title, *(f"- {escape_markdown(r)}" for r in reasons)]))


def render_run_preset(run: Run) -> None:
    """What the run recorded about its preset: Auto's reasons and the settings changed by hand afterwards."""
    info = run.info or {}
    preset, reasons, changed = info.get("preset"), info.get("recipe_reasons") or [], info.get("preset_overrides") or []
    if not preset:
        return  # a run from before presets were recorded, or started without one (CLI, demo)
    if reasons:
        render_reasons(reasons)
    else:
        st.caption(f"Started from the {escape_markdown(preset)} preset.")
    if changed:
        st.caption(f"Changed after the preset: {escape_markdown(', '.join(changed))} (the command above has the values "
                   "the run used).")
