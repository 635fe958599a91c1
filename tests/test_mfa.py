"""Two-factor sign-in (TOTP, recovery codes), with the requirement for admins switched on and a
clock the tests move: codes are computed for the app's time, nothing sleeps."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import pyotp
import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from core import crypto
from core.config import get_settings
from core.db import open_session
from core.models import AuditEntry, RecoveryCode, TotpCredential, User
from core.permissions import build_catalog
from core.plugins import registry
from core.services.users import create_user, grant_role
from core.tenancy import operator_session
from core.web.app import create_app
from tests.helpers import ManualClock, csrf, login, post_form, tenant_id, unique

PASSWORD = "demo1234"
PAGE = "/t/dongfanghong/"


@pytest.fixture(scope="module")
def clock():
    return ManualClock()


@pytest.fixture(scope="module")
def mfa_app(database, clock):
    settings = get_settings().model_copy(update={"mfa_required_roles": ["platform_admin", "tenant_admin"]})
    return create_app(settings, clock=clock)


@pytest.fixture
def web(mfa_app):
    import asyncio

    asyncio.run(mfa_app.state.login_limiter.store.delete_all())
    with TestClient(mfa_app, raise_server_exceptions=False) as c:
        yield c


def _user(role: str) -> str:
    """A fresh user with ``role`` in 东方红街道 (demo users keep signing in with a password)."""
    roles = build_catalog(registry().pm).roles
    with operator_session("test") as s:
        user = create_user(s, unique("mfa"), PASSWORD, f"双因素{role}", seeded=True)
        grant_role(s, user, role, tenant_id("dongfanghong"), roles)
        return user.username


def _secret(html: str) -> str:
    return re.search(r"data-totp-secret>([A-Z2-7]+)<", html).group(1)


def _codes(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", html)


def _code(secret: str, clock: ManualClock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now + steps * 30)


def _signed_in(client) -> bool:
    return client.get(PAGE, follow_redirects=False).status_code == 200


def _enrol_at_first_sign_in(web, clock, username: str) -> tuple[str, list[str]]:
    r = web.post("/login", data={"username": username, "password": PASSWORD, "_csrf_token": csrf(web)},
                 follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login/mfa"
    assert not _signed_in(web)  # a right password alone is not a sign-in
    page = web.get("/login/mfa")
    assert page.status_code == 200 and "绑定身份验证器" in page.text
    qr = unescape(re.search(r'<img class="qr" src="([^"]+)"', page.text).group(1))
    assert qr.startswith("data:image/svg+xml")  # drawn by the app itself, no remote service
    assert "<svg" in unquote(qr)
    secret = _secret(page.text)
    wrong = post_form(web, "/login/mfa", {"code": "000000" if _code(secret, clock) != "000000" else "111111"})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.text
    done = post_form(web, "/login/mfa", {"code": _code(secret, clock)})
    assert done.status_code == 200 and "只显示这一次" in done.text
    codes = _codes(done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _signed_in(web)
    return secret, codes


def test_admin_enrols_at_first_sign_in_and_secrets_are_protected(web, clock):
    username = _user("tenant_admin")
    secret, codes = _enrol_at_first_sign_in(web, clock, username)
    with open_session() as s:
        user = s.scalar(select(User).where(User.username == username))
        cred = s.get(TotpCredential, user.id)
        assert cred.secret_enc != secret and crypto.decrypt(cred.secret_enc) == secret  # encrypted at rest
        hashes = s.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
        assert len(hashes) == 10 and all(h.startswith("$argon2") for h in hashes)
        assert not set(codes) & set(hashes)
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(user.id),
                                                            AuditEntry.entity == "users")).all()
        assert {"auth.login_password", "mfa.enrol", "auth.login"} <= set(actions)


def test_sign_in_with_a_code_once_per_step(web, clock):
    username = _user("tenant_admin")
    secret, _codes_ = _enrol_at_first_sign_in(web, clock, username)
    web.post("/logout", data={"_csrf_token": csrf(web)})
    login(web, username, PASSWORD)
    assert not _signed_in(web)
    replay = post_form(web, "/login/mfa", {"code": _code(secret, clock)})  # the code enrolment used
    assert replay.status_code == 401 and "已使用过" in replay.text
    clock.advance(30)
    r = post_form(web, "/login/mfa", {"code": _code(secret, clock)}, follow_redirects=False)
    assert r.status_code == 303 and _signed_in(web)


def test_codes_of_a_phone_slightly_off_are_accepted_not_older(web, clock):
    username = _user("tenant_admin")
    secret, _codes_ = _enrol_at_first_sign_in(web, clock, username)
    for steps, status in ((-3, 401), (-1, 303)):
        clock.advance(120)
        web.post("/logout", data={"_csrf_token": csrf(web)})
        login(web, username, PASSWORD)
        r = post_form(web, "/login/mfa", {"code": _code(secret, clock, steps)}, follow_redirects=False)
        assert r.status_code == status


def test_recovery_code_works_once(web, clock):
    username = _user("tenant_admin")
    _secret_, codes = _enrol_at_first_sign_in(web, clock, username)
    for status in (303, 401):
        web.post("/logout", data={"_csrf_token": csrf(web)})
        login(web, username, PASSWORD)
        r = post_form(web, "/login/mfa", {"code": codes[3].upper()}, follow_redirects=False)
        assert r.status_code == status
    with open_session() as s:
        assert "mfa.recovery_used" in s.scalars(select(AuditEntry.action)
                                                .where(AuditEntry.username == username)).all()


def test_second_step_expires_and_wrong_codes_are_limited(web, clock):
    username = _user("tenant_admin")
    secret, _codes_ = _enrol_at_first_sign_in(web, clock, username)
    web.post("/logout", data={"_csrf_token": csrf(web)})
    login(web, username, PASSWORD)
    clock.advance(301)
    r = post_form(web, "/login/mfa", {"code": _code(secret, clock)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login" and not _signed_in(web)
    login(web, username, PASSWORD)
    for _ in range(get_settings().login_attempts):
        assert post_form(web, "/login/mfa", {"code": "12345x"}).status_code == 401
    r = post_form(web, "/login/mfa", {"code": _code(secret, clock)})
    assert r.status_code == 429 and not _signed_in(web)


def test_other_users_sign_in_with_a_password_and_may_enrol(web, clock):
    username = _user("staff")
    login(web, username, PASSWORD)
    assert _signed_in(web)  # not required for staff
    page = web.get("/account/security")
    assert page.status_code == 200 and "未开启" in page.text
    secret = _secret(page.text)
    r = post_form(web, "/account/security/totp", {"code": _code(secret, clock)})
    assert r.status_code == 200 and len(_codes(r.text)) == 10 and "已开启" in r.text
    web.post("/logout", data={"_csrf_token": csrf(web)})
    login(web, username, PASSWORD)
    assert not _signed_in(web)  # enrolled: the code is asked from now on
    clock.advance(30)
    post_form(web, "/login/mfa", {"code": _code(secret, clock)})
    assert _signed_in(web)
    clock.advance(30)
    bad = post_form(web, "/account/security/totp/disable", {"password": "wrong-password", "code": _code(secret, clock)})
    assert bad.status_code == 422 and "密码不正确" in bad.text
    clock.advance(30)
    ok = post_form(web, "/account/security/totp/disable", {"password": PASSWORD, "code": _code(secret, clock)},
                   follow_redirects=False)
    assert ok.status_code == 303
    web.post("/logout", data={"_csrf_token": csrf(web)})
    login(web, username, PASSWORD)
    assert _signed_in(web)


def test_admins_cannot_switch_it_off(web, clock):
    username = _user("tenant_admin")
    secret, _codes_ = _enrol_at_first_sign_in(web, clock, username)
    page = web.get("/account/security")
    assert "不能关闭" in page.text and "/account/security/totp/disable" not in page.text
    clock.advance(30)
    r = post_form(web, "/account/security/totp/disable", {"password": PASSWORD, "code": _code(secret, clock)})
    assert r.status_code == 403
    with open_session() as s:
        assert s.scalar(select(TotpCredential.user_id).join(User, User.id == TotpCredential.user_id)
                        .where(User.username == username))


def test_requirement_switched_off_signs_admins_in_with_a_password(client):
    username = _user("tenant_admin")
    login(client, username, PASSWORD)
    assert client.get(PAGE, follow_redirects=False).status_code == 200


def test_password_change_applies_the_policy(web):
    username = _user("staff")
    login(web, username, PASSWORD)
    weak = post_form(web, "/account/security/password",
                     {"password": PASSWORD, "new_password": "password123", "confirm": "password123"})
    assert weak.status_code == 422 and "该密码过于常见" in weak.text
    wrong = post_form(web, "/account/security/password",
                      {"password": "not-my-password", "new_password": "Gengxin-2026-dong", "confirm": "Gengxin-2026-dong"})
    assert wrong.status_code == 422 and "密码不正确" in wrong.text
    ok = post_form(web, "/account/security/password",
                   {"password": PASSWORD, "new_password": "Gengxin-2026-dong", "confirm": "Gengxin-2026-dong"})
    assert ok.status_code == 200 and "密码已修改" in ok.text
    web.post("/logout", data={"_csrf_token": csrf(web)})
    login(web, username, "Gengxin-2026-dong")
    assert _signed_in(web)


def test_operator_resets_a_lost_authenticator(web, clock):
    from click.testing import CliRunner

    from core.cli import cli

    username = _user("tenant_admin")
    _enrol_at_first_sign_in(web, clock, username)
    result = CliRunner().invoke(cli, ["users", "reset-mfa", username])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(cli, ["users", "reset-mfa", username]).exit_code == 1
    web.post("/logout", data={"_csrf_token": csrf(web)})
    login(web, username, PASSWORD)
    assert "绑定身份验证器" in web.get("/login/mfa").text  # enrols again


def test_role_requiring_it_granted_mid_session_asks_for_enrolment(web, clock):
    username = _user("staff")
    login(web, username, PASSWORD)
    assert _signed_in(web)
    with operator_session("test") as s:
        user = s.scalar(select(User).where(User.username == username))
        grant_role(s, user, "tenant_admin", tenant_id("dongfanghong"), build_catalog(registry().pm).roles)
    r = web.get(PAGE, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login/mfa"
    assert not _signed_in(web)
    page = web.get("/login/mfa")
    assert "绑定身份验证器" in page.text
    done = post_form(web, "/login/mfa", {"code": _code(_secret(page.text), clock)}, follow_redirects=False)
    assert done.status_code == 200 and _signed_in(web)
