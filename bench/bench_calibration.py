"""Temperature scaling on real data: the test ECE of the default (Auto) preset's run before and after (issue 19).

For SST-2 and TREC-6 (``../shared/datasets``, a seeded sample of the training file): import, apply Auto, train through
the real queue and worker (what the UI and CLI do), then read the report's ``calibration`` section: the temperature
fitted on the validation split and the test ECE before and after it.  Target: ECE at least halved.

    python -m bench.bench_calibration --rows 2000 --seeds 0 --results bench/recorded/<date>/calibration.jsonl
    python -m bench.bench_calibration --summary --results bench/recorded/<date>/calibration.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.common import SHARED, train_auto

DATASETS = {"sst2": SHARED / "sst2" / "train.csv", "trec6": SHARED / "trec6" / "train.csv"}


def run_one(name: str, rows: int, seed: int) -> dict[str, Any]:
    """One Auto run on ``rows`` rows of dataset ``name`` in the current workspace; its calibration numbers."""
    import pandas as pd

    from core import results
    from core.data import library as datasets

    frame = pd.read_csv(DATASETS[name]).sample(n=rows, random_state=seed)
    record = datasets.save_frame(frame, name=f"{name}-{rows}")
    done, config, wall = train_auto(record.id, seed, f"{name} seed {seed}")
    calibration = results.load_report(done.id)["calibration"]
    scaling = calibration["temperature_scaling"]
    return {"dataset": name, "rows": rows, "seed": seed, "epochs": config.epochs, "wall_s": round(wall, 1),
            "accuracy": done.final_metrics["accuracy"], "temperature": scaling["temperature"],
            "validation_rows": scaling["validation_rows"], "ece_before": scaling["before"]["ece"],
            "ece_after": calibration["ece"], "nll_validation_before": scaling["validation_nll_before"],
            "nll_validation_after": scaling["validation_nll_after"]}


def study(rows: int, seeds: list[int], results_file: Path) -> None:
    """Append one JSON line per (dataset, seed), each in a fresh workspace."""
    results_file.parent.mkdir(parents=True, exist_ok=True)
    for name in DATASETS:
        for seed in seeds:
            with tempfile.TemporaryDirectory(prefix="tb-bench-cal-", ignore_cleanup_errors=True) as home:
                os.environ["TUNEBOARD_HOME"] = home
                row = run_one(name, rows, seed)
            with results_file.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)


def summary(results_file: Path) -> str:
    """The markdown table BENCHMARKS.md shows."""
    lines = ["| dataset | rows | seed | test accuracy | temperature | test ECE before | after | ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in map(json.loads, results_file.read_text().splitlines()):
        ratio = row["ece_after"] / row["ece_before"] if row["ece_before"] else float("nan")
        lines.append(f"| {row['dataset']} | {row['rows']:,} | {row['seed']} | {row['accuracy']:.3f} | "
                     f"{row['temperature']:.2f} | {100 * row['ece_before']:.1f} pts | {100 * row['ece_after']:.1f} pts | "
                     f"{ratio:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--results", type=Path, default=Path("bench/results/calibration.jsonl"))
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args(argv)
    if not args.summary:
        study(args.rows, [int(s) for s in args.seeds.split(",")], args.results)
    print(summary(args.results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
