"""The report's Efficiency tab: speed and size tiles, and every measure under a plain name (never a JSON key)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.evaluate import latency

__all__ = ["render"]


def _flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    """{'parameters': {'total': 3}} -> {'parameters.total': 3}."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, f"{name}."))
        else:
            out[name] = v
    return out


_EFFICIENCY_TILES = {
    "latency_p50_ms": ("Latency p50", "{:.1f} ms"),
    "latency_p95_ms": ("Latency p95", "{:.1f} ms"),
    "throughput_texts_per_s": ("Throughput", "{:,.0f} texts/s"),
    "parameters.total": ("Parameters", "{:,}"),
    "parameters_total": ("Parameters", "{:,}"),
    "total": ("Parameters", "{:,}"),
}


def _efficiency_tiles(flat: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, formatted value) for the measures we know how to present."""
    tiles = [
        (name, fmt.format(flat[k]))
        for k, (name, fmt) in _EFFICIENCY_TILES.items()
        if isinstance(flat.get(k), (int, float)) and not isinstance(flat.get(k), bool)
    ]
    tiles += [
        ("Size on disk", f"{v / 1e6:,.1f} MB") for k, v in flat.items() if k.endswith("bytes") and isinstance(v, (int, float))
    ]
    unique: dict[str, str] = {}
    for name, value in tiles:  # several key spellings map to one tile; keep the first
        unique.setdefault(name, value)
    return list(unique.items())


_MEASURE_NAMES = {
    "train_seconds": "Training time (s)",
    "n_single": "Texts timed one at a time",
    "n_texts": "Texts timed in batches",
    "parameters.trainable": "Trainable parameters",
    "trainable": "Trainable parameters",
    "max_length": "Max length (tokens)",
}


def _measure_name(key: str) -> str:
    """'latency_p50_ms' -> 'Latency p50 (ms)': users read words, not JSON keys."""
    if key in _MEASURE_NAMES:
        return _MEASURE_NAMES[key]
    if key in _EFFICIENCY_TILES:
        name, fmt = _EFFICIENCY_TILES[key]
        unit = fmt.split("}")[-1].strip()
        return f"{name} ({unit})" if unit else name
    words = key.replace(".", " ").replace("_", " ")
    for unit in ("ms", "bytes", "seconds"):
        if words.endswith(f" {unit}"):
            words = f"{words[: -len(unit) - 1]} ({unit})"
    return words[:1].upper() + words[1:]


def render(report: dict, *, key: str) -> None:
    """The Efficiency tab: tiles for the known measures, then every measure in plain words."""
    eff = report.get("efficiency")
    if not eff:
        st.info("Efficiency measurement is not available for this run.")
        return
    flat = _flatten(eff)
    tiles = _efficiency_tiles(flat)
    if tiles:
        for col, (name, value) in zip(st.columns(len(tiles)), tiles, strict=True):
            col.metric(name, value)
    if "latency_p50_ms" in eff:  # where and how it was timed: a GPU latency must not be read as a CPU one
        st.caption(latency.describe(eff))
    table = pd.DataFrame({"measure": [_measure_name(k) for k in flat], "value": [str(v) for v in flat.values()]})
    st.dataframe(table, hide_index=True, key=f"{key}-efficiency-table")
