"""The Train page's closed vocabularies have catalogue entries in every language, and the English ones are core's.

The form builds these keys at run time (``train.field.<name>.label``, ``train.choice.<field>.<value>``,
``train.model.<key>.title``, ``train.preset.<key>.name``), which the static test of test_i18n.py cannot see.
"""

from __future__ import annotations

import dataclasses

import pytest

from core import i18n
from core.config import PRESET_HELP, RunConfig
from core.models import MODEL_CHOICES
from core.train import recipe
from pages.components.config_form import ADVANCED_GROUPS, BASIC
from pages.components.preset_picker import catalogue_key

FIELDS = dataclasses.fields(RunConfig)


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_every_field_choice_model_preset_and_group_has_its_texts(language):
    texts = i18n.catalogue(language)
    keys = [f"train.field.{f.name}.{part}" for f in FIELDS for part in ("label", "help")]
    keys += [f"train.choice.{f.name}.{c}" for f in FIELDS for c in f.metadata.get("choices", ())]
    keys += [f"train.model.{catalogue_key(m.name)}.{part}" for m in MODEL_CHOICES for part in ("title", "description")]
    keys += [f"train.preset.{catalogue_key(p)}.{part}" for p in recipe.PRESET_NAMES for part in ("name", "help")]
    keys += [f"train.group.{group}" for group in ADVANCED_GROUPS]
    missing = [k for k in keys if not texts.get(k, "").strip()]
    assert not missing, missing


def test_the_english_texts_are_cores_own():
    """The form shows the same words as before (and the CLI's --help): field help, model titles, preset help."""
    en = i18n.catalogue("en")
    assert {f.name: en[f"train.field.{f.name}.help"] for f in FIELDS} == {f.name: f.metadata["help"] for f in FIELDS}
    for f in FIELDS:
        assert all(en[f"train.choice.{f.name}.{c}"] == c for c in f.metadata.get("choices", ()))
    for m in MODEL_CHOICES:
        key = catalogue_key(m.name)
        assert (en[f"train.model.{key}.title"], en[f"train.model.{key}.description"]) == (m.title, m.description)
    for preset in recipe.PRESET_NAMES:
        key = catalogue_key(preset)
        assert (en[f"train.preset.{key}.name"], en[f"train.preset.{key}.help"]) == (preset, PRESET_HELP[preset])
    assert en["train.field.max_length.label"] == "Max length (tokens)" and en["train.field.epochs.label"] == "Epochs"


def test_every_form_field_is_a_config_field_and_keys_do_not_collide():
    shown = BASIC + [name for names in ADVANCED_GROUPS.values() for name in names]
    assert set(shown) <= {f.name for f in FIELDS} and len(shown) == len(set(shown))
    assert len({catalogue_key(m.name) for m in MODEL_CHOICES}) == len(MODEL_CHOICES)
    assert len({catalogue_key(p) for p in recipe.PRESET_NAMES}) == len(recipe.PRESET_NAMES)
    assert catalogue_key("hfl/rbt3") == "hfl_rbt3" and catalogue_key("Quick demo") == "quick_demo"
