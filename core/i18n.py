"""The interface's words in English and 简体中文: one TOML catalogue per language in ``core/locales/``.

Every string the UI shows comes from here by key (``"train.start_button"``); each language's file has the same keys
and each translation the same ``{placeholders}`` (tested).  A key is looked up in the chosen language and, should a
file ever lack it, in English, so a missing translation shows English words rather than breaking a page; the tests
make sure that never ships.  The CLI does not use this module: its English ``error:`` lines are a stable interface.

The catalogue is plain data (no code), so a translator edits one file per language; ``tomllib`` reads it.
"""

from __future__ import annotations

import functools
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
"""Language code → its name in that language (what the switch shows)."""
DEFAULT_LANGUAGE = "en"


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """All strings of ``language`` as ``{"section.key": text}`` (nested TOML tables joined with dots)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose from {', '.join(LANGUAGES)}")
    with (LOCALES / f"{language}.toml").open("rb") as handle:
        return dict(_flatten(tomllib.load(handle)))


def _flatten(table: dict, prefix: str = ""):
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{name}.")
        else:
            yield name, str(value)


def translate(language: str, key: str, /, **params: object) -> str:
    """The text of ``key`` in ``language`` with ``params`` filled in (English when the language lacks the key)."""
    text = catalogue(language).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE)[key]  # a KeyError here is a typo in the code: the tests catch it
    return text.format(**{name: _param(value, language) for name, value in params.items()}) if params else text


def _param(value: object, language: str) -> object:
    """A parameter that is itself a sentence part (a :class:`Message` or its stored dict: "under 0.1%", a list of
    reasons) is shown in the same language as the sentence around it; other values as they are."""
    if isinstance(value, Message) or (isinstance(value, dict) and "key" in value):
        return localize(value, language)
    return value


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a catalogue text expects."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def language_for_locale(locale: str | None) -> str:
    """The interface language for a browser locale such as ``zh-CN`` or ``en-GB`` (English when unknown)."""
    code = (locale or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Message:
    """A sentence made in ``core`` that the UI shows in its language: a catalogue key and its parameters.

    ``str(message)`` is the English text, so the CLI, logs and English pages print it unchanged; the UI calls
    :func:`localize` to show it in the chosen language.  ``to_dict()`` is what a JSON file (report.json, a run's
    info) stores beside the English text, so a saved sentence can be shown in another language later.  Parameters
    are plain JSON values (numbers, strings); their formatting (``{accuracy:.1%}``) lives in the catalogue text.
    A parameter may itself be a Message (a sentence part that differs by language); it is stored as its dict.
    """

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return translate(DEFAULT_LANGUAGE, self.key, **self.params)

    def in_language(self, language: str) -> str:
        """The sentence in ``language``."""
        return translate(language, self.key, **self.params)

    def to_dict(self) -> dict[str, Any]:
        """``{"key": …, "params": …}`` for JSON."""
        return {"key": self.key, "params": {k: v.to_dict() if isinstance(v, Message) else v for k, v in self.params.items()}}


def message(key: str, /, **params: Any) -> Message:
    """A :class:`Message` for catalogue ``key`` (checked now: a typo fails where it is made, not where it is shown)."""
    if key not in catalogue(DEFAULT_LANGUAGE):
        raise KeyError(f"no catalogue text for {key!r}")
    return Message(key, params)


def localize(value: Any, language: str) -> str:
    """``value`` in ``language``: a :class:`Message`, a stored ``{"key", "params"}`` dict, an exception raised with a
    Message (``core.errors.TuneboardError``) or a text carrying one (``core.data.notes.Note``), or plain text.

    A stored key the catalogue no longer has (a report from an older version) falls back to ``fallback`` text when
    the dict carries one, else to the key itself, never an error."""
    if isinstance(value, BaseException) or isinstance(getattr(value, "message", None), Message):
        # A TuneboardError or a file-reading Note carries its sentence as a Message; other exceptions show their text.
        value = getattr(value, "message", None) or str(value)
    if isinstance(value, Message):
        return value.in_language(language)
    if isinstance(value, dict) and "key" in value:
        try:
            return translate(language, value["key"], **(value.get("params") or {}))
        except (KeyError, IndexError, ValueError):
            return str(value.get("fallback") or value["key"])
    return "" if value is None else str(value)
