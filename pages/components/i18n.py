"""The interface language: ``t(key)`` for every shown string, and the sidebar switch that sets the language.

The language is, in order: the one chosen in this session; the one remembered in this browser (a cookie the switch
writes); the browser's own language (``st.context.locale``); English.  The words live in ``core/locales/*.toml``.
"""

from __future__ import annotations

import json

import streamlit as st

from core import i18n

SESSION_KEY = "lang"
COOKIE = "tuneboard_lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600


def current_language() -> str:
    """The language this session shows (a code of :data:`core.i18n.LANGUAGES`)."""
    chosen = st.session_state.get(SESSION_KEY)
    if chosen in i18n.LANGUAGES:
        return chosen
    remembered = _cookie()
    language = remembered if remembered in i18n.LANGUAGES else i18n.language_for_locale(_browser_locale())
    st.session_state[SESSION_KEY] = language
    return language


def _cookie() -> str | None:
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # no browser behind this session (AppTest, bare mode)
        return None


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # no browser behind this session
        return None


def t(key: str, /, **params: object) -> str:
    """The text of catalogue ``key`` in this session's language, ``params`` filled in."""
    return i18n.translate(current_language(), key, **params)


def _remember(language: str) -> None:
    """Keep the choice in this browser for a year, so the next visit opens in it."""
    cookie = f"{COOKIE}={language}; path=/; max-age={COOKIE_MAX_AGE_S}; SameSite=Lax"
    st.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)


def language_switch() -> None:
    """The sidebar's language picker (labelled in both languages, so anyone can find it)."""
    language = current_language()
    codes = list(i18n.LANGUAGES)
    picked = st.segmented_control("Language · 语言", codes, default=language, format_func=i18n.LANGUAGES.get,
                                  key="_language_switch", label_visibility="collapsed")
    if picked and picked != language:
        st.session_state[SESSION_KEY] = picked
        st.session_state["_remember_language"] = picked
        st.rerun()
    if st.session_state.pop("_remember_language", None):
        _remember(language)


def tr(value: object) -> str:
    """A sentence made in core (a :class:`core.i18n.Message` or its stored dict) in this session's language; plain
    text as it is."""
    return i18n.localize(value, current_language())
