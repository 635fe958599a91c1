"""The checklists block: templates (hook, UI, import), checklists of a subject, the evidence rule,
decisions, permissions, isolation, the district roll-up, exports, history and the API."""

from __future__ import annotations

import datetime as dt
import io
from types import ModuleType

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core import clock
from core.db import open_session
from core.hookspecs import hookimpl
from core.plugins import registry
from plugins.checklists.api import SubjectKind, model_kind
from plugins.checklists.models import (
    Checklist,
    ChecklistEvidence,
    ChecklistItem,
    ChecklistTemplateRow,
)
from tests.helpers import csrf, login, post_form, text_of, unique
from tests.plugins.checklists.conftest import PNG

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TODAY = clock.today()


@pytest.fixture
def user(client, world):
    def log_in(key: str):
        client.cookies.clear()
        return login(client, world.users[key])

    return log_in


def base(t) -> str:
    return f"/t/{t.slug}/checklists"


def _start(c, w, template="testcl.handbook", subject=None, **over) -> int:
    r = post_form(c, base(w.a), {"template_key": template, "subject": subject or f"party_org:{w.party_orgs[0]}",
                                 **over}, follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:2000]
    return int(r.headers["location"].rsplit("/", 1)[-1])


def _po(t) -> int:
    """A fresh party org of tenant ``t`` (each test checks its own subject)."""
    from core.db import scoped_session
    from core.registry.models import PartyOrg

    with scoped_session(t.id) as s:
        po = PartyOrg(name=unique("清单测试支部"), org_type="branch")
        s.add(po)
        s.flush()
        return po.id


def _items(w, cid) -> dict[str, int]:
    with open_session(w.a.id) as s:
        return {i.key: i.id for i in s.scalars(select(ChecklistItem).where(ChecklistItem.checklist_id == cid))}


def _upload(c, w, cid, item_id, data=PNG, name="证明.png"):
    return c.post(f"{base(w.a)}/{cid}/items/{item_id}/evidence", data={"_csrf_token": csrf(c), "description": "照片"},
                  files={"file": (name, data, "application/octet-stream")}, follow_redirects=False)


def test_create_errors_nothing_saved(world, user, program):
    w = world
    c = user("staff")
    with open_session(w.a.id) as s:
        before = s.scalar(select(func.count(Checklist.id)))
    r = post_form(c, base(w.a), {"template_key": "nope", "subject": "party_org:999999999"})
    assert r.status_code == 422 and "清单模板：请选择有效的模板" in r.text
    # the template applies to party orgs only
    r = post_form(c, base(w.a), {"template_key": "testcl.handbook", "subject": f"cluster:{w.cluster}"})
    assert r.status_code == 422 and "只适用于党组织" in text_of(r.text)
    # another tenant's party org is not found; a bad date and a due date before the start
    r = post_form(c, base(w.a), {"template_key": "testcl.handbook", "subject": f"party_org:{w.b_party_org}",
                                 "opened_on": "2026-13-40", "due_on": "x"})
    t = text_of(r.text)
    assert r.status_code == 422 and "检查对象：请选择本辖区的党组织" in t and "开始日期：日期格式应为" in t
    r = post_form(c, base(w.a), {"template_key": "testcl.handbook", "subject": f"party_org:{w.party_orgs[0]}",
                                 "opened_on": TODAY.isoformat(), "due_on": (TODAY - dt.timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and "完成期限：不能早于开始日期" in r.text
    with open_session(w.a.id) as s:
        assert s.scalar(select(func.count(Checklist.id))) == before


def test_evidence_required_refused_then_flow(world, user, program):
    w = world
    c = user("staff")
    po = _po(w.a)
    cid = _start(c, w, subject=f"party_org:{po}")
    items = _items(w, cid)
    assert set(items) == {"setup", "meetings", "day", "venue"}
    # one open checklist per template and subject
    r = post_form(c, base(w.a), {"template_key": "testcl.handbook", "subject": f"party_org:{po}"})
    assert r.status_code == 422 and "已有检查中的「测试支部标准化手册」" in r.text
    page = text_of(c.get(f"{base(w.a)}/{cid}").text)
    assert "支部设置" in page and "组织生活" in page and "阵地建设" in page and "须佐证" in page
    # the evidence rule: "done" without a file is refused with a clear message, nothing saved
    r = post_form(c, f"{base(w.a)}/{cid}/items/{items['setup']}", {"status": "done"})
    assert r.status_code == 422 and "「按规定设置支部委员会」须上传佐证材料后才能标记为达标" in r.text
    with open_session(w.a.id) as s:
        assert s.get(ChecklistItem, items["setup"]).status == "pending"
    # a wrong file is refused; a PNG is taken
    r = _upload(c, w, cid, items["setup"], b"not a png", "x.png")
    assert r.status_code == 422 and "佐证材料：文件内容与扩展名「.png」不符" in r.text
    assert _upload(c, w, cid, items["setup"]).status_code == 303
    r = post_form(c, f"{base(w.a)}/{cid}/items/{items['setup']}", {"status": "done", "note": "已设支委会"},
                  follow_redirects=False)
    assert r.status_code == 303
    with open_session(w.a.id) as s:
        it = s.get(ChecklistItem, items["setup"])
        assert (it.status, it.reviewed_on, it.reviewed_by) == ("done", TODAY, "staff用户")
        ev = s.scalar(select(ChecklistEvidence).where(ChecklistEvidence.item_id == it.id))
    # the file downloads; the last file of a compliant item stays
    r = c.get(f"{base(w.a)}/{cid}/items/{items['setup']}/evidence/{ev.id}")
    assert r.status_code == 200 and r.content == PNG and r.headers["content-type"] == "image/png"
    r = post_form(c, f"{base(w.a)}/{cid}/items/{items['setup']}/evidence/{ev.id}/delete")
    assert r.status_code == 422 and "已达标，须至少保留一份佐证材料" in r.text
    # failed needs a note; na does not count
    r = post_form(c, f"{base(w.a)}/{cid}/items/{items['day']}", {"status": "failed"})
    assert r.status_code == 422 and "未达标时请写明问题和整改要求" in r.text
    post_form(c, f"{base(w.a)}/{cid}/items/{items['day']}", {"status": "done"})
    post_form(c, f"{base(w.a)}/{cid}/items/{items['venue']}", {"status": "na", "note": "租用场地"})
    # passing needs every applicable item compliant (meetings is still pending)
    c = user("admin")
    r = post_form(c, f"{base(w.a)}/{cid}/decide/pass")
    assert r.status_code == 422 and "还有 1 个事项未达标，不能验收通过" in r.text
    c = user("staff")
    assert _upload(c, w, cid, items["meetings"]).status_code == 303
    post_form(c, f"{base(w.a)}/{cid}/items/{items['meetings']}", {"status": "done"})
    c = user("admin")
    assert post_form(c, f"{base(w.a)}/{cid}/decide/pass", follow_redirects=False).status_code == 303
    page = text_of(c.get(f"{base(w.a)}/{cid}").text)
    assert "3 / 3 项达标（100%）" in page and "验收通过" in page and "变更记录" in page
    assert "新增佐证材料" in page and "修改检查事项" in page and "检查结果" in page
    # a passed checklist is frozen
    r = post_form(c, f"{base(w.a)}/{cid}/items/{items['day']}", {"status": "pending"})
    assert r.status_code == 422 and "清单已验收通过" in r.text
    # item export
    r = c.get(f"{base(w.a)}/{cid}/export")
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][:4] == ("清单", "检查对象", "篇章", "检查事项")
    assert any(x[3] == "按规定设置支部委员会" and x[4] == "是" and x[5] == 1 and x[6] == "达标" for x in rows[1:])


def test_permissions_and_isolation(world, user, program):
    w = world
    c = user("staff")
    cid = _start(c, w, subject=f"party_org:{_po(w.a)}")
    items = _items(w, cid)
    c = user("viewer")
    assert c.get(f"{base(w.a)}/{cid}").status_code == 200
    assert post_form(c, f"{base(w.a)}/{cid}/items/{items['day']}", {"status": "done"}).status_code == 403
    assert post_form(c, base(w.a), {}).status_code == 403
    c = user("instructor")  # checks items, does not decide
    assert post_form(c, f"{base(w.a)}/{cid}/items/{items['day']}", {"status": "done"},
                     follow_redirects=False).status_code == 303
    assert post_form(c, f"{base(w.a)}/{cid}/decide/fail", {"note": "x"}).status_code == 403
    c = user("secretary")
    assert c.get(base(w.a)).status_code == 200
    assert post_form(c, f"{base(w.a)}/templates", {"label": "x", "items": "a"}).status_code == 403
    # another tenant's ids: 404 for every route shape
    c = user("staff_b")
    assert c.get(f"{base(w.b)}/{cid}").status_code == 404
    assert post_form(c, f"{base(w.b)}/{cid}/items/{items['day']}", {"status": "done"}).status_code == 404
    assert c.get(f"{base(w.b)}/{cid}/export").status_code == 404
    assert c.get(f"{base(w.a)}/{cid}").status_code == 404  # no role in street A


def test_tenant_template_ui_and_import(world, user):
    w = world
    c = user("staff")
    r = post_form(c, f"{base(w.a)}/templates", {"label": "", "items": ""})
    t = text_of(r.text)
    assert r.status_code == 422 and "模板名称：必填" in t and "检查事项：请至少填写一个检查事项" in t
    label = unique("阵地建设标准")
    r = post_form(c, f"{base(w.a)}/templates", {"label": label, "subject_kinds": ["party_org", "organization"],
                                                "items": "# 阵地建设\n*有场所\n有标识（须佐证）\n# 制度\n制度上墙"},
                  follow_redirects=False)
    assert r.status_code == 303
    with open_session(w.a.id) as s:
        row = s.scalar(select(ChecklistTemplateRow).where(ChecklistTemplateRow.label == label))
        assert [(i.chapter, i.label, i.evidence_required) for i in row.items] == [
            ("阵地建设", "有场所", True), ("阵地建设", "有标识", True), ("制度", "制度上墙", False)]
        key = row.key
    r = post_form(c, f"{base(w.a)}/templates", {"label": label, "items": "a"})
    assert r.status_code == 422 and f"模板名称：「{label}」已存在" in r.text
    cid = _start(c, w, template=key, subject=f"organization:{w.org}")
    assert len(_items(w, cid)) == 3


def test_import_template_items(world, client, api_token):
    """A handbook kept in Excel becomes a tenant template; importing it again writes nothing."""
    w = world
    h = api_token(w.users["staff"])
    name = unique("标准化手册")
    rows = [["模板名称", "篇章", "检查事项", "须佐证", "检查说明"],
            [name, "支部设置", "支部委员会按期换届", "是", "查换届请示和批复"],
            [name, "组织生活", "按期开展“三会一课”", "否", ""],
            [name, "组织生活", "按期开展“三会一课”", "否", ""]]
    book = Workbook()
    for r in rows:
        book.active.append(r)
    buf = io.BytesIO()
    book.save(buf)
    url = f"/api/t/{w.a.slug}/imports/checklists_template_items"
    files = {"file": ("手册.xlsx", buf.getvalue(), XLSX)}
    body = client.post(url + "?dry_run=true", headers=h, files=files).json()
    assert body["created"] == 2 and body["errors"] == 1, body
    body = client.post(f"/api/t/{w.a.slug}/imports/jobs/{body['id']}/confirm?valid_only=true", headers=h).json()
    assert body["created"] == 2, body
    with open_session(w.a.id) as s:
        row = s.scalar(select(ChecklistTemplateRow).where(ChecklistTemplateRow.label == name))
        assert [(i.chapter, i.label, i.evidence_required) for i in row.items] == [
            ("支部设置", "支部委员会按期换届", True), ("组织生活", "按期开展“三会一课”", False)]
    book = Workbook()
    for r in rows[:3]:
        book.active.append(r)
    buf = io.BytesIO()
    book.save(buf)
    again = client.post(url + "?dry_run=false", headers=h, files={"file": ("手册.xlsx", buf.getvalue(), XLSX)}).json()
    assert again["unchanged"] == 2 and again["created"] == 0, again
    # the template download of the kind has Chinese headers
    r = login(client, w.users["staff"]).get(f"/t/{w.a.slug}/imports/checklists_template_items/template.xlsx")
    assert r.status_code == 200


def test_rollup_district_over_streets(world, user, program):
    w = world
    c = user("staff")
    cid = _start(c, w, template="testcl.handbook", subject=f"party_org:{_po(w.a)}")
    items = _items(w, cid)
    post_form(c, f"{base(w.a)}/{cid}/items/{items['day']}", {"status": "done"})
    c = user("staff_b")
    r = post_form(c, base(w.b), {"template_key": "testcl.handbook", "subject": f"party_org:{_po(w.b)}"},
                  follow_redirects=False)
    assert r.status_code == 303
    c = user("dviewer")
    r = c.get(f"{base(w.d)}/progress", params={"template_key": "testcl.handbook"})
    assert r.status_code == 200
    t = text_of(r.text)
    assert w.a.name in t and w.b.name in t and "合计" in t
    r = c.get(f"{base(w.d)}/progress/export", params={"template_key": "testcl.handbook"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    by = {x[0]: x for x in rows[1:]}
    assert by[w.a.name][1] >= 1 and by[w.b.name][1] >= 1 and by[w.a.name][5] >= 1
    assert by["合计"][1] == by[w.a.name][1] + by[w.b.name][1] + by[f"{w.d.name}（本级）"][1]
    # a street's staff sees only the street
    c = user("staff_b")
    t = text_of(c.get(f"{base(w.b)}/progress", params={"template_key": "testcl.handbook"}).text)
    assert w.b.name in t and w.a.name not in t


def test_api_flow(world, client, api_token, program):
    w = world
    h = api_token(w.users["staff"])
    api = f"/api/t/{w.a.slug}/checklists"
    r = client.get(f"{api}/templates", headers=h)
    assert r.status_code == 200 and any(t["key"] == "testcl.handbook" and t["chapters"][0] == "支部设置"
                                        for t in r.json())
    r = client.post(f"{api}/checklists", headers=h, json={"template_key": "testcl.handbook",
                                                          "subject_kind": "party_org", "subject_id": "abc"})
    assert r.status_code == 422 and r.json()["extra"]["errors"]["subject_id"] == "检查对象：请选择本辖区的党组织"
    r = client.post(f"{api}/checklists", headers=h, json={"template_key": "testcl.handbook", "title": "API 检查",
                                                          "subject_kind": "party_org", "subject_id": _po(w.a),
                                                          "opened_on": TODAY.isoformat()})
    assert r.status_code == 201, r.text
    body = r.json()
    cid, setup = body["id"], next(i["id"] for i in body["items"] if i["key"] == "setup")
    r = client.post(f"{api}/checklists/{cid}/items/{setup}", headers=h, json={"status": "done"})
    assert r.status_code == 422 and "须上传佐证材料" in r.json()["extra"]["errors"]["status"]
    r = client.post(f"{api}/checklists/{cid}/items/{setup}/evidence", headers=h,
                    files={"file": ("a.png", PNG, "image/png")})
    assert r.status_code == 201, r.text
    r = client.post(f"{api}/checklists/{cid}/items/{setup}", headers=h, json={"status": "done"})
    assert r.status_code == 201 and r.json()["status"] == "done"
    r = client.get(f"{api}/checklists/{cid}", headers=h)
    assert r.json()["progress"]["done"] == 1 and r.json()["progress"]["total"] == 4
    r = client.post(f"{api}/checklists/{cid}/decide", headers=h, json={"action": "fail"})
    assert r.status_code == 422 and "整改意见" in r.json()["extra"]["errors"]["note"]
    r = client.post(f"{api}/checklists/{cid}/decide", headers=h, json={"action": "fail", "note": "三会一课记录不全"})
    assert r.status_code == 201 and r.json()["status"] == "failed"
    r = client.get(f"{api}/progress", headers=h)
    assert r.status_code == 200 and r.json()[-1]["tenant_id"] is None
    hb = api_token(w.users["staff_b"])
    assert client.get(f"/api/t/{w.b.slug}/checklists/checklists/{cid}", headers=hb).status_code == 404
    assert client.post(f"/api/t/{w.b.slug}/checklists/checklists/{cid}/items/{setup}/evidence", headers=hb,
                       files={"file": ("a.png", PNG, "image/png")}).status_code == 404
    hv = api_token(w.users["viewer"])
    assert client.post(f"{api}/checklists/{cid}/decide", headers=hv, json={"action": "reopen"}).status_code == 403
    spec = client.get("/schema/openapi.json").json()
    assert "/api/t/{slug}/checklists/checklists" in spec["paths"]


def test_subject_kind_hook_adds_a_kind(world, user):
    """A program adds a subject kind through register_checklist_subject_kinds."""
    w = world
    from core.registry.models import Cluster

    module = ModuleType("testprog_cl_kinds")
    module.register_checklist_subject_kinds = hookimpl(lambda tenant: [
        model_kind("testkind", "测试对象", Cluster, order=99)])
    from plugins.checklists import service as svc

    with registry().installed(module, "testprog_cl_kinds"):
        kinds = svc.subject_kinds(w.a)
        assert "testkind" in kinds and list(kinds)[:3] == ["cluster", "organization", "party_org"]
        assert isinstance(kinds["testkind"], SubjectKind)
    assert "testkind" not in svc.subject_kinds(w.a)


def test_dashboard_and_standard_templates(world, user):
    w = world
    c = user("staff")
    r = c.get(f"/t/{w.a.slug}/")
    assert r.status_code == 200 and "评估清单" in r.text
    # the standard templates are offered (setting on by default)
    assert "党建联盟“六专”建设" in c.get(f"{base(w.a)}/templates").text
