"""安全设置: the signed-in user's own password and two-factor sign-in.

Outside any tenant (like the tenant switcher): every user manages only their own account.
Enrolling shows a QR code the app renders itself; the secret waits in the web session until
the first code proves the authenticator has it. Switching TOTP off needs the password and a
current code, and is refused to holders of a role that requires it.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.utils.scope.state import ScopeState

from core.db import open_session
from core.forms import FormErrors
from core.i18n import gettext as _
from core.models import User
from core.security import verify_password
from core.services import mfa
from core.services.users import set_password
from core.web.context import user_guard
from core.web.render import flash, form_value, redirect, render
from core.web.sessions import get_session

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
PATH = "/account/security"


def _state(user_id: int, mfa_roles: list[str]) -> dict[str, Any]:
    with open_session() as s:
        return {"enabled": mfa.credential(s, user_id) is not None,
                "required": mfa.required(user_id, mfa_roles),
                "codes_left": mfa.recovery_codes_left(s, user_id)}


def _page(request: Request, *, errors: dict[str, str] | None = None, codes: list[str] | None = None,
          status: int = 200) -> Response:
    user = request.state.user
    settings = request.app.state.settings
    state = _state(user.id, settings.mfa_required_roles)
    session = get_session(request)
    qr = secret = ""
    if not state["enabled"]:
        secret = session.get("totp_pending")
        if not secret:
            secret = session["totp_pending"] = mfa.new_secret()
        qr = mfa.qr_data_uri(mfa.provisioning_uri(secret, user.username, settings.mfa_issuer))
    return render("SecurityPage", status_code=status, user=user, csrf_token=ScopeState.from_scope(request.scope).csrf_token or "",
                  qr=qr, secret=secret, errors=errors or {}, codes=codes,
                  flashes=session.take_flashes(), **state)


@get(PATH, guards=[user_guard], include_in_schema=False, sync_to_thread=True)
def security_page(request: Request) -> Response:
    return _page(request)


def _run(request: Request, work) -> Any:
    """``work(session, user)`` in one transaction, as the signed-in user."""
    with open_session(user_id=request.state.user.id) as s:
        s.info["username"] = request.state.user.username
        user = s.get(User, request.state.user.id)
        result = work(s, user)
        s.commit()
        return result


@post(f"{PATH}/totp", guards=[user_guard], include_in_schema=False, sync_to_thread=True)
def totp_enrol(request: Request, data: Form) -> Response:
    session = get_session(request)
    secret = session.get("totp_pending") or ""
    now = request.app.state.clock()
    codes = _run(request, lambda s, u: mfa.enrol(s, u, secret, form_value(data, "code"), now)) if secret else None
    if codes is None:
        return _page(request, errors={"code": _("验证码不正确，请输入身份验证器上当前显示的 6 位数字")}, status=422)
    session.pop("totp_pending")
    session["mfa"] = True
    return _page(request, codes=codes)


def _password_and_code(s, user: User, data: dict, now: float) -> dict[str, str]:
    errors = {}
    if not verify_password(user.password_hash, form_value(data, "password")):
        errors["password"] = _("密码不正确")
    if not mfa.check_totp(s, user, form_value(data, "code"), now):
        errors["code"] = _("验证码不正确或已使用过")
    return errors


async def _limited(request: Request, work, data: Form) -> Response:
    """Password and code checks count against the sign-in limits (a stolen session cannot guess)."""
    limiter = request.app.state.login_limiter
    user = request.state.user
    ip = request.client.host if request.client else "-"
    wait = await limiter.blocked(user.username, ip)
    if wait:
        return await anyio.to_thread.run_sync(lambda: _page(
            request, errors={"__all__": _("登录失败次数过多，请 %(n)s 分钟后再试") % {"n": max(1, wait // 60)}},
            status=429))
    response, failed = await anyio.to_thread.run_sync(work, request, data)
    if failed:
        await limiter.failed(user.username, ip)
    return response


def _disable(request: Request, data: Form) -> tuple[Response, bool]:
    if mfa.required(request.state.user.id, request.app.state.settings.mfa_required_roles):
        return _page(request, errors={"__all__": _("您的角色要求双因素登录，不能关闭")}, status=403), False
    now = request.app.state.clock()

    def work(s, user):
        errors = _password_and_code(s, user, data, now)
        if errors:
            raise FormErrors(errors)
        mfa.disable(s, user)

    try:
        _run(request, work)
    except FormErrors as exc:
        return _page(request, errors=exc.errors, status=422), True
    flash(request, _("已关闭双因素登录"))
    return redirect(PATH), False


@post(f"{PATH}/totp/disable", guards=[user_guard], include_in_schema=False)
async def totp_disable(request: Request, data: Form) -> Response:
    return await _limited(request, _disable, data)


def _recovery(request: Request, data: Form) -> tuple[Response, bool]:
    now = request.app.state.clock()

    def work(s, user):
        if not mfa.check_totp(s, user, form_value(data, "code"), now):
            raise FormErrors({"code": _("验证码不正确或已使用过")})
        return mfa.regenerate_recovery_codes(s, user)

    try:
        codes = _run(request, work)
    except FormErrors as exc:
        return _page(request, errors=exc.errors, status=422), True
    return _page(request, codes=codes), False


@post(f"{PATH}/recovery-codes", guards=[user_guard], include_in_schema=False)
async def recovery_codes(request: Request, data: Form) -> Response:
    return await _limited(request, _recovery, data)


def _password(request: Request, data: Form) -> tuple[Response, bool]:
    new = form_value(data, "new_password")

    def work(s, user):
        if not verify_password(user.password_hash, form_value(data, "password")):
            raise FormErrors({"password": _("密码不正确")})
        if new != form_value(data, "confirm"):
            raise FormErrors({"confirm": _("两次输入的新密码不一致")})
        try:
            set_password(s, user, new)
        except FormErrors as exc:
            raise FormErrors({"new_password": exc.errors["password"]}) from exc

    try:
        _run(request, work)
    except FormErrors as exc:
        return _page(request, errors=exc.errors, status=422), "password" in exc.errors
    flash(request, _("密码已修改"))
    return redirect(PATH), False


@post(f"{PATH}/password", guards=[user_guard], include_in_schema=False)
async def password_change(request: Request, data: Form) -> Response:
    return await _limited(request, _password, data)


ROUTES = [security_page, totp_enrol, totp_disable, recovery_codes, password_change]
