"""Per-request UI language: zh-CN, or the language chosen with the switch (kept in the session).

The browser's Accept-Language is not followed: the product's language is Simplified Chinese and
the English catalogue covers the shell and core pages, not every plugin, so a browser set to
English would show a page of mixed languages. English is an explicit choice."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.types import ASGIApp, Receive, Scope, Send

from core import i18n
from core.web.render import form_value, redirect
from core.web.sessions import SCOPE_KEY, get_session


def pick_locale(scope: Scope) -> str:
    session = scope.get(SCOPE_KEY) or {}
    chosen = session.get("locale")
    if chosen in i18n.LOCALES:
        return chosen
    return "zh_CN"


class LocaleMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = i18n.set_locale(pick_locale(scope)) if scope["type"] == "http" else None
        try:
            await self.app(scope, receive, send)
        finally:
            if token is not None:
                i18n.reset_locale(token)


@post("/locale", include_in_schema=False)
async def choose_locale(request: Request, data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
    locale = form_value(data, "locale")
    if locale in i18n.LOCALES:
        get_session(request)["locale"] = locale
    back = request.headers.get("referer", "/")
    return redirect(back if back.startswith(str(request.base_url)) else "/")
