"""Built-in demo datasets, so a first-time user can try Tuneboard without their own file.

The CSVs live in ``core/data/example_data/`` and ship with the app.  They were written for
Tuneboard by ``tools/make_examples.py`` and, for the Chinese one, ``tools/make_examples_zh.py``
(hand-written templates, seeded generators); see ``core/data/example_data/README.md`` for what they
contain and their licence.

This module only locates the files; loading and validating them goes through the same
code path as an uploaded CSV, so the demo exercises exactly what users will use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import DataError
from core.i18n import message

EXAMPLE_DIR = Path(__file__).resolve().parent / "example_data"


@dataclass(frozen=True)
class Example:
    """One built-in dataset and the columns the app should preselect for it."""

    key: str
    """Stable identifier used in URLs, run configs and tests."""
    title: str
    """Short name shown in the UI."""
    description: str
    """One sentence for a non-programmer: what the texts are and what the model learns."""
    filename: str
    """CSV file name inside ``core/data/example_data``."""
    text_column: str = "text"
    label_column: str = "label"


EXAMPLES: dict[str, Example] = {
    "support_intents": Example(
        key="support_intents",
        title="Customer-support intents",
        description=(
            "636 customer messages to an online shop (emails, chats and in-app notes); "
            "the model learns to sort each one into what the customer wants, such as "
            "a refund, an order update or help logging in."
        ),
        filename="support_intents.csv",
    ),
    "finance_sentiment": Example(
        key="finance_sentiment",
        title="Financial news sentiment",
        description=(
            "505 short news headlines about made-up companies; the model learns whether "
            "each one is good, bad or neutral news for the company."
        ),
        filename="finance_sentiment.csv",
    ),
    "support_intents_zh": Example(
        key="support_intents_zh",
        title="Customer-support intents in Chinese (中文客服意图)",
        description=(
            "446 customer messages in Chinese to an online shop (chat, email and app); the model learns "
            "to sort each one into what the customer wants, such as 退款 (a refund), 物流查询 (where the "
            "parcel is) or 发票 (an invoice)."
        ),
        filename="support_intents_zh.csv",
    ),
}


def _get(key: str) -> Example:
    # A user-facing sentence instead of a bare KeyError: the key can come from a URL or
    # a saved run config, so an unknown one is a user error, not a programming error.
    try:
        return EXAMPLES[key]
    except KeyError:
        choices = ", ".join(EXAMPLES)
        raise DataError(message("error.data.unknown_example", key=str(key), choices=choices)) from None


def example_path(key: str) -> Path:
    """Return the path of the example CSV called *key*.

    Raises :class:`core.errors.DataError` for an unknown key.
    """
    return EXAMPLE_DIR / _get(key).filename


def example_bytes(key: str) -> bytes:
    """Return the raw bytes of the example CSV called *key*.

    Bytes (not a DataFrame) so the caller can feed them to the same loader that handles
    uploads and offer them as a download.  Raises :class:`core.errors.DataError` for an
    unknown key.
    """
    return example_path(key).read_bytes()
