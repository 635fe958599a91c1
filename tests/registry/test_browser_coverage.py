"""In a real browser: import a small party-org file and see the coverage dashboard change."""

from __future__ import annotations

import io
import random
import secrets

import pytest
from openpyxl import Workbook

from core.db import scoped_session
from core.registry.importer import ENTITIES
from core.registry.services import organizations as org_svc
from core.registry.services.party_orgs import root_party_org
from core.validators import generate_credit_code
from tests.helpers import tenant_id, unique

DFH = "dongfanghong"
STAFF = org_svc.Access(user_id=None, write_all=True)

#: the number behind a dashboard link: every figure links to its drill-down list
FIGURE_JS = """([metric, kind]) => {
  for (const a of document.querySelectorAll('a[href*="coverage/orgs"]')) {
    const p = new URL(a.href).searchParams;
    if (p.get('metric') === metric && (p.get('kind') || 'all') === kind && !p.get('tenant') && !p.get('own')) {
      const text = a.textContent.trim();
      if (/^[0-9]+$/.test(text)) return parseInt(text, 10);  // a count, not a rate
    }
  }
  return null;
}"""


def party_org_file(name: str, parent: str, codes: list[str]) -> bytes:
    headers = ENTITIES["party_orgs"].headers
    values = {"党组织名称": name, "党组织类型": "联合党支部", "上级党组织": parent, "组建方式": "联合组建",
              "书记": "测试书记", "成立日期": "2024-03-01", "覆盖组织": "、".join(codes)}
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    ws.append([values.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.browser
def test_import_a_joint_branch_and_the_dashboard_changes(database, tmp_path):
    from tests.browser import browser_page, live_server

    rng = random.Random(secrets.randbits(64))
    codes = [generate_credit_code(rng) for _ in range(2)]
    with scoped_session(tenant_id(DFH)) as s:
        for code in codes:  # two operating social organizations no party org covers yet
            org_svc.create_organization(s, STAFF, {"name": unique("浏览器覆盖协会"), "kind": "social",
                                                   "sub_kind": "association", "credit_code": code})
        root = root_party_org(s).name
    upload = tmp_path / "联合党支部.xlsx"
    upload.write_bytes(party_org_file(unique("浏览器联合党支部"), root, codes))

    with live_server() as base, browser_page() as page:
        page.goto(base + "/login")
        page.fill("input[name=username]", "dfh_staff")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)  # the chooser, or straight to the one tenant

        def figures() -> dict[str, int | None]:
            page.goto(f"{base}/t/{DFH}/coverage")
            return {f"{m}/{k}": page.evaluate(FIGURE_JS, [m, k])
                    for m in ("total", "org_covered") for k in ("social", "all")}

        before = figures()
        assert None not in before.values(), before
        page.goto(f"{base}/t/{DFH}/imports?entity=party_orgs")
        page.check("input[name=entity][value=party_orgs]")
        page.set_input_files("input[name=file]", str(upload))
        page.click("button:has-text('检查文件')")
        page.wait_for_selector("text=检查通过")
        page.on("dialog", lambda dialog: dialog.accept())
        page.click("button:has-text('确认导入')")
        page.wait_for_selector("text=导入完成")
        after = figures()
        page.screenshot(path=str(tmp_path / "coverage.png"), full_page=True)

    assert after["total/social"] == before["total/social"]  # the same organizations …
    assert after["total/all"] == before["total/all"]
    assert after["org_covered/social"] == before["org_covered/social"] + 2  # … now covered by the branch
    assert after["org_covered/all"] == before["org_covered/all"] + 2
