"""In headless Chromium: one demand from submission by an org secretary to a rated resolution.

The live server is a separate process reading the same test database: the street, its users and
the organization are created here first, with the lists engine enabled through the database,
and no test-only hook module (the default scheme applies)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core import revisions
from core.db import open_session, scoped_session
from core.permissions import build_catalog
from core.plugins import registry
from core.registry.models import Organization, UserOrganization
from core.services.tenants import TenantForm, create_tenant
from core.services.users import create_user, grant_role
from core.tenancy import operator_session, tree
from plugins.lists.models import ListDemand
from tests.browser import browser_page, choose, live_server
from tests.helpers import tenant_id, unique

pytestmark = pytest.mark.browser
PASSWORD = "demo1234"


def log_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # the chooser, or straight to the one tenant


def shot(page, name: str) -> None:
    """A full-page screenshot for the docs, only when ``LIANDONG_SCREENSHOTS`` names a folder."""
    if folder := os.environ.get("LIANDONG_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_demand_from_submission_to_rated_resolution(database):
    tag = unique("")
    slug = f"lbr-{tag}"
    with operator_session("test") as s:
        street = create_tenant(s, TenantForm(slug=slug, name=f"清单浏览器街道{tag}", level="street",
                                             parent_id=tenant_id("yuelu")))
        registry().set_enabled(s, street, "lists", True)
        roles = build_catalog(registry().pm).roles
        secretary = create_user(s, f"lbsec_{tag}", PASSWORD, "企业书记", seeded=True)
        staff = create_user(s, f"lbstaff_{tag}", PASSWORD, "街道专干", seeded=True)
        grant_role(s, secretary, "org_secretary", street.id, roles)
        grant_role(s, staff, "staff", street.id, roles)
        sid, sec_id = street.id, secretary.id
    revisions.poll(force=True)
    org_name = f"麓谷智造科技{tag}"
    with scoped_session(sid) as s:
        org = Organization(name=org_name, kind="enterprise")
        s.add(org)
        s.flush()
        s.add(UserOrganization(user_id=sec_id, organization_id=org.id))
    assert tree().by_id[sid].slug == slug
    title = "申请人才公寓名额"
    lists = f"/t/{slug}/lists"

    with live_server() as base, browser_page() as page:
        # 1. the org secretary submits the demand
        log_in(page, base, f"lbsec_{tag}")
        page.goto(f"{base}{lists}/dashboard")
        page.click("text=提交需求")
        page.wait_for_url(f"{base}{lists}/demands/new")
        choose(page, "organization_id", org_name)
        page.fill("input[name=title]", title)
        page.select_option("select[name=category]", label="人才")
        page.select_option("select[name=urgency]", value="urgent")
        page.fill("textarea[name=description]", "新招聘的 5 名工程师需要过渡住房")
        page.click("button:has-text('提交')")
        page.wait_for_url(re.compile(rf".*{lists}/demands/\d+$"))
        demand_url = page.url
        assert page.is_visible("#status >> text=已提交")
        shot(page, "lists-submitted.png")

        # 2. the street's staff accepts it, matches a resource and resolves it
        log_in(page, base, f"lbstaff_{tag}")
        page.goto(f"{base}{lists}/resources/new")
        page.fill("input[name=title]", "人才公寓配租")
        page.select_option("select[name=category]", label="人才")
        page.fill("input[name=provider_name]", "区住房保障中心")
        page.fill("input[name=capacity]", "10")
        page.fill("input[name=contact_phone]", "13800138000")
        page.click("button:has-text('保存')")
        page.wait_for_selector("text=138****8000")
        page.goto(demand_url)
        page.select_option("form[action$='/accept'] select[name=triage_level]", label="整合资源协同解决")
        page.click("button[value=accept]")
        page.wait_for_selector("#status >> text=已受理")
        page.click("#match summary")
        page.check("#match input[name=resource_ids]")
        page.fill("#match input[name=owner_name]", "王专干")
        page.click("#match button:has-text('生成事项')")
        page.wait_for_selector("#status >> text=办理中")
        page.click("#works summary:has-text('完成')")
        page.fill("#works textarea[name=result]", "已安排 5 套人才公寓")
        page.click("#works button:has-text('完成')")
        page.wait_for_selector("#works >> text=已完成")
        page.fill("#resolve-form textarea[name=resolution]", "5 名工程师已入住人才公寓")
        page.click("button[value=resolve]")
        page.wait_for_selector("#status >> text=已解决")

        # 3. the secretary rates the resolution
        log_in(page, base, f"lbsec_{tag}")
        page.goto(demand_url)
        page.check("#rate input[name=rating][value='5']")
        page.fill("#rate textarea[name=rating_comment]", "解决及时，非常满意")
        page.click("#rate button:has-text('提交评价')")
        page.wait_for_selector("#status >> text=已评价")
        assert page.is_visible("#rating >> text=解决及时，非常满意")
        shot(page, "lists-rated.png")

    with open_session(sid) as s:
        d = s.scalar(select(ListDemand).where(ListDemand.title == title))
        assert (d.status, d.rating, d.channel, d.triage_level, d.urgency) == (
            "rated", 5, "secretary", "coordinate", "urgent")
        assert d.resolution == "5 名工程师已入住人才公寓" and d.rating_comment == "解决及时，非常满意"
