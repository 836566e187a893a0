"""The recipe study: which settings give the best model per dataset regime, and does Auto find them?

For each dataset of :mod:`bench.recipe_data` (fixed splits) it runs the TF-IDF baseline, the fixed presets, the
Auto recipe and a small sweep, each through Tuneboard's real training path (``core.train.run.prepare`` →
``core.train.trainer.build_trainer`` → ``Trainer.train``, every speed-up on), and scores the test split: accuracy,
macro-F1, ECE and wall time (preparing + training + predicting the test split; the end-of-run report phases, the same
for every recipe, are left out).  Every run is its own process, so one run's threads or memory never slow the next,
and each result is appended to a JSON-lines file as soon as it ends: a study can be stopped and resumed.

    python -m bench.bench_recipes --datasets sst2,clinc150 --recipes baseline,Auto,Balanced --seeds 0,1,2
    python -m bench.bench_recipes --summary            # the table for BENCHMARKS.md from the results file

Recipes: ``baseline``; a preset name (``Auto``, ``Quick demo``, ``Balanced``, ``Best quality``); or a sweep point
``name:field=value,field=value`` on top of Auto (e.g. ``lr2e-4:learning_rate=2e-4``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import common, recipe_data

RESULTS_FILE = common.RESULTS / "recipes.jsonl"
DEFAULT_RECIPES = ("baseline", "Auto", "Balanced")


def _home() -> Path:
    """One workspace for the whole study: datasets are stored and tokenised once."""
    home = Path(os.environ.get("TUNEBOARD_RECIPE_HOME", "/tmp/tuneboard-recipe-home"))
    home.mkdir(parents=True, exist_ok=True)
    return home


def _parse_recipe(text: str) -> tuple[str, dict[str, Any]]:
    """``name:field=value,...`` → (name, overrides); a bare name has no overrides."""
    name, _, rest = text.partition(":")
    overrides: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        overrides[key.strip()] = json.loads(value) if value.strip()[:1].isdigit() or value in ("true", "false") else value
    return name, overrides


def _score(labels: list[str], y_true: list[str], proba: Any) -> dict[str, float]:
    from core.evaluate import metrics

    y_pred = [labels[i] for i in proba.argmax(1)]
    return {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "f1_macro": metrics.f1_score(y_true, y_pred, average="macro", labels=labels),
        "ece": metrics.expected_calibration_error(y_true, proba, labels=labels),
    }


def run_baseline(splits: dict[str, Any], seed: int) -> dict[str, Any]:
    """TF-IDF + logistic regression, as ``python -m core baseline`` fits it, on the same train split."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from core.evaluate.baseline import build_pipeline

    started = time.perf_counter()
    pipeline = build_pipeline(splits["train"]["text"].tolist(), seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(splits["train"]["text"].tolist(), splits["train"]["label"].tolist())
    labels = [str(c) for c in pipeline.classes_]
    proba = pipeline.predict_proba(splits["test"]["text"].tolist())
    return {**_score(labels, splits["test"]["label"].tolist(), proba), "wall_s": time.perf_counter() - started}


def recipe_config(dataset_id: str, splits: dict[str, Any], recipe: str, seed: int) -> tuple[Any, list[str]]:
    """The RunConfig of ``recipe`` for a stored dataset, and Auto's reasons."""
    from core.config import BUILTIN_MODEL, PRESETS, RunConfig
    from core.train import recipe as recipes

    name, overrides = _parse_recipe(recipe)
    config = RunConfig(dataset_id=dataset_id, model=BUILTIN_MODEL, seed=seed, device="cpu")
    reasons: list[str] = []
    if name in PRESETS:
        config = config.replace(**PRESETS[name])
    else:  # Auto, and every sweep point is Auto with some fields changed
        config, reasons = recipes.apply_preset(config, recipes.AUTO, device_kind="cpu")
    return config.replace(**overrides).validate(), reasons


def run_transformer(dataset_id: str, splits: dict[str, Any], recipe: str, seed: int) -> dict[str, Any]:
    """Train ``recipe`` through the real training path and score the test split."""
    from transformers import set_seed

    from core import paths, store
    from core.train import run as train_run
    from core.train import trainer as train_setup
    from core.train.callback import StopRequested, make_callback
    from core.train.inference import predict_proba

    config, reasons = recipe_config(dataset_id, splits, recipe, seed)
    perf = train_setup.PerfOptions.from_env()
    train_run.configure_process(perf)
    run = store.create_run(config.to_dict(), name=recipe, dataset_id=dataset_id, status="running")
    started = time.perf_counter()
    with common.CpuMonitor() as cpu:
        set_seed(seed)
        prep = train_run.prepare(config, perf)
        callback = make_callback(run.id, StopRequested(), config.effective_batch_size)
        trainer = train_setup.build_trainer(prep, paths.run_dir(run.id), callback, perf)
        trainer.train()
        train_s = time.perf_counter() - started
        test = prep.frames["test"]
        proba = predict_proba(trainer.model, prep.tokenizer, test["text"].tolist(), max_length=config.max_length,
                              token_ids=prep.encoded["test"].tokens)
    history = [entry for entry in trainer.state.log_history if "loss" in entry]
    return {
        **_score(prep.labels, test["label"].tolist(), proba),
        "wall_s": time.perf_counter() - started,
        "train_s": train_s,
        "steps": trainer.state.global_step,
        "epochs_run": round(trainer.state.epoch or 0, 2),
        "final_train_loss": history[-1]["loss"] if history else None,
        "other_cpu": cpu.other_share,  # share of the machine other processes used meanwhile: wall times need it low
        "settings": {k: v for k, v in config.changed_fields().items() if k not in {"dataset_id", "seed", "device"}},
        "reasons": reasons,
    }


def run_one(dataset: str, recipe: str, seed: int, data_folder: Path) -> dict[str, Any]:
    """One cell of the study, in this process."""
    os.environ["TUNEBOARD_HOME"] = str(_home())
    from core.data import library as datasets

    splits = recipe_data.load_splits(dataset, data_folder)
    row = {"dataset": dataset, "recipe": recipe, "seed": seed,
           "train_rows": len(splits["train"]), "classes": int(splits["train"]["label"].nunique())}
    if recipe == "baseline":
        return {**row, **run_baseline(splits, seed)}
    record = datasets.save_frame(recipe_data.as_dataset_frame(splits), name=f"recipe-{dataset}")
    return {**row, **run_transformer(record.id, splits, recipe, seed)}


def _done(results: Path) -> set[tuple[str, str, int]]:
    if not results.is_file():
        return set()
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    return {(r["dataset"], r["recipe"], r["seed"]) for r in rows}


def study(datasets: list[str], recipes: list[str], seeds: list[int], data_folder: Path, results: Path) -> None:
    """Run every (dataset, recipe, seed) not yet in ``results``, each in its own process, appending as it goes."""
    results.parent.mkdir(parents=True, exist_ok=True)
    done = _done(results)
    for dataset in datasets:
        for recipe in recipes:
            for seed in seeds if recipe != "baseline" else seeds[:1]:
                if (dataset, recipe, seed) in done:
                    continue
                code = ("import json,sys; from pathlib import Path; from bench.bench_recipes import run_one; "
                        f"print('RESULT ' + json.dumps(run_one({dataset!r}, {recipe!r}, {seed}, Path({str(data_folder)!r}))))")
                proc = subprocess.run([sys.executable, "-c", code], cwd=common.ROOT, capture_output=True, text=True)
                lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
                if proc.returncode or not lines:
                    print(f"{dataset} {recipe} seed {seed}: FAILED\n{proc.stderr[-2000:]}", file=sys.stderr)
                    continue
                row = json.loads(lines[-1][7:])
                with results.open("a") as out:
                    out.write(json.dumps(row) + "\n")
                print(f"{dataset:9} {recipe:28} seed {seed}: acc {row['accuracy']:.4f} F1 {row['f1_macro']:.4f} "
                      f"ECE {row['ece']:.3f} {row['wall_s']:.0f} s", flush=True)


def _mean_sd(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def _other_cpu(cell: list[dict[str, Any]]) -> str:
    """Mean share of the machine other processes used during the runs (wall times are comparable only when low)."""
    shares = [r["other_cpu"] for r in cell if r.get("other_cpu") is not None]
    return f"{statistics.mean(shares):.2f}" if shares else "–"


def summary(results: Path) -> str:
    """A markdown table per dataset: mean ± sd over seeds of accuracy, macro-F1, ECE, wall time and CPU contention."""
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    out = []
    for dataset in recipe_data.DATASETS:
        mine = [r for r in rows if r["dataset"] == dataset]
        if not mine:
            continue
        out += [f"\n**{dataset}** — {recipe_data.REGIMES[dataset]}; {mine[0]['train_rows']:,} training rows, "
                f"{mine[0]['classes']} classes\n", "| recipe | seeds | accuracy | macro-F1 | ECE | wall s | other CPU |",
                "|---|---|---|---|---|---|---|"]
        first = ["baseline", "Auto", "Quick demo", "Balanced", "Best quality"]  # then the sweep points, as run
        names = list(dict.fromkeys(r["recipe"] for r in mine))
        for recipe in sorted(names, key=lambda n: (first.index(n) if n in first else len(first), names.index(n))):
            cell = [r for r in mine if r["recipe"] == recipe]
            out.append(f"| {recipe} | {len(cell)} | {_mean_sd([r['accuracy'] for r in cell])} | "
                       f"{_mean_sd([r['f1_macro'] for r in cell])} | {_mean_sd([r['ece'] for r in cell])} | "
                       f"{statistics.mean(r['wall_s'] for r in cell):.0f} | {_other_cpu(cell)} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(recipe_data.DATASETS))
    parser.add_argument("--recipes", default=",".join(DEFAULT_RECIPES), help="Semicolon-separated when sweep points have commas.")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--data-dir", default=None, help="Folder with clinc_full.json and imdb.csv.")
    parser.add_argument("--results", default=str(RESULTS_FILE))
    parser.add_argument("--summary", action="store_true", help="Only print the tables of the results file.")
    args = parser.parse_args(argv)
    results = Path(args.results)
    if not args.summary:
        separator = ";" if ";" in args.recipes else ","
        study(args.datasets.split(","), [r for r in args.recipes.split(separator) if r],
              [int(s) for s in args.seeds.split(",")], recipe_data.data_dir(args.data_dir), results)
    print(summary(results))


if __name__ == "__main__":
    main()
