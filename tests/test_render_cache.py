"""Rendering kept cheap without changing a page (issue 20): the resolved-component catalog
(core.web.components) draws what stock jinjax draws, and the sidebar kept per tenant,
permission set and language (core.web.context.sidebar_for) shows exactly the permitted
entries and follows role and settings changes."""

from __future__ import annotations

import re

import jinjax
import pytest
from sqlalchemy import select

from core import revisions
from core.models import User
from core.permissions import build_catalog as build_roles
from core.plugins import registry
from core.services.users import create_user, grant_role, revoke_role
from core.tenancy import operator_session
from core.web import render as web_render
from core.web.components import Catalog
from tests.helpers import login, tenant_id, unique

PAGES = {
    "dfh_admin": ["/t/dongfanghong/", "/t/dongfanghong/example/", "/t/dongfanghong/organizations",
                  "/t/dongfanghong/admin/users"],
    "dfh_staff": ["/t/dongfanghong/example/?q=x", "/t/dongfanghong/coverage"],
    "yuelu_admin": ["/t/yuelu/coverage"],
}


def _sidenav(html: str) -> str:
    return html.split('id="sidenav"', 1)[1].split("</nav>", 1)[0]


def _links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]*)</a>', _sidenav(html))


def _masked(html: str) -> str:
    return re.sub(r'name="_csrf_token" value="[^"]*"', "", html)


def _stock_catalog():
    """The app's catalog as stock jinjax would build it (same environment and folders)."""
    from core.web import templating

    saved = templating.Catalog
    templating.Catalog = jinjax.Catalog
    try:
        return templating.build_catalog(registry())
    finally:
        templating.Catalog = saved


def test_pages_are_the_same_html_as_stock_jinjax_draws(client):
    fast = web_render.get_catalog()
    assert isinstance(fast, Catalog) and fast.jinja_env.autoescape is True
    stock = _stock_catalog()
    assert not isinstance(stock, Catalog)
    for user, paths in PAGES.items():
        login(client, user)
        for path in paths:
            mine = client.get(path)
            web_render.set_catalog(stock)
            try:
                theirs = client.get(path)
            finally:
                web_render.set_catalog(fast)
            assert mine.status_code == theirs.status_code == 200, path
            assert _masked(mine.text) == _masked(theirs.text), path


def _expected_links(slug: str, username: str) -> set[tuple[str, str]]:
    """What the sidebar must show, worked out from the hooks and the user's permissions here."""
    from core.permissions import authorizer
    from core.tenancy import tree
    from core.web.context import shows

    tenant = tree().by_slug[slug]
    with operator_session("test") as s:
        uid = s.scalar(select(User.id).where(User.username == username))
    perms = authorizer.effective_permissions(uid, tenant.id)
    out = set()
    for _name, batch in registry().each_for(tenant.id, "register_nav_items", tenant=tenant):
        for item in batch:
            if shows(item.permission, perms):  # none, one, or any one of a tuple
                out.add((f"/t/{slug}/{item.path}" if item.path else f"/t/{slug}/", item.label))
    return out


@pytest.mark.parametrize("username", ["dfh_admin", "dfh_staff", "dfh_secretary"])
def test_the_sidebar_shows_exactly_the_permitted_entries(client, username):
    login(client, username)
    links = _links(client.get("/t/dongfanghong/").text)
    assert len(links) == len(set(links))
    assert set(links) == _expected_links("dongfanghong", username)


def test_the_most_specific_entry_is_highlighted(client):
    login(client, "dfh_admin")
    nav = _sidenav(client.get("/t/dongfanghong/membership/dues").text)
    assert re.findall(r'<a href="([^"]+)" class="active" aria-current="page">', nav) == [
        "/t/dongfanghong/membership/dues"]
    nav = _sidenav(client.get("/t/dongfanghong/organizations?q=x").text)
    assert re.findall(r'href="([^"]+)" class="active"', nav) == ["/t/dongfanghong/organizations"]
    nav = _sidenav(client.get("/t/dongfanghong/").text)
    assert re.findall(r'href="([^"]+)" class="active"', nav) == ["/t/dongfanghong/"]


def test_a_role_change_changes_the_kept_sidebar(client):
    dfh = tenant_id("dongfanghong")
    roles = build_roles(registry().pm).roles
    name = unique("navrole")
    with operator_session("test") as s:
        user = create_user(s, name, "demo1234", "导航测试", seeded=True)
        grant_role(s, user, "staff", dfh, roles)
    login(client, name)
    before = set(_links(client.get("/t/dongfanghong/").text))
    assert ("/t/dongfanghong/admin/users", "用户与角色") not in before
    assert before == _expected_links("dongfanghong", name)
    with operator_session("test") as s:
        grant_role(s, s.get(User, user.id), "tenant_admin", dfh, roles)
    granted = set(_links(client.get("/t/dongfanghong/").text))
    assert ("/t/dongfanghong/admin/users", "用户与角色") in granted
    assert granted == _expected_links("dongfanghong", name)
    with operator_session("test") as s:
        revoke_role(s, s.get(User, user.id), "tenant_admin", dfh)
    assert set(_links(client.get("/t/dongfanghong/").text)) == before


def test_a_settings_change_changes_the_kept_sidebar_and_labels_are_text(client):
    """A program's label comes from its settings: a new one shows at once, and it is text —
    markup and a percent sign in it are shown, not interpreted (the layout used to pass it
    through gettext, which marked it safe and %-formatted it: "50%" answered 500)."""
    dfh = tenant_id("dongfanghong")
    saved = registry().settings(dfh, "dongfanghong").model_dump()
    login(client, "dfh_admin")
    assert ("/t/dongfanghong/dongfanghong", saved["brand_name"]) in _links(client.get("/t/dongfanghong/").text)
    try:
        with operator_session("test") as s:
            registry().save_settings(s, dfh, "dongfanghong", {**saved, "brand_name": "<b>先锋</b> 50%"})
        revisions.poll(force=True)
        page = client.get("/t/dongfanghong/organizations")
        assert page.status_code == 200
        assert ('<a href="/t/dongfanghong/dongfanghong">&lt;b&gt;先锋&lt;/b&gt; 50%</a>' in _sidenav(page.text))
    finally:
        with operator_session("test") as s:
            registry().save_settings(s, dfh, "dongfanghong", saved)
        revisions.poll(force=True)
    assert ("/t/dongfanghong/dongfanghong", saved["brand_name"]) in _links(client.get("/t/dongfanghong/").text)


def test_the_sidebar_follows_the_language(client):
    login(client, "dfh_admin")
    zh = _links(client.get("/t/dongfanghong/").text)
    from tests.helpers import post_form

    post_form(client, "/locale", {"locale": "en"})
    en = _links(client.get("/t/dongfanghong/").text)
    post_form(client, "/locale", {"locale": "zh_CN"})
    assert [h for h, _ in zh] == [h for h, _ in en] and zh != en
    assert _links(client.get("/t/dongfanghong/").text) == zh
