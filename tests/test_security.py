"""Security from day one: cookies, session renewal, login rate limits, CSRF on every form route,
generic error pages, security headers, safe redirects."""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient
from sqlalchemy import func, select

from core.config import get_settings
from core.db import get_engine, open_session
from core.models import AuditEntry
from core.web.app import create_app
from core.web.errors import HANDLERS
from tests.helpers import csrf, login, post_form, text_of
from tests.routes import tenant_routes

HTTPS = "https://testserver.local"  # a Secure cookie is only sent back over https


def _cookies(response) -> dict[str, str]:
    """``{name: attributes (lower case)}`` of every Set-Cookie header."""
    out = {}
    for header in response.headers.get_list("set-cookie"):
        jar = SimpleCookie()
        jar.load(header)
        for name in jar:
            out[name] = header.lower()
    return out


def _login_response(client, username="dfh_staff", password="demo1234"):
    return client.post("/login", data={"username": username, "password": password,
                                       "_csrf_token": csrf(client)}, follow_redirects=False)


@pytest.fixture(scope="module")
def strict_app(database):
    """The app as deployed behind https, with small login limits (3 per account, 4 per IP)."""
    settings = get_settings().model_copy(update={"secure_cookies": True, "login_attempts": 3,
                                                 "login_attempts_per_ip": 4})
    return create_app(settings)


# --- cookies and sessions -----------------------------------------------------------------------


def test_session_cookie_flags_over_http(client):
    csrf_cookie = _cookies(client.get("/login"))["ld_csrf"]
    assert "httponly" in csrf_cookie and "samesite=lax" in csrf_cookie
    cookie = _cookies(_login_response(client))["ld_session"]
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http (development): a Secure cookie would never come back


def test_session_cookie_is_secure_over_https(app):
    with TestClient(app, base_url=HTTPS, raise_server_exceptions=False) as c:
        cookie = _cookies(_login_response(c))["ld_session"]
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_every_cookie_is_secure_when_configured(strict_app):
    with TestClient(strict_app, base_url=HTTPS, raise_server_exceptions=False) as c:
        page = c.get("/login")
        assert "secure" in _cookies(page)["ld_csrf"] and "httponly" in _cookies(page)["ld_csrf"]
        cookie = _cookies(_login_response(c))["ld_session"]
    assert "secure" in cookie and "httponly" in cookie


def test_login_renews_the_session_id_and_the_old_one_is_dead(client):
    post_form(client, "/locale", {"locale": "en"})  # an anonymous session exists before login
    before = client.cookies.get("ld_session")
    assert before
    login(client, "dfh_staff")
    after = client.cookies.get("ld_session")
    assert after and after != before
    assert client.get("/t/dongfanghong/", follow_redirects=False).status_code == 200
    with TestClient(client.app, raise_server_exceptions=False) as other:  # replaying the old id
        other.cookies.set("ld_session", before, domain="testserver.local")
        r = other.get("/t/dongfanghong/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    post_form(client, "/logout")
    with TestClient(client.app, raise_server_exceptions=False) as other:  # replaying after logout
        other.cookies.set("ld_session", after, domain="testserver.local")
        assert other.get("/t/dongfanghong/", follow_redirects=False).status_code == 303


# --- login rate limits --------------------------------------------------------------------------


def _fresh_limits(app) -> None:
    asyncio.run(app.state.login_limiter.store.delete_all())


def test_login_rate_limit_per_account(strict_app):
    _fresh_limits(strict_app)
    with TestClient(strict_app, base_url=HTTPS, raise_server_exceptions=False) as c:
        for _ in range(3):
            assert _login_response(c, "nanhu_admin", "wrong-password").status_code == 401
        r = _login_response(c, "nanhu_admin")  # the right password is refused too, for now
        assert r.status_code == 429 and "登录失败次数过多" in r.text
        assert "ld_session" not in _cookies(r)


def test_login_rate_limit_per_ip(strict_app):
    _fresh_limits(strict_app)
    with TestClient(strict_app, base_url=HTTPS, raise_server_exceptions=False) as c:
        for name in ("nobody-1", "nobody-2", "nobody-3", "nobody-4"):  # one try each, 4 from one IP
            assert _login_response(c, name, "wrong-password").status_code == 401
        r = _login_response(c, "jinhua_admin")  # a fresh account, but the same address
        assert r.status_code == 429
        assert c.get("/tenants", follow_redirects=False).status_code == 303


def test_failed_logins_are_audited_without_the_password(client):
    _login_response(client, "dfh_secretary", "a-wrong-secret-Pw1")
    with open_session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")
                        .order_by(AuditEntry.id.desc()).limit(1)).one()
    assert row.username == "dfh_secretary"
    assert "a-wrong-secret-Pw1" not in f"{row.summary}{row.before}{row.after}"


# --- CSRF ---------------------------------------------------------------------------------------


def _audit_count(database) -> int:
    with get_engine(database["owner_url"]).connect() as conn:  # the owner reads the whole log
        return conn.execute(select(func.count()).select_from(AuditEntry.__table__)).scalar()


def test_every_form_route_refuses_a_post_without_csrf_token(app, client, database):
    login(client, "admin")
    routes = [r for r in tenant_routes(app) if r.writes and not r.api]
    assert len(routes) > 80
    count = _audit_count(database)
    wrong = []
    for route in routes:
        url = route.url("dongfanghong", {n: 1 if t == "int" else "x" for n, t in route.params})
        r = client.request(route.method, url, data={"title": "csrf"}, follow_redirects=False)
        if r.status_code != 403 or "表单已过期" not in r.text:
            wrong.append(f"{route} → {r.status_code}")
    assert not wrong, "\n".join(wrong)
    for path in ("/logout", "/locale"):
        assert client.post(path, data={"locale": "en"}).status_code == 403
    assert _audit_count(database) == count  # nothing happened, not even a failed attempt


def test_the_api_does_not_accept_the_session_cookie(client):
    """The API is exempt from CSRF because a cookie never authenticates it: a bearer token must."""
    login(client, "dfh_admin")
    r = client.post("/api/t/dongfanghong/example/notices", json={"title": "跨站请求"})
    assert r.status_code == 401
    assert client.get("/api/t/dongfanghong/").status_code == 401


# --- error pages, headers, redirects ------------------------------------------------------------


def test_a_crash_shows_a_generic_page_and_no_internals(app, client, monkeypatch):
    from core.web.pages import home

    def boom(*_a, **_k):
        raise RuntimeError("secret internals: /etc/liandong password=hunter2")

    monkeypatch.setattr(home, "collect_widgets", boom)
    login(client, "dfh_staff")
    r = client.get("/t/dongfanghong/")
    assert r.status_code == 500
    body = text_of(r.text)
    assert "服务器出错了" in body and "secret internals" not in r.text and "Traceback" not in r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["x-frame-options"] == "DENY"


def test_the_api_crash_is_generic_json():
    @get("/api/boom", sync_to_thread=False)
    def boom() -> None:
        raise ValueError("SELECT * FROM secret_table")

    with TestClient(Litestar([boom], exception_handlers=HANDLERS, debug=False)) as c:
        r = c.get("/api/boom")
    assert r.status_code == 500 and r.json()["detail"].startswith("服务器出错了")
    assert "secret_table" not in r.text


@pytest.mark.parametrize("method,path,status,title", [
    ("get", "/no/such/page", 404, "页面不存在"),
    ("get", "/logout", 405, "不支持的请求方式"),
    ("get", "/t/dongfanghong/organizations/not-a-number", 404, "页面不存在"),
    ("get", "/t/dongfanghong/audit?page=abc", 422, "提交的内容有误"),
    ("get", "/t/dongfanghong/organizations/99999999999999999999", 404, "页面不存在"),
])
def test_error_pages_are_generic_and_in_chinese(client, method, path, status, title):
    login(client, "dfh_admin")
    r = getattr(client, method)(path)
    assert r.status_code == status, r.text[:200]
    body = text_of(r.text)
    assert title in body and "Traceback" not in r.text and "litestar" not in r.text.lower()
    assert r.headers["x-content-type-options"] == "nosniff"


def test_security_headers_everywhere(client, api_token):
    login(client, "dfh_staff")
    for r in (client.get("/login"), client.get("/t/dongfanghong/"), client.get("/static/core/app.css"),
              client.get("/t/nowhere/"), client.get("/api/t/dongfanghong/", headers=api_token("dfh_staff"))):
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x",
                                    "/\t/evil.example", "/\n/evil.example"])
def test_login_never_redirects_off_site(client, target):
    r = client.post("/login", data={"username": "dfh_staff", "password": "demo1234", "next": target,
                                    "_csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/t/dongfanghong/"  # the user's only tenant


def test_login_redirect_keeps_the_page_asked_for(client):
    r = client.get("/t/dongfanghong/organizations", follow_redirects=False)
    assert r.headers["location"] == "/login?next=/t/dongfanghong/organizations"
    assert 'value="/t/dongfanghong/organizations"' in client.get(r.headers["location"]).text


def test_api_refuses_ids_and_bodies_no_row_can_match(client, api_token):
    headers = api_token("dfh_staff")
    r = client.get("/api/t/dongfanghong/organizations/99999999999999999999", headers=headers)
    assert r.status_code == 404
    r = client.get("/api/t/dongfanghong/audit?page=abc", headers=headers)
    assert r.status_code == 422 and "page" in r.json()["detail"]
    r = client.post("/api/t/dongfanghong/organizations", json=["not", "an", "object"], headers=headers)
    assert r.status_code == 422, r.text
