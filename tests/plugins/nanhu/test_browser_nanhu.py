"""In headless Chromium: a staff member of 南湖新区 (the district) walks through the program
dashboard — the four projects side by side with the seed's figures computed from the demo rows —,
follows the sub-navigation to the talent ledger and the monthly 一课一片一实践 check, and records a
check that is refused until its content is given."""

from __future__ import annotations

import pytest

from core import clock
from core.tenancy import tree
from tests.browser import browser_page, live_server
from tests.worlds import PASSWORD, make_users

pytestmark = pytest.mark.browser


def test_program_dashboard_walk_as_district_staff(database, tmp_path):
    users, _ids = make_users("nhb", [("staff", "staff", tree().by_slug["nanhu"])])
    base_path = "/t/nanhu/nanhu"
    with live_server() as base, browser_page() as page:
        page.goto(base + "/login")
        page.fill("input[name=username]", users["staff"])
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(base + base_path + "/")
        for project in ("强基工程", "赋能工程", "共建工程", "清朗工程"):
            assert page.is_visible(f"section.card h2:text-is('{project}')"), project
        social = page.locator("#qiangji tr[data-figure='indicators.coverage_social']")
        assert "96.5%" in social.inner_text() and "已达标" in social.inner_text()
        assert "94.6%" in page.locator("#qiangji tr[data-figure='indicators.coverage_enterprise']").inner_text()
        assert "38个" in page.locator("#qiangji tr[data-figure='nanhu.new_branches']").inner_text()
        talents = page.locator("#funeng tr[data-figure='nanhu.talents']").inner_text()
        assert "已达标" in talents, talents
        assert page.locator("#funeng tr[data-figure='nanhu.solved'] .tag").inner_text() == "已达标"
        assert page.is_visible("table.nanhu-alliances") and page.is_visible("text=监管黑名单")
        page.screenshot(path=str(tmp_path / "nanhu-dashboard.png"), full_page=True)
        page.click("nav.nanhu-subnav >> text=人才招引")
        page.wait_for_url(base + base_path + "/talents")
        assert page.is_visible("table.nanhu-talents") and page.is_visible("text=累计招引")
        page.click("nav.nanhu-subnav >> text=一月一课一片一实践")
        page.wait_for_url(base + base_path + "/theme-days")
        row = page.locator("table.nanhu-theme-days tbody tr").first
        row.locator("summary").click()
        row.locator("input[name=practice_done]").check()
        row.locator("input[name=practice_note]").fill("")
        row.locator("button.primary").click()
        assert page.is_visible("text=请填写实践内容")
        month = clock.today().strftime("%Y-%m")
        assert page.locator("input[name=month]").first.input_value() == month
        page.click("nav.nanhu-subnav >> text=总览")
        page.wait_for_url(base + base_path)
        assert page.is_visible("text=本月“一课一片一实践”")
