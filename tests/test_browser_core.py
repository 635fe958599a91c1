"""In headless Chromium: log in, switch tenant, enable a plugin for a street, open its page."""

import pytest
from sqlalchemy import select

from core.db import open_session
from core.models import Tenant
from core.services.tenants import TenantForm, create_tenant
from core.tenancy import operator_session
from tests.browser import browser_page, live_server
from tests.helpers import tenant_id, unique

pytestmark = pytest.mark.browser


def test_district_admin_enables_plugin_for_a_street(database, tmp_path):
    slug = unique("br-")
    with operator_session("test") as s:
        create_tenant(s, TenantForm(slug=slug, name="浏览器测试街道", level="street",
                                    parent_id=tenant_id("yuelu")))
    with open_session() as s:
        tid = s.scalar(select(Tenant.id).where(Tenant.slug == slug))
    with live_server() as base, browser_page() as page:
        page.goto(base + "/")
        boxes = [page.locator(f"input[name={n}]").bounding_box() for n in ("username", "password")]
        assert boxes[0]["width"] == boxes[1]["width"]  # both inputs equally wide
        for n in ("username", "password"):  # each label's text sits above its input, not against it
            text_bottom = page.eval_on_selector(
                f"input[name={n}]", "i => { const r = document.createRange(); r.selectNodeContents("
                "i.parentElement.firstChild); return r.getBoundingClientRect().bottom; }")
            assert text_bottom < page.locator(f"input[name={n}]").bounding_box()["y"]
        page.fill("input[name=username]", "yuelu_admin")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/t/yuelu/")  # one reachable top tenant: straight to it
        assert page.is_visible("text=浏览器测试街道")
        page.click("nav.sidenav >> text=下级辖区与插件")
        page.click(f"a[href='/t/yuelu/admin/tenants/{tid}/plugins']")
        page.click("button[data-plugin=example]")
        page.wait_for_selector("text=已启用：公告栏（示例插件）")
        page.screenshot(path=str(tmp_path / "plugins.png"))
        page.goto(f"{base}/t/{slug}/")
        page.click("nav.sidenav >> text=公告栏")
        page.wait_for_url(f"{base}/t/{slug}/example")
        page.fill("input[name=title]", "浏览器里发布的公告")
        page.click("text=发布 >> nth=-1")
        page.wait_for_selector("li.card >> text=浏览器里发布的公告")
        # disabling asks first, naming what disappears; cancelling keeps the program
        page.goto(f"{base}/t/yuelu/admin/tenants/{tid}/plugins")
        page.click("a[data-plugin=example]")
        page.wait_for_url(f"{base}/t/yuelu/admin/tenants/{tid}/plugins/example/disable")
        assert page.is_visible("[data-disappears] >> text=菜单“公告栏”及其页面")
        page.click("section.card a.button >> text=取消")
        page.wait_for_url(f"{base}/t/yuelu/admin/tenants/{tid}/plugins")
        assert page.is_visible("#plugin-example >> text=已启用")
        page.goto(f"{base}/t/{slug}/")
        # the mobile layout keeps the navigation one tap away
        page.set_viewport_size({"width": 390, "height": 800})
        page.click(".menu-toggle")
        assert page.is_visible("nav.sidenav >> text=公告栏")
