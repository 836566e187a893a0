"""`make bench` / `python -m bench`: Tuneboard's benchmark set.

    python -m bench            # standard set (~8 min on 2 CPU cores): training, inference, data loading, UI render
    python -m bench --long     # + training ablations, UI polling, time to 85 % dev accuracy, thread settings,
                               #   1M-row data, 10k-text inference (~45 min)
    python -m bench --smoke    # every script at a tiny size in seconds (what tests/unit/test_bench_smoke.py runs)
    python -m bench --only train,infer

Each script prints a table and writes bench/results/<name>.json; BENCHMARKS.md holds the numbers
reached and the exact command for each.  The GPU benchmark is separate: `python -m bench.bench_gpu`
(see its docstring).  Run benchmarks on an otherwise idle machine: the "other CPU" column shows the
share of the CPU other processes took during each measurement.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
import traceback

SCRIPTS = ("train", "infer", "data", "compare")
LONG_ONLY = ("threads",)  # thread settings: 1 vs all cores, 2 concurrent runs with and without TUNEBOARD_CPU_SLOTS


def _run(name: str, flags: list[str]) -> None:
    if name == "compare":  # fabricated runs, no training: one size only, nothing to shrink for --smoke
        if "--smoke" in flags:
            print("bench_compare: no smoke size (the UI tests cover the same pages) — skipped")
            return
        # In its own process: it reports the UI process's memory and whether torch was imported, which the other
        # scripts (training, inference) would already have done in this one.
        subprocess.run([sys.executable, "-m", "bench.bench_compare"], check=True)
        return
    importlib.import_module(f"bench.bench_{name}").main(flags)


def main(argv: list[str] | None = None) -> int:
    """Run the set; returns the exit code (1 if a script failed)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--long", action="store_true", help="longer variants as well")
    group.add_argument("--smoke", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--only", default=None, help=f"comma-separated subset of {', '.join(SCRIPTS + LONG_ONLY)}")
    args = parser.parse_args(argv)
    flags = ["--long"] if args.long else ["--smoke"] if args.smoke else []
    names = args.only.split(",") if args.only else [*SCRIPTS, *(LONG_ONLY if args.long else ())]
    failed = []
    for name in [n.strip() for n in names if n.strip()]:
        started = time.time()
        print(f"\n=== bench_{name} {' '.join(flags)}".rstrip(), flush=True)
        try:
            _run(name, flags)
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"=== bench_{name}: {time.time() - started:.0f} s", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
