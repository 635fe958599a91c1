"""The second sign-in step: a TOTP or recovery code, or enrolling an authenticator app first.

After the password, a user with TOTP (or one who must have it: ``LIANDONG_MFA_REQUIRED_ROLES``)
is not signed in yet: the session remembers who is half-way (``mfa_user_id``) for
:data:`PENDING_SECONDS`, and ``/login/mfa`` asks for the code — or, for an admin without an
app yet, shows the QR code to scan and asks for the first code, then the recovery codes once.
Wrong codes count against the same per-account and per-address limits as wrong passwords.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.utils.scope.state import ScopeState
from sqlalchemy.orm import Session

from core.audit import record
from core.db import open_session
from core.i18n import gettext as _
from core.models import User
from core.services import mfa
from core.web.render import form_value, redirect, render
from core.web.sessions import SessionData, get_session

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

#: seconds between a right password and the second factor
PENDING_SECONDS = 300
PENDING_KEYS = ("mfa_user_id", "mfa_enrol", "mfa_next", "mfa_since", "totp_pending")


def second_step(session: Session, user_id: int, mfa_roles: list[str]) -> str | None:
    """"verify" (the user has TOTP), "enrol" (must have it, has not yet) or None."""
    if mfa.credential(session, user_id) is not None:
        return "verify"
    return "enrol" if mfa.required(user_id, mfa_roles) else None


def start_second_step(session: SessionData, user_id: int, nxt: str, *, enrol: bool, now: float) -> None:
    locale = session.get("locale")
    session.clear()
    session.renew()
    if locale:
        session["locale"] = locale
    session.update(mfa_user_id=user_id, mfa_enrol=enrol, mfa_next=nxt, mfa_since=now)
    session.modified = True


def sign_in(session: SessionData, user_id: int, *, second_factor: bool = False) -> None:
    """The session becomes the user's: a new id (no fixation), the chosen language kept."""
    locale = session.get("locale")
    session.clear()
    session.renew()
    session["user_id"] = user_id
    if second_factor:
        session["mfa"] = True
    if locale:
        session["locale"] = locale


def _csrf(request: Request) -> str:
    return ScopeState.from_scope(request.scope).csrf_token or ""


def _pending(request: Request) -> int | None:
    session = get_session(request)
    uid = session.get("mfa_user_id")
    if uid is None:
        return None
    if request.app.state.clock() - session.get("mfa_since", 0) > PENDING_SECONDS:
        for key in PENDING_KEYS:
            session.pop(key)
        return None
    return uid


def _user(user_id: int) -> User | None:
    with open_session() as s:
        user = s.get(User, user_id)
        return user if user is not None and user.is_active else None


def _enrol_page(request: Request, user: User, error: str = "", status: int = 200) -> Response:
    session = get_session(request)
    secret = session.get("totp_pending")
    if not secret:
        secret = session["totp_pending"] = mfa.new_secret()
    uri = mfa.provisioning_uri(secret, user.username, request.app.state.settings.mfa_issuer)
    return render("MfaEnrolPage", status_code=status, csrf_token=_csrf(request), qr=mfa.qr_data_uri(uri),
                  secret=secret, error=error, action="/login/mfa", required=True)


@get("/login/mfa", include_in_schema=False)
async def mfa_page(request: Request) -> Response:
    uid = _pending(request)
    user = await anyio.to_thread.run_sync(_user, uid) if uid else None
    if user is None:
        return redirect("/login")
    if get_session(request).get("mfa_enrol"):
        return _enrol_page(request, user)
    return render("MfaPage", csrf_token=_csrf(request), error="")


def _verify(user_id: int, code: str, now: float, ip: str) -> bool:
    with open_session() as s:
        user = s.get(User, user_id)
        s.info.update(user_id=user.id, username=user.username)
        ok = mfa.check_second_factor(s, user, code, now)
        record(s, "auth.login" if ok else "auth.login_failed", tenant_id=None, entity="users",
               entity_id=user.id, summary=f"{ip}（双因素）")
        s.commit()
        return ok


def _enrol(user_id: int, secret: str, code: str, now: float) -> list[str] | None:
    with open_session() as s:
        user = s.get(User, user_id)
        s.info.update(user_id=user.id, username=user.username)
        codes = mfa.enrol(s, user, secret, code, now)
        if codes is not None:
            record(s, "auth.login", tenant_id=None, entity="users", entity_id=user.id,
                   summary="首次登录，已绑定身份验证器")
            s.commit()
        return codes


@post("/login/mfa", include_in_schema=False)
async def mfa_submit(request: Request, data: Form) -> Response:
    uid = _pending(request)
    user = await anyio.to_thread.run_sync(_user, uid) if uid else None
    if user is None:
        return redirect("/login")
    session = get_session(request)
    limiter = request.app.state.login_limiter
    ip = request.client.host if request.client else "-"
    code = form_value(data, "code")
    now = request.app.state.clock()
    nxt = session.get("mfa_next") or "/tenants"
    wait = await limiter.blocked(user.username, ip)
    if wait:
        message = _("登录失败次数过多，请 %(n)s 分钟后再试") % {"n": max(1, wait // 60)}
        if session.get("mfa_enrol"):
            return _enrol_page(request, user, message, 429)
        return render("MfaPage", status_code=429, csrf_token=_csrf(request), error=message)
    if session.get("mfa_enrol"):
        secret = session.get("totp_pending") or ""
        codes = await anyio.to_thread.run_sync(_enrol, user.id, secret, code, now) if secret else None
        if codes is None:
            await limiter.failed(user.username, ip)
            return _enrol_page(request, user, _("验证码不正确，请输入身份验证器上当前显示的 6 位数字"), 422)
        await limiter.succeeded(user.username, ip)
        sign_in(session, user.id, second_factor=True)
        return render("RecoveryCodesPage", codes=codes, next=nxt)
    if not code or not await anyio.to_thread.run_sync(_verify, user.id, code, now, ip):
        await limiter.failed(user.username, ip)
        return render("MfaPage", status_code=401, csrf_token=_csrf(request),
                      error=_("验证码不正确或已使用过"))
    await limiter.succeeded(user.username, ip)
    sign_in(session, user.id, second_factor=True)
    return redirect(nxt)


ROUTES = [mfa_page, mfa_submit]
