"""In headless Chromium: the street's 专干 (demo user dfh_staff) walks through the program
dashboard of 东方红街道, visits 强基工程 and 阵地验收 through the program's sub-navigation, follows a
group's open-demand figure to the filtered demand list, opens the group's page, records a duty
entry and sees the checklist."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core import clock
from core.db import open_session
from plugins.dongfanghong.models import DutyEntry
from tests.browser import browser_page, live_server
from tests.helpers import tenant_id, unique

pytestmark = pytest.mark.browser


def test_program_dashboard_walk_as_staff(database, tmp_path):
    title = f"参加联组会商{unique('')}"
    base_path = "/t/dongfanghong/dongfanghong"
    with live_server() as base, browser_page() as page:
        page.goto(base + "/login")
        page.fill("input[name=username]", "dfh_staff")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)  # the chooser, or straight to the one tenant
        page.goto(base + base_path + "/")
        assert page.is_visible("text=街道覆盖情况")
        assert page.is_visible("table.dfh-groups >> text=第一联组")
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        # the program's pages are one click away: 三项工程 and 五大保障 cards, the sub-navigation
        assert page.is_visible("section.dfh-program >> text=阵地保障")
        page.click("nav.dfh-subnav >> text=强基工程")
        page.wait_for_url(base + base_path + "/qiangji")
        assert page.is_visible("text=各党组织党员结构") and page.is_visible("table.dfh-structure")
        page.click("nav.dfh-subnav >> text=阵地验收")
        page.wait_for_url(base + base_path + "/venues")
        assert page.is_visible("table.dfh-venues") and page.locator("table.dfh-venues tr.overdue").count() > 0
        page.click("nav.dfh-subnav >> text=总览")
        page.wait_for_url(base + base_path)
        # a group's open-demand figure leads to the demand list filtered to exactly those demands
        link = page.locator("table.dfh-groups tr:has-text('第一联组') a[href*='status=open']")
        figure = int(link.inner_text())
        link.click()
        page.wait_for_url(re.compile(r".*/lists/demands\?cluster=\d+&status=open$"))
        assert page.locator("select[name=cluster] option:checked").inner_text() == "第一联组"
        assert page.locator("table#demands tr[data-id]").count() == min(figure, 20)
        page.go_back()
        # the group's page lists what its figures count
        page.click("table.dfh-groups a:text-is('第一联组')")
        page.wait_for_url(re.compile(rf".*{base_path}/groups/\d+$"))
        assert page.is_visible("table.dfh-demands") and page.is_visible("table.dfh-activities")
        assert page.is_visible("text=专干履职清单")
        assert page.is_visible("table.dfh-checklist")
        # an invalid entry is refused with the field message and the input kept
        page.fill("input[name=title]", title)
        page.locator("form:has(select[name=kind]) button.primary").click()
        assert page.is_visible("text=类别：请选择会议活动必到、过程动态必报或企业困难必帮")
        assert page.input_value("input[name=title]") == title
        page.select_option("select[name=kind]", value="attend")
        page.fill("input[name=occurred_on]", clock.today().isoformat())
        page.locator("form:has(select[name=kind]) button.primary").click()
        page.wait_for_selector(f"text={title}")
        page.screenshot(path=str(tmp_path / "group.png"), full_page=True)
        page.goto(base + base_path + "/nominations")
        assert page.is_visible("text=选树典型：推荐与评审")
    with open_session(tenant_id("dongfanghong")) as s:
        row = s.scalar(select(DutyEntry).where(DutyEntry.title == title))
        assert row is not None and row.kind == "attend"
