"""The OpenAPI description of what every tenant API route can answer besides success.

Every ``/api/t/<slug>/…`` route passes the tenant guard (401 without a valid token, 404 for an
unknown tenant, a tenant without the user's role or a disabled plugin, 403 without the route's
permission), the central input check (422 naming the field, 413 for a body too large) and may
find the database unavailable (503); writes may also conflict (409). :func:`declare_errors`
adds these to each handler's documented responses, with the one error body
(:class:`ErrorBody`, see :mod:`core.web.errors`), so that the schema lists every status code a
route can answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.openapi.datastructures import ResponseSpec


@dataclass
class ErrorBody:
    """Every error the API answers: the status, a Chinese message and, for 422, the fields."""

    status_code: int
    detail: str
    extra: dict[str, Any] | list[Any] | None = None


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorBody, description=description, generate_examples=False)


ERRORS = {
    401: _spec("需要有效的 API 令牌"),
    403: _spec("没有权限"),
    404: _spec("辖区、数据或插件不存在（或不可见）"),
    422: _spec("请求参数或内容有误（extra.errors 按字段说明）"),
    503: _spec("数据库或会话服务暂时不可用"),
}
WRITE_ERRORS = {
    409: _spec("与现有数据冲突"),
    413: _spec("请求内容过大"),
}


def declare_errors(handlers: list) -> list:
    """``handlers`` with the error responses above added to what each declares itself."""
    for handler in handlers:
        declared = dict(ERRORS)
        if set(handler.http_methods) - {"GET", "HEAD", "OPTIONS"}:
            declared.update(WRITE_ERRORS)
        handler.responses = {**declared, **(handler.responses or {})}
    return handlers
