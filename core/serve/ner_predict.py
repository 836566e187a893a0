"""Named-entity recognition with a run's token classifier: raw texts → entities with character offsets.

The path from a text to its entities is the one training and evaluation use, so the playground, batch prediction
and the ``predict`` CLI find exactly the entities the report scored:

1. :func:`core.ner.spans.tokenize` cuts the text into words with their ``(start, end)`` offsets (the same tokenizer
   that imports span-annotated data; a CJK character is one word);
2. :func:`core.train.ner_data.predict_word_probs` gives every word a probability per BIO tag (long texts are cut
   into overlapping windows and stitched back, never truncated);
3. :func:`core.train.ner_data.tags_from_probs` picks each word's tag, :func:`core.ner.schemes.entities` reads the
   entities off the tags, and each entity's first and last word give its character offsets in the original text.

An entity is ``{"type", "start", "end", "text", "score"}``: ``end`` is exclusive and ``text == text[start:end]``
(the exact substring, with whatever spaces were between its words).  ``score`` is the **lowest** probability of the
entity's words' tags (one doubtful word makes the whole entity doubtful; the mean would hide it).

A batch prediction adds two columns to the uploaded table (:func:`add_entities`): ``entities``, the list as JSON,
and ``entities_text``, readable (``Maria Pemberly (PER); Quarry Point (LOC)``); :func:`to_jsonl_bytes` writes one
JSON object per row with the spans (the shape :mod:`core.ner.spans` imports).  CSV and Excel downloads go through
:func:`core.serve.predict.to_csv_bytes` like every other kind, which escapes formula-like cells.
torch/transformers are imported inside the functions that load or run a model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.i18n import message
from core.ner import schemes, spans
from core.serve import loading as serving

Entity = dict[str, Any]
ENTITIES_COLUMN = "entities"
ENTITIES_TEXT_COLUMN = "entities_text"
TEXT_SEPARATOR = "; "


# ---------------------------------------------------------------------------- words and tags → character spans
def char_entities(text: str, words: Sequence[tuple[str, int, int]], tags: Sequence[str],
                  confidences: Sequence[float]) -> list[Entity]:
    """The entities of one text from its words (``spans.tokenize``), one tag and one probability per word."""
    found: list[Entity] = []
    for type_, first, end in schemes.entities(list(tags)):
        start, stop = words[first][1], words[end - 1][2]
        found.append({"type": type_, "start": int(start), "end": int(stop), "text": text[start:stop],
                      "score": round(float(np.min(np.asarray(confidences[first:end], dtype=float))), 6)})
    return found


def entities_text(found: Sequence[Entity]) -> str:
    """The entities in words: ``Maria Pemberly (PER); Quarry Point (LOC)`` (empty when there are none)."""
    return TEXT_SEPARATOR.join(f"{e['text']} ({e['type']})" for e in found)


# ---------------------------------------------------------------------------- the model
def load_folder(folder: str | Path, *, device: str = "cpu", max_length: int = 128) -> serving.RunModel:
    """A saved token classifier (any ``AutoModelForTokenClassification`` folder) with its tags, in eval mode."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForTokenClassification.from_pretrained(folder)  # never trust_remote_code: a plain folder
    model.to(device)
    model.eval()
    labels = [str(model.config.id2label[i]) for i in range(model.config.num_labels)]
    return serving.RunModel(model, tokenizer, labels, max_length)


def _bundle(model: Any, max_length: int | None) -> serving.RunModel:
    """A :class:`core.serve.loading.RunModel` from a folder path or an already loaded bundle."""
    if isinstance(model, str | Path):
        return load_folder(model, max_length=max_length or 128)
    if max_length and max_length != model.max_length:
        return serving.RunModel(model.model, model.tokenizer, model.labels, int(max_length))
    return model


def predict_entities(model: Any, texts: Sequence[str], *, max_length: int | None = None, batch_size: int = 32,
                     progress: Callable[[int, int], None] | None = None) -> list[list[Entity]]:
    """The entities of each text, in input order (module docstring: offsets and score).

    ``model`` is a model folder or a loaded :class:`~core.serve.loading.RunModel` (its tags are ``labels``);
    ``max_length`` is the window in sub-tokens (default: the bundle's, 128 for a folder).  Empty texts, and texts
    without a word, have no entities and are not sent to the model.
    """
    from core.train.ner_data import predict_word_probs, tags_from_probs

    bundle = _bundle(model, max_length)
    texts = [str(t) for t in texts]
    words = [spans.tokenize(t) for t in texts]
    busy = [i for i, w in enumerate(words) if w]
    out: list[list[Entity]] = [[] for _ in texts]
    if not busy:
        if progress:
            progress(0, 0)
        return out
    probs = predict_word_probs(bundle.model, bundle.tokenizer, [[w[0] for w in words[i]] for i in busy],
                               bundle.max_length, batch_size=batch_size, progress=progress)
    for i, word_probs in zip(busy, probs, strict=True):
        tags, confidence = tags_from_probs(word_probs, bundle.labels)
        out[i] = char_entities(texts[i], words[i], tags, confidence)
    return out


def run_predict_entities(run_id: str, texts: Sequence[str], *, bundle: serving.RunModel | None = None,
                         progress: Callable[[int, int], None] | None = None) -> list[list[Entity]]:
    """:func:`predict_entities` with a completed NER run's model (loaded unless ``bundle`` is given)."""
    bundle = bundle or serving.load_run_model(run_id)
    return predict_entities(bundle, texts, progress=progress)


# ---------------------------------------------------------------------------- tables
def free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (model)``, ``name (model 2)``… when the upload already has that column (added to
    ``taken``); the rule of every prediction column, here because :mod:`core.serve.predict` imports this module."""
    candidate, n = name, 1
    while candidate in taken:
        candidate = f"{name} (model{'' if n == 1 else f' {n}'})"
        n += 1
    taken.add(candidate)
    return candidate


def entity_columns(existing: Sequence[Any]) -> tuple[str, str]:
    """The names of the two added columns (``entities``, ``entities_text``), clear of the upload's own."""
    taken = {str(c) for c in existing}
    return free_name(ENTITIES_COLUMN, taken), free_name(ENTITIES_TEXT_COLUMN, taken)


def add_entities(df: pd.DataFrame, found: Sequence[Sequence[Entity]]) -> pd.DataFrame:
    """``df`` with ``entities`` (JSON list) and ``entities_text`` (readable) appended, one row per input row."""
    if len(found) != len(df):
        raise ValueError(f"{len(found)} entity lists for {len(df)} rows")
    as_json, readable = entity_columns(df.columns)
    out = df.copy()
    out[as_json] = [json.dumps(list(e), ensure_ascii=False) for e in found]
    out[readable] = [entities_text(e) for e in found]
    return out


def texts_of(df: pd.DataFrame, text_column: str) -> list[str]:
    """The texts of one column (missing cells become empty texts, so rows stay aligned)."""
    if text_column not in df.columns:
        raise DataError(message("error.serve.no_text_column", column=str(text_column),
                                columns=", ".join(map(str, df.columns))))
    return ["" if pd.isna(v) else str(v) for v in df[text_column].tolist()]


def predict_table(run_id: str, df: pd.DataFrame, text_column: str, *, bundle: serving.RunModel | None = None,
                  progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Every row of ``df`` with its entities (:func:`add_entities`); the worker and the CLI use this."""
    return add_entities(df, run_predict_entities(run_id, texts_of(df, text_column), bundle=bundle, progress=progress))


def read_texts(source: bytes | str | Path, filename: str) -> Any:
    """A file of texts to predict as a :class:`core.data.formats.LoadedTable`: whatever the upload reads (tables,
    fastText), and also a plain ``.txt`` without labels, one text per line (column ``text``), which the upload
    refuses because a training file needs labels while a file to predict does not."""
    from core.data import upload
    from core.data.encodings import decode
    from core.data.formats import LoadedTable

    try:
        return upload.read_table(source, filename)
    except DataError:
        if not filename.lower().endswith(".txt"):
            raise
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    text, codec, _notes = decode(raw, None)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise DataError(message("error.data.blank_text"))
    return LoadedTable(df=pd.DataFrame({"text": lines}), format="txt", encoding=codec, delimiter=None)


def parse_entities(cell: object) -> list[Entity]:
    """An ``entities`` cell back as a list (an empty or unreadable cell is no entities)."""
    if isinstance(cell, list):
        return cell
    try:
        found = json.loads(str(cell)) if cell is not None and not pd.isna(cell) else []
    except (TypeError, ValueError):
        return []
    return found if isinstance(found, list) else []


def _plain(value: Any) -> Any:
    """A table cell as a JSON value (missing → null, numpy scalars → Python)."""
    if value is None or (not isinstance(value, list | dict | str) and pd.isna(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def jsonl_records(frame: pd.DataFrame, text_column: str) -> list[dict[str, Any]]:
    """One object per row of a prediction table: ``text``, ``entities`` (the spans) and the upload's other columns.

    The two added columns are the frame's last two (their names may carry a suffix when the upload had them).
    """
    columns = [str(c) for c in frame.columns]
    as_json, readable = columns[-2], columns[-1]
    records = []
    for row in frame.to_dict("records"):
        record: dict[str, Any] = {"text": _plain(row.get(text_column)), "entities": parse_entities(row[as_json])}
        for column, value in row.items():
            if str(column) not in {text_column, as_json, readable} and str(column) not in record:
                record[str(column)] = _plain(value)
        records.append(record)
    return records


def to_jsonl_bytes(frame: pd.DataFrame, text_column: str) -> bytes:
    """The prediction table as JSON lines (UTF-8; JSON is data, so no formula escaping is needed)."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in jsonl_records(frame, text_column)).encode("utf-8")


# ---------------------------------------------------------------------------- CLI (``python -m core predict``)
def cli_predict(args: Any, write_table: Callable[[pd.DataFrame, Path], Path]) -> int:
    """``predict`` for a NER run: ``--text`` prints ``{"text", "entities": [...]}`` as JSON (a list for several);
    ``--file IN --out OUT`` writes the table with its entities (``.csv``, ``.xlsx`` through ``write_table``, which
    escapes formula-like cells, or ``.jsonl``)."""
    import sys
    import time

    if getattr(args, "text_pair", None) or getattr(args, "text_pair_col", None):
        raise DataError(message("serve_tasks.error.pair_not_used"))
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in {".csv", ".xlsx", ".jsonl"}:
        raise DataError(message("serve_ner.error.bad_output_suffix", suffix=out.suffix))
    bundle = serving.load_run_model(args.run_id, device=serving.local_device())
    if args.text:
        found = predict_entities(bundle, args.text)
        rows = [{"text": text, "entities": ents} for text, ents in zip(args.text, found, strict=True)]
        print(json.dumps(rows[0] if len(rows) == 1 else rows, indent=2, ensure_ascii=False))
        return 0
    from core.data.columns import detect_columns

    table = read_texts(Path(args.file), Path(args.file).name)
    text_column = args.text_col or ("text" if table.format == "txt" else detect_columns(table.df).text)
    started = time.time()
    result = predict_table(args.run_id, table.df, text_column, bundle=bundle)
    if out is not None and out.suffix.lower() == ".jsonl":
        out.write_bytes(to_jsonl_bytes(result, text_column))
    elif out is not None:
        write_table(result, out)
    n = sum(len(parse_entities(c)) for c in result[result.columns[-2]])
    print(f"wrote {len(result):,} rows with {n:,} entities to {out} in {time.time() - started:.1f} s "
          f"(text column ‘{text_column}’)", file=sys.stderr)
    return 0
