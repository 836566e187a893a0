"""Repeats over seeds: a group of runs that differ only in their seed (issue 19, item 2).

One seed's score moves by about a point on a few hundred test rows (BENCHMARKS.md), so "is this setting better?" is
answered by a group: the same config trained with seeds 0, 1, 2, … and reported as mean ± sd with the spread
(:mod:`core.compare.groups`).  The runs are ordinary queued runs (device slots, stop, cancel and crash detection apply
to each); what makes them a group is ``info["seed_group"]``, the same id on every member, and ``info["group_seeds"]``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np

from core import store
from core.config import RunConfig
from core.errors import ConfigError
from core.i18n import message
from core.jobs import queue as jobs
from core.store import Run

GROUP_KEY = "seed_group"
MAX_SEEDS = 20  # a group is for error bars, not for a sweep: 3–5 seeds are the usual choice
_SEED_LIST = re.compile(r"^\s*\d+\s*(-\s*\d+\s*)?(,\s*\d+\s*(-\s*\d+\s*)?)*$")


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` or ``"0-4"`` (or a mix, ``"0-2,7"``) as distinct seeds in the order given.

    Raises :class:`ConfigError` for anything else, for a repeated seed and for fewer than 2 or more than
    :data:`MAX_SEEDS` seeds (one seed is a plain run).
    """
    if not _SEED_LIST.match(text or ""):
        raise ConfigError(message("error.seeds.bad_list", text=str(text)))
    seeds: list[int] = []
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        seeds += list(range(int(first), int(last or first) + 1)) if int(last or first) >= int(first) else [-1]
    if -1 in seeds or len(set(seeds)) != len(seeds):
        raise ConfigError(message("error.seeds.bad_list", text=str(text)))
    _check_count(len(seeds))
    return seeds


def _check_count(count: int) -> None:
    if not 2 <= count <= MAX_SEEDS:
        raise ConfigError(message("error.seeds.count", count=count, most=MAX_SEEDS))


def new_group_id() -> str:
    """A fresh group id ('seeds-' and 6 hex digits)."""
    return f"seeds-{uuid.uuid4().hex[:6]}"


def member_name(name: str, seed: int) -> str:
    """The name of one member of a group ('MiniLM · reviews · seed 2')."""
    return f"{name} · seed {seed}"


def submit_seed_group(config: RunConfig, seeds: Sequence[int], *, info: dict | None = None) -> list[Run]:
    """Queue one run per seed, identical otherwise; returns them in seed order as given."""
    _check_count(len(seeds))
    config.validate()
    group = new_group_id()
    base = config.name.strip()
    runs = []
    for seed in seeds:
        member = config.replace(seed=int(seed), name=member_name(base, seed) if base else "")
        run = jobs.submit(member, info={**(info or {}), GROUP_KEY: group, "group_seeds": list(seeds)})
        if not base:  # the default name ("model · dataset") exists only once submitted
            store.update_run(run.id, name=member_name(run.name, seed))
        runs.append(store.require_run(run.id))
    return runs


def repeat_with_seeds(run_id: str, count: int) -> list[Run]:
    """Turn a run into a group of ``count`` seeds: it keeps its seed, the next unused seeds are queued beside it.

    Returns the queued runs.  A run already in a group adds its new members to that group.
    """
    _check_count(count)
    run = store.require_run(run_id)
    config = RunConfig.from_dict({**run.config, "resume_from": ""})
    group = run.info.get(GROUP_KEY) or new_group_id()
    members = [r for r in store.list_runs() if r.info.get(GROUP_KEY) == group] or [run]
    taken = {int(r.config.get("seed", 0)) for r in members}
    needed = count - len(members)
    if needed <= 0:
        raise ConfigError(message("error.seeds.already", count=len(members)))
    seeds = [s for s in range(config.seed, config.seed + count + len(taken)) if s not in taken][:needed]
    all_seeds = sorted(taken | set(seeds))
    base = run.name.removesuffix(f" · seed {config.seed}")
    for member in members:
        store.update_run(member.id, info={**member.info, GROUP_KEY: group, "group_seeds": all_seeds})
        if member.id == run.id and not run.name.endswith(f" · seed {config.seed}"):
            store.update_run(run.id, name=member_name(base, config.seed))
    queued = []
    for seed in seeds:
        new = jobs.submit(config.replace(seed=seed, name=member_name(base, seed)),
                          info={GROUP_KEY: group, "group_seeds": all_seeds})
        queued.append(new)
    return queued


def stats(values: Sequence[float]) -> dict[str, float | int | None]:
    """``n``, ``mean``, ``sd`` (sample; None for fewer than 2 values), ``min`` and ``max`` of the finite values."""
    clean = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if clean.size == 0:
        return {"n": 0, "mean": None, "sd": None, "min": None, "max": None}
    return {"n": int(clean.size), "mean": float(clean.mean()), "sd": float(clean.std(ddof=1)) if clean.size > 1 else None,
            "min": float(clean.min()), "max": float(clean.max())}


def group_summary_json(members: Sequence[Run]) -> dict[str, Any]:
    """What ``train --seeds`` prints at the end: the group, its runs and each final metric's :func:`stats`."""
    finished = [r for r in members if r.status == "completed"]
    metrics = sorted({k for r in finished for k in (r.final_metrics or {})})
    return {
        "group": members[0].info.get(GROUP_KEY) if members else None,
        "runs": [{"id": r.id, "seed": r.config.get("seed"), "status": r.status} for r in members],
        "metrics": {m: stats([(r.final_metrics or {}).get(m) for r in finished]) for m in metrics},
    }
