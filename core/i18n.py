"""gettext for the UI. Message ids are the Simplified Chinese text shown by default.

Why Chinese msgids: zh-CN is the product's language and the only complete one; writing
the Chinese in the source keeps templates readable for the people who maintain them, and
the English catalogue (``core/locale/en``) translates from it. A plugin ships its own
``locale/<lang>/LC_MESSAGES/messages.po``; catalogues are compiled in memory at start-up.
"""

from __future__ import annotations

import contextvars
import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("zh_CN", "en")
_locale: contextvars.ContextVar[str] = contextvars.ContextVar("locale", default="zh_CN")
_dirs: list[Path] = [Path(__file__).parent / "locale"]


def add_locale_dir(path: Path) -> None:
    if path not in _dirs:
        _dirs.append(path)
        _translations.cache_clear()


@lru_cache(maxsize=None)
def _translations(locale: str) -> NullTranslations:
    merged: NullTranslations = NullTranslations()
    for d in _dirs:
        po = d / locale / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=locale)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        t = Translations(buf)
        if isinstance(merged, Translations):
            merged.merge(t)
        else:
            merged = t
    return merged


def current_locale() -> str:
    """The locale of the current request (``zh_CN`` outside one)."""
    return _locale.get()


def set_locale(locale: str) -> contextvars.Token:
    return _locale.set(locale if locale in LOCALES else "zh_CN")


def reset_locale(token: contextvars.Token) -> None:
    """Undo the :func:`set_locale` that returned ``token``."""
    _locale.reset(token)


def gettext(message: str) -> str:
    locale = _locale.get()
    if locale == "zh_CN":
        return message
    return _translations(locale).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    locale = _locale.get()
    if locale == "zh_CN":
        return singular
    return _translations(locale).ngettext(singular, plural, n)


_ = gettext
