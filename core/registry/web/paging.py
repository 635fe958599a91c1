"""Query values of registry lists: ``page``, ``page_size`` and other integer filters.

A page falls back to the default and says so in a warning; the API answers 422 naming the
field (``extra.errors``), never a 400 from the framework's type check or a 500 from an offset
the database cannot hold. Handlers therefore read these values from the request instead of
declaring them as typed parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from core.forms import FormErrors, text
from core.web.listing import MAX_PAGE, MAX_PAGE_SIZE, PAGE_SIZE

_DIGITS = re.compile(r"[0-9]{1,9}")


def integer(params: Mapping[str, Any], key: str, label: str, low: int, high: int,
            errors: dict[str, str]) -> int | None:
    """``params[key]`` as an integer in [low, high]; None if absent; a Chinese message in
    ``errors[key]`` (and None) if it is something else."""
    raw = text(params, key)
    if raw == "":
        return None
    if _DIGITS.fullmatch(raw) and low <= int(raw) <= high:
        return int(raw)
    errors[key] = f"{label}：应为 {low}–{high} 的整数（收到「{raw[:20]}」）"
    return None


def page_values(params: Mapping[str, Any], errors: dict[str, str], default_size: int = PAGE_SIZE) -> tuple[int, int]:
    page = integer(params, "page", "页码", 1, MAX_PAGE, errors)
    size = integer(params, "page_size", "每页条数", 1, MAX_PAGE_SIZE, errors)
    return page or 1, size or default_size


def references(session: Any, params: Mapping[str, Any], refs: Mapping[str, tuple[str, Any]],
               errors: dict[str, str]) -> None:
    """Filters naming a row (id, code or name): ``refs`` maps key → (Chinese label, resolver
    returning ``(id, problem)``); a value that names no row (or several) is an error."""
    for key, (label, resolve) in refs.items():
        raw = text(params, key)
        if raw:
            _id, problem = resolve(session, raw)
            if problem:
                errors[key] = f"{label}：{problem}"


def choice(params: Mapping[str, Any], key: str, label: str, allowed: Iterable[Any], errors: dict[str, str], *,
           multi: bool = False) -> None:
    """A filter value (comma-separated ones with ``multi``) must be one of ``allowed``."""
    raw = text(params, key)
    if raw == "":
        return
    options = [str(a) for a in allowed if str(a) != ""]
    values = [v.strip() for v in raw.split(",") if v.strip()] if multi else [raw]
    wrong = [v for v in values if v not in options]
    if wrong:
        errors[key] = f"{label}：无效的取值「{wrong[0][:30]}」，可选 {'、'.join(options)}"


def api_page(params: Mapping[str, Any], default_size: int = PAGE_SIZE,
             choices: Mapping[str, tuple[str, Iterable[Any]]] | None = None) -> tuple[int, int]:
    """(page, page_size) of an API list, or 422 naming each bad field — the paging values and
    the filters in ``choices`` (key → (Chinese label, allowed values); ``flag`` takes several)."""
    errors: dict[str, str] = {}
    values = page_values(params, errors, default_size)
    for key, (label, allowed) in (choices or {}).items():
        choice(params, key, label, allowed, errors, multi=key == "flag")
    if errors:
        raise FormErrors(errors)
    return values


def page_of(ctx: Any, params: Mapping[str, Any], default_size: int = PAGE_SIZE) -> tuple[int, int]:
    """(page, page_size) of a list page; a bad value falls back to the default with a warning."""
    errors: dict[str, str] = {}
    values = page_values(params, errors, default_size)
    warn(ctx, errors)
    return values


def warn(ctx: Any, errors: Mapping[str, str]) -> None:
    for message in errors.values():
        ctx.flashes.append(["warning", f"{message}，已按默认值显示"])
