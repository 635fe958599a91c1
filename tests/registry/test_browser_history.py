"""In headless Chromium: the street's 专干 (demo user dfh_staff) reads a 联组's change history and
the audit log in Chinese — operation names, field and choice labels, names of referenced rows,
Beijing time — and never a table, column or raw value."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.db import open_session
from core.registry.models import Cluster
from tests.browser import browser_page, live_server
from tests.helpers import tenant_id

pytestmark = pytest.mark.browser

RAW = ("cluster_leaders", "cluster_members", "clusters.", "cluster_id", "user_id", "tenant_id", "organization_id",
       "person_name", "attributes", "deputy", "None", "True", "False", "{'")
BEIJING_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:")


def _raw_in(text: str) -> list[str]:
    return [raw for raw in RAW if raw in text] + ISO_TIME.findall(text)


def test_cluster_history_and_audit_log_read_in_chinese(database, tmp_path):
    with open_session(tenant_id("dongfanghong")) as s:
        group = s.scalar(select(Cluster).where(Cluster.name == "第一联组"))
    with live_server() as base, browser_page() as page:
        page.goto(base + "/login")
        page.fill("input[name=username]", "dfh_staff")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)  # the chooser, or straight to the one tenant

        page.goto(f"{base}/t/dongfanghong/clusters/{group.id}")
        history = page.locator("section.card:has(h2:text-is('变更记录'))")
        text = history.inner_text()
        page.screenshot(path=str(tmp_path / "cluster.png"), full_page=True)
        assert "新增联组负责人" in text and "新增联组" in text
        assert "职务" in text and "副组长" in text and "所属组团" in text and "第一联组" in text
        assert BEIJING_TIME.search(history.locator("td").first.inner_text())
        assert not _raw_in(text), _raw_in(text)

        page.goto(f"{base}/t/dongfanghong/audit")
        options = page.locator("select[name=action] option").all_inner_texts()
        assert "新增联组负责人" in options and not [o for o in options if re.search(r"[a-z_]+\.[a-z_]+", o)]
        table = page.locator("table").first.inner_text()
        assert "新增" in table and not _raw_in(table), _raw_in(table)
        page.select_option("select[name=action]", label="新增联组负责人")
        page.click("form.filters button[type=submit]")
        page.wait_for_url(re.compile(r".*action=cluster_leaders\.create.*"))
        rows = page.locator("table tbody tr").all_inner_texts()
        assert rows and all("新增联组负责人" in r for r in rows)
