"""Server-side sessions with an id that is renewed on login, and idle/absolute timeouts.

The cookie holds only a random id (HttpOnly, SameSite=Lax; Secure when ``LIANDONG_SECURE_COOKIES``
is set or the request came over https — behind a proxy, uvicorn's ``proxy_headers`` turns
``X-Forwarded-Proto: https`` into the request's scheme); the data
lives in a litestar :class:`~litestar.stores.base.Store` — memory by default, Redis when
``LIANDONG_REDIS_URL`` is set so that every worker sees the same sessions.

A session ends when it has not been used for ``LIANDONG_SESSION_IDLE_TIMEOUT`` seconds or was
started more than ``LIANDONG_SESSION_ABSOLUTE_TIMEOUT`` seconds ago (defaults 30 min / 12 h),
measured by the app's injected clock (:mod:`core.clock`): the stored data carries when the
session began (``_born``, reset by :meth:`SessionData.renew`) and was last used (``_seen``).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.stores.base import Store
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from core.clock import Clock, system_clock

COOKIE = "ld_session"
SCOPE_KEY = "ld_session"
#: last-use times closer than this are not written back (one store write per minute, not per request)
SEEN_RESOLUTION = 60


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
        """A new id; the absolute timeout counts from now (sign-in)."""
        self.old_sid, self.sid = self.sid, None
        self.pop("_born")

    def flash(self, message: str, kind: str = "success") -> None:
        self["flash"] = [*self.get("flash", []), [kind, message]]

    def take_flashes(self) -> list[list[str]]:
        return self.pop("flash") if "flash" in self else []


class SessionMiddleware:
    def __init__(self, app: ASGIApp, store: Store, idle_timeout: int, absolute_timeout: int, secure: bool,
                 clock: Clock = system_clock):
        self.app = app
        self.store = store
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout
        self.secure = secure
        self.clock = clock

    def _expired(self, data: dict[str, Any], now: float) -> bool:
        born, seen = data.get("_born"), data.get("_seen")
        if born is None or seen is None:
            return True
        return now - seen > self.idle_timeout or now - born > self.absolute_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sid = read_cookie(scope, COOKIE)
        data: dict[str, Any] = {}
        expired = False
        now = self.clock()
        if sid:
            raw = await self.store.get(sid, renew_for=self.idle_timeout)
            if raw:
                data = json.loads(raw)
                expired = self._expired(data, now)
            else:
                sid = None
        if expired:  # ended: the stored data is deleted and the cookie cleared on the way out
            session = SessionData(sid, {})
            session.modified = True
        else:
            session = SessionData(sid, data)
            if data and now - data["_seen"] >= SEEN_RESOLUTION:
                session["_seen"] = now
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
        now = self.clock()
        data = dict(session)
        data.setdefault("_born", now)
        data.setdefault("_seen", now)
        await self.store.set(session.sid, json.dumps(data), expires_in=self.idle_timeout)
        headers.add("set-cookie", self._cookie(session.sid, self.absolute_timeout, secure).to_header(header=""))

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


def read_cookie(scope: Scope, name: str) -> str | None:
    """The value of cookie ``name`` in the request ``scope`` (``None`` if absent or empty)."""
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
