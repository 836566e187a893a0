"""A run's status, progress phase and header facts in the interface language.

Core writes these in English (:func:`core.jobs.queue.status_line`, :func:`core.results.header_facts`, the phase
names of the worker and :mod:`core.train.finish`) for the CLI and the database; the UI builds them again from the
run's fields with catalogue keys.  Light on purpose: the sidebar imports it on every page.
"""

from __future__ import annotations

from core.devices import run_device_message
from core.jobs import queue as jobs
from core.store import Run
from pages.components.i18n import t, tr

# The phases core writes into a run's progress (English, stored as is) → their key under runs.phase.  Literal
# strings, not core.train.finish's constants: importing that module pulls in scikit-learn (slow for every page);
# tests/ui/test_runs_zh.py checks that every phase core writes is here.
PHASE_KEYS = {
    "starting": "starting", "loading model and data": "loading", "training": "training",
    "out of memory: starting again with a smaller batch": "oom_restart",
    "calibrating on the validation split": "calibrate", "saving the model": "save", "evaluating the test split": "test", "robustness checks": "robustness",
    "measuring latency": "latency", "baseline check": "baseline", "building the report": "report",
}


def phase_text(phase: str | None) -> str:
    """A progress phase in the interface language (a phase core adds later shows as core wrote it)."""
    phase = phase or "starting"
    return t(f"runs.phase.{PHASE_KEYS[phase]}") if phase in PHASE_KEYS else phase


def status_text(run: Run, position: int | str | None = None) -> str:
    """What :func:`core.jobs.queue.status_line` says ('queued (#2)', 'running 45%'), in the interface language;
    ``position``: the run's place in the queue when the caller knows it (else it is looked up)."""
    if run.status == "queued":
        return t("runs.status_line.queued", position=position or jobs.queue_position(run.id) or "?")
    if run.status == "running":
        p = run.progress or {}
        if p.get("total_steps"):
            return t("runs.status_line.running_percent", percent=f"{100 * p.get('step', 0) / p['total_steps']:.0f}")
        return t("runs.status_line.running_phase", phase=phase_text(p.get("phase")))
    return t(f"runs.status.{run.status}")


def header_facts(run: Run) -> list[str]:
    """What :func:`core.results.header_facts` lists under a run's name (id, data, model, device, trainable
    parameters, lineage), in the interface language.  The device label is the one the run recorded, translated."""
    facts = [t("runs.facts.run", id=run.id), str(run.info.get("dataset_name", run.dataset_id or "")),
             t("runs.facts.model", model=str(run.config.get("model", "")).rstrip("/").split("/")[-1]),
             tr(run_device_message(run.info["device"])) if run.info.get("device") else run.device or t("runs.facts.no_device")]
    params = run.info.get("parameters")
    if params and params.get("total"):
        facts.append(t("runs.facts.parameters", trainable=f"{params['trainable']:,}", total=f"{params['total']:,}",
                       percent=f"{100 * params['trainable'] / params['total']:.1f}"))
    if run.parent_id:
        facts.append(t("runs.facts.continued", parent=run.parent_id))
    ray_job = run.info.get("ray") or {}
    if ray_job.get("job_id"):  # a run on a Ray cluster: its job (for `ray job logs`) and the node it landed on
        node = ray_job.get("node") or (ray_job.get("worker") or {}).get("host")
        facts.append(t("runs.ray.fact", job_id=ray_job["job_id"], node=node) if node
                     else t("runs.ray.fact_waiting", job_id=ray_job["job_id"]))
    return facts
