"""Form and input errors shared by pages, the API and imports, and the rules every text and id
obeys wherever it comes from (a form, a JSON body, a query string, an imported row)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

#: the largest row id (ids are 32-bit INTEGER columns on PostgreSQL)
MAX_ID = 2**31 - 1

#: control characters no text may hold (tab, LF and CR may), and lone UTF-16 surrogates
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: blank characters that are not whitespace to Python (fillers, the braille blank)
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def invisible_only(text: str) -> bool:
    """True if ``text`` is not empty but shows nothing: whitespace, zero-width and direction
    marks (Unicode category Cf) and blank fillers only."""
    return bool(text) and all(c.isspace() or c in _BLANKS or unicodedata.category(c) == "Cf" for c in text) \
        and not text.isspace()


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (a Chinese message without the field's label), or None."""
    if _CONTROL.search(text):
        return "含有不允许的控制字符"
    if invisible_only(text):
        return "不能只包含不可见字符"
    return None


def row_id(value: object) -> int | None:
    """``value`` as a row id (ASCII digits, 1 … :data:`MAX_ID`), else None."""
    text = str(value).strip() if value is not None else ""
    if text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ID:
        return int(text)
    return None


class FormErrors(ValueError):
    """Field → Chinese message. Raised before anything is written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def text(raw: Mapping[str, Any], key: str, default: str = "") -> str:
    """One input value as stripped text: the last of a repeated form field, ``default`` when it
    is missing, ``""`` for ``None`` (form data and JSON bodies alike)."""
    value = raw.get(key, default)
    if isinstance(value, list):
        value = value[-1] if value else default
    return "" if value is None else str(value).strip()


def checked_text(raw: Mapping[str, Any], key: str, label: str, limit: int, errors: dict[str, str], *,
                 required: bool = False) -> str:
    """:func:`text` checked for a form: hostile characters, required, at most ``limit``
    characters; a problem goes into ``errors[key]`` as 「label：…」."""
    value = text(raw, key)
    problem = text_problem(value)
    if problem:
        errors[key] = f"{label}：{problem}"
    elif required and not value:
        errors[key] = f"{label}：必填"
    elif len(value) > limit:
        errors[key] = f"{label}：最多 {limit} 个字符"
    return value
