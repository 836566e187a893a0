"""Exporting a finished run: a zip in Hugging Face format with a generated model card, and usage code.

Zip layout (fp32)::

    README.md      model card: data, settings, test results, intended use and limits
    labels.json    class names in model order (``["score"]`` for a regression)
    thresholds.json  multi-label runs: each label's decision threshold (also ``label_thresholds`` in config.json)
    model/         config.json + model.safetensors + tokenizer — ``pipeline("text-classification", model="model")``
    adapter/       LoRA / AdaLoRA / prompt-tuning runs: the PEFT adapter on its own

The card and the usage code follow the run's kind (:mod:`core.serve.card_tasks`, :mod:`core.serve.usage`).
With ``int8=True`` (single-text, single-label runs) the zip holds ``int8/`` (see core/quantize.py), ``load_int8.py``
and the card instead of ``model/``.  Nothing here imports torch: exporting is file copying and text.
"""

from __future__ import annotations

import functools
import json
import os
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

from core import paths, results, store
from core.config import TINY_TEST_MODEL
from core.errors import ModelError, RunError
from core.evaluate import latency
from core.i18n import DEFAULT_LANGUAGE, message, translate
from core.serve import card_ner, card_tasks, quantize, task_output
from core.serve import loading as serving
from core.serve.usage import BUILTIN_HUB_ID, base_model_name, usage_snippet
from core.tasks import SINGLE_LABEL, Task

_STORED_SUFFIXES = {".safetensors", ".bin", ".pt"}  # already dense: deflating them costs time and saves little
_SKIP_NAMES = {"README.md", "training_args.bin"}


# ---------------------------------------------------------------------------- facts about a run
def _report(run_id: str) -> dict[str, Any]:
    return results.read_report(run_id) or {}


def _label_values(run: store.Run) -> tuple[list[Any] | None, str]:
    """The label column of the whole dataset (multi-label cells, numbers), else of the test split, else None."""
    try:
        from core.data import library as datasets

        return datasets.load_frame(run.dataset_id or "")["label"].tolist(), "whole dataset"
    except Exception:  # the dataset may have been deleted since; the test predictions keep the true labels
        try:
            return results.load_predictions(run.id, columns=["label"])["label"].tolist(), "test split"
        except Exception:
            return None, "test split"


def _label_counts(run: store.Run, report: dict[str, Any]) -> tuple[dict[str, int], str]:
    """Examples per class in the whole dataset (or in the test split when the dataset is gone)."""
    try:
        from core.data import library as datasets

        frame = datasets.load_frame(run.dataset_id or "")
        return {str(k): int(v) for k, v in frame["label"].astype(str).value_counts().sort_index().items()}, "whole dataset"
    except Exception:  # the dataset may have been deleted since; the report still knows the test split
        return {row["label"]: int(row["support"]) for row in report.get("per_class", [])}, "test split"


def _pct(value: Any) -> str:
    return f"{100 * value:.1f}%" if isinstance(value, int | float) else "–"


# ---------------------------------------------------------------------------- model card
def _card(language: str, key: str, **params: object) -> str:
    """One line or phrase of the model card in ``language`` (catalogue section ``export.card``)."""
    return translate(language, f"export.card.{key}", **params)


def _settings_lines(config: dict[str, Any], language: str = DEFAULT_LANGUAGE) -> list[str]:
    keys = ["epochs", "max_steps", "learning_rate", "batch_size", "gradient_accumulation", "max_length", "weight_decay",
            "warmup_ratio", "lr_scheduler", "label_smoothing", "class_weighted_loss", "freeze", "seed", "precision"]
    if config.get("freeze") == "lower":
        keys.insert(keys.index("seed"), "freeze_layers")
    peft = config.get("peft", "none")
    keys.append("peft")
    if peft in {"lora", "adalora"}:
        keys += ["lora_r", "lora_alpha", "lora_dropout", "lora_target_modules"]
    elif peft == "prompt_tuning":
        keys.append("prompt_tokens")
    default = _card(language, "default")
    return [f"| {k} | {config[k] if config[k] != '' else default} |" for k in keys if k in config]


def _limits(run: store.Run, report: dict[str, Any], labels: list[str], language: str = DEFAULT_LANGUAGE,
            task: Task | None = None, value_range: dict[str, float] | None = None) -> list[str]:
    """Plain-language limits, each derived from this run's own numbers."""
    task = task or Task()
    summary = report.get("summary", {})
    config = run.config
    max_length = config.get("max_length", 128)
    single = task.target == SINGLE_LABEL
    if single:
        lines = [_card(language, "limit_one_class", k=len(labels)),
                 card_tasks.length_limit(task, language, max_length), *_accuracy_limits(report, language)]
    else:
        lines = card_tasks.limits(task, language, report, labels, max_length, value_range)
    n_test = summary.get("n_test")
    if isinstance(n_test, int) and n_test < 200:
        lines.append(_card(language, "limit_small_test", n_test=n_test))
    if single:
        lines += _confidence_limits(report, language)
    if str(config.get("model")) == TINY_TEST_MODEL:
        lines.append(_card(language, "limit_tiny"))
    lines.append(_card(language, "limit_bias"))
    return lines


def _accuracy_limits(report: dict[str, Any], language: str) -> list[str]:
    """The single-label limits on how often it is right: accuracy, majority class, weakest class."""
    summary = report.get("summary", {})
    lines: list[str] = []
    accuracy = summary.get("accuracy")
    if isinstance(accuracy, int | float):
        wrong = 1 - accuracy
        lines.append(_card(language, "limit_accuracy", accuracy=_pct(accuracy), every=max(1, round(1 / wrong))) if wrong > 0
                     else _card(language, "limit_accuracy_perfect", accuracy=_pct(accuracy)))
        supports = [row.get("support", 0) for row in report.get("per_class", [])]
        if supports and sum(supports) and accuracy <= max(supports) / sum(supports) + 0.02:
            lines.append(_card(language, "limit_majority", share=_pct(max(supports) / sum(supports))))
    per_class = sorted(report.get("per_class", []), key=lambda row: row.get("f1", 0))
    if len(per_class) > 1 and per_class[0].get("f1", 1) < per_class[-1].get("f1", 0) - 0.1:
        lines.append(_card(language, "limit_weakest", worst=per_class[0]["label"], worst_f1=_pct(per_class[0]["f1"]),
                           best=per_class[-1]["label"], best_f1=_pct(per_class[-1]["f1"])))
    return lines


def _confidence_limits(report: dict[str, Any], language: str) -> list[str]:
    """The single-label limits on its confidence and robustness."""
    lines: list[str] = []
    ece = report.get("summary", {}).get("ece")
    if isinstance(ece, int | float) and ece > 0.08:
        lines.append(_card(language, "limit_ece", points=f"{100 * ece:.0f}"))
    robust = [r for r in report.get("robustness") or [] if isinstance(r.get("drop"), int | float)]
    if robust:
        worst = max(robust, key=lambda r: r["drop"])
        if worst["drop"] >= 2:
            lines.append(_card(language, "limit_robustness", drop=f"{worst['drop']:.1f}",
                               description=_perturbation_text(worst, language)))
    return lines


def _temperature_lines(report: dict[str, Any], language: str) -> list[str]:
    """The calibration paragraph: the temperature the saved weights carry and what it did to the test ECE."""
    scaling = (report.get("calibration") or {}).get("temperature_scaling")
    if not scaling:
        return []
    return ["", _card(language, "calibration", temperature=f"{scaling['temperature']:.2f}",
                      n=f"{scaling['validation_rows']:,}", before=f"{100 * scaling['before']['ece']:.1f}",
                      after=f"{100 * report['calibration']['ece']:.1f}")]


def _perturbation_text(row: dict[str, Any], language: str) -> str:
    """What a robustness perturbation changes: core's English description, or the catalogue's in another language."""
    english = str(row.get("description", row["perturbation"]))
    key = f"export.perturbation.{row['perturbation']}.description"
    try:
        return english if language == DEFAULT_LANGUAGE else translate(language, key)
    except KeyError:  # a perturbation the catalogue does not know (saved by another version)
        return english


def model_card(run_id: str, *, int8: bool = False, language: str = DEFAULT_LANGUAGE) -> str:
    """A Markdown model card (README.md) generated from the run: data, settings, test metrics, use and limits.

    ``language`` is a code of core.i18n.LANGUAGES; the zip keeps the English card.  Runs of another kind than plain
    single-label text state their kind and get its data table, metrics, limits and ``pipeline`` call
    (:mod:`core.serve.card_tasks`).
    """
    run = serving.require_model(run_id)
    task = task_output.run_task(run_id)
    report = _report(run_id)
    labels = serving.run_labels(run_id)
    config = run.config
    summary = report.get("summary", {})
    sizes = report.get("run", {}).get("split_sizes", {})
    dataset_name = run.info.get("dataset_name") or run.dataset_id or "unknown"
    base = base_model_name(config)
    say = functools.partial(_card, language)
    if task.ner:  # entities, not classes: its own card (core.serve.card_ner)
        return card_ner.model_card(run, report, base=base, settings=_settings_lines(config, language),
                                   usage_code=usage_snippet(run_id), language=language)
    finished = time.strftime("%Y-%m-%d", time.localtime(run.finished_at or time.time()))
    plain = task == Task()
    shown = [] if task.regression else labels  # a regression's one output ("score") is not a class
    facts = {"k": len(labels), "base": base, "run_id": run.id, "date": finished}
    lines = [
        "---", "library_name: transformers", "pipeline_tag: text-classification", "tags:", "- text-classification",
        *card_tasks.tags(task), "- tuneboard", "---", "",
        f"# {run.name}", "",
        *([say("intro", **facts)] if plain else card_tasks.intro(task, language, **facts)),
        "",
        say("data"), "",
        say("dataset", name=dataset_name, dataset_id=run.dataset_id),
    ]
    if sizes:
        parts = say("separator").join(say("split_part", count=f"{sizes[k]:,}", split=say(f"split_{k}"))
                                      for k in ("train", "validation", "test") if k in sizes)
        lines.append(say("examples", parts=parts, total=f"{sum(sizes.values()):,}"))
    value_range = task_output.target_range(run_id) if task.regression else None
    if task.target == SINGLE_LABEL:
        counts, counted_on = _label_counts(run, report)
        lines += ["", say("class_header", counted_on=say(f"counted_{counted_on.replace(' ', '_')}")), "|---|---:|"]
        lines += [f"| {label} | {counts.get(label, 0):,} |" for label in labels]
    else:
        values, counted_on = _label_values(run)
        table = card_tasks.data_table(task, language, values, labels, report, counted_on)
        lines += ["", *table] if table else []
    lines += ["", say("settings"), "", say("base_model", base=base), "", say("settings_header"), "|---|---|"]
    lines += _settings_lines(config, language)
    if run.info.get("cli"):
        lines += ["", say("reproduce"), "", "```bash", str(run.info["cli"]), "```"]
    lines += ["", say("results", n_test=summary.get("n_test", "?")), "", say("metric_header"), "|---|---:|"]
    lines += _metric_lines(task, report, language)
    if task.multi_label:
        lines += card_tasks.threshold_lines(language, labels, task_output.thresholds_of(run_id, labels))
    lines += _temperature_lines(report, language)
    if int8:
        lines += _int8_section(run_id, language=language)
    if plain:
        classes = say("separator").join(say("class_quote", label=x) for x in labels)
        use = say("use_text", dataset=dataset_name, classes=classes)
    else:
        use = card_tasks.use_text(task, language, dataset_name, shown, value_range)
    lines += ["", say("use"), "", use,
              "", say("limits"), "", *_limits(run, report, labels, language, task, value_range),
              "", say("how_to_use"), "", "```python", usage_snippet(run_id, int8=int8).rstrip(), "```", ""]
    if (paths.run_dir(run_id) / "adapter").is_dir() and not int8:
        lines += [say("adapter", peft=config.get("peft"), base=base), ""]
    return "\n".join(lines)


def _metric_lines(task: Task, report: dict[str, Any], language: str) -> list[str]:
    """The test metrics table rows (and per-class / per-label tables) of the run's kind."""
    summary = report.get("summary", {})
    if task.target != SINGLE_LABEL:
        lines = card_tasks.metric_lines(task, language, summary)
        return lines + (card_tasks.per_label_lines(language, report) if task.multi_label else [])
    lines = [f"| {_card(language, f'metric_{key}')} | {_pct(summary[key])} |"
             for key in ("accuracy", "balanced_accuracy", "f1_macro", "precision_macro", "recall_macro") if key in summary]
    if report.get("per_class"):
        lines += ["", _card(language, "per_class_header"), "|---|---:|---:|---:|---:|"]
        lines += [f"| {row['label']} | {_pct(row['precision'])} | {_pct(row['recall'])} | {_pct(row['f1'])} | {row['support']} |"
                  for row in report["per_class"]]
    return lines


def _int8_section(run_id: str, *, language: str = DEFAULT_LANGUAGE) -> list[str]:
    comparison = quantize.load_comparison(run_id)
    say = functools.partial(_card, language)
    lines = ["", say("int8"), "", say("int8_intro")]
    if comparison:
        fp32, q = comparison["fp32"], comparison["int8"]
        speed = [say("int8_throughput_value", value=f"{m['throughput_texts_per_s']:.0f}") for m in (fp32, q)]
        lines += ["", "| | fp32 | int8 |", "|---|---:|---:|",
                  f"| {say('int8_size')} | {fp32['size_bytes'] / 1e6:.1f} MB | {q['size_bytes'] / 1e6:.1f} MB |",
                  f"| {say('int8_latency')} | {fp32['latency_p50_ms']:.1f} ms | {q['latency_p50_ms']:.1f} ms |",
                  f"| {say('int8_throughput')} | {speed[0]} | {speed[1]} |",
                  f"| {say('int8_accuracy')} | {_pct(fp32['accuracy'])} | {_pct(q['accuracy'])} |",
                  f"| {say('int8_f1')} | {_pct(fp32['f1_macro'])} | {_pct(q['f1_macro'])} |",
                  # latency.describe is a sentence core makes in English (it gets a message key later).
                  "", f"{latency.describe(quantize.speed_measurement(comparison))} "
                  + say("int8_agreement", share=_pct(comparison.get("agreement")))
                  + (say("int8_busy") if comparison.get("busy_with_training") else "")]
    return lines


# ---------------------------------------------------------------------------- the zip
def _add_file(archive: zipfile.ZipFile, source: Path, name: str) -> None:
    info = zipfile.ZipInfo(name, date_time=time.localtime(source.stat().st_mtime)[:6])
    info.external_attr = 0o644 << 16  # readable files whatever the workspace's umask was
    info.compress_type = zipfile.ZIP_STORED if source.suffix in _STORED_SUFFIXES else zipfile.ZIP_DEFLATED
    with open(source, "rb") as src, archive.open(info, "w", force_zip64=True) as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)


def _add_text(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text.encode("utf-8"))


def _add_folder(archive: zipfile.ZipFile, folder: Path, prefix: str, *, rewrite: dict[str, str] | None = None) -> None:
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = file.relative_to(folder).as_posix()
        if relative in _SKIP_NAMES or file.name.startswith("."):
            continue
        if rewrite and relative in rewrite:
            _add_text(archive, f"{prefix}/{relative}", rewrite[relative])
        else:
            _add_file(archive, file, f"{prefix}/{relative}")


def _portable_adapter_config(folder: Path, base: str) -> dict[str, str]:
    """adapter_config.json naming the base model by a name others can load (not this machine's path)."""
    file = folder / "adapter_config.json"
    if not file.is_file():
        return {}
    config = json.loads(file.read_text())
    if base == BUILTIN_HUB_ID or not os.path.isabs(base):
        config["base_model_name_or_path"] = base
    return {"adapter_config.json": json.dumps(config, indent=2)}


def export_zip(run_id: str, out_path: str | os.PathLike, *, int8: bool = False) -> Path:
    """Write the run's model as a zip (layout in the module docstring); returns the zip's path.

    ``int8=True`` needs the run's int8 copy (made on the Runs page or by ``python -m core export --int8``).
    """
    run = serving.require_model(run_id)
    out = Path(out_path)
    if out.suffix.lower() != ".zip":
        raise RunError(message("error.serve.zip_name", name=out.name))
    task = task_output.run_task(run_id)
    if int8 and task != Task():
        raise ModelError(message("serve_tasks.error.int8_single_text", kind=message(card_tasks.kind_key(task))))
    if int8 and not quantize.has_int8(run_id):
        raise ModelError(message("error.serve.int8_missing", run_id=run_id))
    out.parent.mkdir(parents=True, exist_ok=True)
    run_dir = paths.run_dir(run_id)
    base = base_model_name(run.config)
    card = model_card(run_id, int8=int8)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")  # unique: two downloads may build at once
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
            _add_text(archive, "README.md", card)
            labels = serving.run_labels(run_id)
            _add_text(archive, "labels.json", json.dumps(labels, ensure_ascii=False, indent=2))
            if task.multi_label:  # also in model/config.json; on its own for adapters, which have no config.json
                thresholds = dict(zip(labels, task_output.thresholds_of(run_id, labels).tolist(), strict=True))
                _add_text(archive, "thresholds.json", json.dumps(thresholds, ensure_ascii=False, indent=2))
            if int8:
                _add_folder(archive, quantize.int8_dir(run_id), "int8")
                _add_text(archive, "load_int8.py", quantize.loader_source())
            else:
                model_dir = serving.model_dir(run_id)
                _add_folder(archive, model_dir, "model", rewrite=_portable_adapter_config(model_dir, base))
                _add_text(archive, "model/README.md", card)
                if (run_dir / "adapter").is_dir():
                    _add_folder(archive, run_dir / "adapter", "adapter", rewrite=_portable_adapter_config(run_dir / "adapter", base))
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def export_name(run_id: str, *, int8: bool = False) -> str:
    """A file name for the download, e.g. ``tuneboard-1128-124007-6ff7-int8.zip``."""
    return f"tuneboard-{run_id}{'-int8' if int8 else ''}.zip"


def export_bytes(run_id: str, *, int8: bool = False) -> bytes:
    """The export zip as bytes (for a browser download), built in the run's folder and cached there."""
    cache = paths.run_dir(run_id) / "exports" / export_name(run_id, int8=int8)
    sources = [quantize.int8_dir(run_id)] if int8 else [serving.model_dir(run_id), paths.run_dir(run_id) / "adapter"]
    newest = max((p.stat().st_mtime for s in sources if s.exists() for p in [s, *s.rglob("*")]), default=0)
    if not cache.is_file() or cache.stat().st_mtime < newest:
        export_zip(run_id, cache, int8=int8)
    return cache.read_bytes()


# ---------------------------------------------------------------------------- CLI
def _cmd_export(args: Any) -> int:
    task = task_output.run_task(args.run_id)
    if args.int8 and task != Task():
        raise ModelError(message("serve_tasks.error.int8_single_text", kind=message(card_tasks.kind_key(task))))
    if args.int8 and not quantize.has_int8(args.run_id):
        import sys

        print("making the int8 copy and comparing it with fp32…", file=sys.stderr)
        quantize.compare(args.run_id)
    out = export_zip(args.run_id, args.out, int8=args.int8)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def register_cli(subparsers: Any) -> None:
    """Add ``export RUN_ID --out FILE.zip [--int8]`` to ``python -m core``."""
    text = "Export a completed run's model as a zip in Hugging Face format, with a model card."
    parser = subparsers.add_parser("export", help=text, description=text)
    parser.add_argument("run_id", metavar="RUN_ID", help="Run id (see `python -m core runs`).")
    parser.add_argument("--out", required=True, metavar="FILE.zip", help="Where to write the zip.")
    parser.add_argument("--int8", action="store_true",
                        help="Export the dynamic int8 copy instead (made and compared with fp32 first if needed; "
                             "single-text, single-label runs only).")
    parser.set_defaults(func=_cmd_export)
