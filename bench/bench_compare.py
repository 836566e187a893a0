"""Benchmark: the run table with 500 runs and the comparison of 10 runs × 10,000 metric points.

    .venv/bin/python -m bench.bench_compare            # prints a table, writes bench/results/compare.json

Everything happens in a temporary TUNEBOARD_HOME filled with fabricated completed runs (store rows,
metric points, predictions.parquet and a report.json made by core.evaluate.report.build_report), so no
training is needed.  The fabrication helpers are also used by the comparison tests.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import results, store  # noqa: E402
from core.config import RunConfig  # noqa: E402
from core.evaluate import report  # noqa: E402
from core.store import Run  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "compare.json"


# ---------------------------------------------------------------------------- fabrication (shared with tests)
def fake_predictions(dataset_id: str, labels: Sequence[str], *, n_test: int = 200, accuracy: float = 0.8, seed: int = 0,
                     split_seed: int = 42) -> pd.DataFrame:
    """Test predictions in the trainer's format; texts and true labels depend only on the dataset and split seed,
    so runs fabricated on the same dataset and split share their test set (row_id aligned)."""
    base = np.random.default_rng([zlib.crc32(dataset_id.encode()), split_seed])  # stable across processes, unlike hash()
    true = base.integers(0, len(labels), n_test)
    texts = [f"example {split_seed}-{i} of {dataset_id}: {'good' if t == 0 else 'bad'} {base.integers(1000)}" for i, t in enumerate(true)]
    rng = np.random.default_rng(seed)
    wrong = rng.random(n_test) > accuracy
    pred = np.where(wrong, (true + rng.integers(1, max(2, len(labels)), n_test)) % len(labels), true)
    logits = rng.normal(0, 0.5, (n_test, len(labels)))
    logits[np.arange(n_test), pred] += 2.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame = pd.DataFrame({
        "row_id": np.arange(n_test), "text": texts, "label": [labels[i] for i in true], "pred": [labels[i] for i in pred],
        "confidence": proba.max(axis=1),
    })
    for j, label in enumerate(labels):
        frame[results.prob_column(label)] = proba[:, j]
    return frame


def fabricate_run(
    dataset_id: str = "ds-a",
    *,
    name: str | None = None,
    labels: Sequence[str] = ("negative", "positive"),
    n_steps: int = 100,
    eval_every: int = 25,
    n_test: int = 200,
    accuracy: float = 0.8,
    seed: int = 0,
    config: dict[str, Any] | None = None,
    dataset_name: str | None = None,
    with_files: bool = True,
    report_template: dict | None = None,
) -> Run:
    """A completed run as training would leave it: store row, metric points, predictions and report.

    ``config`` overrides RunConfig fields; ``report_template`` (a finished report) is copied with this
    run's accuracy instead of building a report, which keeps fabricating hundreds of runs fast.
    """
    cfg = RunConfig(**{"dataset_id": dataset_id, "model": "tiny-random-bert", **(config or {})}).to_dict()
    run = store.create_run(cfg, name=name or f"run {seed}", dataset_id=dataset_id, status="completed",
                           info={"dataset_name": dataset_name or f"dataset {dataset_id}", "parameters": {"total": 4_000_000, "trainable": 3_900_000 + seed}})
    rng = np.random.default_rng(seed)
    steps = np.arange(1, n_steps + 1)
    loss = 0.7 * np.exp(-steps / max(1, n_steps / 3)) + 0.05 + rng.normal(0, 0.02, n_steps)
    points = [(int(s), float(s) / max(1, n_steps / 3), "train", "loss", float(v)) for s, v in zip(steps, loss, strict=True)]
    for s in range(eval_every, n_steps + 1, eval_every):
        epoch = s / max(1, n_steps / 3)
        points += [(s, epoch, "validation", "loss", float(loss[s - 1] + 0.05)), (s, epoch, "validation", "accuracy", accuracy * s / n_steps),
                   (s, epoch, "validation", "f1_macro", accuracy * s / n_steps - 0.02)]
    store.add_metric_points(run.id, points)
    final: dict[str, Any] = {"accuracy": accuracy, "f1_macro": accuracy - 0.02}
    if with_files:
        predictions = fake_predictions(dataset_id, labels, n_test=n_test, accuracy=accuracy, seed=seed, split_seed=cfg["seed"])
        eff = {"total": 4_000_000, "trainable": 3_900_000 + seed, "train_seconds": 60.0 + seed, "throughput_texts_per_s": 500.0 + seed,
               "latency_p50_ms": 4.0, "device": "cpu"}
        if report_template is None:
            rep = report.build_report(predictions, list(labels), efficiency=eff, run_info={"name": run.name, "id": run.id})
        else:
            rep = {**report_template, "summary": {**report_template["summary"], "accuracy": accuracy, "f1_macro": accuracy - 0.02},
                   "efficiency": eff, "run": {"name": run.name, "id": run.id}}
        results.write_results(run.id, predictions, rep)
        final = {k: v for k, v in rep["summary"].items() if isinstance(v, float)}
    store.update_run(run.id, final_metrics=final, started_at=run.created_at - 60 - seed, finished_at=run.created_at)
    return store.require_run(run.id)


# ---------------------------------------------------------------------------- timing
def _time(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, float]:
    """(first call, best of the following calls) in milliseconds: cold and warm (cached) cost."""
    start = time.perf_counter()
    fn()
    first = (time.perf_counter() - start) * 1000
    best = first
    for _ in range(repeat - 1):
        start = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - start) * 1000)
    return first, best


def _apptest(page: str, *, preselect: list[str] | None = None) -> Callable[[], Any]:
    from streamlit.testing.v1 import AppTest

    def render() -> Any:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        if preselect:
            at.session_state["compare_runs"] = preselect
        at.switch_page(page).run()
        if at.exception:
            raise RuntimeError(f"{page} raised: {[e.value for e in at.exception]}")
        return at

    return render


def main(n_runs: int = 500, n_compare: int = 10, n_points: int = 10_000) -> dict[str, Any]:
    """Build the workspace, time everything, print a table and write the JSON results."""
    home = tempfile.mkdtemp(prefix="tuneboard-bench-compare-")
    os.environ["TUNEBOARD_HOME"] = home
    os.chdir(ROOT)
    from core.compare import alignment, leaderboard, loading, manage, tables
    from core.compare import curves as compare_curves
    from core.plots import compare_figures
    from pages.components import run_table

    started = time.perf_counter()
    template = report.build_report(fake_predictions("ds-0", ["negative", "positive"]), ["negative", "positive"])
    for i in range(n_runs - n_compare):
        fabricate_run(f"ds-{i % 5}", name=f"sweep run {i}", n_steps=50, eval_every=25, seed=i, accuracy=0.6 + (i % 37) / 100,
                      report_template=template, dataset_name=f"dataset {i % 5}")
    # The ten long runs: 10,000 metric points each (train loss every step, validation every 100 steps).
    long_ids = []
    for i in range(n_compare):
        steps = round(n_points / 1.03)  # + 3 validation metrics every 100 steps = n_points in all
        run = fabricate_run("ds-long", name=f"long run {i}", n_steps=steps, eval_every=100, seed=1000 + i, accuracy=0.7 + i / 50,
                            config={"learning_rate": 1e-5 * (i + 1), "batch_size": 8 * (1 + i % 3)}, dataset_name="long dataset")
        long_ids.append(run.id)
    setup_s = time.perf_counter() - started
    n_points_each = len(store.metric_points(long_ids[0]))

    runs = store.list_runs()
    long_runs = [store.require_run(i) for i in long_ids]
    curves = compare_curves.curves(long_runs, names=("loss",))
    results: dict[str, tuple[float, float]] = {
        "store.list_runs (500 runs)": _time(store.list_runs),
        "run_table.runs_frame (500 runs)": _time(lambda: run_table.runs_frame(runs)),
        "manage.filter_runs (500 runs)": _time(lambda: manage.filter_runs(runs, manage.RunFilter(datasets=["dataset 1"], text="run"))),
        "compare.leaderboard (500 runs)": _time(lambda: leaderboard.leaderboard("f1_macro")),
        "store.metric_points, whole history (10 runs)": _time(lambda: [store.metric_points(i) for i in long_ids]),
        "compare.curves (10 runs x 10k points; warm = cached)": _time(lambda: compare_curves.curves(long_runs, names=("loss", "accuracy", "f1_macro"))),
        "compare.curves_figure (loss, 10 runs)": _time(lambda: compare_figures.curves_figure(curves, name="loss")),
        "compare.metric_table (10 runs)": _time(lambda: tables.metric_table(long_runs)),
        "compare.disagreements (10 runs)": _time(lambda: alignment.disagreements(long_runs, {i: loading.load_predictions(i) for i in long_ids})),
        "AppTest pages/runs.py (500 runs)": _time(_apptest("pages/runs.py"), repeat=2),
        "AppTest pages/compare.py (10 runs preselected)": _time(_apptest("pages/compare.py", preselect=long_ids), repeat=2),
    }
    import resource

    # The UI process's memory: this process has imported the app and rendered both pages (AppTest runs the
    # script in-process), and the UI must not have pulled torch in (pages load fast without it).
    ui_peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "n_runs": len(runs), "n_compare": n_compare, "points_per_compared_run": n_points_each, "setup_s": round(setup_s, 1),
        "python": sys.version.split()[0], "cpus": os.cpu_count(),
        "ui_peak_rss_mb": round(ui_peak_rss_mb), "ui_imported_torch": "torch" in sys.modules,
        "timings_ms": {k: {"first": round(a, 1), "warm": round(b, 1)} for k, (a, b) in results.items()},
    }
    width = max(map(len, results))
    print(f"{len(runs)} runs; {n_compare} compared runs with {n_points_each:,} metric points each (setup {setup_s:.1f} s)")
    print(f"UI process peak RSS after rendering both pages: {ui_peak_rss_mb:.0f} MB; torch imported: "
          f"{'yes' if out['ui_imported_torch'] else 'no'}")
    print(f"{'measure':<{width}}  {'first ms':>9}  {'warm ms':>9}")
    for key, (first, warm) in results.items():
        print(f"{key:<{width}}  {first:9.1f}  {warm:9.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return out


if __name__ == "__main__":
    main()
