"""In headless Chromium: a branch's 主题党日 from the due reminder to its attendance sheet and the
month calendar, as the street's staff.

The live server is a separate process reading the same test database: the street, its party
branch, members and user are created here first, with the plugin enabled through the database."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from core import revisions
from core.db import scoped_session
from core.permissions import build_catalog
from core.plugins import registry
from core.registry.models import Member, PartyOrg
from core.services.tenants import TenantForm, create_tenant
from core.services.users import create_user, grant_role
from core.tenancy import operator_session
from tests.browser import browser_page, live_server
from tests.helpers import tenant_id, unique

pytestmark = pytest.mark.browser
PASSWORD = "demo1234"


def shot(page, name: str) -> None:
    """A full-page screenshot for the docs, only when ``LIANDONG_SCREENSHOTS`` names a folder."""
    if folder := os.environ.get("LIANDONG_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_theme_day_from_reminder_to_calendar(database):
    tag = unique("")
    slug = f"abr-{tag}"
    with operator_session("test") as s:
        street = create_tenant(s, TenantForm(slug=slug, name=f"活动浏览器街道{tag}", level="street",
                                             parent_id=tenant_id("yuelu")))
        registry().set_enabled(s, street, "activities", True)
        staff = create_user(s, f"abstaff_{tag}", PASSWORD, "街道专干", seeded=True)
        grant_role(s, staff, "staff", street.id, build_catalog(registry().pm).roles)
        sid = street.id
    revisions.poll(force=True)
    branch = f"麓谷智造党支部{tag}"
    with scoped_session(sid) as s:
        po = PartyOrg(name=branch, org_type="branch")
        s.add(po)
        s.flush()
        s.add_all([Member(name=n, status="full", party_org_id=po.id) for n in ("周一", "吴二", "郑三")])
    root = f"/t/{slug}/activities"

    with live_server() as base, browser_page() as page:
        page.goto(base + "/login")
        page.fill("input[name=username]", f"abstaff_{tag}")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)  # the chooser, or straight to the one tenant
        # the reminder for March 2026 lists the branch; register its theme day from there
        page.goto(f"{base}{root}/due?on=2026-03-15")
        row = page.locator("section[data-type=theme_day] tr", has_text=branch)
        assert row.count() == 1
        shot(page, "activities-due.png")
        row.locator("text=登记").click()
        page.wait_for_url(re.compile(rf".*{root}/new\?.*"))
        page.fill("input[name=title]", "重温入党誓词")
        page.fill("input[name=date]", "2026-03-01")
        page.fill("input[name=start_time]", "09:30")
        page.fill("input[name=end_time]", "11:00")
        page.fill("input[name=place]", "党员活动室")
        page.click("button:has-text('登记')")
        page.wait_for_url(re.compile(rf".*{root}/\d+$"))
        assert "2026-03-01 09:30" in page.inner_text("#when")
        # everyone in, then the sheet
        page.click("text=添加组织单位全部党员")
        page.wait_for_url(re.compile(rf".*{root}/\d+$"))
        sheet = page.locator("table.act-sheet select[name^=att_]")
        assert sheet.count() == 3
        sheet.nth(0).select_option("present")
        sheet.nth(1).select_option("present")
        sheet.nth(2).select_option("leave")
        page.click("button:has-text('保存出勤')")
        assert page.locator("small.error", has_text="请假事由").count() == 1  # 422: the reason is missing
        page.locator("table.act-sheet input[name^=reason_]").nth(2).fill("出差")
        page.locator("table.act-sheet select[name^=approve_]").nth(2).select_option("yes")
        page.click("button:has-text('保存出勤')")
        page.wait_for_url(re.compile(rf".*{root}/\d+$"))
        assert "出席率 100%" in page.inner_text("#summary")
        shot(page, "activities-detail.png")
        # the calendar shows it on 1 March, and the reminder no longer lists the branch
        page.goto(f"{base}{root}/calendar?month=2026-03")
        assert "09:30" in page.inner_text("td[data-date='2026-03-01']")
        shot(page, "activities-calendar.png")
        page.goto(f"{base}{root}/due?on=2026-03-15")
        assert page.locator("section[data-type=theme_day] tr", has_text=branch).count() == 0
        page.goto(f"{base}{root}")
        assert page.locator("tr", has_text="重温入党誓词").count() == 1
        shot(page, "activities-list.png")
