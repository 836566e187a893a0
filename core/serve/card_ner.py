"""The model card and usage code of a named-entity recognition (NER) run's export.

A NER run's model folder is a plain ``AutoModelForTokenClassification`` whose ``id2label`` are BIO tags, so it loads
with a plain ``pipeline("token-classification", model=...)`` and an ``aggregation_strategy`` that joins tagged pieces
into entity groups (``entity_group``, ``score``, ``word``, ``start``, ``end``).  The usage code says ``"first"``: only
each word's first piece is trained (:mod:`core.train.ner_data`), and ``"first"`` reads a whole word's tag from it,
as Tuneboard's own predictions do; ``"simple"`` also answers with entity groups but groups pieces by their own
(untrained) tags, so a name can come back split at a piece such as ``##ly``.  The card follows the classification
card's sections (:func:`core.serve.export.model_card`) with entity-level numbers from the report (micro and macro
precision/recall/F1 over whole entities, token accuracy, one row per entity type).  Every phrase is a catalogue
string (section ``serve_ner.card``).  Nothing here imports torch.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from core import store
from core.config import TINY_TEST_MODEL
from core.i18n import translate

SUMMARY_METRICS = ("precision", "recall", "f1", "f1_macro", "token_accuracy")


def say(language: str, key: str, **params: object) -> str:
    """One phrase of the NER card (catalogue section ``serve_ner.card``)."""
    return translate(language, f"serve_ner.card.{key}", **params)


def _pct(value: Any) -> str:
    return f"{100 * value:.1f}%" if isinstance(value, int | float) and not isinstance(value, bool) else "–"


_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"


def readable(words_text: str) -> str:
    """A stored NER text (its words joined by single spaces) as a person would write it, for code examples: no
    space before closing punctuation, after an opening bracket, or between CJK characters."""
    text = re.sub(r" ([,.;:!?%)\]}])", r"\1", words_text)
    text = re.sub(r"([(\[{]) ", r"\1", text)
    return re.sub(rf"(?<=[{_CJK}]) (?=[{_CJK}])", "", text)


def usage(example: str, *, peft: bool = False, base: str = "") -> str:
    """The few lines of Python that load the unzipped export and find the entities of ``example`` (a ``repr``)."""
    call = (f"print(tagger({example}))\n"
            '# [{"entity_group": "PER", "score": 0.98, "word": "...", "start": 0, "end": 14}, ...]: one dict per entity,\n'
            "# start/end are character offsets in the text. \"first\" reads each whole word's tag from its first piece,\n"
            "# the only piece that was trained (as Tuneboard scores it); aggregation_strategy=\"simple\" also works but\n"
            "# groups pieces by their own tags, so a name can come back split at a piece like '##ly'.\n")
    if peft:
        return (
            "# Unzip the download; needs: pip install torch transformers peft\n"
            "import json\n\n"
            "from peft import PeftModel\n"
            "from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline\n\n"
            'tags = json.load(open("labels.json"))  # the BIO tags in model order\n'
            f"base = AutoModelForTokenClassification.from_pretrained({base!r}, num_labels=len(tags),\n"
            "    id2label=dict(enumerate(tags)), label2id={tag: i for i, tag in enumerate(tags)})\n"
            'model = PeftModel.from_pretrained(base, "model")  # the adapter\n'
            'tagger = pipeline("token-classification", model=model, tokenizer=AutoTokenizer.from_pretrained("model"),\n'
            '                  aggregation_strategy="first")\n' + call
        )
    return (
        "# Unzip the download; needs: pip install torch transformers\n"
        "from transformers import pipeline\n\n"
        'tagger = pipeline("token-classification", model="model", aggregation_strategy="first")  # model/ from the zip\n'
        + call
    )


def _types(run: store.Run, report: dict[str, Any]) -> list[str]:
    """The entity types: the run's labels, else the report's per-type rows."""
    labels = run.info.get("labels") or (report.get("run") or {}).get("labels") or []
    return [str(x) for x in labels] or [str(row["type"]) for row in report.get("per_type", [])]


def _metric_lines(report: dict[str, Any], language: str) -> list[str]:
    summary = report.get("summary", {})
    lines = [say(language, "metric_header"), "|---|---:|"]
    lines += [f"| {say(language, f'metric_{key}')} | {_pct(summary[key])} |" for key in SUMMARY_METRICS if key in summary]
    rows = report.get("per_type") or []
    if rows:
        lines += ["", say(language, "per_type_header"), "|---|---:|---:|---:|---:|"]
        lines += [f"| {r['type']} | {_pct(r.get('precision'))} | {_pct(r.get('recall'))} | {_pct(r.get('f1'))} | "
                  f"{r.get('support', 0)} |" for r in rows]
    return lines


def _limits(run: store.Run, report: dict[str, Any], language: str) -> list[str]:
    """Plain-language limits, each from this run's own numbers."""
    summary = report.get("summary", {})
    max_length = run.config.get("max_length", 128)
    lines = [say(language, "limit_types", types=", ".join(_types(run, report))),
             say(language, "limit_strict"), say(language, "limit_length", max_length=max_length)]
    if isinstance(summary.get("f1"), int | float):
        lines.append(say(language, "limit_f1", f1=_pct(summary["f1"]), precision=_pct(summary.get("precision")),
                         recall=_pct(summary.get("recall"))))
    rows = sorted(report.get("per_type") or [], key=lambda row: row.get("f1", 0))
    if len(rows) > 1 and rows[0].get("f1", 1) < rows[-1].get("f1", 0) - 0.1:
        lines.append(say(language, "limit_weakest", worst=rows[0]["type"], worst_f1=_pct(rows[0]["f1"]),
                         best=rows[-1]["type"], best_f1=_pct(rows[-1]["f1"])))
    n = summary.get("n_sentences")
    if isinstance(n, int) and n < 200:
        lines.append(say(language, "limit_small_test", n=n))
    if str(run.config.get("model")) == TINY_TEST_MODEL:
        lines.append(translate(language, "export.card.limit_tiny"))
    lines.append(translate(language, "export.card.limit_bias"))
    return lines


def model_card(run: store.Run, report: dict[str, Any], *, base: str, settings: Sequence[str], usage_code: str,
               language: str) -> str:
    """The Markdown card (README.md) of a NER run: data, settings, entity-level test results, use, limits, code.

    ``settings`` are the settings table's rows and ``usage_code`` the usage snippet (both made by the caller, which
    shares them with the classification card)."""
    summary = report.get("summary", {})
    sizes = (report.get("run") or {}).get("split_sizes", {})
    types = _types(run, report)
    dataset_name = run.info.get("dataset_name") or run.dataset_id or "unknown"
    finished = time.strftime("%Y-%m-%d", time.localtime(run.finished_at or time.time()))
    lines = ["---", "library_name: transformers", "pipeline_tag: token-classification", "tags:",
             "- token-classification", "- named-entity-recognition", "- tuneboard", "---", "", f"# {run.name}", "",
             say(language, "intro", base=base, run_id=run.id, date=finished, types=", ".join(types)), "",
             translate(language, "export.card.data"), "",
             translate(language, "export.card.dataset", name=dataset_name, dataset_id=run.dataset_id)]
    if sizes:
        parts = ", ".join(say(language, "split_part", count=f"{sizes[k]:,}", split=translate(language, f"export.card.split_{k}"))
                          for k in ("train", "validation", "test") if k in sizes)
        lines.append(say(language, "sentences", parts=parts))
    lines += ["", translate(language, "export.card.settings"), "", translate(language, "export.card.base_model", base=base),
              "", translate(language, "export.card.settings_header"), "|---|---|", *settings]
    if run.info.get("cli"):
        lines += ["", translate(language, "export.card.reproduce"), "", "```bash", str(run.info["cli"]), "```"]
    lines += ["", say(language, "results", n=summary.get("n_sentences", "?"), entities=summary.get("n_entities", "?")),
              "", *_metric_lines(report, language),
              "", translate(language, "export.card.use"), "", say(language, "use", dataset=dataset_name, types=", ".join(types)),
              "", translate(language, "export.card.limits"), "", *_limits(run, report, language),
              "", translate(language, "export.card.how_to_use"), "", "```python", usage_code.rstrip(), "```", ""]
    return "\n".join(lines)
