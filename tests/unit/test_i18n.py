"""The interface catalogue (core/locales/*.toml): complete in both languages, and the UI code shows only its strings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core import i18n

ROOT = Path(__file__).resolve().parents[2]
UI_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "pages" / "components").glob("*.py"))]

DISPLAY_CALLS = {
    "title", "header", "subheader", "markdown", "write", "caption", "text", "info", "warning", "error", "success",
    "toast", "button", "download_button", "link_button", "page_link", "form_submit_button", "checkbox", "toggle",
    "radio", "selectbox", "multiselect", "select_slider", "slider", "number_input", "text_input", "text_area",
    "file_uploader", "expander", "tabs", "metric", "popover", "status", "spinner", "segmented_control", "pills",
    "Page", "progress", "dialog", "column_config", "TextColumn", "NumberColumn", "ProgressColumn", "LinkColumn",
    "CheckboxColumn", "SelectboxColumn", "ListColumn", "DatetimeColumn", "Column",
}
TEXT_KEYWORDS = {"label", "help", "placeholder", "title", "caption", "text", "value_label"}
LETTERS = re.compile(r"[A-Za-z]{2,}")
CHANGELESS = {"Language · 语言", "Tuneboard"}  # the same in every language (the switch is labelled in both)
PAGE_FILE = re.compile(r"pages/[\w/]+\.py")  # st.Page / st.page_link / st.switch_page targets, not shown text


def _literal_text(node: ast.AST) -> str | None:
    """The English words a call argument shows literally, if any (f-strings: their literal parts)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        shown = LETTERS.search(node.value) and node.value not in CHANGELESS and not PAGE_FILE.fullmatch(node.value)
        return node.value if shown else None
    if isinstance(node, ast.JoinedStr):
        parts = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return parts if LETTERS.search(parts) else None
    return None


def _untranslated(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DISPLAY_CALLS):
            continue
        shown = [node.args[0]] if node.args else []
        if node.func.attr == "tabs" and node.args and isinstance(node.args[0], ast.List | ast.Tuple):
            shown = list(node.args[0].elts)
        shown += [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS]
        found += [f"{path.relative_to(ROOT)}:{node.lineno}: {text!r}" for arg in shown if (text := _literal_text(arg))]
    return found


def _used_keys() -> set[tuple[str, str]]:
    """(file, key) of every ``t("literal.key")`` in the UI code."""
    used = set()
    for path in UI_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                used.add((path.name, node.args[0].value))
    return used


def test_both_languages_have_the_same_keys():
    english, chinese = set(i18n.catalogue("en")), set(i18n.catalogue("zh"))
    assert not english - chinese, f"missing in zh: {sorted(english - chinese)}"
    assert not chinese - english, f"missing in en: {sorted(chinese - english)}"


def test_translations_keep_the_placeholders():
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh")
    wrong = {k: (i18n.placeholders(english[k]), i18n.placeholders(chinese[k])) for k in english
             if k in chinese and i18n.placeholders(english[k]) != i18n.placeholders(chinese[k])}
    assert not wrong, wrong


def test_chinese_texts_are_translated():
    """A Chinese entry identical to a long English one is an untranslated copy."""
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh")
    copies = [k for k in english if chinese.get(k) == english[k] and len(LETTERS.findall(english[k])) > 1]
    assert not copies, copies


def test_every_key_the_ui_uses_exists():
    known = set(i18n.catalogue("en"))
    missing = sorted(f"{file}: {key}" for file, key in _used_keys() if key not in known)
    assert not missing, missing


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_ui_code_shows_no_literal_english(path):
    """Pages and components pass catalogue texts (``t(...)``) to Streamlit, never literal English."""
    assert not _untranslated(path), "\n".join(_untranslated(path))


def test_lookup_falls_back_to_english_and_fills_placeholders():
    assert i18n.translate("zh", "sidebar.workspace", path="/w") == "工作区：`/w`"
    assert i18n.language_for_locale("zh-CN") == "zh" and i18n.language_for_locale("en-GB") == "en"
    assert i18n.language_for_locale(None) == "en" and i18n.language_for_locale("fr-FR") == "en"
    with pytest.raises(KeyError):
        i18n.translate("en", "no.such.key")


def test_core_messages_print_english_and_localize_later():
    from core.i18n import Message, localize, message

    made = message("sidebar.workspace", path="/w")
    assert str(made) == "Workspace: `/w`" and f"{made}" == "Workspace: `/w`"
    assert localize(made, "zh") == "工作区：`/w`"
    assert localize(made.to_dict(), "zh") == "工作区：`/w`"  # as stored in a JSON file and read back
    assert localize({"key": "gone.key", "params": {}, "fallback": "old text"}, "zh") == "old text"
    assert localize("plain text", "zh") == "plain text" and localize(None, "zh") == ""
    with pytest.raises(KeyError):
        message("no.such.key")
    assert Message("sidebar.workspace", {"path": "/x"}).in_language("en") == "Workspace: `/x`"
