"""Generic error pages in Chinese (HTML) or JSON for the API; never a stack trace."""

from __future__ import annotations

import logging
from urllib.parse import quote

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DataError, OperationalError

from core.forms import FormErrors
from core.i18n import gettext as _
from core.web.context import LoginRequired, SecondFactorRequired
from core.web.forms import form_errors
from core.web.render import get_catalog

log = logging.getLogger("liandong")

TITLES = {
    400: "请求有误",
    401: "需要登录",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的请求方式",
    413: "上传的文件过大",
    422: "提交的内容有误",
    429: "请求过于频繁",
    500: "服务器出错了",
    503: "服务暂时不可用",
}


def _respond(request: Request, status: int, detail: str, extra: dict | None = None) -> Response:
    detail = _(detail)  # the message ids are the Chinese text; unknown ones stay as they are
    if request.url.path.startswith(("/api/", "/schema")):
        body = {"status_code": status, "detail": detail, **(extra or {})}
        return Response(content=body, status_code=status, media_type=MediaType.JSON)
    catalog = get_catalog()
    title = _(TITLES.get(status, "出错了"))
    if catalog is None:
        return Response(content=title, status_code=status, media_type=MediaType.TEXT)
    html = catalog.render("ErrorPage", status=status, title=title, detail=detail)
    return Response(content=html, status_code=status, media_type=MediaType.HTML)


def http_exception(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, SecondFactorRequired):
        return Redirect(path="/login/mfa", status_code=303)
    if isinstance(exc, LoginRequired):
        return Redirect(path=f"/login?next={quote(request.url.path, safe='/')}", status_code=303)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) and status < 500 else TITLES.get(status, "")
    if status == 403 and detail.startswith("CSRF"):
        detail = "表单已过期或来源无效，请刷新页面后重试"
    if status == 404 and detail in ("Not Found", ""):
        detail = "页面不存在"
    if isinstance(exc, ValidationException):  # a typed parameter or body the framework refused
        keys = [e["key"] for e in exc.extra or () if isinstance(e, dict) and e.get("key")]
        detail = _("请求参数有误") + (f"：{'、'.join(keys)}" if keys else "")
        return _respond(request, 422, detail, {"extra": exc.extra})
    return _respond(request, status, detail, {"extra": exc.extra} if exc.extra and status == 422 else None)


def database_unavailable(request: Request, exc: Exception) -> Response:
    log.error("database unavailable: %s", exc)
    return _respond(request, 503, "数据库暂时无法连接，请稍后重试")


def redis_unavailable(request: Request, exc: Exception) -> Response:
    """Sessions and rate limits fail closed: no login, no session, a clear 503."""
    log.error("redis unavailable: %s", exc)
    return _respond(request, 503, "会话服务暂时无法连接，请稍后重试")


def bad_value(request: Request, exc: Exception) -> Response:
    """A value the database cannot hold (a number beyond its column, a NUL byte) that slipped
    past :mod:`core.web.inputs`: the request was wrong, not the server; nothing was kept (the
    request's session rolls back)."""
    log.warning("value refused by the database on %s: %s", request.url.path, exc)
    return _respond(request, 422, "提交的数值或文字超出允许范围，请核对后重试")


def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _respond(request, 500, "服务器出错了，请稍后重试；问题已记录")


HANDLERS = {
    HTTPException: http_exception,
    FormErrors: form_errors,
    OperationalError: database_unavailable,
    DataError: bad_value,  # PostgreSQL: NUL in text, a number beyond its column
    OverflowError: bad_value,  # SQLite: an integer beyond 64 bits
    RedisConnectionError: redis_unavailable,
    RedisTimeoutError: redis_unavailable,
    Exception: server_error,
}
