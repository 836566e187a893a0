"""CPU thread settings: does core.train.run.set_cpu_threads help?  Tuneboard's path, 2,000 SST-2 rows × 1 epoch.

    python -m bench.bench_threads          # (part of `python -m bench --long`)
    python -m bench.bench_threads --smoke  # 64 rows, tiny random model

Rows
  1 run, 1 thread                  OMP_NUM_THREADS=1
  1 run, all cores                 set_cpu_threads' default: one thread per core
  2 runs at once, all cores each   both runs use every core (what happens without TUNEBOARD_CPU_SLOTS)
  2 runs at once, cores shared     TUNEBOARD_CPU_SLOTS=2: set_cpu_threads gives each run cores / 2 threads

For concurrent runs, samples/s is the sum over both runs (total work done per second).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import bench_train, common


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _run(opts: bench_train.Options, env: dict[str, str], copies: int) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            results.append(common.run_isolated("bench.bench_train", ["--worker", "tuneboard", "--options", json.dumps(asdict(opts))], env=env))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return {
        "samples_per_s": sum(r["samples_per_s"] for r in results),
        "per_run_samples_per_s": [r["samples_per_s"] for r in results],
        "dev_accuracy": [r["dev_accuracy"] for r in results],
        "other_cpu": min(r["other_cpu"] or 0 for r in results) if copies == 1 else None,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_threads", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--long", action="store_true", help="(same as the default)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    common.quiet_hf_logging()
    cores = _cores()
    opts = (bench_train.Options(model=common.TINY, rows=64, dev_rows=64, epochs=1) if args.smoke
            else bench_train.Options(epochs=1.0))
    variants = [
        ("1 run, 1 thread", {"OMP_NUM_THREADS": "1"}, 1),
        (f"1 run, all cores ({cores} threads)", {}, 1),
        (f"2 runs at once, {cores} threads each", {"OMP_NUM_THREADS": str(cores)}, 2),
        (f"2 runs at once, TUNEBOARD_CPU_SLOTS=2 ({max(1, cores // 2)} each)", {"TUNEBOARD_CPU_SLOTS": "2"}, 2),
    ]
    print(f"bench_threads: {opts.model}, {opts.rows} rows × {opts.epochs:g} epoch, {cores} cores", flush=True)
    rows = []
    for label, env, copies in variants:
        print(f"  {label} …", flush=True)
        common.wait_for_quiet(max_wait=float(os.environ.get("BENCH_QUIET_WAIT", "60")))
        rows.append({"variant": label, "env": env, "runs": copies, **_run(opts, env, copies)})
    print(common.table(rows, [("variant", "variant", 0), ("samples_per_s", "total samples/s", 1), ("other_cpu", "other CPU", 2)]))
    file = common.write_results("threads_smoke" if args.smoke else "threads", {"options": asdict(opts), "rows": rows}, args.out)
    print(f"wrote {file}")
    return {"rows": rows}


if __name__ == "__main__":
    main()
