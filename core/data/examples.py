"""Built-in demo datasets, so a first-time user can try Tuneboard without their own file.

The CSVs live in ``core/data/example_data/`` and ship with the app.  They were written for
Tuneboard by ``tools/make_examples.py``, ``tools/make_examples_zh.py`` (the Chinese one) and
``tools/make_examples_tasks.py`` (the multi-label, sentence-pair and regression ones): hand-written
templates, seeded generators; see ``core/data/example_data/README.md`` for what they contain and
their licence.

This module only locates the files; loading and validating them goes through the same
code path as an uploaded CSV, so the demo exercises exactly what users will use.

Named-entity examples (:data:`NER_EXAMPLES`, tagged sentences in CoNLL under ``core/ner/example_data/``) are kept
apart from :data:`EXAMPLES`: they are not tables, so the table loaders, the demo and the built-in suite (which all
iterate :data:`EXAMPLES`) never see them; :func:`load_ner_example` stores one through the NER upload path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import DataError
from core.i18n import message
from core.tasks import MULTI_LABEL, NER, REGRESSION, SINGLE_LABEL, Task

if TYPE_CHECKING:
    from core.store import DatasetRecord

EXAMPLE_DIR = Path(__file__).resolve().parent / "example_data"
NER_EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "ner" / "example_data"


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
    """File name inside :attr:`directory` (a CSV, or a CoNLL file for a NER example)."""
    text_column: str = "text"
    label_column: str = "label"
    task: str = SINGLE_LABEL
    """The :attr:`core.tasks.Task.key` of what the example teaches (``single_label``, ``multi_label``,
    ``regression``, ``pair_single_label`` …), so loading it stores that kind without guessing."""
    pair_column: str | None = None
    """The column holding the second text of each pair (stored as ``text_pair``); set exactly when
    :attr:`task` is a pair kind."""
    directory: Path = EXAMPLE_DIR
    """Where the file lives (NER examples live with core.ner's sample data)."""

    def __post_init__(self) -> None:
        # A typo here would only show when a user clicks the example: fail at import instead.
        pair = Task.from_key(self.task).pair  # ValueError for an unknown key
        if pair != (self.pair_column is not None):
            raise ValueError(f"example {self.key!r}: pair_column must be set exactly for a pair task")


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
    "support_tags": Example(
        key="support_tags",
        title="Support-ticket tags",
        description=(
            "406 support tickets to an online shop (emails, chats and in-app notes); the model learns "
            "to give each one every tag that fits, such as billing, refund, bug or urgent, so one "
            "ticket can get several tags."
        ),
        filename="support_tags.csv",
        label_column="tags",
        task=MULTI_LABEL,
    ),
    "paraphrase_pairs": Example(
        key="paraphrase_pairs",
        title="Paraphrase pairs",
        description=(
            "400 pairs of sentences from customer questions and product descriptions; the model learns "
            "whether the second sentence says the same as the first, however differently it is worded."
        ),
        filename="paraphrase_pairs.csv",
        text_column="sentence1",
        pair_column="sentence2",
        task=Task(SINGLE_LABEL, pair=True).key,
    ),
    "review_scores": Example(
        key="review_scores",
        title="Product review scores",
        description=(
            "400 product reviews, each with the average of several people's 0–5 star ratings; the model "
            "learns to predict that score from the words, from about 0.5 for an angry review to about 4.5 "
            "for a delighted one."
        ),
        filename="review_scores.csv",
        label_column="score",
        task=REGRESSION,
    ),
}


NER_EXAMPLES: dict[str, Example] = {
    "news_entities": Example(
        key="news_entities",
        title="News entities (NER)",
        description=(
            "300 short news-style sentences with made-up names; the model learns to find the people, "
            "organisations, places and other names (events, products, nationalities) in a sentence, word by word."
        ),
        filename="news_entities.conll",
        task=NER,
        directory=NER_EXAMPLE_DIR,
    ),
}
"""Built-in named-entity examples (see the module docstring for why they are not in :data:`EXAMPLES`)."""


def _get(key: str) -> Example:
    # A user-facing sentence instead of a bare KeyError: the key can come from a URL or
    # a saved run config, so an unknown one is a user error, not a programming error.
    found = EXAMPLES.get(key) or NER_EXAMPLES.get(key)
    if found is None:
        choices = ", ".join([*EXAMPLES, *NER_EXAMPLES])
        raise DataError(message("error.data.unknown_example", key=str(key), choices=choices))
    return found


def example_path(key: str) -> Path:
    """Return the path of the example file called *key* (a CSV, or CoNLL for a NER example).

    Raises :class:`core.errors.DataError` for an unknown key.
    """
    example = _get(key)
    return example.directory / example.filename


def load_ner_example(key: str, *, name: str | None = None) -> DatasetRecord:
    """Store the built-in NER example *key* through the NER upload path (idempotent) and return its record;
    ``name`` names it in the interface's language (default: the English title)."""
    from core.data.ner_import import import_ner

    example = NER_EXAMPLES.get(key)
    if example is None:
        raise DataError(message("error.data.unknown_example", key=str(key), choices=", ".join(NER_EXAMPLES)))
    return import_ner(example_bytes(key), example.filename, name=name or example.title)


def example_bytes(key: str) -> bytes:
    """Return the raw bytes of the example CSV called *key*.

    Bytes (not a DataFrame) so the caller can feed them to the same loader that handles
    uploads and offer them as a download.  Raises :class:`core.errors.DataError` for an
    unknown key.
    """
    return example_path(key).read_bytes()
