"""The form that starts a sweep: data, model, the settings every trial starts from, which settings to search and
over which values, how many trials, the pruner and the score; the equivalent command line; the Start button.

Each searched setting is drawn as the kind of search it gets: a range (low, high, log scale) for numbers, a set of
values for settings with a few sensible values (batch size, max length, LoRA rank, epochs) and for closed choices.
The form builds the same ``name=…`` texts the CLI's ``--search`` takes and core checks them (one sentence on error).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from core import store
from core.config import RunConfig
from core.errors import TuneboardError
from core.jobs.sweep import manage, space, study
from core.models import MODEL_CHOICES
from core.plots.sweep_figures import metric_name
from core.tasks import task_of
from pages.components.config_form import settings_form
from pages.components.i18n import current_language, t, tr
from pages.components.preset_picker import catalogue_key

VALUE_MENUS: dict[str, list[Any]] = {
    "batch_size": [4, 8, 16, 32, 64, 128], "max_length": [32, 64, 128, 256, 512], "epochs": [1, 2, 3, 4, 5, 6, 8, 10],
    "lora_r": [2, 4, 8, 16, 32, 64], "lora_alpha": [4, 8, 16, 32, 64], "gradient_accumulation": [1, 2, 4, 8],
    "freeze_layers": [0, 1, 2, 3, 4, 6], "early_stopping_patience": [0, 1, 2, 3], "prompt_tokens": [10, 20, 50],
}
"""Settings searched over a few values (picked from this menu) rather than a range."""
DEFAULT_SEARCH = ["learning_rate", "batch_size"]
_FIELDS = {f.name: f for f in dataclasses.fields(RunConfig)}


def _value_options(name: str) -> list[Any]:
    f = _FIELDS[name]
    if "choices" in f.metadata:
        return list(f.metadata["choices"])
    if isinstance(f.default, bool):
        return [False, True]
    return VALUE_MENUS[name]


def _is_values(name: str) -> bool:
    f = _FIELDS[name]
    return name in VALUE_MENUS or "choices" in f.metadata or isinstance(f.default, bool)


def _suggested_range(name: str, current: Any) -> tuple[float, float, bool]:
    spec = space.SUGGESTED.get(name, "")
    parts = spec.split(":") if ":" in spec else []
    if len(parts) >= 2:
        return float(parts[0]), float(parts[1]), parts[-1] == "log"
    value = float(current or 0.0)
    return (value / 2, value * 2, False) if value > 0 else (0.0, 0.1, False)


def _search_row(name: str, base: RunConfig) -> str:
    """The inputs of one searched setting; returns its ``name=…`` text."""
    label = t(f"train.field.{name}.label")
    key = f"sweep_search_{name}"
    if isinstance(_FIELDS[name].default, str) and "choices" not in _FIELDS[name].metadata:  # a model, module names
        typed = st.text_input(t("sweep.form.values", setting=label), value=str(getattr(base, name)), key=key,
                              help=t("sweep.form.text_values_help"))
        return f"{name}={typed}"
    if _is_values(name):
        options = _value_options(name)
        suggested = space.SUGGESTED.get(name, "")
        default = [o for o in options if str(o) in suggested.split(",")] or options[:2]
        shown = {o: (t(f"train.choice.{name}.{o}") if "choices" in _FIELDS[name].metadata else
                     t("sweep.form.yes") if o is True else t("sweep.form.no") if o is False else str(o)) for o in options}
        picked = st.multiselect(t("sweep.form.values", setting=label), options, default=default, key=key,
                                format_func=shown.__getitem__, help=t("sweep.form.values_help"))
        return f"{name}=" + ",".join(str(p).lower() if isinstance(p, bool) else str(p) for p in picked)
    low, high, log = _suggested_range(name, getattr(base, name))
    is_int = isinstance(_FIELDS[name].default, int)
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    fmt = "%d" if is_int else ("%.1e" if log or name == "learning_rate" else "%.3f")
    cast = int if is_int else float
    step = 1 if is_int else (1e-5 if name == "learning_rate" else 0.01)
    lo = left.number_input(t("sweep.form.low", setting=label), value=cast(low), format=fmt, key=f"{key}_low", step=step)
    hi = middle.number_input(t("sweep.form.high", setting=label), value=cast(high), format=fmt, key=f"{key}_high",
                             step=step)
    use_log = right.checkbox(t("sweep.form.log"), value=log, key=f"{key}_log", help=t("sweep.form.log_help"))
    return f"{name}={lo!r}:{hi!r}" + (":log" if use_log else "")


def _model() -> str:
    titles = {m.name: t(f"train.model.{catalogue_key(m.name)}.title") for m in MODEL_CHOICES} | {"other": t("train.model_other")}
    choice = st.selectbox(t("train.model_label"), list(titles), format_func=titles.__getitem__, key="sweep_model",
                          help=t("train.model_help"))
    if choice != "other":
        return choice
    return st.text_input(t("train.model_id"), placeholder=t("train.model_id_placeholder"), key="sweep_model_id") or ""


def render() -> str | None:
    """Draw the form; returns the id of the sweep it started (None until Start is pressed and the sweep started)."""
    datasets = store.list_datasets()
    if not datasets:
        st.info(t("sweep.form.no_dataset"))
        st.page_link("pages/data.py", label=t("train.go_to_data"), icon=":material/table:")
        return None
    by_id = {d.id: d for d in datasets}
    shown = {i: t("sweep.form.dataset_option", name=d.name, rows=f"{d.n_rows:,}") for i, d in by_id.items()}
    dataset_id = st.selectbox(t("train.dataset_label"), list(by_id), format_func=shown.__getitem__, key="sweep_dataset")
    kind = task_of(by_id[dataset_id]).key
    model = _model()
    name = st.text_input(t("sweep.form.name"), placeholder=t("sweep.form.name_placeholder"), key="sweep_name")
    with st.expander(t("sweep.form.base_settings")):
        st.caption(t("sweep.form.base_caption"))
        base, _preset = settings_form(RunConfig(dataset_id=dataset_id, model=model), key_prefix="sweep_cfg_")
    names = {n: t(f"train.field.{n}.label") for n in space.searchable()}
    chosen = st.multiselect(t("sweep.form.search_label"), list(names), default=DEFAULT_SEARCH, key="sweep_search",
                            format_func=names.__getitem__, help=t("sweep.form.search_help"))
    texts = []
    for setting in chosen:
        texts.append(_search_row(setting, base))
    cols = st.columns(4)
    n_trials = int(cols[0].number_input(t("sweep.form.trials"), min_value=1, max_value=manage.MAX_TRIALS, value=10,
                                        step=1, key="sweep_trials", help=t("sweep.form.trials_help")))
    parallel = int(cols[1].number_input(t("sweep.form.parallel"), min_value=1, max_value=manage.MAX_PARALLEL, value=1,
                                        step=1, key="sweep_parallel", help=t("sweep.form.parallel_help")))
    pruners = {p: t(f"sweep.pruner.{p}") for p in study.PRUNERS}
    pruner = cols[2].selectbox(t("sweep.form.pruner"), list(pruners), format_func=pruners.__getitem__,
                               key="sweep_pruner", help=t("sweep.form.pruner_help"))
    language = current_language()
    metrics = {m: metric_name(m, language) for m in manage.metrics_for(kind)}
    metric = cols[3].selectbox(t("sweep.form.metric"), list(metrics), format_func=metrics.__getitem__,
                               key="sweep_metric", help=t("sweep.form.metric_help"))
    try:
        params = space.parse_space(texts, base.validate())
        manage.check(base, params, n_trials=n_trials, parallel=parallel, pruner=pruner, metric=metric)
    except TuneboardError as exc:
        st.error(tr(exc), icon=":material/error:")
        return None
    with st.expander(t("sweep.form.command_line")):
        st.code(manage.command_line(base, params, n_trials=n_trials, parallel=parallel, pruner=pruner, metric=metric,
                                    task=kind, name=name), language="bash")
    if not st.button(t("sweep.form.start"), type="primary", icon=":material/play_arrow:", key="sweep_start"):
        return None
    try:
        sweep = manage.start(base, params, n_trials=n_trials, parallel=parallel, pruner=pruner, metric=metric, name=name)
    except TuneboardError as exc:
        st.error(tr(exc), icon=":material/error:")
        return None
    return sweep.id
