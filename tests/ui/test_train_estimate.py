"""The Train page says how long the run will take before launch, and the estimate follows the settings."""

import re

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, save_sample


def _estimate(at: AppTest) -> str:
    [text] = [c.value for c in at.caption if c.value.startswith("Time: ")]
    return text


def _steps(text: str) -> int:
    return int(re.search(r"\(([\d,]+) steps\)", text).group(1).replace(",", ""))


def test_estimate_is_shown_and_follows_the_settings():
    save_sample(200)  # 140 training rows
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/train.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.segmented_control(key="cfg_preset").set_value("Quick demo").run()  # Auto is the default; a fixed preset here
    first = _estimate(at)
    # No run of MiniLM in this workspace yet: a rough guess, said to be one; the Quick demo is 1 epoch of 140 / 16.
    assert "rough guess: no earlier run of all-MiniLM-L6-v2" in first and _steps(first) == 9
    assert "minute or two" not in " ".join(c.value for c in at.caption)  # the presets promise no fixed duration
    epochs = next(n for n in at.number_input if n.label == "Epochs")
    epochs.set_value(4.0).run()
    assert _steps(_estimate(at)) == 36
