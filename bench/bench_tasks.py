"""Auto against the TF-IDF baseline on the built-in examples of the other kinds of data (issue 18).

For each example (multi-label tags, paraphrase pairs, review scores) and seed: load it, apply the Auto preset, train
through the real queue and worker (what the UI and CLI do), then fit the kind's TF-IDF baseline on the same split
(``core baseline``).  One JSON line per (example, seed) with both runs' test metrics; ``--summary`` prints the table
BENCHMARKS.md shows.

    python -m bench.bench_tasks --seeds 0,1,2 --results bench/recorded/<date>/tasks.jsonl
    python -m bench.bench_tasks --summary --results bench/recorded/<date>/tasks.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench.common import train_auto

EXAMPLES = ("support_tags", "paraphrase_pairs", "review_scores")
SHOWN = {"support_tags": ("f1_micro", "f1_macro", "subset_accuracy"),
         "paraphrase_pairs": ("accuracy", "f1_macro"),
         "review_scores": ("spearman", "pearson", "mae")}


def run_one(example: str, seed: int) -> dict[str, Any]:
    """Auto and the baseline on one example and seed, in a fresh workspace."""
    from core.evaluate.baseline import train_baseline
    from core.jobs.demo import load_example

    record = load_example(example)
    done, config, wall = train_auto(record.id, seed, f"{example} seed {seed}")
    baseline = train_baseline(done.id)
    return {"example": example, "seed": seed, "epochs": config.epochs, "wall_s": round(wall, 1),
            "auto": done.final_metrics, "baseline": baseline.final_metrics, "device": done.info.get("device")}


def study(seeds: list[int], results: Path, examples: tuple[str, ...] = EXAMPLES) -> None:
    """Append one line per (example, seed) not yet in ``results``."""
    done = set()
    if results.is_file():
        done = {(r["example"], r["seed"]) for r in map(json.loads, results.read_text().splitlines())}
    results.parent.mkdir(parents=True, exist_ok=True)
    for example in examples:
        for seed in seeds:
            if (example, seed) in done:
                continue
            with tempfile.TemporaryDirectory(prefix="tb-bench-tasks-", ignore_cleanup_errors=True) as home:  # the scheduler may still write
                os.environ["TUNEBOARD_HOME"] = home
                row = run_one(example, seed)
            with results.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)


def _mean_sd(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def summary(results: Path) -> str:
    """A markdown table: per example and metric, Auto and the baseline (mean ± sd over seeds)."""
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    lines = ["| example | metric | Auto | TF-IDF baseline | seeds | Auto wall time (s) |", "|---|---|---|---|---|---|"]
    for example in EXAMPLES:
        mine = [r for r in rows if r["example"] == example]
        if not mine:
            continue
        wall = statistics.mean(r["wall_s"] for r in mine)
        for metric in SHOWN[example]:
            lines.append(f"| {example} | {metric} | {_mean_sd([r['auto'][metric] for r in mine])} | "
                         f"{_mean_sd([r['baseline'][metric] for r in mine])} | {len(mine)} | {wall:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--examples", default=",".join(EXAMPLES))
    parser.add_argument("--results", type=Path, required=True, help="JSON lines file (appended to)")
    parser.add_argument("--summary", action="store_true", help="print the table of --results and stop")
    args = parser.parse_args(argv)
    if args.summary:
        print(summary(args.results))
        return
    study([int(s) for s in args.seeds.split(",")], args.results, tuple(args.examples.split(",")))


if __name__ == "__main__":
    main()
