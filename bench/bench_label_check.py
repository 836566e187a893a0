"""Label checks on real data with injected noise: how many flips each mode finds, and what fixing them is worth
(issue 20).

For SST-2 and TREC-6 (``../shared/datasets``): a seeded sample of the training file with 10 % of its labels moved to
another class at seeded random rows, stored beside the public test file (``split`` = train / test, so every run is
judged on the same clean test rows).  Then, through the real code paths (library, job, fold runs through the queue and
worker processes, versions):

- fast and thorough checks: precision and recall of the rows each proposes, and the time each takes;
- MiniLM (the Auto preset) trained on the noisy labels, on each mode's auto-fixed version (every proposal accepted;
  test rows untouched) and on the clean labels: test accuracy.  Target: fast precision ≥ 0.7 at recall ≥ 0.5; the
  fixed data recovers at least half of the accuracy the noise cost.

    python -m bench.bench_label_check --rows 2000 --results bench/recorded/<date>/label_check.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import SHARED

DATASETS = {"sst2": ("train.csv", "validation.csv"), "trec6": ("train.csv", "test.csv")}
FLIP_SHARE = 0.10


def noisy_frame(name: str, rows: int, seed: int) -> tuple[Any, Any, list[int]]:
    """(clean, noisy, flipped rows): the training sample (split=train) and the public test file (split=test)."""
    import numpy as np
    import pandas as pd

    train_file, test_file = DATASETS[name]
    train = pd.read_csv(SHARED / name / train_file).sample(n=rows, random_state=seed)[["text", "label"]]
    test = pd.read_csv(SHARED / name / test_file)[["text", "label"]]
    clean = pd.concat([train.assign(split="train"), test.assign(split="test")], ignore_index=True)
    clean["label"] = clean["label"].astype(str)
    rng = np.random.default_rng(seed)
    classes = sorted(clean["label"].unique())
    flips = sorted(rng.choice(rows, size=int(rows * FLIP_SHARE), replace=False).tolist())
    noisy = clean.copy()
    for i in flips:
        noisy.loc[i, "label"] = rng.choice([c for c in classes if c != clean.loc[i, "label"]])
    return clean, noisy, flips


def train(dataset_id: str, seed: int) -> dict[str, Any]:
    """One Auto-preset run through the queue; its test accuracy and interval."""
    from core import store
    from core.config import RunConfig
    from core.jobs import queue
    from core.train import recipe

    config, _ = recipe.apply_preset(RunConfig(dataset_id=dataset_id, seed=seed), recipe.AUTO, device_kind="cpu")
    started = time.time()
    run = queue.submit(config)
    while (run := store.require_run(run.id)).status in {"queued", "running"}:
        time.sleep(2)
    interval = (run.info.get("intervals") or {}).get("accuracy") or {}
    return {"run_id": run.id, "status": run.status, "accuracy": run.final_metrics.get("accuracy"),
            "ci": [interval.get("low"), interval.get("high")], "wall_s": round(time.time() - started, 1)}


def paired_tests(training: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each fixed (and the clean) run against the noisy one on the same test rows: McNemar's exact test on accuracy,
    as Compare shows it (core.compare.significance)."""
    from core import store
    from core.compare import significance

    noisy = store.require_run(training["noisy"]["run_id"])
    tests = {}
    for label, numbers in training.items():
        if label == "noisy":
            continue
        pair = significance.compare_pair(noisy, store.require_run(numbers["run_id"]))
        lead = pair.tests[0] if pair.tests else None
        tests[label] = {"rows": pair.n_rows, "matched_by": pair.method, "metric": lead.metric if lead else None,
                        "difference": round(lead.b - lead.a, 4) if lead else None,
                        "ci": [round(lead.low, 4), round(lead.high, 4)] if lead else None,
                        "p_value": round(lead.p_value, 4) if lead else None,
                        "sentence": str(lead.sentence) if lead and lead.sentence else str(pair.reason or "")}
    return tests


def check(dataset_id: str, mode: str, flips: list[int], seed: int) -> tuple[dict[str, Any], Any]:
    """One label check; precision/recall of its proposals against the injected flips."""
    from core.config import RunConfig
    from core.quality import job
    from core.train import recipe

    base, _ = recipe.apply_preset(RunConfig(dataset_id=dataset_id, seed=seed), recipe.AUTO, device_kind="cpu")
    started = time.time()
    detection = job.run_check(dataset_id, mode, base=base, seed=seed)
    proposed = set(detection.rows.loc[detection.rows["label_issue"], "row"].tolist())
    hits = len(proposed & set(flips))
    return {"mode": mode, "wall_s": round(time.time() - started, 1), "proposed": len(proposed), "found": hits,
            "precision": round(hits / len(proposed), 3) if proposed else None,
            "recall": round(hits / len(flips), 3)}, detection


def auto_fix(dataset_id: str, detection: Any, mode: str) -> str:
    """Accept every proposal (test rows stay as they are); the new version's id."""
    import pandas as pd

    from core.quality import versions

    proposed = detection.rows[detection.rows["label_issue"]]
    decisions = pd.DataFrame({"row": proposed["row"], "action": "accept", "label": ""})
    version = versions.apply_decisions(dataset_id, decisions, suggestions=detection.rows.set_index("row")["suggested"],
                                       name=f"auto-fixed ({mode})")
    return version.record.id


def run_dataset(name: str, rows: int, seed: int, modes: list[str]) -> dict[str, Any]:
    from core.data import library

    clean, noisy, flips = noisy_frame(name, rows, seed)
    noisy_id = library.save_frame(noisy, name=f"{name}-noisy").id
    clean_id = library.save_frame(clean, name=f"{name}-clean").id
    result: dict[str, Any] = {"dataset": name, "rows": rows, "test_rows": int((clean["split"] == "test").sum()),
                              "flipped": len(flips), "seed": seed, "checks": [], "training": {}}
    fixed: dict[str, str] = {}
    for mode in modes:
        numbers, detection = check(noisy_id, mode, flips, seed)
        result["checks"].append(numbers)
        fixed[mode] = auto_fix(noisy_id, detection, mode)
        print(json.dumps({name: numbers}), flush=True)
    for label, dataset_id in {"noisy": noisy_id, **{f"fixed_{m}": d for m, d in fixed.items()},
                              "clean": clean_id}.items():
        result["training"][label] = train(dataset_id, seed)
        print(json.dumps({name: {label: result["training"][label]}}), flush=True)
    result["paired_vs_noisy"] = paired_tests(result["training"])
    accuracy = {k: v["accuracy"] for k, v in result["training"].items()}
    lost = accuracy["clean"] - accuracy["noisy"]
    result["recovered_share"] = {m: round((accuracy[f"fixed_{m}"] - accuracy["noisy"]) / lost, 3) if lost > 0 else None
                                 for m in modes}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--modes", nargs="+", default=["fast", "thorough"])
    parser.add_argument("--results", type=Path, default=Path("bench/results/label_check.jsonl"))
    args = parser.parse_args(argv)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    for name in args.datasets:
        with tempfile.TemporaryDirectory(prefix="tb-bench-labels-", ignore_cleanup_errors=True) as home:
            os.environ["TUNEBOARD_HOME"] = home
            result = run_dataset(name, args.rows, args.seed, args.modes)
        with args.results.open("a") as out:
            out.write(json.dumps(result) + "\n")
        print(json.dumps(result, indent=1), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
