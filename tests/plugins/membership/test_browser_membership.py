"""In headless Chromium: 东方红街道's 专干 transfers a member to 望月湖街道 (application, review,
letter), 望月湖街道's 专干 finds it in the inbox and accepts it into a party org; the member is
then in that party org, and both sides read the steps in Chinese."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.db import open_session
from core.registry.models import Member, PartyOrg
from tests.browser import browser_page, choose, live_server
from tests.helpers import tenant_id, unique
from tests.plugins.membership.conftest import new_member

pytestmark = pytest.mark.browser


def _login(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # the chooser, or straight to the one tenant


def test_transfer_dongfanghong_to_wangyuehu(database, tmp_path):
    name = f"浏览器转接{unique('')}"
    new_member(tenant_id("dongfanghong"), name)
    wyh = tenant_id("wangyuehu")
    with open_session(wyh) as s:
        po_id, po_name = s.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.dissolved_on.is_(None))
                                   .order_by(PartyOrg.id).limit(1)).one()
    with live_server() as base, browser_page() as page:
        _login(page, base, "dfh_staff")
        page.goto(base + "/t/dongfanghong/membership/transfers")
        page.click("text=发起组织关系转接")
        choose(page, "member", name)
        page.check("input[name=scope][value=instance]")
        page.select_option("select[name=to_tenant]", label="望月湖街道")
        page.fill("input[name=reason]", "工作调动")
        page.click("button:text('提交申请')")
        page.wait_for_url(re.compile(r".*/membership/transfers/\d+$"))
        out_url = page.url
        page.click("button:text('提交转出审核')")
        page.wait_for_url(out_url)
        page.click("button:text('审核通过并开具介绍信')")
        page.wait_for_url(out_url)
        assert page.is_visible("text=打印介绍信")
        page.click("text=打印介绍信")
        assert page.is_visible("text=中国共产党党员组织关系介绍信（存根）")
        page.screenshot(path=str(tmp_path / "letter.png"), full_page=True)
        # the receiving street
        _login(page, base, "wyh_staff")
        page.goto(base + "/t/wangyuehu/membership/transfers?side=in")
        page.click(f"a:text('{name}')")
        page.wait_for_url(re.compile(r".*/membership/transfers/\d+$"))
        choose(page, "to_party_org", po_name)
        page.click("button:text('接收')")
        page.wait_for_url(re.compile(r".*/membership/transfers/\d+$"))
        assert page.is_visible("text=转入党组织接收")
        assert page.is_visible("text=审核通过，开具介绍信") and page.is_visible("td:text('东方红街道')")
        # the member is in the receiving party org
        page.goto(base + f"/t/wangyuehu/members?party_org={po_id}&q={name}")
        assert page.locator("td", has_text=name).first.is_visible()  # the row (the search box holds the name too)
        _login(page, base, "dfh_staff")
        page.goto(out_url)
        assert page.is_visible("text=转入党组织接收") and page.is_visible("td:text('望月湖街道')")
        assert page.is_visible(f"text={po_name}")
    with open_session(wyh) as s:
        assert s.scalar(select(Member.party_org_id).where(Member.name == name)) == po_id
