"""CSRF tokens bound to the session (double-submit cookie, signed with the session id).

A token is ``nonce + HMAC(secret, nonce | session id)``: it lives in the ``ld_csrf`` cookie and
in every form (``_csrf_token``) or the ``X-CSRFToken`` header. An unsafe request passes only if
the form's token equals the cookie *and* its signature matches the session cookie the request
carries — so a token an attacker minted for their own session (or planted as a cookie) is
worthless with a victim's session. When a response changes the session cookie (login, logout,
a new session) a token for the new session is set with it.

Only ``/api/…`` (authenticated by bearer tokens, never by cookies) and ``/schema`` are exempt,
by path prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from secrets import compare_digest

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from core.web.sessions import COOKIE as SESSION_COOKIE
from core.web.sessions import read_cookie

COOKIE = "ld_csrf"
FIELD = "_csrf_token"
HEADER = "x-csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: exempt paths, matched at the start of the path only (a tenant slug can never reach here)
EXEMPT = re.compile(r"^/(?:api/|schema(?:/|$))")
_NONCE = 32  # hex characters


def _sign(secret: str, nonce: str, sid: str) -> str:
    return hmac.new(secret.encode(), f"{nonce}|{sid}".encode(), hashlib.sha256).hexdigest()


def make_token(secret: str, sid: str) -> str:
    nonce = secrets.token_hex(_NONCE // 2)
    return nonce + _sign(secret, nonce, sid)


def token_valid(secret: str, token: str | None, sid: str) -> bool:
    """True if ``token`` was made for the session ``sid`` with ``secret``."""
    if not token or len(token) != _NONCE + 64:
        return False
    nonce, mac = token[:_NONCE], token[_NONCE:]
    return compare_digest(mac, _sign(secret, nonce, sid))


def _set_cookie_from(message: Message) -> str | None:
    """The new value of the session cookie if this response sets it, else None."""
    for key, value in message.get("headers", []):
        if key.lower() == b"set-cookie":
            text = value.decode("latin-1")
            name, _, rest = text.partition("=")
            if name.strip() == SESSION_COOKIE:
                return rest.split(";", 1)[0].strip().strip('"')
    return None


class CSRFMiddleware:
    """Outermost of the app's middleware: it must see the session cookie the response sets."""

    def __init__(self, app: ASGIApp, secret: str, secure: bool):
        self.app = app
        self.secret = secret
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or EXEMPT.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        sid = read_cookie(scope, SESSION_COOKIE) or ""
        cookie = read_cookie(scope, COOKIE)
        state = ScopeState.from_scope(scope)
        if scope["method"] in SAFE_METHODS:
            token = cookie if token_valid(self.secret, cookie, sid) else make_token(self.secret, sid)
            state.csrf_token = token
            await self.app(scope, receive, self._wrap(send, sid, token if token != cookie else None))
            return
        sent = await self._sent_token(scope, receive)
        if not (sent and cookie and compare_digest(sent, cookie) and token_valid(self.secret, sent, sid)):
            raise PermissionDeniedException("CSRF token verification failed")
        state.csrf_token = sent
        await self.app(scope, receive, self._wrap(send, sid, None))

    async def _sent_token(self, scope: Scope, receive: Receive) -> str | None:
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        token = request.headers.get(HEADER)
        content_type, _ = request.content_type
        if not token and content_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
            value = (await request.form()).get(FIELD)
            token = value if isinstance(value, str) else None
        return token

    def _wrap(self, send: Send, sid: str, new_token: str | None) -> Send:
        async def wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                token = new_token
                changed = _set_cookie_from(message)
                if changed is not None and changed != sid:
                    token = make_token(self.secret, changed)  # the session changed: a token for it
                if token:
                    headers = MutableScopeHeaders.from_message(message)
                    headers.add("set-cookie", self._cookie(token).to_header(header=""))
            await send(message)

        return wrapper

    def _cookie(self, token: str) -> Cookie:
        return Cookie(key=COOKIE, value=token, path="/", secure=self.secure, httponly=True, samesite="lax")
