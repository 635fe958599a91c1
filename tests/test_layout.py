"""The page shell: the sidebar's sections."""

from __future__ import annotations

import re

from tests.helpers import login


def test_the_sidebar_is_grouped_in_sections(client):
    """工作台 first, then 台账 (the registry), 工作 (programs and building blocks), 管理 — each
    heading once, over its own items."""
    login(client, "dfh_admin")
    page = client.get("/t/dongfanghong/").text
    nav = page.split('id="sidenav"', 1)[1].split("</nav>", 1)[0]
    headings = re.findall(r'<div class="nav-section">([^<]+)</div>', nav)
    assert headings == ["台账", "工作", "管理"]
    order = [nav.index(x) for x in ("工作台", "nav-section\">台账", "两新组织", "nav-section\">工作", "红色“联”动力",
                                    "需求清单", "nav-section\">管理", "操作日志")]
    assert order == sorted(order)


def _crumbs(page: str) -> str:
    return page.split('class="crumbs"', 1)[1].split("</nav>", 1)[0]


def test_breadcrumbs_link_only_to_tenants_the_user_can_open(client):
    """A street user sees the district and city above as text, not as links that answer 404."""
    login(client, "dfh_staff")
    crumbs = _crumbs(client.get("/t/dongfanghong/organizations").text)
    assert "长沙" in crumbs and "岳麓区" in crumbs  # the ancestors are named…
    assert 'href="/t/changsha/"' not in crumbs and 'href="/t/yuelu/"' not in crumbs  # …not linked
    assert 'href="/t/dongfanghong/"' in crumbs
    for href in re.findall(r'href="([^"]+)"', crumbs):
        assert client.get(href).status_code == 200


def test_breadcrumbs_link_ancestors_where_the_user_has_a_role(client):
    login(client, "yuelu_admin")
    crumbs = _crumbs(client.get("/t/dongfanghong/").text)
    assert 'href="/t/yuelu/"' in crumbs and 'href="/t/changsha/"' not in crumbs


def test_favicon_is_served_by_the_app(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.content.lstrip().startswith(b"<svg")
    assert client.get("/static/core/favicon.svg").status_code == 200
    assert 'rel="icon" href="/static/core/favicon.svg"' in client.get("/login").text

