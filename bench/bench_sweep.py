"""A pruned sweep against the same sweep unpruned, and its best trial against the Balanced preset (issue 19).

On a seeded sample of SST-2's training file (``../shared/datasets``): a 12-trial learning-rate × epochs sweep with the
median pruner, the same 12 trials without pruning, and one Balanced run — each through the real CLI (driver, queue and
worker processes) in a fresh workspace.  Targets: the pruned sweep takes ≤ 50 % of the unpruned one's wall time; its
best trial's accuracy (validation, the sweep's score; test, from the best trial's run) ≥ the Balanced run's.

    python -m bench.bench_sweep --rows 2000 --trials 12 --results bench/recorded/<date>/sweep.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import SHARED

SEARCH = ["--search", "lr=1e-5:3e-4:log", "--search", "epochs=1:4:1"]


def _core(home: str, *args: str) -> str:
    env = {**os.environ, "TUNEBOARD_HOME": home}
    done = subprocess.run([sys.executable, "-m", "core", *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"core {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def _run_metrics(home: str, run_id: str) -> dict[str, Any]:
    shown = json.loads(_core(home, "show", run_id, "--json"))
    return shown.get("final_metrics") or {}


def _steps_trained(home: str) -> dict[str, int]:
    """Optimizer steps the sweep's trial runs actually trained, and what they would have trained unpruned: the
    saving pruning buys, independent of how busy the machine was (wall times on a shared machine are not)."""
    runs = json.loads(_core(home, "runs", "--json"))
    done = sum(int((r.get("progress") or {}).get("step") or 0) for r in runs)
    planned = sum(int((r.get("progress") or {}).get("total_steps") or 0) for r in runs)
    return {"trained": done, "planned": planned}


def sweep(data: Path, trials: int, pruner: str) -> dict[str, Any]:
    """One sweep, timed from the command to its end; its trials' states and its best trial."""
    with tempfile.TemporaryDirectory(prefix="tb-bench-sweep-", ignore_cleanup_errors=True) as home:
        started = time.time()
        _core(home, "sweep", "--data", str(data), "--trials", str(trials), *SEARCH, "--pruner", pruner,
              "--metric", "accuracy")
        wall = time.time() - started
        listed = json.loads(_core(home, "sweep", "list", "--json"))
        sweep_id = listed[0]["id"]
        shown = json.loads(_core(home, "sweep", "show", sweep_id, "--json"))
        best = shown["best"] or {}
        test = _run_metrics(home, best["run_id"]) if best.get("run_id") else {}
        return {"pruner": pruner, "wall_s": round(wall, 1), "counts": shown["counts"],
                "steps_trained": _steps_trained(home), "load_average_end": [round(x, 2) for x in os.getloadavg()],
                "best": {"params": best.get("params"), "validation_accuracy": best.get("value"),
                         "test_accuracy": test.get("accuracy")}}


def balanced(data: Path) -> dict[str, Any]:
    """One Balanced run on the same data and split."""
    with tempfile.TemporaryDirectory(prefix="tb-bench-sweep-", ignore_cleanup_errors=True) as home:
        started = time.time()
        out = _core(home, "train", "--data", str(data), "--preset", "Balanced", "--detach")
        run_id = out.strip().splitlines()[-1]
        while json.loads(_core(home, "show", run_id, "--json"))["status"] in {"queued", "running"}:
            time.sleep(3)
        shown = json.loads(_core(home, "show", run_id, "--json"))
        from core import store  # read its validation accuracy at the kept checkpoint (best)

        os.environ["TUNEBOARD_HOME"] = home
        points = store.metric_points(run_id, names=["accuracy"], split="validation")
        return {"wall_s": round(time.time() - started, 1), "status": shown["status"],
                "validation_accuracy": float(points["value"].max()) if len(points) else None,
                "test_accuracy": (shown.get("final_metrics") or {}).get("accuracy")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--results", type=Path, default=Path("bench/results/sweep.json"))
    parser.add_argument("--arms", default="pruned,unpruned,balanced",
                        help="which of pruned, unpruned, balanced to run (comma-separated)")
    args = parser.parse_args(argv)
    import pandas as pd

    with tempfile.TemporaryDirectory(prefix="tb-bench-sweep-data-") as folder:
        data = Path(folder) / f"sst2-{args.rows}.csv"
        pd.read_csv(SHARED / "sst2" / "train.csv").sample(n=args.rows, random_state=0).to_csv(data, index=False)
        arms = {"pruned": lambda: sweep(data, args.trials, "median"),
                "unpruned": lambda: sweep(data, args.trials, "none"), "balanced": lambda: balanced(data)}
        result = {"rows": args.rows, "trials": args.trials, "search": SEARCH[1::2]}
        result.update({arm: arms[arm]() for arm in args.arms.split(",")})
    if "pruned" in result and "unpruned" in result:
        result["pruned_share_of_unpruned_time"] = round(result["pruned"]["wall_s"] / result["unpruned"]["wall_s"], 3)
        result["pruned_share_of_unpruned_steps"] = round(result["pruned"]["steps_trained"]["trained"]
                                                         / max(1, result["unpruned"]["steps_trained"]["trained"]), 3)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
