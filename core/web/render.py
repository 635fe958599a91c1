"""Rendering helpers shared by every page handler."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.response import Redirect

from core.forms import text
from core.web.sessions import get_session

_catalog = None


def set_catalog(catalog) -> None:
    global _catalog
    _catalog = catalog


def get_catalog():
    return _catalog


def render(component: str, status_code: int = 200, **props: Any) -> Response:
    html = _catalog.render(component, **props)
    return Response(content=html, media_type=MediaType.HTML, status_code=status_code)


def redirect(path: str) -> Redirect:
    """303: after a POST the browser fetches the target with GET."""
    return Redirect(path=path, status_code=303)


def flash(request: Request, message: str, kind: str = "success") -> None:
    """A message the next page shows once (``kind``: success, error, warning)."""
    get_session(request).flash(message, kind)


def form_value(data: dict[str, Any], key: str, default: str = "") -> str:
    """A form field as stripped text (:func:`core.forms.text`)."""
    return text(data, key, default)


def form_list(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]
