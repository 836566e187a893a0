"""Issue 14 item 7: a model whose tokenizer does not know the data's language gets a warning with a number."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from core.config import BUILTIN_MODEL
from core.data import health, vocab
from core.data import library as datasets

ENGLISH = [
    "The room was clean and the staff were friendly.",
    "Breakfast was poor but the bed was comfortable.",
    "I would not stay here again, the noise was terrible.",
    "Great location near the station, easy to find.",
]
THAI = ["ห้องพักสะอาดและพนักงานเป็นมิตร", "อาหารเช้าไม่ดีแต่เตียงสบาย", "ทำเลดีใกล้สถานีรถไฟ", "เสียงดังมากจะไม่มาพักอีก"]
CHINESE = ["这家酒店的房间很好，服务也不错", "早餐很差，但是床很舒服", "位置很好，离车站很近", "太吵了，不会再来住"]


def _frame(texts: list[str], n: int = 40) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"{texts[i % len(texts)]} {i}" for i in range(n)], "label": ["a", "b"] * (n // 2)})


@pytest.fixture(scope="module")
def counter():
    measure = vocab.unknown_counter(BUILTIN_MODEL)
    assert measure is not None, "the built-in MiniLM tokenizer must be found"
    return measure


def test_english_text_is_known_to_minilm(counter) -> None:
    share = counter(ENGLISH)
    assert share.tokens > 30 and share.unknown_tokens == 0 and share.char_share == 0.0
    assert vocab.warning_message(share) is None


@pytest.mark.parametrize(("texts", "advice"), [(THAI, "xlm-roberta-base"), (CHINESE, "hfl/rbt3")])
def test_unknown_script_gets_a_warning_with_the_share(counter, texts: list[str], advice: str) -> None:
    share = counter(texts)
    assert share.char_share > 0.5 and share.token_share > 0.05
    message = vocab.warning_message(share)
    assert message is not None and advice in message and "[UNK]" in message
    assert f"{share.char_share:.1%}" in message


def test_mostly_english_with_a_little_emoji_stays_quiet(counter) -> None:
    texts = [*ENGLISH * 10, "loved it 😍"]
    share = counter(texts)
    assert 0 < share.char_share < vocab.UNKNOWN_WARNING
    assert vocab.warning_message(share) is None


def test_health_report_warns_with_the_number(counter) -> None:
    english = health.health_report(_frame(ENGLISH), count_unknown=counter)
    assert "unknown_tokens" not in {f.code for f in english.findings}
    assert english.unknown is not None and english.unknown["char_share"] == 0.0
    thai = health.health_report(_frame(THAI), count_unknown=counter)
    finding = next(f for f in thai.findings if f.code == "unknown_tokens")
    assert finding.severity == "warning" and re.search(r"\d+\.\d% of the characters", finding.message)
    assert thai.to_dict()["unknown"]["token_share"] > 0.05
    assert "unknown_tokens" not in {f.code for f in health.health_report(_frame(THAI)).findings}  # not measured


def test_models_without_a_local_tokenizer_or_unknown_token_are_skipped() -> None:
    assert vocab.unknown_counter("no-such-org/no-such-model") is None
    assert vocab.model_fit_warning(THAI, "no-such-org/no-such-model") is None
    assert vocab.unknown_counter("tiny-random-bert") is not None  # built with the MiniLM tokenizer


def test_stored_dataset_warning_for_the_train_page() -> None:
    thai = datasets.save_frame(_frame(THAI), name="thai").id
    english = datasets.save_frame(_frame(ENGLISH), name="english").id
    assert "become [UNK]" in (vocab.dataset_fit_warning(thai, BUILTIN_MODEL) or "")
    assert vocab.dataset_fit_warning(english, BUILTIN_MODEL) is None
