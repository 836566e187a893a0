"""The report's Efficiency tab: speed and size tiles, and every measure under a plain name (never a JSON key)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.evaluate import latency
from pages.components.i18n import t, tr

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


# Measure key → (tile name under runs.efficiency.tile, number format, unit under runs.efficiency.unit or None).
_EFFICIENCY_TILES = {
    "latency_p50_ms": ("latency_p50", "{:.1f}", "ms"),
    "latency_p95_ms": ("latency_p95", "{:.1f}", "ms"),
    "throughput_texts_per_s": ("throughput", "{:,.0f}", "texts_per_s"),
    "parameters.total": ("parameters", "{:,}", None),
    "parameters_total": ("parameters", "{:,}", None),
    "total": ("parameters", "{:,}", None),
}


def _efficiency_tiles(flat: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, formatted value) for the measures we know how to present."""
    tiles = [
        (t(f"runs.efficiency.tile.{name}"), fmt.format(flat[k]) + (f" {t(f'runs.efficiency.unit.{unit}')}" if unit else ""))
        for k, (name, fmt, unit) in _EFFICIENCY_TILES.items()
        if isinstance(flat.get(k), (int, float)) and not isinstance(flat.get(k), bool)
    ]
    tiles += [
        (t("runs.efficiency.tile.size"), f"{v / 1e6:,.1f} MB")
        for k, v in flat.items() if k.endswith("bytes") and isinstance(v, (int, float))
    ]
    unique: dict[str, str] = {}
    for name, value in tiles:  # several key spellings map to one tile; keep the first
        unique.setdefault(name, value)
    return list(unique.items())


# Every measure core records (core.evaluate.efficiency, core.train.finish, core.evaluate.baseline) has a plain name
# under runs.efficiency.measure.<key> (dotted keys are nested there); others get one made from the key.
MEASURE_KEYS = (
    "latency_p50_ms", "latency_p95_ms", "throughput_texts_per_s", "parameters.total", "parameters_total", "total",
    "parameters.trainable", "trainable", "train_seconds", "n_single", "n_texts", "max_length", "model_size_bytes",
    "device", "batch_size", "threads", "vocabulary_size",
)


def _measure_name(key: str) -> str:
    """'latency_p50_ms' -> 'Latency p50 (ms)': users read words, not JSON keys."""
    if key in MEASURE_KEYS:
        return t(f"runs.efficiency.measure.{key}")
    words = key.replace(".", " ").replace("_", " ")
    for unit in ("ms", "bytes", "seconds"):
        if words.endswith(f" {unit}"):
            words = f"{words[: -len(unit) - 1]} ({unit})"
    return words[:1].upper() + words[1:]


def render(report: dict, *, key: str) -> None:
    """The Efficiency tab: tiles for the known measures, then every measure in plain words."""
    eff = report.get("efficiency")
    if not eff:
        st.info(t("runs.efficiency.unavailable"))
        return
    flat = _flatten(eff)
    tiles = _efficiency_tiles(flat)
    if tiles:
        for col, (name, value) in zip(st.columns(len(tiles)), tiles, strict=True):
            col.metric(name, value)
    if "latency_p50_ms" in eff:  # where and how it was timed: a GPU latency must not be read as a CPU one
        st.caption(tr(latency.describe_message(eff)))
    table = pd.DataFrame({t("runs.efficiency.measure_column"): [_measure_name(k) for k in flat],
                          t("runs.efficiency.value_column"): ["–" if v is None else str(v) for v in flat.values()]})
    st.dataframe(table, hide_index=True, key=f"{key}-efficiency-table")
