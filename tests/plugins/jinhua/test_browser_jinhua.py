"""In headless Chromium: the 商圈 alliance's liaison of the 婺城区 demo (jh_liaison, who sees only the
alliance they lead) opens it from the program's pages, reads the founding units, the rota with the
current chair and the four 工作格局 cards, and raises an agenda item — refused until it has a title."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, live_server
from tests.worlds import PASSWORD

pytestmark = pytest.mark.browser


def test_alliance_page_as_its_liaison(database, tmp_path):
    with live_server() as base, browser_page() as page:
        page.goto(base + "/login")
        page.fill("input[name=username]", "jh_liaison")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(base + "/t/wucheng/jinhua/alliances")
        rows = page.locator("table.jinhua-alliances tbody tr")
        assert rows.count() == 1 and "商圈党建联盟" in rows.first.inner_text()
        rows.first.locator("a").click()
        page.wait_for_url(lambda url: "/jinhua/alliances/" in url)
        assert page.is_visible("text=牵头单位") and page.is_visible("table.jinhua-rota")
        assert page.locator("table.jinhua-rota tr.jinhua-chair").count() == 1
        for card in ("党建共抓：“六专”建设", "资源共享：清单工作法", "活动共办：例会制", "事务共商：议事制"):
            assert page.is_visible(f"h3:text-is('{card}')"), card
        page.screenshot(path=str(tmp_path / "jinhua-alliance.png"), full_page=True)
        section = page.locator("#agenda")
        section.locator("summary:text-is('提出议题')").click()
        section.locator("form[action$='/agenda'] button.primary").click()
        assert page.is_visible("text=请填写议题")
        page.locator("#agenda form[action$='/agenda'] input[name=title]").fill("联络员提出：共建商圈志愿服务站")
        page.locator("#agenda form[action$='/agenda'] button.primary").click()
        page.wait_for_url(lambda url: url.endswith("#agenda"))
        assert page.is_visible("td:text-is('联络员提出：共建商圈志愿服务站')")
