"""In headless Chromium: the city's 两新工委 staff member walks the program dashboard of 长沙市 —
points by district, by kind and by 保障 gap over the demo's districts and streets —, follows a gap
to the filtered list, opens a street's point read-only and the platform enterprises' gaps."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, live_server
from tests.worlds import PASSWORD

pytestmark = pytest.mark.browser


def test_city_dashboard_walk(database, tmp_path):
    base_path = "/t/changsha/changsha"
    with live_server() as base, browser_page() as page:
        page.goto(base + "/login")
        page.fill("input[name=username]", "changsha_staff")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.click("nav.sidenav >> text=两新党建重点工作")
        page.wait_for_url(base + base_path)
        areas = page.locator("table.changsha-areas").inner_text()
        assert "岳麓区" in areas and "芙蓉区" in areas and "本级直属" in areas
        assert "特色小镇" in page.locator("table.changsha-kinds").inner_text()
        assert "/ 82" in page.locator("li[data-figure=upgraded]").inner_text()
        page.screenshot(path=str(tmp_path / "changsha-dashboard.png"), full_page=True)
        page.click("li[data-gap=venue] a")
        page.wait_for_url(lambda url: "gap=venue" in url)
        rows = page.locator("table.changsha-points tbody tr")
        assert rows.count() >= 3
        assert "芙蓉国际大厦（演示）楼宇党建点" in page.locator("table.changsha-points").inner_text()
        page.click("text=定王台书市（演示）专业市场党建点")
        assert page.is_visible("text=只读") and page.locator("select[name=status]").count() == 0
        assert "定王台街道" in page.locator("main").inner_text()
        page.click("nav.changsha-subnav >> text=平台企业建党")
        page.wait_for_url(base + base_path + "/platforms")
        gaps = page.locator("table.changsha-platform-gaps").inner_text()
        assert "劳务派遣公司未建党组织" in gaps and "基层网点未建党支部" in gaps
