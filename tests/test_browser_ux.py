"""In headless Chromium, as every demo role, at 1366×900 and 390×844 (issue 19).

Each role's home and the list pages of its menu are walked once per width (a page several
roles share is walked by the first of them; the home of every role is walked). On every page:
no breadcrumb link the user cannot open; at 1366 px no date, status, short name or figure cell
on two lines; at 390 px no horizontal page overflow and the filters folded behind one "筛选"
control (active ones as chips). ``LIANDONG_SCREENSHOTS=<dir>`` writes a screenshot of every
walked page there (not committed).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, live_server

pytestmark = pytest.mark.browser

ROLES = ["admin", "changsha_admin", "yuelu_admin", "yuelu_viewer", "dfh_admin", "dfh_staff", "dfh_staff2",
         "dfh_instructor", "dfh_secretary", "wyh_staff", "nanhu_admin", "jinhua_admin"]
WIDE, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}
#: pages that are not lists of rows (forms, audit detail …) are still walked; these are skipped
SKIP = re.compile(r"/(logout|imports/new|export)")

#: the cells of one line only: dates, statuses (a pill or a short word), short names and figures
MEASURE = """() => {
  const lines = (el) => {
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); const tops = [];
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.textContent.trim()) continue;
      const r = document.createRange(); r.selectNodeContents(n);
      for (const x of r.getClientRects()) if (x.width > 0 && !tops.some((t) => Math.abs(t - x.top) < 6)) tops.push(x.top);
    }
    return tops.length; };
  const wrapped = [];
  for (const td of document.querySelectorAll("main td")) {
    const t = td.innerText.trim();
    if (!t) continue;
    const date = /^\\d{4}-\\d{2}(-\\d{2})?( \\d{2}:\\d{2})?$/.test(t);
    const short = t.length <= 6 && !/\\s/.test(t);
    const figure = /^[\\d.,%¥元 /-]+$/.test(t) && t.length <= 14;
    if ((date || short || figure) && lines(td) > 1) wrapped.push(t);
  }
  for (const tag of document.querySelectorAll("main td .tag")) if (lines(tag) > 1) wrapped.push(tag.innerText);
  return wrapped;
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
FILTERS = """() => [...document.querySelectorAll("main form.filters.collapsible")].map((f) => ({
  hidden: f.offsetParent === null,
  toggle: !!(f.previousElementSibling && f.previousElementSibling.querySelector(".filter-toggle")
             && f.previousElementSibling.querySelector(".filter-toggle").offsetParent !== null)}))"""
UNCOLLAPSED = """() => [...document.querySelectorAll("main form.filters")].filter((f) =>
  (f.getAttribute("method") || "get").toLowerCase() === "get" && !f.classList.contains("collapsible")
  && f.querySelectorAll("select[name], input[name]:not([type=hidden]):not([type=submit])").length >= 2).length"""


def login(page, base: str, username: str) -> str:
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    if page.url.rstrip("/").endswith("/tenants"):  # several tenants: the first one listed
        page.click("main a[href^='/t/']")
        page.wait_for_load_state()
    return page.url


@pytest.fixture(scope="module")
def browser(database):
    from playwright.sync_api import sync_playwright

    with live_server() as base, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b, base
        finally:
            b.close()


def _shoot(page, name: str) -> None:
    target = os.environ.get("LIANDONG_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / (re.sub(r"[^\w.-]+", "_", name) + ".png")), full_page=True)


def test_every_role_walks_home_and_lists(browser):
    """Each page is loaded once and measured at both widths (the viewport changes, the page is laid
    out again): half the page loads and sign-ins of a walk per width."""
    b, base = browser
    context = b.new_context(locale="zh-CN", viewport=WIDE)
    page = context.new_page()
    page.set_default_timeout(30000)
    walked: set[str] = set()
    problems: list[str] = []
    try:
        for username in ROLES:
            page.set_viewport_size(WIDE)
            home = login(page, base, username)
            links = page.eval_on_selector_all("nav.sidenav a", "as => as.map(a => a.href)")
            opened: dict[str, int] = {}
            for url in [home, *links]:
                path = url.removeprefix(base)
                if (url != home and path in walked) or SKIP.search(path):
                    continue
                walked.add(path)
                page.set_viewport_size(WIDE)
                response = page.goto(url)
                where = f"{username} {path}"
                if response.status != 200:
                    problems.append(f"{where}: HTTP {response.status}")
                    continue
                for href in page.eval_on_selector_all("nav.crumbs a", "as => as.map(a => a.getAttribute('href'))"):
                    if href not in opened:
                        opened[href] = page.request.get(base + href).status
                    if opened[href] != 200:
                        problems.append(f"{where}: breadcrumb {href} answers {opened[href]}")
                wrapped = page.evaluate(MEASURE)
                if wrapped:
                    problems.append(f"{where} @1366: on two lines {wrapped[:5]}")
                _shoot(page, f"1366-{username}-{path}")
                page.set_viewport_size(PHONE)
                if (over := page.evaluate(OVERFLOW)) > 1:
                    problems.append(f"{where} @390: {over} px wider than the screen")
                for f in page.evaluate(FILTERS):
                    if not (f["hidden"] and f["toggle"]):
                        problems.append(f"{where} @390: filters not folded behind 筛选 {f}")
                if n := page.evaluate(UNCOLLAPSED):
                    problems.append(f"{where} @390: {n} filter form(s) not collapsible")
                _shoot(page, f"390-{username}-{path}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    assert len(walked) > 40  # the walk reached the lists, not just the homes


def test_phone_filters_open_and_chips_remove_a_filter(browser):
    b, base = browser
    context = b.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    try:
        login(page, base, "dfh_staff")
        page.goto(base + "/t/dongfanghong/organizations?status=operating")
        form = page.locator("main form.filters")
        assert not form.is_visible()
        page.click(".filter-toggle")
        assert form.is_visible()
        chip = page.locator(".filter-bar a.chip")
        assert chip.count() == 1
        chip.click()
        page.wait_for_url(lambda url: "status=" not in url)
        # a list is a stack of cards: no header row, each row's cells labelled
        assert not page.locator("main table thead").first.is_visible()
        assert page.locator("main table td[data-label]").count() > 0
    finally:
        context.close()


def test_stat_cards_share_their_row(browser):
    """The coverage page's four cards and the 联组 overview's 金品牌…金品质 cards sit on one row at 1366 px."""
    b, base = browser
    context = b.new_context(locale="zh-CN", viewport=WIDE)
    page = context.new_page()
    try:
        login(page, base, "dfh_staff")
        for path, selector in (("/t/dongfanghong/coverage", "main .grid.one-row > .card"),
                               ("/t/dongfanghong/dongfanghong", "main .dfh-gold > .card")):
            page.goto(base + path)
            tops = {round(box["y"]) for box in (c.bounding_box() for c in page.locator(selector).all())}
            assert len(tops) == 1, (path, tops)
    finally:
        context.close()


def test_the_picker_selects_an_organization_by_typing_part_of_its_name(browser):
    """The demand form's organization (418 of them) is a search box: type part of a name,
    arrow down to it, Enter; the form posts its id. Escape keeps the earlier choice."""
    from sqlalchemy import func, select

    from core.db import open_session
    from core.registry.models import Organization
    from tests.helpers import tenant_id

    with open_session(tenant_id("dongfanghong")) as s:
        org_id, name = s.execute(select(Organization.id, Organization.name).where(func.length(Organization.name) >= 8)
                                 .order_by(Organization.id.desc()).limit(1)).one()
    b, base = browser
    context = b.new_context(locale="zh-CN", viewport=WIDE)
    page = context.new_page()
    try:
        login(page, base, "dfh_staff")
        page.goto(base + "/t/dongfanghong/lists/demands/new")
        box = page.locator(".picker input[role=combobox]")
        assert page.locator("select[name=organization_id]").is_hidden()
        box.click()
        box.type(name[1:7], delay=20)  # part of the name, not its start
        option = page.locator(f".picker-list [role=option][data-value='{org_id}']")
        option.wait_for()
        assert page.locator(".picker-list [role=option]").count() <= 21  # one page (and "更多…")
        while page.locator(".picker-list [aria-selected=true]").get_attribute("data-value") != str(org_id):
            box.press("ArrowDown")
        box.press("Enter")
        assert page.eval_on_selector("select[name=organization_id]", "s => s.value") == str(org_id)
        assert box.input_value() == name and box.get_attribute("aria-expanded") == "false"
        box.press("Control+a")
        box.type("不会有这样的组织名称", delay=10)
        page.locator(".picker-list .picker-none").wait_for()
        box.press("Escape")
        assert box.input_value() == name  # Escape keeps the choice
        _shoot(page, "picker")
    finally:
        context.close()


def test_a_secretarys_home_counts_their_own_organization(browser):
    """An org secretary's home says whose figures it shows, and its list card counts what their
    own demand list holds — not the street's; the street's 专干 sees the street's."""
    b, base = browser
    context = b.new_context(locale="zh-CN", viewport=WIDE)
    page = context.new_page()
    card = "section.widget:has(h2:text-is('清单工作法'))"
    try:
        figures = {}
        for username in ("dfh_secretary", "dfh_staff"):
            login(page, base, username)
            page.goto(base + "/t/dongfanghong/")
            scope = page.inner_text(f"{card} .widget-scope")
            home_open = int(page.inner_text(f"{card} [data-figure=open]"))
            page.goto(base + "/t/dongfanghong/lists/demands?status=open")
            listed = int(re.search(r"共 (\d+) 条", page.inner_text("nav.pager")).group(1))
            figures[username] = (scope, home_open, listed)
            assert home_open == listed, (username, home_open, listed)
        assert "本组织" in figures["dfh_secretary"][0] and "东方红街道" in figures["dfh_staff"][0]
        assert figures["dfh_secretary"][1] < figures["dfh_staff"][1]  # not the street's figure
        # the 组长's group card lists their group only
        login(page, base, "dfh_secretary")
        page.goto(base + "/t/dongfanghong/")
        assert "联组 1 个" in page.inner_text("section.widget:has(h2:text-is('红色“联”动力'))")
    finally:
        context.close()
