"""One entry for storing any file the CLI is given: a NER file (CoNLL, JSON lines of tokens and tags, text with
spans) goes to :mod:`core.data.ner_import`, anything else to :func:`core.data.library.import_file` (tables).

A module of its own so that neither importer imports the other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.data import library
from core.data.ner_import import import_ner, is_ner_file
from core.store import DatasetRecord


def is_ner_source(source: bytes | str | Path, filename: str | None = None) -> bool:
    """Whether ``source`` (bytes, or a path) holds tagged tokens rather than a table."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            return False  # the table importer says what is missing
        with path.open("rb") as handle:
            return is_ner_file(handle.read(65536), filename or path.name)
    return is_ner_file(bytes(source), filename)


def import_any(source: bytes | str | Path, filename: str | None = None, *, name: str | None = None,
               **table_options: Any) -> DatasetRecord:
    """Store ``source`` as a dataset: NER files as sentences of tagged words, anything else as a table
    (``table_options``: :func:`core.data.library.import_file`'s column and task arguments).  A ``task`` other than
    NER always means a table."""
    task = table_options.get("task")
    if (task is None or task.ner) and is_ner_source(source, filename):
        return import_ner(source, filename, name=name)
    return library.import_file(source, filename, name=name, **table_options)
