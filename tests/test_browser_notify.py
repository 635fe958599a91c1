"""In a browser: the top bar's unread count (wide and on a phone), the inbox, a bulletin from the
district confirmed by a street's staff member and seen as read by the district."""

from __future__ import annotations

import pytest

from core.db import scoped_session
from core.notify.service import notify
from core.tenancy import tree
from tests.browser import browser_page, live_server
from tests.helpers import unique

pytestmark = pytest.mark.browser


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_unread_count_inbox_and_a_bulletin_read_receipt(database, tmp_path):
    from sqlalchemy import select

    from core.models import User

    dfh = tree().by_slug["dongfanghong"]
    title = unique("浏览器提醒")
    with scoped_session(dfh.id) as s:
        uid = s.scalar(select(User.id).where(User.username == "dfh_staff2"))
        notify(s, dfh.id, [uid], title=title, body="请尽快处理", link="inbox")
    bulletin = unique("浏览器通报")
    with live_server() as base, browser_page() as page:
        sign_in(page, base, "yuelu_admin")
        page.goto(f"{base}/t/yuelu/bulletins/new")
        page.fill("input[name=title]", bulletin)
        page.fill("textarea[name=body]", "请各街道于本周内完成排查。")
        page.check(f"input[name=targets][value='{dfh.id}']")
        page.click("form.card button.primary")
        page.wait_for_selector("text=阅读情况")
        page.click(".who form[action='/logout'] button")

        sign_in(page, base, "dfh_staff2")
        page.goto(f"{base}/t/dongfanghong/")
        badge = page.locator(".topbar .inbox-link .badge")
        assert badge.is_visible() and int(badge.inner_text()) >= 2
        page.set_viewport_size({"width": 390, "height": 800})
        assert badge.is_visible()  # still shown on a phone
        page.screenshot(path=str(tmp_path / "topbar-phone.png"))
        page.set_viewport_size({"width": 1366, "height": 900})
        page.click(".topbar .inbox-link")
        page.wait_for_url(f"{base}/t/dongfanghong/inbox")
        assert page.is_visible(f"text={title}") and page.is_visible(f"text={bulletin}")
        page.click(f"li.card:has-text('{bulletin}') >> button:has-text('查看')")
        page.wait_for_url(lambda url: "/bulletins/" in url)
        page.click("button:has-text('确认已阅')")
        page.wait_for_selector("text=已确认阅读")
        page.goto(f"{base}/t/dongfanghong/inbox")
        page.click("button:has-text('全部标为已读')")
        page.wait_for_selector("text=已将")
        assert page.locator(".topbar .inbox-link .badge").count() == 0
        page.click(".who form[action='/logout'] button")

        sign_in(page, base, "yuelu_admin")
        page.goto(f"{base}/t/yuelu/bulletins")
        page.click(f"text={bulletin}")
        row = page.locator("tr:has-text('东方红街道')")
        from tests.test_bulletins import display

        assert f"{display('dfh_staff2')}（" in row.inner_text()  # read, with the time
        page.screenshot(path=str(tmp_path / "receipts.png"), full_page=True)
