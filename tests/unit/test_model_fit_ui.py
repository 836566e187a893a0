"""The Train page shows the model/language warning with its number (AppTest, no browser)."""

from __future__ import annotations

import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from core.data import library as datasets
from tests.conftest import ROOT, save_sample

THAI = ["ห้องพักสะอาดและพนักงานเป็นมิตร", "อาหารเช้าไม่ดีแต่เตียงสบาย", "ทำเลดีใกล้สถานีรถไฟ", "เสียงดังมากจะไม่มาพักอีก"]


def _train_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/train.py")
    return at.run()


def test_train_page_warns_when_the_model_cannot_read_the_data() -> None:
    frame = pd.DataFrame({"text": [f"{THAI[i % 4]} {i}" for i in range(40)], "label": ["a", "b"] * 20})
    datasets.save_frame(frame, name="thai reviews")
    at = _train_page()
    assert not at.exception, [e.value for e in at.exception]
    # The page escapes Markdown (backslashes, zero-width spaces after dots); read the plain sentence back.
    warnings = [w.value.replace("\\", "").replace("\u200b", "") for w in at.warning if "of the characters" in w.value]
    assert warnings and "xlm-roberta-base" in warnings[0]
    share = float(re.match(r"(\d+\.\d)% of the characters", warnings[0]).group(1))
    assert share > 50


def test_train_page_is_quiet_for_english_data() -> None:
    save_sample(100)
    at = _train_page()
    assert not at.exception
    assert not [w.value for w in at.warning if "of the characters" in w.value]


def test_train_page_warns_in_chinese() -> None:
    frame = pd.DataFrame({"text": [f"{THAI[i % 4]} {i}" for i in range(40)], "label": ["a", "b"] * 20})
    datasets.save_frame(frame, name="thai reviews")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = "zh"
    at.switch_page("pages/train.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value.replace("\\", "") for w in at.warning if "分词器不认识" in w.value]
    assert warnings and "xlm-roberta-base" in warnings[0] and "of the characters" not in warnings[0]
