"""The torch-free model catalogue (core.models) and the loading side that builds the tiny test model (core.train.models)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import models
from core.config import BUILTIN_MODEL, TINY_TEST_MODEL
from core.errors import ModelError
from tests.conftest import ROOT


def test_resolve_model_names_the_builtin_folders_and_hub_ids(tmp_path):
    builtin = Path(models.resolve_model(BUILTIN_MODEL))
    assert (builtin / "config.json").is_file()
    assert models.resolve_model(" MiniLM ") == str(builtin)  # an alias, any case, stripped
    assert models.resolve_model("roberta-base") == "roberta-base"  # a Hub id passes through
    assert Path(models.resolve_model(TINY_TEST_MODEL)).name == TINY_TEST_MODEL  # its folder, built or not
    with pytest.raises(ModelError, match=r"no config\.json"):
        models.resolve_model(str(tmp_path))


def test_token_counter_counts_the_tiny_model_with_minilms_tokenizer_and_builds_nothing(tmp_path):
    """The UI asks for counts of the tiny test model: same tokenizer as MiniLM, so the same counts, no torch loaded."""
    code = (
        "import sys\nfrom pathlib import Path\nfrom core import models\n"
        "texts = ['a short one', 'Unbelievably tokenised words, twice!']\n"
        f"tiny = models.token_counter({TINY_TEST_MODEL!r})(texts)\n"
        f"assert tiny == models.token_counter({BUILTIN_MODEL!r})(texts) == [5, 13], tiny\n"
        f"assert not (Path(models.resolve_model({TINY_TEST_MODEL!r})) / 'config.json').exists()\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
    )
    # A fresh workspace, so the tiny model was never built there.
    env = {**os.environ, "TUNEBOARD_HOME": str(tmp_path), "TUNEBOARD_MODELS_DIR": str(tmp_path / "models")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr


def test_token_counter_is_none_without_a_local_tokenizer():
    assert models.token_counter("some-org/not-downloaded-model") is None

