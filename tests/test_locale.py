"""The UI's languages: zh-CN by default, English by browser or by choice (gettext catalogues).

Message ids are the Simplified Chinese text; ``core/locale/en`` translates them. Every catalogue
of the core and the plugins must compile with matching placeholders, and the core shell (login,
switcher, layout, dashboard, administration, audit log, error pages) must be complete in English.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.config import REPO_ROOT
from core.web.errors import TITLES
from tests.helpers import csrf, login, post_form, text_of

CORE_PO = REPO_ROOT / "core" / "locale" / "en" / "LC_MESSAGES" / "messages.po"
MSGID = re.compile(r"""\b_\(\s*(["'])(.+?)\1""")
#: the core shell (the registry's pages have their own wording and are not complete yet)
SHELL = [*(REPO_ROOT / "core" / "components").rglob("*.jinja"), *(REPO_ROOT / "core" / "web").rglob("*.py")]


def _catalogue(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale=path.parent.parent.name)


CATALOGUES = sorted(p for top in ("core", "plugins") for p in (REPO_ROOT / top).glob("**/locale/*/LC_MESSAGES/*.po"))


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_catalogue_compiles_with_matching_placeholders(po):
    catalog = _catalogue(po)
    problems = [(m.id, str(e)) for m in catalog if m.id for e in m.check(catalog)]
    assert problems == []
    for m in catalog:
        if m.id and m.string:  # "%(n)s" in the id must be in the translation, and nothing more
            assert set(re.findall(r"%\(\w+\)s", m.id)) == set(re.findall(r"%\(\w+\)s", m.string)), m.id
    write_mo(io.BytesIO(), catalog)


def test_the_core_shell_is_complete_in_english():
    translated = {m.id for m in _catalogue(CORE_PO) if m.id and m.string}
    used = {m[1] for path in SHELL for m in MSGID.findall(path.read_text(encoding="utf-8"))}
    used |= set(TITLES.values())
    missing = sorted(used - translated)
    assert not missing, f"add to {CORE_PO.relative_to(REPO_ROOT)}: {missing}"


def test_language_by_choice_kept_across_login(client):
    # an English browser still gets the product's language: English is only an explicit choice
    assert 'lang="zh-CN"' in client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    page = client.get("/login")
    assert 'lang="zh-CN"' in page.text and "English" in page.text
    r = client.post("/locale", data={"locale": "en", "_csrf_token": csrf(client)},
                    headers={"Referer": "http://testserver.local/login"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "http://testserver.local/login"
    assert "Log in" in client.get("/login").text
    login(client, "yuelu_admin")  # the choice made before logging in survives the new session
    page = client.get("/t/yuelu/")
    assert 'lang="en"' in page.text
    assert "Dashboard" in page.text and "Jurisdictions and plugins" in page.text and "Audit log" in page.text
    assert "Page not found" in text_of(client.get("/t/no-such-tenant/").text)
    assert "Choose a jurisdiction" in client.get("/tenants").text
    post_form(client, "/locale", {"locale": "zh_CN"})
    page = client.get("/t/yuelu/")
    assert 'lang="zh-CN"' in page.text and "工作台" in page.text and "Dashboard" not in page.text


def test_an_unknown_locale_is_ignored_and_redirects_stay_on_site(client):
    r = post_form(client, "/locale", {"locale": "xx"}, headers={"Referer": "https://evil.example/"},
                  follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "登录" in client.get("/login").text


def test_english_translates_the_sidebar_and_page_headings(as_user):
    """Issue 19: in English the sidebar and the headings of the pages it opens are English
    (names a tenant chose — a brand, a 联组 — stay as the tenant wrote them)."""
    import re

    client = as_user("dfh_staff")
    post_form(client, "/locale", {"locale": "en"})
    try:
        home = client.get("/t/dongfanghong/").text
        nav = re.search(r'<nav class="sidenav".*?</nav>', home, re.S).group(0)
        labels = [text_of(a) for a in re.findall(r"<a [^>]*>(.*?)</a>", nav)]
        for label in ("Coverage", "Organizations", "Party organizations", "Members", "Instructors",
                      "Activities", "Campaigns", "Lists"):
            assert label in labels, (label, labels)
        for path, heading in (("members", "Members"), ("organizations", "Organizations"),
                              ("activities", "Activities"), ("membership/transfers", "Relation transfers"),
                              ("lists/demands", "Demands"), ("lists/works", "Tasks")):
            h1 = re.search(r"<h1>(.*?)</h1>", client.get(f"/t/dongfanghong/{path}").text).group(1)
            assert h1 == heading, (path, h1)
    finally:
        post_form(client, "/locale", {"locale": "zh_CN"})


def test_every_sidebar_item_and_page_heading_has_an_english_entry():
    """Fixed sidebar labels (``NavItem("…")``), dashboard card titles (``Widget("…")``) and the
    static part of every page heading (``<Layout … title={{ _("…") }}>``) of the core and every
    plugin are in core/locale/en (names a tenant sets — brands, list names — are data)."""
    from core.plugin_types import NAV_SECTIONS

    have = {m.id for m in _catalogue(CORE_PO) if m.id}
    wanted: dict[str, str] = {}
    for path in [*(REPO_ROOT / "core").rglob("*.jinja"), *(REPO_ROOT / "plugins").rglob("*.jinja")]:
        for m in re.finditer(r"<Layout ctx=\{\{ ctx \}\} title=\{\{([^}]*)\}\}", path.read_text(encoding="utf-8")):
            for s in re.findall(r'_\("([^"]+)"', m.group(1)):
                wanted.setdefault(s, str(path.relative_to(REPO_ROOT)))
    for path in [*(REPO_ROOT / "core").rglob("*.py"), *(REPO_ROOT / "plugins").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for s in re.findall(r'(?:NavItem|Widget)\(\s*"([^"]+)"', text):
            wanted.setdefault(s, str(path.relative_to(REPO_ROOT)))
    for heading in NAV_SECTIONS.values():
        if heading:
            wanted.setdefault(heading, "core/web/templating.py")
    missing = {s: where for s, where in wanted.items() if s not in have}
    assert not missing, f"add English entries to core/locale/en/LC_MESSAGES/messages.po: {missing}"
