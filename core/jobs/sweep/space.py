"""The search space of a sweep: which :class:`~core.config.RunConfig` settings to search and over which values.

One setting is written ``name=low:high`` (a range), ``name=low:high:log`` (a range searched on a log scale),
``name=low:high:step`` (a range in steps, e.g. ``epochs=1:4:1``) or ``name=a,b,c`` (choices).  The same text is
what the CLI's ``--search`` takes, what a sweep stores and what the Sweeps page builds from its inputs.  Every
mistake (an unknown setting, an empty range, a bound no run could use) ends in one :class:`ConfigError` sentence.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.config import RunConfig
from core.errors import ConfigError
from core.i18n import message

ALIASES = {"lr": "learning_rate", "warmup": "warmup_ratio", "wd": "weight_decay", "lora_rank": "lora_r",
           "rank": "lora_r", "bs": "batch_size", "head_lr": "head_lr_multiplier"}
"""Short names the CLI accepts (``--search lr=1e-5:3e-4:log``)."""

SPLIT_SETTINGS = ("test_size", "validation_size", "seed")
"""Settings that change which rows validate a trial (the seed draws the split): trials scored on different rows
could not be compared."""
FIXED_SETTINGS = ("dataset_id", "name", "text_column", "label_column", "device", "processes", "trust_remote_code",
                  "resume_from", "eval_strategy", "eval_steps", "precision")
"""Settings that are the same for every trial (where and on what it runs; the sweep sets how often trials evaluate)."""
LORA_SETTINGS = ("lora_r", "lora_alpha", "lora_dropout", "lora_target_modules")

SUGGESTED: dict[str, str] = {
    "learning_rate": "1e-5:3e-4:log",
    "epochs": "1:4:1",
    "batch_size": "8,16,32",
    "warmup_ratio": "0:0.2",
    "weight_decay": "0:0.1",
    "head_lr_multiplier": "1:30:log",
    "label_smoothing": "0:0.2",
    "max_length": "64,128,256",
    "lr_scheduler": "linear,cosine",
    "lora_r": "4,8,16,32",
    "lora_alpha": "8,16,32",
    "lora_dropout": "0:0.3",
}
"""The settings the Sweeps page offers first, each with a sensible range to start from."""

_FIELDS = {f.name: f for f in dataclasses.fields(RunConfig)}


@dataclass(frozen=True)
class Param:
    """One searched setting: a float or int range (``log`` scale or a ``step``), or a list of ``choices``."""

    name: str
    kind: str  # "float", "int" or "choice"
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] = ()

    def to_text(self) -> str:
        """The ``name=…`` text this parameter is parsed from (the CLI's ``--search`` value)."""
        if self.kind == "choice":
            return f"{self.name}=" + ",".join(_fmt(c) for c in self.choices)
        tail = ":log" if self.log else (f":{_fmt(self.step)}" if self.step else "")
        return f"{self.name}={_fmt(self.low)}:{_fmt(self.high)}{tail}"

    def distribution(self) -> Any:
        """The Optuna distribution that samples this parameter."""
        from optuna import distributions

        if self.kind == "choice":
            return distributions.CategoricalDistribution(list(self.choices))
        if self.kind == "int":
            return distributions.IntDistribution(int(self.low), int(self.high), log=self.log, step=int(self.step or 1))
        return distributions.FloatDistribution(float(self.low), float(self.high), log=self.log, step=self.step)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored with the sweep)."""
        return {**dataclasses.asdict(self), "choices": list(self.choices)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Param:
        """The parameter :meth:`to_dict` wrote."""
        return cls(**{**data, "choices": tuple(data.get("choices") or ())})


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def canonical_name(name: str) -> str:
    """``lr`` → ``learning_rate``, ``warmup-ratio`` → ``warmup_ratio``; other names as written."""
    name = name.strip().replace("-", "_")
    return ALIASES.get(name, name)


def searchable() -> list[str]:
    """Every setting a sweep can search, in RunConfig's order."""
    return [name for name in _FIELDS if name not in (*SPLIT_SETTINGS, *FIXED_SETTINGS)]


def parse_param(text: str, base: RunConfig | None = None) -> Param:
    """One ``name=low:high[:log|:step]`` or ``name=a,b,c`` text as a checked :class:`Param` (``base``: the settings
    every trial shares, against which each bound is checked)."""
    base = base or RunConfig()
    name, sep, spec = str(text).partition("=")
    name, spec = canonical_name(name), spec.strip()
    if not sep or not name or not spec:
        raise ConfigError(message("error.sweep.syntax", text=str(text)))
    _check_name(name, base)
    field = _FIELDS[name]
    kind = field.type if isinstance(field.type, str) else field.type.__name__
    if ":" in spec and kind in ("int", "float"):
        param = _parse_range(name, kind, spec)
    elif ":" in spec:
        raise ConfigError(message("error.sweep.range_of_words", name=name, spec=spec))
    else:
        param = _parse_choices(name, spec)
    _check_values(param, base)
    return param


def parse_space(texts: Iterable[str], base: RunConfig | None = None) -> list[Param]:
    """Every ``--search`` text as parameters: at least one, none twice."""
    params: list[Param] = []
    for text in texts:
        param = parse_param(text, base)
        if any(p.name == param.name for p in params):
            raise ConfigError(message("error.sweep.twice", name=param.name))
        params.append(param)
    if not params:
        raise ConfigError(message("error.sweep.nothing"))
    return params


def _check_name(name: str, base: RunConfig) -> None:
    if name not in _FIELDS:
        raise ConfigError(message("error.sweep.unknown", name=name, names=", ".join(searchable())))
    if name in SPLIT_SETTINGS:
        raise ConfigError(message("error.sweep.split_setting", name=name))
    if name in FIXED_SETTINGS:
        raise ConfigError(message("error.sweep.fixed_setting", name=name))
    if name in LORA_SETTINGS and base.peft not in ("lora", "adalora"):
        raise ConfigError(message("error.sweep.lora_off", name=name))


def _number(name: str, spec: str, part: str) -> float:
    try:
        value = float(part)
    except ValueError:
        raise ConfigError(message("error.sweep.not_a_number", value=part, name=name, spec=spec)) from None
    if not math.isfinite(value):
        raise ConfigError(message("error.sweep.not_a_number", value=part, name=name, spec=spec))
    return value


def _parse_range(name: str, kind: str, spec: str) -> Param:
    parts = [p.strip() for p in spec.split(":")]
    if len(parts) not in (2, 3):
        raise ConfigError(message("error.sweep.syntax", text=f"{name}={spec}"))
    low, high = _number(name, spec, parts[0]), _number(name, spec, parts[1])
    if low >= high:
        raise ConfigError(message("error.sweep.empty_range", name=name, low=parts[0], high=parts[1]))
    log, step = False, None
    if len(parts) == 3 and parts[2].lower() == "log":
        log = True
        if low <= 0:
            raise ConfigError(message("error.sweep.log_from_zero", name=name, low=parts[0]))
    elif len(parts) == 3:
        try:
            step = float(parts[2])
        except ValueError:
            raise ConfigError(message("error.sweep.bad_scale", name=name, scale=parts[2])) from None
        if not (math.isfinite(step) and step > 0):
            raise ConfigError(message("error.sweep.bad_scale", name=name, scale=parts[2]))
    if kind == "int":
        if not (low.is_integer() and high.is_integer() and (step is None or step.is_integer())):
            raise ConfigError(message("error.sweep.whole_numbers", name=name, spec=spec))
        return Param(name, "int", int(low), int(high), log=log, step=int(step) if step else None)
    if step is not None and not _whole_steps(low, high, step):
        raise ConfigError(message("error.sweep.uneven_step", name=name, spec=spec))
    return Param(name, "float", low, high, log=log, step=step)


def _whole_steps(low: float, high: float, step: float) -> bool:
    count = (high - low) / step
    return abs(count - round(count)) < 1e-9 and round(count) >= 1


def _parse_choices(name: str, spec: str) -> Param:
    raw = [part.strip() for part in spec.split(",") if part.strip()]
    values: list[Any] = []
    for part in raw:
        value = RunConfig.from_dict({name: part}).to_dict()[name]  # the field's own type (a clear error if it is not)
        if value not in values:
            values.append(value)
    if len(values) < 2:
        raise ConfigError(message("error.sweep.one_value", name=name, spec=spec))
    return Param(name, "choice", choices=tuple(values))


def _check_values(param: Param, base: RunConfig) -> None:
    """Every end of the range (every choice) must be a setting a run accepts together with ``base``."""
    values = list(param.choices) if param.kind == "choice" else [param.low, param.high]
    for value in values:
        try:
            base.replace(**{param.name: _typed(param.name, value)}).validate()
        except ConfigError as exc:
            raise ConfigError(message("error.sweep.bad_bound", name=param.name, value=_fmt(value),
                                      problem=exc.message)) from None


def _typed(name: str, value: Any) -> Any:
    kind = _FIELDS[name].type if isinstance(_FIELDS[name].type, str) else _FIELDS[name].type.__name__
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return value


def apply(base: RunConfig, values: dict[str, Any]) -> RunConfig:
    """``base`` with the sampled ``values`` set (each in its field's type)."""
    return base.replace(**{name: _typed(name, value) for name, value in values.items()})


def distributions(params: Iterable[Param]) -> dict[str, Any]:
    """``{name: optuna distribution}`` for ``study.ask``."""
    return {p.name: p.distribution() for p in params}


def shell_words(params: Iterable[Param]) -> list[str]:
    """``--search name=…`` for each parameter (the equivalent command line)."""
    words: list[str] = []
    for p in params:
        words += ["--search", p.to_text()]
    return words
