"""Batch inference: Tuneboard's core.train.inference.predict_proba vs `transformers.pipeline("text-classification")`.

Same model (all-MiniLM-L6-v2 with a seeded classification head), same 2,000 SST-2 texts, one warm-up
call each (not timed), each contender in a fresh process; texts/s and peak memory.

    python -m bench.bench_infer            # predict_proba vs pipeline defaults (batch_size 1) vs pipeline batch_size=64
    python -m bench.bench_infer --long     # 10,000 texts
    python -m bench.bench_infer --smoke    # 64 texts, tiny random model, one process

``agree`` is the share of texts where the contender's top class equals predict_proba's.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import common


@dataclass
class Options:
    """One inference benchmark setting."""

    model: str = common.BUILTIN
    texts: int = 2000
    seed: int = 0
    max_length: int = 128


def _setup(opts: Options) -> tuple[Any, Any, list[str]]:
    from transformers import set_seed

    from core.train import models

    texts = common.sst2_train(opts.texts, opts.seed)["text"].astype(str).tolist()
    tokenizer = models.load_tokenizer(opts.model)
    set_seed(opts.seed)
    model = models.load_classifier(opts.model, ["negative", "positive"])
    model.eval()
    return model, tokenizer, texts


def _tuneboard(opts: Options) -> tuple[Any, Any]:
    from core.train.inference import predict_proba

    model, tokenizer, texts = _setup(opts)
    predict_proba(model, tokenizer, texts[:16], max_length=opts.max_length)  # warm-up
    with common.PeakMemory() as mem, common.CpuMonitor() as cpu:
        started = time.perf_counter()
        proba = predict_proba(model, tokenizer, texts, max_length=opts.max_length)
        seconds = time.perf_counter() - started
    return proba.argmax(1).tolist(), (seconds, mem, cpu, len(texts))


def _pipeline(opts: Options, batch_size: int | None) -> tuple[Any, Any]:
    from transformers import pipeline

    model, tokenizer, texts = _setup(opts)
    pipe = pipeline("text-classification", model=model, tokenizer=tokenizer, device=-1 if _cpu() else 0)
    kwargs = {"truncation": True, "max_length": opts.max_length}
    if batch_size:
        kwargs["batch_size"] = batch_size
    pipe(texts[:16], **kwargs)  # warm-up
    with common.PeakMemory() as mem, common.CpuMonitor() as cpu:
        started = time.perf_counter()
        out = pipe(texts, **kwargs)
        seconds = time.perf_counter() - started
    label2id = {v: k for k, v in model.config.id2label.items()}
    return [int(label2id[o["label"]]) for o in out], (seconds, mem, cpu, len(texts))


def _cpu() -> bool:
    import torch

    return not torch.cuda.is_available()


CONTENDERS = {
    "tuneboard": _tuneboard,
    "pipeline": lambda o: _pipeline(o, None),
    "pipeline_b64": lambda o: _pipeline(o, 64),
}


def run_one(name: str, opts: Options) -> dict[str, Any]:
    """One contender in this process."""
    preds, (seconds, mem, cpu, n) = CONTENDERS[name](opts)
    return {
        "contender": name,
        "texts": n,
        "seconds": seconds,
        "texts_per_s": n / seconds,
        "peak_rss_mb": common.max_rss_mb(),
        "infer_peak_rss_mb": mem.peak_mb,
        "infer_extra_mb": mem.peak_mb - mem.start_mb,
        "other_cpu": cpu.other_share,
        "predictions": preds,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_infer", description=__doc__.split("\n")[0])
    parser.add_argument("--long", action="store_true", help="10,000 texts")
    parser.add_argument("--smoke", action="store_true", help="tiny and fast, in one process (tests)")
    parser.add_argument("--texts", type=int, default=None)
    parser.add_argument("--model", default=common.BUILTIN)
    parser.add_argument("--contenders", default="tuneboard,pipeline,pipeline_b64")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--options", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    common.quiet_hf_logging()
    if args.worker:
        row = run_one(args.worker, Options(**json.loads(args.options)))
        Path(args.result).write_text(json.dumps(row))
        return row

    if args.smoke:
        opts = Options(model=common.TINY, texts=args.texts or 64)
    else:
        opts = Options(model=args.model, texts=args.texts or (10_000 if args.long else 2000))
    print(f"bench_infer: {opts.model}, {opts.texts} SST-2 texts", flush=True)
    rows = []
    for name in args.contenders.split(","):
        print(f"  predicting: {name} …", flush=True)
        if args.smoke:
            rows.append(run_one(name, opts))
        else:
            common.wait_for_quiet(max_wait=float(os.environ.get("BENCH_QUIET_WAIT", "60")))
            rows.append(common.run_isolated("bench.bench_infer", ["--worker", name, "--options", json.dumps(asdict(opts))]))
    base = next((r for r in rows if r["contender"] == "tuneboard"), None)
    pipe = next((r for r in rows if r["contender"] == "pipeline"), None)
    for row in rows:
        if base:
            row["agree"] = sum(a == b for a, b in zip(row["predictions"], base["predictions"], strict=True)) / len(row["predictions"])
        if pipe:
            row["speedup_vs_pipeline"] = row["texts_per_s"] / pipe["texts_per_s"]
    print(common.table(rows, [("contender", "contender", 0), ("texts_per_s", "texts/s", 1), ("speedup_vs_pipeline", "× pipeline", 2),
                              ("peak_rss_mb", "peak RSS MB", 0), ("infer_extra_mb", "+MB while predicting", 1),
                              ("agree", "agree", 3), ("other_cpu", "other CPU", 2)]))
    for row in rows:
        row.pop("predictions", None)
    results = {"options": asdict(opts), "rows": rows}
    file = common.write_results("infer_smoke" if args.smoke else "infer_long" if args.long else "infer", results, args.out)
    print(f"wrote {file}")
    return results


if __name__ == "__main__":
    main()
