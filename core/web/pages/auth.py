"""Login, logout and the tenant switcher."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

import anyio
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.utils.scope.state import ScopeState
from sqlalchemy import select

from core.audit import record
from core.db import open_session
from core.i18n import gettext as _
from core.models import User
from core.permissions import authorizer
from core.security import verify_password
from core.tenancy import tree
from core.web.context import user_guard
from core.web.pages.mfa import second_step, sign_in, start_second_step
from core.web.render import form_value, redirect, render
from core.web.sessions import get_session

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _safe_next(value: str) -> str:
    """``value`` if it is a path on this site, else "" (no open redirect to another host)."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):  # browsers drop tabs/newlines: "/\t/evil"
        return ""
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else ""


def _reachable_tops(user_id: int) -> tuple[list, set[int]]:
    """The user's reachable tenants nearest the root (each shown once), and all reachable ids."""
    allowed = authorizer.tenants_of(user_id)
    visible = [x for x in tree().by_id.values() if not x.archived and (allowed is None or x.id in allowed)]
    ids = {x.id for x in visible}
    return sorted((x for x in visible if x.parent_id not in ids), key=lambda x: x.name), ids


def home_path(user_id: int) -> str:
    """Where a signed-in user starts: their only tenant, or the chooser when there are several."""
    tops, _ids = _reachable_tops(user_id)
    return f"/t/{tops[0].slug}/" if len(tops) == 1 else "/tenants"


def _csrf(request: Request) -> str:
    return ScopeState.from_scope(request.scope).csrf_token or ""


@get("/", include_in_schema=False)
async def index(request: Request) -> Response:
    user_id = get_session(request).get("user_id")
    return redirect(await anyio.to_thread.run_sync(home_path, user_id) if user_id else "/login")


@get("/login", include_in_schema=False)
async def login_page(request: Request, next: str = "") -> Response:
    return render("LoginPage", csrf_token=_csrf(request), next=_safe_next(next), error="", username="")


def _check_credentials(username: str, password: str, ip: str,
                       mfa_roles: list[str]) -> tuple[User | None, str | None]:
    """(the user if the password is right, the second step still needed: "verify", "enrol" or None)."""
    with open_session() as s:
        user = s.scalar(select(User).where(User.username == username))
        ok = verify_password(user.password_hash if user else None, password)
        s.info.update(user_id=user.id if user else None, username=username)
        if ok and user.is_active:
            step = second_step(s, user.id, mfa_roles)
            # signed in only once the second factor is checked too (core/web/pages/mfa.py)
            record(s, "auth.login_password" if step else "auth.login", tenant_id=None, entity="users",
                   entity_id=user.id, summary=ip)
            s.commit()
            return user, step
        record(s, "auth.login_failed", tenant_id=None, entity="users",
               entity_id=user.id if user else "", summary=ip)
        s.commit()
        return None, None


@post("/login", include_in_schema=False)
async def login(request: Request, data: Form) -> Response:
    limiter = request.app.state.login_limiter
    username = form_value(data, "username")
    password = form_value(data, "password")
    nxt = _safe_next(form_value(data, "next"))
    ip = request.client.host if request.client else "-"

    def page(error: str, status: int) -> Response:
        return render("LoginPage", status_code=status, csrf_token=_csrf(request), next=nxt,
                      error=error, username=username)

    if not username or not password:
        return page(_("请输入用户名和密码"), 400)
    wait = await limiter.blocked(username, ip)
    if wait:
        return page(_("登录失败次数过多，请 %(n)s 分钟后再试") % {"n": max(1, wait // 60)}, 429)
    settings = request.app.state.settings
    user, step = await anyio.to_thread.run_sync(_check_credentials, username, password, ip,
                                                settings.mfa_required_roles)
    if user is None:
        await limiter.failed(username, ip)
        return page(_("用户名或密码错误"), 401)
    await limiter.succeeded(username, ip)
    nxt = nxt or await anyio.to_thread.run_sync(home_path, user.id)
    session = get_session(request)
    if step:  # the password is right; the second factor (or enrolling one) comes next
        start_second_step(session, user.id, nxt, enrol=step == "enrol", now=request.app.state.clock())
        return redirect("/login/mfa")
    sign_in(session, user.id)
    return redirect(nxt)


@post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    get_session(request).clear()
    return redirect("/login")


@get("/tenants", guards=[user_guard], include_in_schema=False, sync_to_thread=True)
def tenant_switcher(request: Request) -> Response:
    user = request.state.user
    tops, ids = _reachable_tops(user.id)
    return render("TenantSwitcher", user=user, tops=tops, tree=tree(), ids=ids, csrf_token=_csrf(request))


ROUTES = [index, login_page, login, logout, tenant_switcher]
