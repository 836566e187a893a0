"""Find English left on a page rendered in Chinese (used by the AppTests of every page in 中文).

``english_leftovers(at, data=…)`` walks every element AppTest saw — text, labels, help, placeholders, options, tab
and expander labels, table headers, chart titles and axes — drops what is the user's own data (``data``: dataset
and label names, texts, run names) and the technical names that stay as they are in Chinese (:data:`KEEP`), and
returns the English words that remain, with where they were.  A page in Chinese passes when that list is empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

import pandas as pd

KEEP = {
    # Names that stay in Latin letters in a Chinese interface: products, formats, units, metrics, libraries.
    "Tuneboard", "MiniLM", "BERT", "RoBERTa", "TF-IDF", "TF", "IDF", "CSV", "TSV", "JSON", "JSONL", "Excel", "Parquet",
    "HTML", "ZIP", "ONNX", "CPU", "GPU", "CUDA", "MPS", "LoRA", "PEFT", "ECE", "AUC", "ROC", "PR", "F1", "Hugging",
    "Face", "Hub", "transformers", "safetensors", "pipeline", "python", "core", "macro", "micro", "tokens", "token",
    "int8", "fp32", "bf16", "fp16", "Streamlit", "MLflow", "TensorBoard", "Ray", "Optuna", "cleanlab", "sklearn",
    "scikit-learn", "all-MiniLM-L6-v2", "tiny-random-bert", "MB", "GB", "KB", "ms", "min", "s", "h", "UTF",
    "BOM", "id", "ID", "URL", "API", "CLI", "Adam", "AdamW", "softmax", "logits", "p95", "p50", "std", "AdaLoRA",
    "IA3", "DistilBERT", "RBT3", "RoBERTa-wwm-ext", "wwm", "Markdown", "GLUE", "NER", "CoNLL", "BIO", "IOB1", "BIOES", "IO", "doccano", "CLUENER",
    "utf-8", "utf-8-sig", "utf-16", "gb18030", "cp1252", "latin-1",  # codec names, as Python spells them
}
"""Words allowed in Latin letters on a Chinese page.  Add a word only when Chinese UIs keep it in English too."""

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.+-]*[A-Za-z0-9]|[A-Za-z]")
_CODE = re.compile(r"`[^`]*`")
_URL_OR_PATH = re.compile(r"(https?://\S+|[\w.-]*/[\w./-]+|\S+\.(csv|json|jsonl|xlsx|tsv|parquet|zip|html|txt|md)\b)")
_ICON = re.compile(r":material/[a-z_]+:|:[a-z_]+\[[^\]]*\]")


SWITCH_LABEL = "Language · 语言"
"""The language switch is labelled, and its options named, in both languages on purpose."""


def _texts_of(node) -> Iterator[tuple[str, str]]:
    kind = type(node).__name__
    if getattr(node, "label", None) == SWITCH_LABEL:
        return
    is_widget = hasattr(node, "set_value")  # a widget's value is the user's input or an option code, not our text
    for attr in ("value", "label", "help", "placeholder", "body"):
        try:
            value = getattr(node, attr, None)
        except Exception:  # some elements compute attributes lazily from protos they lack
            continue
        if isinstance(value, str) and not (is_widget and attr == "value"):
            yield f"{kind}.{attr}", value
        elif isinstance(value, pd.DataFrame):
            yield from ((f"{kind}.column", str(c)) for c in value.columns)
    for attr in ("options",):
        values = getattr(node, attr, None)
        if isinstance(values, list | tuple):
            yield from ((f"{kind}.option", str(v)) for v in values)
    proto = getattr(node, "proto", None)
    if proto is not None and getattr(getattr(proto, "DESCRIPTOR", None), "name", "") == "PlotlyChart":
        yield from (("chart", text) for text in _figure_texts(json.loads(proto.spec)))  # AppTest: an UnknownElement
    elif proto is not None:
        yield from _proto_texts(kind, proto)


def _proto_texts(kind: str, proto) -> Iterator[tuple[str, str]]:
    for field in ("expandable", "tab", "popover"):
        try:
            if proto.HasField(field):
                yield f"{kind}.{field}", getattr(proto, field).label
        except (ValueError, AttributeError):
            pass
    try:
        if proto.HasField("plotly_chart"):
            yield from (("chart", text) for text in _figure_texts(json.loads(proto.plotly_chart.spec)))
    except (ValueError, AttributeError):
        pass


def _figure_texts(spec: dict) -> Iterator[str]:
    layout = spec.get("layout", {})
    for value in layout.values():
        if isinstance(value, dict) and isinstance(value.get("title"), dict) and value["title"].get("text"):
            yield str(value["title"]["text"])  # axis titles
    if isinstance(layout.get("title"), dict) and layout["title"].get("text"):
        yield str(layout["title"]["text"])
    for annotation in layout.get("annotations", []):
        if annotation.get("text"):
            yield str(annotation["text"])
    for trace in spec.get("data", []):
        if trace.get("name"):
            yield str(trace["name"])


def _walk(node) -> Iterator:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def shown_texts(at) -> list[tuple[str, str]]:
    """Every (where, text) the rendered app shows."""
    return [pair for node in _walk(at._tree) for pair in _texts_of(node)]


def english_words(text: str, data: Iterable[str] = ()) -> list[str]:
    """The English words in ``text`` once code, paths, icons, the user's ``data`` and :data:`KEEP` are removed."""
    for value in sorted({str(d) for d in data if str(d).strip()}, key=len, reverse=True):
        # Whole words only: a column named "text" must not hide the English word "texts".
        text = re.sub(rf"(?<![A-Za-z]){re.escape(value)}(?![A-Za-z])", " ", text)
    text = _ICON.sub(" ", _URL_OR_PATH.sub(" ", _CODE.sub(" ", text)))
    return [w for w in _WORD.findall(text) if w not in KEEP and w.lower() not in {k.lower() for k in KEEP}
            and not re.fullmatch(r"[A-Za-z]?\d[\w.]*|[a-z]\d*|e-?\d+", w)]


def english_leftovers(at, data: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(where, text) of every shown text that still has English words in it."""
    data = list(data)
    return [(where, text) for where, text in shown_texts(at) if english_words(text, data)]
