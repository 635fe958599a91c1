"""The error answers every tenant API route declares in ``/schema/openapi.json``.

Each ``/api/t/<slug>/…`` route can answer 401 (no valid token), 403 (a permission is
missing), 404 (unknown tenant, plugin not enabled here, an id of another tenant) and 422
(field errors, see :mod:`core.web.forms`); :func:`declare` adds these to the routes' own
``responses`` (a route that can refuse with 409 declares :data:`CONFLICT` itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from core.web.forms import UNPROCESSABLE


@dataclass
class ErrorBody:
    """A refusal in JSON: the status again and a message in Chinese."""

    status_code: int
    detail: str


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorBody, description=description, generate_examples=False)


#: what any tenant API route can answer besides its success
TENANT_API_ERRORS: dict[int, ResponseSpec] = {
    401: _spec("需要有效的 API 令牌（Authorization: Bearer …）"),
    403: _spec("没有权限执行此操作"),
    404: _spec("辖区、插件或对象不存在（或不属于本辖区）"),
    422: UNPROCESSABLE,
}

#: declared by routes that refuse a change other records depend on
CONFLICT = {409: _spec("与现有记录冲突，未做任何更改")}


def declare(handlers: list) -> list:
    """Add :data:`TENANT_API_ERRORS` to each handler's declared responses (its own win)."""
    for handler in handlers:
        if isinstance(handler, HTTPRouteHandler):
            handler.responses = {**TENANT_API_ERRORS, **(handler.responses or {})}
    return handlers
