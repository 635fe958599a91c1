"""Server-side sessions with an id that is renewed on login.

The cookie holds only a random id (HttpOnly, SameSite=Lax; Secure when ``LIANDONG_SECURE_COOKIES``
is set or the request came over https — behind a proxy, uvicorn's ``proxy_headers`` turns
``X-Forwarded-Proto: https`` into the request's scheme); the data
lives in a litestar :class:`~litestar.stores.base.Store` — memory by default, Redis when
``LIANDONG_REDIS_URL`` is set so that every worker sees the same sessions.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.stores.base import Store
from litestar.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "ld_session"
SCOPE_KEY = "ld_session"


class SessionData(dict):
    """The session of one request. ``renew()`` issues a new id (login, privilege change)."""

    def __init__(self, sid: str | None, data: dict[str, Any]):
        super().__init__(data)
        self.sid = sid
        self.old_sid: str | None = None
        self.modified = False

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.modified = True

    def __delitem__(self, key):
        super().__delitem__(key)
        self.modified = True

    def pop(self, key, default=None):
        self.modified = True
        return super().pop(key, default)

    def clear(self):
        super().clear()
        self.modified = True

    def renew(self) -> None:
        self.old_sid, self.sid = self.sid, None
        self.modified = True

    def flash(self, message: str, kind: str = "success") -> None:
        self["flash"] = [*self.get("flash", []), [kind, message]]

    def take_flashes(self) -> list[list[str]]:
        return self.pop("flash") if "flash" in self else []


class SessionMiddleware:
    def __init__(self, app: ASGIApp, store: Store, max_age: int, secure: bool):
        self.app = app
        self.store = store
        self.max_age = max_age
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sid = _cookie(scope, COOKIE)
        data: dict[str, Any] = {}
        if sid:
            raw = await self.store.get(sid, renew_for=self.max_age)
            if raw:
                data = json.loads(raw)
            else:
                sid = None
        session = SessionData(sid, data)
        scope[SCOPE_KEY] = session  # type: ignore[literal-required]

        secure = self.secure or scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and session.modified:
                await self._save(session, message, secure)
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _save(self, session: SessionData, message: Message, secure: bool) -> None:
        if session.old_sid:
            await self.store.delete(session.old_sid)
        headers = MutableScopeHeaders.from_message(message)
        if not session:
            if session.sid:
                await self.store.delete(session.sid)
            headers.add("set-cookie", self._cookie("", 0, secure).to_header(header=""))
            return
        if not session.sid:
            session.sid = secrets.token_urlsafe(32)
        await self.store.set(session.sid, json.dumps(dict(session)), expires_in=self.max_age)
        headers.add("set-cookie", self._cookie(session.sid, self.max_age, secure).to_header(header=""))

    def _cookie(self, value: str, max_age: int, secure: bool) -> Cookie:
        return Cookie(
            key=COOKIE,
            value=value,
            path="/",
            max_age=max_age,
            httponly=True,
            samesite="lax",
            secure=secure,
        )


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name and v:
                    return v
    return None


def get_session(scope_or_conn) -> SessionData:
    scope = getattr(scope_or_conn, "scope", scope_or_conn)
    return scope[SCOPE_KEY]
