#!/usr/bin/env bash
# The GPU check: one prepared script for a machine with an NVIDIA GPU (≤ 10 minutes on one GPU).
#
#   bash bench/gpu_check.sh                 # from the repo root; uses .venv (or builds it with `make`), or $PYTHON
#   bash bench/gpu_check.sh --cpu-dry-run   # the same checks on the CPU with a tiny model: checks the script itself
#
# It trains in a throw-away workspace and prints one line per check, "PASS name: numbers" or "FAIL name: why":
#   environment  torch sees the GPUs core.devices found (nvidia-smi / CUDA_VISIBLE_DEVICES), bf16 without emulation
#   train        a MiniLM run on device auto lands on a GPU, completes; samples/s, GPU memory reserved per device
#   placement    while a run holds a GPU, batch prediction and in-process (playground/CLI) models avoid it: another
#                GPU or the CPU; with it free they take it; both jobs complete with the same predictions
#   stop         `python -m core stop RUN` leaves the run stopped within 30 s, with a checkpoint, no worker alive
#   oom_retry    an injected out-of-memory (TUNEBOARD_INJECT_OOM) relaunches the run at half the batch until it fits
#   bench_gpu    bench.bench_gpu on one pinned GPU: samples/s of plain Trainer, Trainer+bf16 and Tuneboard
# Exit code: 0 all passed, 1 a check failed, 2 nothing to check (no CUDA device, no Python environment).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

MODE=gpu
case "${1:-}" in
  "") ;;
  --cpu-dry-run) MODE=cpu ;;
  *) echo "usage: bash bench/gpu_check.sh [--cpu-dry-run]"; exit 2 ;;
esac

# Fail fast and say why: no NVIDIA driver tool here (checked before anything slow), or below a torch that sees no GPU.
if [ "$MODE" = gpu ] && ! command -v nvidia-smi >/dev/null 2>&1 && [ -z "${CUDA_VISIBLE_DEVICES:-}" ]; then
  echo "gpu_check: no CUDA device: nothing to check (no nvidia-smi on PATH; run with --cpu-dry-run to test the script)"
  exit 2
fi

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ ! -x .venv/bin/python ] && command -v make >/dev/null 2>&1; then
    echo "gpu_check: building .venv with make (requirements.txt) first …"
    make -s .venv/.installed >/dev/null || { echo "gpu_check: FAIL setup: make could not build .venv"; exit 2; }
  fi
  PY=.venv/bin/python
fi
if ! "$PY" -c 'import torch, transformers' >/dev/null 2>&1; then
  echo "gpu_check: FAIL setup: $PY cannot import torch and transformers (run \`make run\` or set PYTHON)"
  exit 2
fi

if [ "$MODE" = gpu ]; then
  # A torch that sees no GPU: a CPU build, hidden devices (CUDA_VISIBLE_DEVICES=""), a broken driver.
  if ! CUDA_DEVICE_ORDER=PCI_BUS_ID "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    echo "gpu_check: no CUDA device: nothing to check (torch $("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null) sees no GPU)"
    exit 2
  fi
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tuneboard-gpu-check.XXXXXX")"
export TUNEBOARD_HOME="$WORK/workspace" GPU_CHECK_MODE="$MODE" GPU_CHECK_WORK="$WORK"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false CUDA_DEVICE_ORDER=PCI_BUS_ID
unset TUNEBOARD_INJECT_OOM TUNEBOARD_GPUS
cleanup() {
  # Schedulers and workers started for this check run in their own sessions: end exactly those (their
  # TUNEBOARD_HOME is inside $WORK), then remove the workspace.
  "$PY" - <<'PY' 2>/dev/null
import os
import psutil
work = os.environ["GPU_CHECK_WORK"]
mine = []
for proc in psutil.process_iter():
    try:
        if proc.pid != os.getpid() and proc.environ().get("TUNEBOARD_HOME", "").startswith(work):
            mine.append(proc)
    except (psutil.Error, OSError):
        pass
for proc in mine:
    try:
        proc.kill()
    except psutil.Error:
        pass
psutil.wait_procs(mine, timeout=10)
PY
  rm -rf "$WORK" 2>/dev/null || { sleep 1; rm -rf "$WORK"; }
}
trap cleanup EXIT

LIMIT=600  # the promise: ten minutes on one GPU; the CPU dry run is allowed longer (shared, slow CPUs)
[ "$MODE" = cpu ] && LIMIT=1500
timeout --kill-after=10 "$LIMIT" "$PY" - <<'PY'
"""The checks; each prints one PASS/FAIL line.  Runs with TUNEBOARD_HOME set to a throw-away workspace."""
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

CPU = os.environ["GPU_CHECK_MODE"] == "cpu"
WORK = Path(os.environ["GPU_CHECK_WORK"])
PY = sys.executable
failures: list[str] = []


def line(ok: bool, name: str, text: str) -> None:
    print(f"{'PASS' if ok else 'FAIL'} {name}: {text}", flush=True)
    if not ok:
        failures.append(name)


def check(name):
    """Run one check; an exception is a FAIL line with its first words, never the end of the script."""
    def wrap(fn):
        started = time.time()
        try:
            ok, text = fn()
        except Exception as exc:  # every check reports, whatever broke
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            ok, text = False, f"{type(exc).__name__}: {first}"
            traceback.print_exc()  # on stderr, below the FAIL line's context
        line(ok, name, f"{text} [{time.time() - started:.0f} s]")
        return fn
    return wrap


def cli(*args: str, env: dict | None = None, timeout: float = 120) -> str:
    proc = subprocess.run([PY, "-m", "core", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(f"`python -m core {' '.join(args)}` exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return proc.stdout.strip()


def wait(run_id: str, done, timeout: float):
    from core import store

    deadline = time.time() + timeout
    while time.time() < deadline:
        run = store.require_run(run_id)
        if done(run):
            return run
        time.sleep(0.5)
    return store.require_run(run_id)


def settings(**extra) -> list[str]:
    model = ["--model", "tiny-random-bert", "--device", "cpu"] if CPU else ["--device", "auto"]
    return [*model, *(f"--{k.replace('_', '-')}={v}" for k, v in extra.items())]


import torch  # noqa: E402 - after the helpers: the checks below need it, the shell checked it imports

from core import devices, store  # noqa: E402
from core.jobs import queue as jobs  # noqa: E402
from core.jobs import scheduler  # noqa: E402
from core.jobs.demo import load_example  # noqa: E402

dataset = load_example("support_intents")
state: dict = {}


@check("environment")
def _environment():
    table = devices.gpu_table()
    if CPU:
        return True, f"CPU dry run (torch {torch.__version__}); core.devices found {len(table)} GPU(s)"
    count = torch.cuda.device_count()
    names = sorted({torch.cuda.get_device_name(i) for i in range(count)})
    bf16 = torch.cuda.is_bf16_supported(including_emulation=False)
    text = (f"torch {torch.__version__} CUDA {torch.version.cuda}: {count} × {', '.join(names)}; core.devices: "
            f"{[(g.id, g.visible, g.name) for g in table]}; bf16 in hardware: {bf16}")
    # Without MIG slices every device core.devices lists is one torch sees, in the same order.
    return bool(table) and (any(g.mig for g in table) or len(table) == count), text


@check("train")
def _train():
    run_id = cli("train", "--dataset-id", dataset.id, *settings(max_steps=30 if CPU else 120, batch_size=32), "--detach").splitlines()[-1]
    training: dict = {}  # the last progress written while training (the end-of-run phases replace it)

    def finished(run) -> bool:
        if (run.progress or {}).get("phase") == "training":
            training.update(run.progress)
        return not run.is_active

    run = wait(run_id, finished, 300)
    p, mem, by_device = training, training.get("gpu_mem_gb"), training.get("gpu_mem_by_device") or ""
    state["model_run"] = run_id
    on_gpu = run.device == "cpu" if CPU else (run.device or "").startswith("cuda")
    ok = run.status == "completed" and on_gpu and (CPU or bool(mem))
    acc = (run.final_metrics or {}).get("accuracy")
    return ok, (f"status {run.status} on {run.device} ({run.info.get('device')}); {p.get('samples_per_s', 0):.0f} "
                f"samples/s; GPU reserved peak {mem} GB {by_device or ''}; test accuracy {acc}"
                + (f"; error: {run.error}" if run.error else ""))


def predict_job(run_id: str, rows: int):
    import pandas as pd

    from core.serve import predict

    texts = [f"where is my order number {i}, it has not arrived" if i % 2 else f"please refund order {i}" for i in range(rows)]
    started = time.time()
    job = predict.start_job(run_id, pd.DataFrame({"text": texts}), "text")
    while predict.job_progress(job)["state"] in {"queued", "running"} and time.time() - started < 120:
        time.sleep(0.5)
    progress = predict.job_progress(job)
    result = predict.job_result(job) if progress["state"] == "completed" else None
    return predict.job_info(job)["device"], progress, result, time.time() - started


@check("placement")
def _placement():
    from core.serve import loading as serving

    if "model_run" not in state:
        return False, "no trained model (the train check failed)"
    holder = cli("train", "--dataset-id", dataset.id, *settings(epochs=500, batch_size=16), "--detach").splitlines()[-1]
    state["long_run"] = holder
    run = wait(holder, lambda r: (r.status != "queued" and (r.progress or {}).get("step", 0) > 0) or not r.is_active, 180)
    if run.status != "running":
        return False, f"the run meant to hold a device is {run.status}: {run.error}"
    busy = scheduler.running_devices()
    side = scheduler.place_side_job()
    local = serving.local_device()
    device_busy, progress_busy, result_busy, secs_busy = predict_job(state["model_run"], 2000)
    gpus = devices.available_gpus()
    held = {int(g) for label in busy if label.startswith("cuda:") for g in label[5:].split(",")}
    avoided = device_busy == "cpu" or int(device_busy.split(":")[1]) not in held
    free_expected = "cpu" if CPU or not set(gpus) - held else "cuda"
    ok = avoided and device_busy.startswith(free_expected) and progress_busy["state"] == "completed"
    text = (f"runs hold {busy}; side job placed {side[0]}, in-process model on {local}; batch job on {device_busy} "
            f"{progress_busy['state']} ({2000 / secs_busy:.0f} rows/s incl. start-up)")
    state["placement_text"], state["placement_ok"], state["busy_result"] = text, ok, result_busy
    return ok, text + (f"; error: {progress_busy.get('error')}" if progress_busy.get("error") else "")


@check("stop")
def _stop():
    from core import paths

    run_id = state.get("long_run")
    if not run_id:
        return False, "no running run to stop (the placement check failed)"
    run = store.require_run(run_id)
    if run.status != "running":
        return False, f"the run is {run.status} before the stop: {run.error}"
    pid, step = run.pid, (run.progress or {}).get("step")
    started = time.time()
    cli("stop", run_id, timeout=60)
    run = wait(run_id, lambda r: not r.is_active, 45)
    took = time.time() - started
    checkpoint = jobs.last_checkpoint(run_id)
    while jobs.process_alive(pid) and time.time() - started < 30:  # the worker exits just after marking the run
        time.sleep(0.2)
    alive, gone_after = jobs.process_alive(pid), time.time() - started
    ok = run.status == "stopped" and took <= 30 and checkpoint is not None and not alive
    log_tail = (paths.run_dir(run_id) / "worker.out").read_text(errors="replace")[-200:] if not ok else ""
    return ok, (f"{run.status} {took:.1f} s after the request (at step {step}); checkpoint "
                f"{checkpoint.name if checkpoint else 'missing'}; worker {'still alive' if alive else 'gone'} "
                f"{gone_after:.1f} s after the request"
                + (f"; worker.out …{log_tail!r}" if log_tail else ""))


@check("placement_free")
def _placement_free():
    if "busy_result" not in state:
        return False, "skipped: the placement check did not finish"
    device_free, progress_free, result_free, secs = predict_job(state["model_run"], 2000)
    expected = "cpu" if CPU else "cuda"
    from core.serve.predict import PRED_COLUMN

    busy = state["busy_result"]
    same = result_free is not None and busy is not None and (result_free[PRED_COLUMN] == busy[PRED_COLUMN]).mean()
    ok = device_free.startswith(expected) and progress_free["state"] == "completed" and same and same > 0.99
    return ok, (f"no run training: batch job on {device_free} {progress_free['state']} ({2000 / secs:.0f} rows/s "
                f"incl. start-up); same predictions as the busy-case job on {same:.1%} of rows" if same is not False
                else f"batch job on {device_free} {progress_free['state']}: {progress_free.get('error')}")


@check("oom_retry")
def _oom():
    # A fresh workspace, so a fresh scheduler (and its workers) inherits the injection variable.
    env = {"TUNEBOARD_HOME": str(WORK / "oom-workspace"), "TUNEBOARD_INJECT_OOM": "8"}
    os.environ.update(env)
    try:
        oom_dataset = load_example("support_intents")
        run_id = cli("train", "--dataset-id", oom_dataset.id, *settings(max_steps=30, batch_size=32), "--detach",
                     env=env).splitlines()[-1]
        run = wait(run_id, lambda r: not r.is_active and r.status != "queued", 300)
        retries = [r.get("to_batch_size") for r in run.info.get("oom_retries", [])]
        ok = run.status == "completed" and run.config.get("batch_size") == 8 and retries == [16, 8]
        return ok, (f"status {run.status}; batch 32 → {' → '.join(map(str, retries)) or 'no retry'}, gradient "
                    f"accumulation {run.config.get('gradient_accumulation')}" + (f"; error: {run.error}" if run.error else ""))
    finally:
        os.environ.pop("TUNEBOARD_INJECT_OOM", None)
        os.environ["TUNEBOARD_HOME"] = str(WORK / "workspace")


@check("bench_gpu")
def _bench():
    out = WORK / "bench"
    args = ["--tiny"] if CPU else ["--rows", "8000"]
    proc = subprocess.run([PY, "-m", "bench.bench_gpu", *args, "--out", str(out)], capture_output=True, text=True,
                          timeout=300)
    files = sorted(out.glob("*.json")) if out.is_dir() else []
    if proc.returncode != 0 or not files:
        return False, f"exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-300:]}"
    results = json.loads(files[0].read_text())
    rows = results.get("rows", [])
    numbers = ", ".join(f"{r['contender']} {r.get('samples_per_s') or 0:.0f}/s"
                        + (f" ×{r['speedup_vs_trainer']:.2f}" if r.get("speedup_vs_trainer") else "")
                        + (f" {r['gpu_peak_mb']:.0f} MB" if r.get("gpu_peak_mb") else "") for r in rows)
    pinned = results.get("gpu")
    ok = bool(rows) and all(r.get("samples_per_s") for r in rows) and (CPU or pinned is not None)
    return ok, f"pinned GPU {pinned}: {numbers}"


print(f"{'PASS' if not failures else 'FAIL'} all: {len(failures)} check(s) failed {failures if failures else ''}".rstrip(),
      flush=True)
sys.exit(1 if failures else 0)
PY
status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "FAIL all: the checks ran past $LIMIT s"
  status=1
fi
exit "$status"
