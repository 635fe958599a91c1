"""CSRF: exempt paths by prefix only, tokens bound to the session, slugs that shadow routes refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from core.db import open_session
from core.models import Tenant
from core.services.tenants import RESERVED_SLUGS
from core.tenants_sync import load_specs
from core.web.csrf import EXEMPT
from tests.helpers import csrf, login, post_form, tenant_id


def test_only_api_and_schema_paths_are_exempt_and_only_by_prefix():
    for path in ("/api/t/x/", "/api/me", "/schema", "/schema/openapi.json"):
        assert EXEMPT.match(path), path
    for path in ("/t/api/admin/users/grant", "/t/schemaville/", "/t/x/api/", "/schemaville", "/login"):
        assert not EXEMPT.match(path), path


def test_every_top_level_path_of_the_app_is_a_reserved_slug(app):
    firsts = {route.path.strip("/").split("/")[0] for route in app.routes}
    firsts.discard("")
    assert firsts - RESERVED_SLUGS == set()
    assert {"api", "schema", "static", "login", "logout", "tenants", "admin", "healthz", "readyz",
            "metrics"} <= RESERVED_SLUGS


@pytest.mark.parametrize("slug", ["api", "schema", "static", "admin", "login"])
def test_a_tenant_named_like_a_route_cannot_be_created(client, slug):
    login(client, "yuelu_admin")
    r = post_form(client, "/t/yuelu/admin/tenants/new",
                  {"name": "保留字街道", "slug": slug, "level": "street", "parent_id": str(tenant_id("yuelu"))})
    assert r.status_code == 422 and "系统保留" in r.text
    with open_session() as s:
        assert s.scalar(select(Tenant.id).where(Tenant.slug == slug)) is None


def test_tenants_sync_refuses_a_reserved_slug(tmp_path: Path):
    (tmp_path / "api.toml").write_text('name = "接口街道"\nlevel = "street"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="api"):
        load_specs(tmp_path)


def _grant_form(token: str) -> dict:
    return {"username": "wyh_staff", "tenant_id": str(tenant_id("dongfanghong")), "role": "tenant_admin",
            "_csrf_token": token}


def test_a_forged_post_with_the_attackers_own_token_is_refused(app, client):
    """The attacker's own ld_csrf cookie and token (from their session, or none) do not work with
    the victim's session cookie; the victim's own token does."""
    with TestClient(app, raise_server_exceptions=False) as attacker:
        attacker_token = csrf(attacker)  # an anonymous visitor's token
        login(attacker, "wyh_staff")
        attacker_session_token = csrf(attacker)
    login(client, "dfh_admin")  # the victim
    victim_sid = client.cookies.get("ld_session")
    victim_token = csrf(client)
    assert victim_token not in (attacker_token, attacker_session_token)
    with TestClient(app, raise_server_exceptions=False) as forged:
        forged.cookies.set("ld_session", victim_sid, domain="testserver.local")
        for token in (attacker_token, attacker_session_token):
            forged.cookies.set("ld_csrf", token, domain="testserver.local")
            r = forged.post("/t/dongfanghong/admin/users/grant", data=_grant_form(token),
                            follow_redirects=False)
            assert r.status_code == 403 and "表单已过期" in r.text
        r = forged.post("/t/dongfanghong/admin/users/grant", data={**_grant_form(""), "_csrf_token": ""},
                        follow_redirects=False)
        assert r.status_code == 403
    # the victim's own page token still works, so the refusal above is the binding
    r = client.post("/t/dongfanghong/admin/users/grant", data={"username": "", "_csrf_token": victim_token},
                    follow_redirects=False)
    assert r.status_code != 403


def test_login_and_logout_issue_a_token_for_the_new_session(client):
    before = csrf(client)
    login(client, "dfh_staff")
    after_login = client.cookies.get("ld_csrf")
    assert after_login and after_login != before
    assert post_form(client, "/logout", follow_redirects=False).status_code == 303
    assert client.cookies.get("ld_csrf") not in (None, after_login)
    login(client, "dfh_staff")  # the token issued at logout works for the next login
