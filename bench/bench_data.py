"""Data loading at scale: read + detect + clean + health report (+ store, + tokenise/cache) for 200,000 rows.

The CSV is built in a temporary folder from SST-2's 67,349 training rows, repeated with small
perturbations (a word appended, first letter upper-cased) until it has the wanted number of rows.
Everything runs the functions the Data page and ``python -m core check-data`` use.

    python -m bench.bench_data            # 200,000 rows
    python -m bench.bench_data --long     # 1,000,000 rows
    python -m bench.bench_data --smoke    # 2,000 rows, one process

Steps: read_table (encoding + format + parse), detect_columns, clean_examples, health_report with
core.models.token_counter("all-MiniLM-L6-v2") (which counts a seeded sample of 20,000 texts),
datasets.save_frame (content hash + Parquet), and tokenising every text with core.train.tokencache:
first a miss (tokenise + write the cache), then a hit (read back).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common

_WORDS = ["indeed", "really", "truly", "overall", "honestly", "frankly", "again", "though"]


def make_csv(rows: int, folder: Path, seed: int = 0) -> Path:
    """A CSV of ``rows`` SST-2 rows (repeated and perturbed) in ``folder``."""
    import numpy as np
    import pandas as pd

    base = pd.read_csv(common.SST2_TRAIN)
    copies = []
    for k in range(-(-rows // len(base))):
        part = base.copy()
        if k % 3 == 1:
            words = np.array(_WORDS)[np.random.default_rng(seed + k).integers(0, len(_WORDS), len(part))]
            part["text"] = part["text"].astype(str) + " " + words
        elif k % 3 == 2:
            part["text"] = part["text"].astype(str).str.capitalize()
        copies.append(part)
    df = pd.concat(copies, ignore_index=True).head(rows)
    file = folder / f"sst2_{rows}.csv"
    df.to_csv(file, index=False)
    return file


def run(rows: int, *, model: str = common.BUILTIN) -> dict[str, Any]:
    """Time every step on a fresh CSV of ``rows`` rows; returns the measurements."""
    import pandas as pd  # noqa: F401  (imported before timing: the UI process has it loaded)

    from core import models as catalogue
    from core.data import health
    from core.data import library as datasets
    from core.data.clean import clean_examples
    from core.data.columns import detect_columns
    from core.data.upload import read_table
    from core.train import models, tokencache

    steps: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="tuneboard-bench-data-") as tmp:
        saved_home = os.environ.get("TUNEBOARD_HOME")
        os.environ["TUNEBOARD_HOME"] = str(Path(tmp) / "workspace")
        try:
            file = make_csv(rows, Path(tmp))
            size_mb = file.stat().st_size / 1e6
            with common.PeakMemory() as mem, common.CpuMonitor() as cpu:
                start_all = time.perf_counter()
                table, steps["read_table"] = common.timed(lambda: read_table(file))
                guess, steps["detect_columns"] = common.timed(lambda: detect_columns(table.df))
                clean, steps["clean_examples"] = common.timed(lambda: clean_examples(table.df, guess.text, guess.label))
                counter, steps["token_counter"] = common.timed(lambda: catalogue.token_counter(model))
                report, steps["health_report"] = common.timed(
                    lambda: health.health_report(clean.df, dropped=clean.dropped, count_tokens=counter, max_length=128)
                )
                load_and_report_s = time.perf_counter() - start_all
            with common.PeakMemory() as mem_store:
                _, steps["save_frame"] = common.timed(lambda: datasets.save_frame(clean.df, name="bench"))
                tokenizer = models.load_tokenizer(model)
                texts = clean.df["text"].tolist()
                _, steps["tokenise_miss"] = common.timed(lambda: tokencache.encode(tokenizer, texts, 128))
                hit, steps["tokenise_hit"] = common.timed(lambda: tokencache.encode(tokenizer, texts, 128))
            assert hit.cache_hit
        finally:
            if saved_home is None:
                os.environ.pop("TUNEBOARD_HOME", None)
            else:
                os.environ["TUNEBOARD_HOME"] = saved_home
    return {
        "rows": rows,
        "csv_mb": size_mb,
        "rows_kept": len(clean.df),
        "findings": [f"{f.severity}: {f.title}" for f in report.findings],
        "load_and_report_s": load_and_report_s,
        "steps_s": steps,
        "peak_rss_mb": common.max_rss_mb(),
        "load_peak_rss_mb": mem.peak_mb,
        "load_extra_mb": mem.peak_mb - mem.start_mb,
        "store_and_tokenise_peak_rss_mb": mem_store.peak_mb,
        "other_cpu": cpu.other_share,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_data", description=__doc__.split("\n")[0])
    parser.add_argument("--long", action="store_true", help="1,000,000 rows")
    parser.add_argument("--smoke", action="store_true", help="2,000 rows, in one process (tests)")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--options", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    common.quiet_hf_logging()
    if args.worker:
        row = run(**json.loads(args.options))
        Path(args.result).write_text(json.dumps(row))
        return row
    rows = args.rows or (2000 if args.smoke else 1_000_000 if args.long else 200_000)
    print(f"bench_data: {rows:,} rows", flush=True)
    if args.smoke:
        result = run(rows)
    else:
        common.wait_for_quiet(max_wait=float(os.environ.get("BENCH_QUIET_WAIT", "60")))
        result = common.run_isolated("bench.bench_data", ["--worker", "--options", json.dumps({"rows": rows})])
    table_rows = [{"step": k, "seconds": v} for k, v in result["steps_s"].items()]
    table_rows.append({"step": "load + health report (read → report)", "seconds": result["load_and_report_s"]})
    print(common.table(table_rows, [("step", "step", 0), ("seconds", "seconds", 2)]))
    print(f"CSV {result['csv_mb']:.1f} MB; peak RSS {result['peak_rss_mb']:.0f} MB "
          f"(+{result['load_extra_mb']:.0f} MB while loading + reporting); other CPU {common.fmt(result['other_cpu'], 2)}")
    file = common.write_results("data_smoke" if args.smoke else "data_long" if args.long else "data", {"result": result}, args.out)
    print(f"wrote {file}")
    return result


if __name__ == "__main__":
    main()
